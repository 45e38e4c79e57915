/**
 * What an editor does when it attaches to a service that `npm run dev -- --debug` runs under its
 * debugger, in the runtime's own protocol: the Debug Adapter Protocol (DAP, as VS Code speaks it to
 * debugpy and to Delve's headless server) and the Chrome DevTools Protocol (CDP, Node.js's
 * inspector). Each round trip attaches, sets a breakpoint, sends a request that reaches it, reads
 * the stopped frame's local variables, continues, and returns what the request answered.
 */
import * as net from "net";
import WebSocket from "ws";

/** Where a breakpoint stopped and the frame's local variables (name → value as the debugger shows it). */
export interface Stop {
  /** The stopped frame's file as the debugger names it (a DAP client sees its local path). */
  readonly file: string;
  readonly line: number;
  readonly locals: Readonly<Record<string, string>>;
}

/** A request that reaches the breakpoint: started while the debugger waits, awaited after it continues. */
export type Trigger<T> = () => Promise<T>;

/** Rejects after `ms` with what was awaited. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A request that ended (answered or failed) before the debugger stopped it: the round trip's failure. */
async function unpaused(answer: Promise<unknown>): Promise<never> {
  let outcome: string;
  try {
    outcome = `it was answered: ${JSON.stringify(await answer).slice(0, 300)}`;
  } catch (err) {
    outcome = `it failed: ${(err as Error).message}`;
  }
  throw new Error(`the request did not stop at the breakpoint: ${outcome}`);
}

interface DapMessage {
  readonly seq: number;
  readonly type: "request" | "response" | "event";
  readonly command?: string;
  readonly event?: string;
  readonly request_seq?: number;
  readonly success?: boolean;
  readonly message?: string;
  readonly body?: any;
}

/** A Debug Adapter Protocol client over TCP: `Content-Length` framed JSON messages. */
export class DapClient {
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, (m: DapMessage) => void>();
  private readonly events: DapMessage[] = [];
  private readonly eventWaiters: { name: string; resolve: (m: DapMessage) => void }[] = [];
  /** Every message, both ways, for the failure message of a test. */
  readonly transcript: string[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (b: Buffer) => this.receive(b));
  }

  static connect(port: number, host = "127.0.0.1"): Promise<DapClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new DapClient(socket)));
      socket.once("error", reject);
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(
        /Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1],
      );
      if (this.buffer.length < end + 4 + length) return;
      const text = this.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.transcript.push(`<- ${text}`);
      const m = JSON.parse(text) as DapMessage;
      if (m.type === "response") this.pending.get(m.request_seq!)?.(m);
      else if (m.type === "event") {
        const i = this.eventWaiters.findIndex((w) => w.name === m.event);
        if (i >= 0) this.eventWaiters.splice(i, 1)[0].resolve(m);
        else this.events.push(m);
      } else if (m.type === "request" && m.command === "runInTerminal") {
        this.write({ type: "response", request_seq: m.seq, command: m.command, success: false });
      }
    }
  }

  private write(m: object): number {
    const seq = ++this.seq;
    const text = JSON.stringify({ seq, ...m });
    this.transcript.push(`-> ${text}`);
    this.socket.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    return seq;
  }

  /** Sends a request; the promise holds its response's body (rejects with the adapter's message). */
  request(command: string, args?: object): Promise<any> {
    return new Promise((resolve, reject) => {
      const seq = this.write({ type: "request", command, ...(args ? { arguments: args } : {}) });
      this.pending.set(seq, (m) => {
        this.pending.delete(seq);
        if (m.success) resolve(m.body ?? {});
        else
          reject(new Error(`DAP ${command}: ${m.message ?? "failed"} ${JSON.stringify(m.body)}`));
      });
    });
  }

  /** The next event of that name (one that came already, else the next to come). */
  event(name: string, timeoutMs: number): Promise<any> {
    const i = this.events.findIndex((e) => e.event === name);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0].body ?? {});
    const next = new Promise<DapMessage>((resolve) => this.eventWaiters.push({ name, resolve }));
    return within(
      next.then((m) => m.body ?? {}),
      timeoutMs,
      `DAP event ${name}`,
    );
  }

  close(): void {
    this.socket.destroy();
  }
}

/** How an editor attaches: the `attach` request's arguments (the launch.json entry's, less VS Code's own keys). */
export interface DapAttach {
  readonly adapterID: "debugpy" | "go";
  readonly attach: Record<string, unknown>;
}

/**
 * DAP (debugpy, Delve): initialize, attach with the editor's arguments, set a breakpoint at
 * `file:line` (the editor's own path: the attach arguments map it to the container's), send the
 * request, read the stopped frame's locals, continue, clear the breakpoint and disconnect (the
 * program keeps running).
 */
export async function dapRoundTrip<T>(opts: {
  readonly port: number;
  readonly how: DapAttach;
  readonly file: string;
  readonly line: number;
  readonly trigger: Trigger<T>;
  readonly timeoutMs?: number;
}): Promise<{ stop: Stop; answer: T; transcript: readonly string[] }> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const dap = await DapClient.connect(opts.port);
  try {
    await within(
      dap.request("initialize", {
        clientID: "localkube-e2e",
        adapterID: opts.how.adapterID,
        pathFormat: "path",
        linesStartAt1: true,
        columnsStartAt1: true,
      }),
      timeoutMs,
      "DAP initialize",
    );
    // debugpy answers `attach` only after configurationDone; Delve at once: wait for it at the end.
    const attached = dap.request("attach", opts.how.attach);
    attached.catch(() => undefined);
    await dap.event("initialized", timeoutMs);
    const set = await dap.request("setBreakpoints", {
      source: { path: opts.file },
      breakpoints: [{ line: opts.line }],
    });
    const bp = (set.breakpoints ?? [])[0];
    if (!bp?.verified && bp?.message) throw new Error(`breakpoint not set: ${bp.message}`);
    await dap.request("configurationDone");
    await within(attached, timeoutMs, "DAP attach");

    const answer = opts.trigger();
    const stopped = await Promise.race([dap.event("stopped", timeoutMs), unpaused(answer)]);
    const threadId = stopped.threadId as number;
    const { stackFrames } = await dap.request("stackTrace", { threadId, startFrame: 0, levels: 1 });
    const frame = stackFrames[0];
    const { scopes } = await dap.request("scopes", { frameId: frame.id });
    const localScope = scopes.find((s: any) => /^locals$/i.test(s.name)) ?? scopes[0];
    const { variables } = await dap.request("variables", {
      variablesReference: localScope.variablesReference,
    });
    const locals: Record<string, string> = {};
    for (const v of variables) locals[v.name] = v.value;
    await dap.request("continue", { threadId });
    const result = await within(answer, timeoutMs, "the request after continue");
    // As an editor does when its breakpoints are removed: a multi-client Delve keeps a departed
    // client's breakpoints, and a later request (another service calling this one) would stop.
    await dap.request("setBreakpoints", { source: { path: opts.file }, breakpoints: [] });
    await dap.request("disconnect", { terminateDebuggee: false }).catch(() => undefined);
    return {
      stop: { file: frame.source?.path ?? "", line: frame.line, locals },
      answer: result,
      transcript: dap.transcript,
    };
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nDAP transcript:\n${dap.transcript.slice(-30).join("\n")}`,
    );
  } finally {
    dap.close();
  }
}

/** A Chrome DevTools Protocol session over the inspector's WebSocket. */
class CdpClient {
  private id = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: any) => void; reject: (e: Error) => void }
  >();
  private readonly waiters: { method: string; resolve: (p: any) => void }[] = [];
  /** Each script's URL by its id (`Debugger.scriptParsed`), to name a paused frame's file. */
  readonly scripts = new Map<string, string>();
  readonly transcript: string[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = data.toString();
      if (!text.includes('"Debugger.scriptParsed"'))
        this.transcript.push(`<- ${text.slice(0, 400)}`);
      const m = JSON.parse(text);
      if (m.id !== undefined) {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error) p?.reject(new Error(`CDP: ${m.error.message}`));
        else p?.resolve(m.result);
      } else {
        if (m.method === "Debugger.scriptParsed") this.scripts.set(m.params.scriptId, m.params.url);
        const i = this.waiters.findIndex((w) => w.method === m.method);
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m.params);
      }
    });
  }

  /** Connects to the first target the inspector at 127.0.0.1:port lists (`/json/list`). */
  static async connect(port: number): Promise<CdpClient> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    if (targets.length === 0) throw new Error(`the inspector at 127.0.0.1:${port} lists no target`);
    const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new CdpClient(ws);
  }

  send(method: string, params: object = {}): Promise<any> {
    const id = ++this.id;
    const text = JSON.stringify({ id, method, params });
    this.transcript.push(`-> ${text}`);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(text);
    });
  }

  next(method: string, timeoutMs: number): Promise<any> {
    return within(
      new Promise((resolve) => this.waiters.push({ method, resolve })),
      timeoutMs,
      `CDP ${method}`,
    );
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * CDP (Node.js): attach to the inspector, set a breakpoint by the script's URL in the container
 * (`file:///app/server.js`), send the request, read the paused frame's local scope, resume.
 * Closing the session removes its breakpoint; the program keeps running.
 */
export async function cdpRoundTrip<T>(opts: {
  readonly port: number;
  /** The script as the runtime knows it: `file://` + its path in the container. */
  readonly url: string;
  /** 1-based, as an editor shows it. */
  readonly line: number;
  readonly trigger: Trigger<T>;
  readonly timeoutMs?: number;
}): Promise<{ stop: Stop; answer: T }> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const cdp = await CdpClient.connect(opts.port);
  try {
    await cdp.send("Runtime.enable");
    await cdp.send("Debugger.enable");
    const bp = await cdp.send("Debugger.setBreakpointByUrl", {
      url: opts.url,
      lineNumber: opts.line - 1,
    });
    if ((bp.locations ?? []).length === 0)
      throw new Error(`breakpoint at ${opts.url}:${opts.line} resolved to no location`);
    const paused = cdp.next("Debugger.paused", timeoutMs);
    const answer = opts.trigger();
    const { callFrames } = await Promise.race([paused, unpaused(answer)]);
    const frame = callFrames[0];
    const local = frame.scopeChain.find((s: any) => s.type === "local");
    const { result } = await cdp.send("Runtime.getProperties", {
      objectId: local.object.objectId,
      ownProperties: true,
    });
    const locals: Record<string, string> = {};
    for (const p of result)
      locals[p.name] =
        p.value?.value !== undefined ? String(p.value.value) : String(p.value?.description);
    await cdp.send("Debugger.resume");
    const response = await within(answer, timeoutMs, "the request after resume");
    return {
      stop: {
        file: cdp.scripts.get(frame.location.scriptId) ?? frame.url,
        line: frame.location.lineNumber + 1,
        locals,
      },
      answer: response,
    };
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nCDP transcript:\n${cdp.transcript.slice(-30).join("\n")}`,
    );
  } finally {
    cdp.close();
  }
}
