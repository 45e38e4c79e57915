/**
 * Forwards: a port on 127.0.0.1 whose every new connection reaches a port of a pod that is ready
 * at that moment. Each forward is desired state ({@link ForwardSpec}) that a small reconciler keeps
 * true across restarts, rollouts and scale-ups (model: Tilt's portforward controller, minus its
 * one long-lived tunnel): a connection is routed when it arrives, to the pod the cluster's watch
 * says is ready now; one that arrives while no pod is ready waits for one (bounded); an open
 * connection whose pod goes away is closed. Nothing here knows the catalog: the dev loop forwards
 * service ports, and anything else (a debugger's port) can be forwarded the same way.
 *
 * The decisions (which pod, what the status says) are pure functions; the sockets are here, and
 * the tunnel to a pod is given ({@link OpenTunnel}; ./tunnel.ts opens it with the Kubernetes
 * API's port-forward).
 */
import * as net from "net";
import type * as K from "@kubernetes/client-node";
import { findPortHolder, holderText } from "../host/portHolder";
import { LABELS } from "../kube/labels";
import { FORWARD_WAIT_MS, ForwardStatus } from "../status/forwards";

export { FORWARD_WAIT_MS, forwardText } from "../status/forwards";
export type { ForwardStatus } from "../status/forwards";

/** The one address forwards listen on. */
export const FORWARD_HOST = "127.0.0.1";
/** Pods tried for one connection whose tunnel cannot be opened (the pod went away meanwhile). */
const ATTEMPTS = 3;

/** What a forward keeps true: connections to 127.0.0.1:`hostPort` reach `port` of a pod. */
export interface ForwardSpec {
  /** Whose pods take the connections (their `app.kubernetes.io/name`); names the forward. */
  readonly service: string;
  /** The port in the pod. */
  readonly port: number;
  /** The port on 127.0.0.1. */
  readonly hostPort: number;
  /** Pods whose labels hold all of these. @default `{ app.kubernetes.io/name: service }` */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * Which pods may take a connection: ready ones (a service), or any running one (a debugger's
   * port: a process stopped at a breakpoint is not ready). @default "ready"
   */
  readonly require?: "ready" | "running";
  /** Where it was asked for, for messages: `--forward bank:9000`, `services/bank.yaml (ports[0].forward)`. */
  readonly origin: string;
}

/** A byte stream to a pod's port, carrying one client connection. */
export interface Tunnel {
  /** Settles when the tunnel ended: with what the far end said went wrong, if anything. */
  readonly done: Promise<string | undefined>;
  close(): void;
}

/**
 * Opens a tunnel to `port` of `pod` carrying `socket` both ways (it resumes the socket); rejects
 * when it cannot be opened (nothing was read from the socket then).
 */
export type OpenTunnel = (pod: string, port: number, socket: net.Socket) => Promise<Tunnel>;

/** Where the pods are: what the cluster's watch holds now. */
export interface PodSource {
  snapshot(): { readonly pods: readonly K.V1Pod[] };
}

export const forwardAddress = (spec: Pick<ForwardSpec, "hostPort">) =>
  `${FORWARD_HOST}:${spec.hostPort}`;

const deleting = (p: K.V1Pod) => Boolean(p.metadata?.deletionTimestamp);
const isReady = (p: K.V1Pod) =>
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Whether a pod may take a new connection of `spec`. Pure. */
export function podServes(
  pod: K.V1Pod,
  spec: Pick<ForwardSpec, "service" | "selector" | "require">,
): boolean {
  const labels = pod.metadata?.labels ?? {};
  const selector = spec.selector ?? { [LABELS.name]: spec.service };
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  if (deleting(pod) || pod.status?.phase !== "Running") return false;
  return (spec.require ?? "ready") === "running" || isReady(pod);
}

/**
 * The pod a new connection goes to now: the newest of those that may take one (after a rollout
 * or a scale-up that is the new pod; a pod being deleted never takes one), `exclude`d ones aside.
 * Pure.
 */
export function pickPod(
  pods: readonly K.V1Pod[],
  spec: Pick<ForwardSpec, "service" | "selector" | "require">,
  exclude: ReadonlySet<string> = new Set(),
): K.V1Pod | undefined {
  const created = (p: K.V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return pods
    .filter((p) => podServes(p, spec) && !exclude.has(p.metadata?.name ?? ""))
    .sort(
      (a, b) =>
        created(b) - created(a) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)),
    )[0];
}

/**
 * Connections open to pods that are gone: deleted from the watch, finished, or replaced by a pod
 * of the same name (another uid). A pod being deleted keeps its connections while it drains. Pure.
 */
export function goneConnections<T extends { readonly podUid: string }>(
  open: ReadonlyMap<net.Socket, T>,
  pods: readonly K.V1Pod[],
): net.Socket[] {
  const alive = new Set(
    pods
      .filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed")
      .map((p) => p.metadata?.uid),
  );
  return [...open].filter(([, c]) => !alive.has(c.podUid)).map(([s]) => s);
}

/** A forward's status from what it knows. Pure. */
export function forwardStatus(
  spec: ForwardSpec,
  now: {
    /** Why it does not listen, when it does not. */
    readonly listenError?: string;
    /** The watch's pods; undefined before the loop watches the cluster. */
    readonly pods?: readonly K.V1Pod[];
    readonly connections: number;
    readonly lastError?: string;
  },
): ForwardStatus {
  const base = {
    service: spec.service,
    port: spec.port,
    address: forwardAddress(spec),
    connections: now.connections,
    origin: spec.origin,
    ...(spec.require ? { require: spec.require } : {}),
  };
  if (now.listenError) return { ...base, state: "failed", problem: now.listenError };
  const pod = now.pods && pickPod(now.pods, spec);
  const problem = now.lastError ? { problem: now.lastError } : {};
  return pod
    ? { ...base, state: "ready", pod: pod.metadata?.name ?? "", ...problem }
    : { ...base, state: "waiting", ...problem };
}

/** Why a port cannot be listened on, with who holds it. */
export function listenProblem(
  err: NodeJS.ErrnoException,
  hostPort: number,
  holder: (port: number) => string = (p) => holderText(findPortHolder(p)),
): string {
  const address = `${FORWARD_HOST}:${hostPort}`;
  if (err.code === "EADDRINUSE")
    return `${address} is in use by ${holder(hostPort)}; stop it or forward another host port`;
  if (err.code === "EACCES")
    return `${address} needs privileges this user does not have (ports below 1024 usually do); choose a port from 1024 up`;
  return `${address}: ${err.message}`;
}

interface OpenConnection {
  readonly pod: string;
  readonly podUid: string;
  tunnel?: Tunnel;
}

/** One forward: its listening socket and the connections through it. */
class Forward {
  private server?: net.Server;
  private readonly open = new Map<net.Socket, OpenConnection>();
  /** Every accepted socket until it closes (ended ones may still wait for the client's end). */
  private readonly sockets = new Set<net.Socket>();
  private readonly waiting = new Map<net.Socket, { tried: Set<string>; timer: NodeJS.Timeout }>();
  listenError?: string;
  lastError?: string;
  private closed = false;

  constructor(
    readonly spec: ForwardSpec,
    private readonly owner: ForwardSet,
  ) {}

  /** Listens; resolves with why it cannot, if it cannot. */
  listen(holder?: (port: number) => string): Promise<string | undefined> {
    const server = net.createServer({ pauseOnConnect: true }, (s) => this.accept(s));
    return new Promise((resolve) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        this.listenError = listenProblem(err, this.spec.hostPort, holder);
        resolve(this.listenError);
      });
      server.listen({ host: FORWARD_HOST, port: this.spec.hostPort, exclusive: true }, () => {
        this.server = server;
        resolve(undefined);
      });
    });
  }

  get connections(): number {
    return this.open.size + this.waiting.size;
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    // A client that resets its connection is its own business.
    socket.on("error", () => undefined);
    socket.once("close", () => {
      this.sockets.delete(socket);
      const w = this.waiting.get(socket);
      if (w) clearTimeout(w.timer);
      this.waiting.delete(socket);
      this.open.get(socket)?.tunnel?.close();
      this.open.delete(socket);
      this.owner.changed();
    });
    this.route(socket, new Set());
  }

  /** Sends the connection to the pod that takes it now, or makes it wait for one. */
  private route(socket: net.Socket, tried: Set<string>): void {
    if (socket.destroyed || this.closed) return;
    const tunnel = this.owner.tunnel;
    const pods = this.owner.pods();
    const pod = tunnel && pods && pickPod(pods, this.spec, tried);
    if (!tunnel || !pod) {
      this.wait(socket, tried);
      return;
    }
    const name = pod.metadata!.name!;
    const conn: OpenConnection = { pod: name, podUid: pod.metadata?.uid ?? "" };
    this.open.set(socket, conn);
    this.owner.changed();
    tunnel(name, this.spec.port, socket).then(
      (t) => {
        if (socket.destroyed || this.open.get(socket) !== conn) return t.close();
        conn.tunnel = t;
        void t.done.then((why) => {
          if (why) this.lastError = `${name}: ${why}`;
          this.open.delete(socket);
          this.hangUp(socket);
          this.owner.changed();
        });
      },
      (err: Error) => {
        this.open.delete(socket);
        tried.add(name);
        this.lastError = `${name}: ${err.message}`;
        if (tried.size >= ATTEMPTS) socket.destroy();
        else this.route(socket, tried);
        this.owner.changed();
      },
    );
  }

  private wait(socket: net.Socket, tried: Set<string>) {
    if (this.waiting.has(socket)) return;
    const timer = setTimeout(() => {
      this.waiting.delete(socket);
      this.lastError = `no pod took a connection within ${this.owner.waitMs / 1000} s; it was closed`;
      this.hangUp(socket);
      this.owner.changed();
    }, this.owner.waitMs);
    this.waiting.set(socket, { tried, timer });
    this.owner.changed();
  }

  /** The pods changed: waiting connections may go now; connections to gone pods are closed. */
  refresh(pods: readonly K.V1Pod[]) {
    for (const [socket, w] of [...this.waiting]) {
      clearTimeout(w.timer);
      this.waiting.delete(socket);
      this.route(socket, w.tried);
    }
    for (const socket of goneConnections(this.open, pods)) {
      this.open.get(socket)?.tunnel?.close();
      this.open.delete(socket);
      this.hangUp(socket);
    }
  }

  /** Closes a connection cleanly (a FIN after what was sent); what the client still sends is dropped. */
  private hangUp(socket: net.Socket) {
    socket.end();
    socket.unpipe();
    socket.resume();
  }

  status(): ForwardStatus {
    return forwardStatus(this.spec, {
      listenError: this.listenError,
      pods: this.owner.tunnel ? this.owner.pods() : undefined,
      connections: this.connections,
      lastError: this.lastError,
    });
  }

  /** Stops listening and closes every connection through it. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [socket, w] of this.waiting) {
      clearTimeout(w.timer);
      socket.destroy();
    }
    this.waiting.clear();
    for (const [socket, c] of this.open) {
      c.tunnel?.close();
      socket.destroy();
    }
    this.open.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Same desired forward: nothing to do. */
const sameSpec = (a: ForwardSpec, b: ForwardSpec) =>
  a.service === b.service &&
  a.port === b.port &&
  a.require === b.require &&
  JSON.stringify(a.selector ?? {}) === JSON.stringify(b.selector ?? {});

export interface ForwardSetOptions {
  /** How long a connection waits for a pod. @default {@link FORWARD_WAIT_MS} */
  readonly waitMs?: number;
  /** Who holds a port (a message's words). @default read from /proc */
  readonly holder?: (port: number) => string;
}

/**
 * Every forward of a run, by host port: each owner (`services`, a debug session…) says which
 * forwards it wants ({@link reconcile}); the set listens for new ones, closes those nobody wants
 * any more, and routes connections once it has the cluster ({@link attach}).
 */
export class ForwardSet {
  private readonly forwards = new Map<number, Forward>();
  private readonly wanted = new Map<string, readonly ForwardSpec[]>();
  private readonly listeners = new Set<() => void>();
  private source?: PodSource;
  tunnel?: OpenTunnel;
  readonly waitMs: number;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: ForwardSetOptions = {}) {
    this.waitMs = options.waitMs ?? FORWARD_WAIT_MS;
  }

  /** The cluster is known: connections are routed from now on (those waiting go now). */
  attach(source: PodSource, tunnel: OpenTunnel): void {
    this.source = source;
    this.tunnel = tunnel;
    this.refresh();
  }

  pods(): readonly K.V1Pod[] | undefined {
    return this.source?.snapshot().pods;
  }

  /**
   * Makes `owner`'s forwards these: new ones listen, changed ones listen anew, ones no owner wants
   * any more close. Resolves with a problem per forward that cannot listen (`origin: why`).
   */
  async reconcile(owner: string, specs: readonly ForwardSpec[]): Promise<string[]> {
    if (this.stopped) return [];
    this.wanted.set(owner, specs);
    const desired = new Map<number, ForwardSpec>();
    for (const list of this.wanted.values())
      for (const s of list) if (!desired.has(s.hostPort)) desired.set(s.hostPort, s);
    const closing: Promise<void>[] = [];
    for (const [port, f] of this.forwards)
      if (!desired.has(port) || !sameSpec(desired.get(port)!, f.spec) || f.listenError) {
        this.forwards.delete(port);
        closing.push(f.close());
      }
    await Promise.all(closing);
    const problems: string[] = [];
    for (const [port, spec] of desired) {
      const kept = this.forwards.get(port);
      if (kept) continue;
      const f = new Forward(spec, this);
      this.forwards.set(port, f);
      const why = await f.listen(this.options.holder);
      if (why) problems.push(`${spec.origin}: ${why}`);
    }
    this.changed();
    return problems;
  }

  /** The pods changed (the cluster's watch): route waiting connections, close stale ones. */
  refresh(): void {
    const pods = this.pods();
    if (!pods) return;
    for (const f of this.forwards.values()) f.refresh(pods);
    this.changed();
  }

  statuses(): ForwardStatus[] {
    return [...this.forwards.values()]
      .map((f) => f.status())
      .sort((a, b) => a.service.localeCompare(b.service) || a.port - b.port);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something changed: listeners hear of it once per burst. */
  changed(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.listeners.forEach((l) => l());
    }, 50);
  }

  /** Stops every forward; their connections are closed. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.listeners.clear();
    await Promise.all([...this.forwards.values()].map((f) => f.close()));
    this.forwards.clear();
  }
}
