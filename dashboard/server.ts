import { EventClient } from "./eventClient";
import { randomBytes, createHash, timingSafeEqual } from "crypto";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import type * as K from "@kubernetes/client-node";
import type { EngineListener } from "../dev/engine/engine";
import type { UpdateRecord } from "../dev/engine/state";
import type { StackInfo } from "../dev/stackView";
import type { LogLine } from "../dev/logs";
import type { ForwardStatus } from "../status/forwards";
import type { DebugSession } from "../dev/debug/session";
import type { ServiceRow } from "../status/model";
import { dashboardView } from "./viewModel";

/** What the dashboard needs of the dev loop (its `DevEngine`; a fake in tests). */
export interface DashboardSource {
  readonly lastUpdate?: UpdateRecord;
  currentRows(): readonly ServiceRow[];
  /** The run's forwards. @default none */
  currentForwards?(): readonly ForwardStatus[];
  events(service: string): readonly K.CoreV1Event[];
  stackInfo(): Promise<StackInfo>;
  listen(l: EngineListener): () => void;
  /** Rebuild and redeploy: resolves when the service runs new pods. */
  redeploy(service: string): Promise<void>;
  /** Restart the service's pods. */
  restart(service: string): Promise<void>;
  /** Run the service under its debugger, or stop. */
  debug(service: string, on: boolean): void;
  /** The services wanted under their debugger, and each session. */
  debugState(): {
    readonly wanted: ReadonlySet<string>;
    readonly sessions: ReadonlyMap<string, DebugSession>;
  };
}

export interface DashboardOptions {
  /** Port on 127.0.0.1; 0 picks a free one (tests). */
  readonly port: number;
  /** The per-run token; random when not given. */
  readonly token?: string;
  /** Lines of each service's log kept for pages that connect later. */
  readonly logLines?: number;
  /** Clock of the view model (ages). */
  readonly now?: () => number;
}

/** The one address the dashboard listens on: loopback only. */
export const HOST = "127.0.0.1";
export const TOKEN_HEADER = "x-localkube-token";
const STATIC_DIR = path.join(__dirname, "static");
const STATIC_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};
/** Sent with every answer: nothing of the page may be framed, sniffed or loaded from elsewhere. */
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};
/** Pages get a fresh state at least this often (ages move on while nothing changes). */
const TICK_MS = 5000;
/** Stack facts still missing the cluster's version are asked for again after this long. */
const STACK_RETRY_MS = 10_000;
/** State pushes are coalesced to at most one per this many ms. */
const PUSH_MS = 150;

/**
 * Host headers a request may carry: the dashboard's own loopback names with its port. Anything
 * else is a page of another site that resolved its own name to 127.0.0.1 (DNS rebinding).
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Compares a presented token with the run's, in constant time (of the token's content). */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (typeof presented !== "string") return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/** The actions a page may ask for: `POST /api/services/<name>/<action>`. */
const ACTION =
  /^\/api\/services\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/(rebuild|restart|debug|undebug)$/;

type ActionName = "rebuild" | "restart" | "debug" | "undebug";

/**
 * The dashboard of `npm run dev`: the page (static files, the run's token embedded), a
 * server-sent event stream of the view model and of every log line, and the POST actions. Bound to
 * 127.0.0.1; requests with a foreign Host header are refused, and the stream and every action
 * need the token. {@link DashboardServer.stop} closes every stream and the listening socket.
 */
export class DashboardServer {
  readonly token: string;
  private readonly server: http.Server;
  private readonly clients = new Map<http.ServerResponse, EventClient>();
  private readonly logs = new Map<string, LogLine[]>();
  private readonly files = new Map<string, { type: string; body: Buffer }>();
  private readonly unlisten: () => void;
  private readonly logLines: number;
  private readonly now: () => number;
  private stack: StackInfo;
  private lastConverge?: UpdateRecord;
  private lastUpdate?: UpdateRecord;
  private pushTimer?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  private port = 0;
  private stackAsked = 0;

  private constructor(
    private readonly source: DashboardSource,
    opts: DashboardOptions,
  ) {
    this.token = opts.token ?? randomBytes(32).toString("base64url");
    this.logLines = opts.logLines ?? 1000;
    this.now = opts.now ?? Date.now;
    this.stack = { stack: "", namespace: "" };
    this.lastUpdate = source.lastUpdate;
    if (source.lastUpdate?.kind === "converge") this.lastConverge = source.lastUpdate;
    for (const name of fs.readdirSync(STATIC_DIR)) {
      const type = STATIC_TYPES[path.extname(name)];
      if (type) this.files.set(name, { type, body: fs.readFileSync(path.join(STATIC_DIR, name)) });
    }
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.unlisten = source.listen({
      rows: () => {
        this.schedulePush();
        // The API server's version is known once the loop watches the cluster.
        if (!this.stack.kubernetesVersion && Date.now() - this.stackAsked > STACK_RETRY_MS)
          void this.refreshStack();
      },
      log: (line) => this.onLog(line),
      forwards: () => this.schedulePush(),
      update: (u) => {
        this.lastUpdate = u;
        if (u.kind === "converge") this.lastConverge = u;
        void this.refreshStack();
      },
    });
  }

  /** Listens on 127.0.0.1:`port`; a port in use is an error naming the flags that avoid it. */
  static async start(source: DashboardSource, opts: DashboardOptions): Promise<DashboardServer> {
    const d = new DashboardServer(source, opts);
    await new Promise<void>((resolve, reject) => {
      d.server.once("error", (err: NodeJS.ErrnoException) => {
        d.unlisten();
        reject(
          err.code === "EADDRINUSE"
            ? new Error(
                `the dashboard's port ${opts.port} on ${HOST} is in use; pick another with --ui-port N, or run without it: --no-ui`,
              )
            : err,
        );
      });
      d.server.listen(opts.port, HOST, () => resolve());
    });
    d.port = (d.server.address() as AddressInfo).port;
    d.tick = setInterval(() => d.push(), TICK_MS);
    void d.refreshStack();
    return d;
  }

  /** The address the server's socket is bound to (loopback only). */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  /** Closes every stream and connection and the listening socket. */
  async stop(): Promise<void> {
    this.unlisten();
    clearInterval(this.tick);
    clearTimeout(this.pushTimer);
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The view model now. */
  view() {
    const rows = this.source.currentRows();
    return dashboardView(
      {
        rows,
        stack: this.stack,
        lastConverge: this.lastConverge,
        lastUpdate: this.lastUpdate,
        events: new Map(rows.map((r) => [r.name, this.source.events(r.name)])),
        forwards: this.source.currentForwards?.() ?? [],
        debug: this.source.debugState(),
      },
      this.now(),
    );
  }

  private async refreshStack(): Promise<void> {
    this.stackAsked = Date.now();
    try {
      this.stack = await this.source.stackInfo();
    } catch {
      return; // the stack is not readable now (an update holds it): the next update tries again
    }
    this.push();
  }

  private onLog(line: LogLine): void {
    let lines = this.logs.get(line.service);
    if (!lines) this.logs.set(line.service, (lines = []));
    lines.push(line);
    if (lines.length > this.logLines) lines.splice(0, lines.length - this.logLines);
    for (const c of this.clients.values()) c.send("log", line);
  }

  private schedulePush(): void {
    if (this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.push();
    }, PUSH_MS);
  }

  private push(): void {
    if (this.clients.size === 0) return;
    const view = this.view();
    for (const c of this.clients.values()) c.send("state", view);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!hostAllowed(req.headers.host, this.port))
      return reply(res, 403, { error: `host ${JSON.stringify(req.headers.host ?? "")} refused` });
    const url = new URL(req.url ?? "/", "http://dashboard");
    const action = ACTION.exec(url.pathname);
    if (action) {
      if (req.method !== "POST")
        return reply(res, 405, { error: "actions are POST only" }, { Allow: "POST" });
      const origin = req.headers.origin;
      if (origin !== undefined && !hostAllowed(origin.replace(/^http:\/\//, ""), this.port))
        return reply(res, 403, { error: "cross-origin request refused" });
      if (!tokenMatches(header(req, TOKEN_HEADER), this.token))
        return reply(res, 403, { error: "missing or wrong token" });
      req.resume();
      return void this.act(action[1], action[3] as ActionName, res);
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      return reply(res, 405, { error: "GET only" }, { Allow: "GET" });
    if (url.pathname === "/events") {
      if (!tokenMatches(url.searchParams.get("token") ?? undefined, this.token))
        return reply(res, 403, { error: "missing or wrong token" });
      return this.stream(res);
    }
    const name = url.pathname === "/" ? "index.html" : url.pathname.replace(/^\/static\//, "");
    const file =
      url.pathname === "/" || url.pathname.startsWith("/static/")
        ? this.files.get(name)
        : undefined;
    if (!file) return reply(res, 404, { error: "not found" });
    const body =
      name === "index.html"
        ? Buffer.from(file.body.toString("utf8").replace("%%TOKEN%%", this.token))
        : file.body;
    res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": file.type });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** The event stream: the current state first, then the logs kept so far, then every change. */
  private stream(res: http.ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "Content-Type": "text/event-stream; charset=utf-8",
      Connection: "keep-alive",
    });
    const client = new EventClient(res);
    client.send("state", this.view());
    for (const lines of this.logs.values()) for (const l of lines) client.send("log", l);
    this.clients.set(res, client);
    res.on("close", () => this.clients.delete(res));
  }

  private async act(service: string, action: ActionName, res: http.ServerResponse): Promise<void> {
    const row = this.source.currentRows().find((r) => r.name === service);
    if (!row)
      return reply(res, 404, { error: `no service ${JSON.stringify(service)} in this stack` });
    if (row.kind !== "service")
      return reply(res, 409, {
        error: `${service} is an appliance: it is not built, restarted or debugged here`,
      });
    const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
    if (action === "debug" || action === "undebug") {
      // The session's steps and its address reach the page with the state.
      this.source.debug(service, action === "debug");
      this.schedulePush();
      return reply(res, 202, {
        message:
          action === "debug"
            ? `restarting ${service} under its debugger`
            : `stopping ${service}'s debugger: its Deployment is restored`,
      });
    }
    if (action === "restart") {
      try {
        await this.source.restart(service);
      } catch (err) {
        return reply(res, 409, { error: message(err) });
      }
      return reply(res, 202, { message: `restarting ${service}'s pods` });
    }
    // A rebuild takes a while: answered at once, its outcome told on the stream.
    reply(res, 202, { message: `rebuilding ${service}` });
    this.source.redeploy(service).then(
      () => this.notice({ service, ok: true, text: `${service} rebuilt and redeployed` }),
      (err) => this.notice({ service, ok: false, text: `rebuild of ${service}: ${message(err)}` }),
    );
  }

  /** The outcome of an action that ended after its answer. */
  private notice(n: { service: string; ok: boolean; text: string }): void {
    for (const c of this.clients.values()) c.send("notice", n);
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(
  res: http.ServerResponse,
  status: number,
  body: object,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    ...extra,
  });
  res.end(JSON.stringify(body));
}
