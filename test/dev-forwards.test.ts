import { once } from "events";
import * as net from "net";
import type * as K from "@kubernetes/client-node";
import {
  FORWARD_WAIT_MS,
  ForwardSet,
  ForwardSpec,
  forwardStatus,
  forwardText,
  goneConnections,
  listenProblem,
  OpenTunnel,
  pickPod,
} from "../dev/forwards";

function pod(
  name: string,
  o: {
    ready?: boolean;
    created?: string;
    deleting?: boolean;
    phase?: string;
    service?: string;
    labels?: Record<string, string>;
    uid?: string;
  } = {},
): K.V1Pod {
  return {
    metadata: {
      name,
      uid: o.uid ?? `uid-${name}`,
      labels: o.labels ?? { "app.kubernetes.io/name": o.service ?? "bank" },
      creationTimestamp: new Date(o.created ?? "2026-12-01T10:00:00Z"),
      ...(o.deleting ? { deletionTimestamp: new Date("2026-12-01T10:05:00Z") } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

const BANK: ForwardSpec = {
  service: "bank",
  port: 8080,
  hostPort: 9000,
  origin: "--forward bank:9000",
};

describe("pickPod: where a new connection goes", () => {
  const old = pod("bank-old", { created: "2026-12-01T10:00:00Z" });
  const fresh = pod("bank-new", { created: "2026-12-01T10:03:00Z" });
  test.each<[string, K.V1Pod[], Partial<ForwardSpec>, string | undefined]>([
    ["the only ready pod", [old], {}, "bank-old"],
    ["a rollout's new pod, once ready, before the old one goes", [old, fresh], {}, "bank-new"],
    [
      "not the new pod while it is not ready",
      [old, pod("bank-new", { ready: false, created: "2026-12-01T10:03:00Z" })],
      {},
      "bank-old",
    ],
    [
      "never a pod being deleted, ready as it may still say",
      [pod("bank-old", { deleting: true })],
      {},
      undefined,
    ],
    [
      "no pod while the only one restarts (not ready)",
      [pod("bank-old", { ready: false })],
      {},
      undefined,
    ],
    ["not a pod still pending", [pod("bank-x", { phase: "Pending" })], {}, undefined],
    ["not another service's pod", [pod("price-1", { service: "price" })], {}, undefined],
    [
      "require running: a running pod that is not ready (a debugger at a breakpoint)",
      [pod("bank-old", { ready: false })],
      { require: "running" },
      "bank-old",
    ],
    [
      "a selector instead of the service's name",
      [pod("dbg-1", { labels: { "localkube.dev/debug": "bank" } })],
      { selector: { "localkube.dev/debug": "bank" } },
      "dbg-1",
    ],
    ["same age: by name", [pod("bank-b"), pod("bank-a")], {}, "bank-a"],
  ])("%s", (_what, pods, spec, expected) => {
    expect(pickPod(pods, { ...BANK, ...spec })?.metadata?.name).toBe(expected);
  });

  test("excluded pods (whose tunnel could not be opened) are skipped", () => {
    expect(pickPod([old, fresh], BANK, new Set(["bank-new"]))?.metadata?.name).toBe("bank-old");
  });
});

describe("goneConnections: open connections whose pod went away", () => {
  const a = new net.Socket();
  const b = new net.Socket();
  const c = new net.Socket();
  const open = new Map([
    [a, { podUid: "uid-bank-1" }],
    [b, { podUid: "uid-bank-2" }],
    [c, { podUid: "uid-bank-3" }],
  ]);
  test("deleted from the watch, finished, or replaced under the same name; a terminating pod drains", () => {
    expect(
      goneConnections(open, [
        pod("bank-1", { deleting: true }),
        pod("bank-2", { phase: "Failed" }),
        pod("bank-3", { uid: "another-uid" }),
      ]),
    ).toEqual([b, c]);
    expect(goneConnections(open, [])).toEqual([a, b, c]);
  });
});

describe("forwardStatus and forwardText", () => {
  test.each<[string, Parameters<typeof forwardStatus>[1], string, string]>([
    [
      "before the loop watches the cluster",
      { connections: 0 },
      "waiting",
      `no ready pod of bank: connections wait up to ${FORWARD_WAIT_MS / 1000} s`,
    ],
    [
      "a ready pod behind it",
      { pods: [pod("bank-1")], connections: 2 },
      "ready",
      "ready (bank-1), 2 open",
    ],
    [
      "no ready pod",
      {
        pods: [pod("bank-1", { ready: false })],
        connections: 1,
        lastError: "bank-0: connection refused",
      },
      "waiting",
      `no ready pod of bank: connections wait up to ${FORWARD_WAIT_MS / 1000} s, 1 open; last: bank-0: connection refused`,
    ],
    [
      "not listening",
      {
        listenError: "127.0.0.1:9000 is in use by python3 (pid 42)",
        pods: [pod("bank-1")],
        connections: 0,
      },
      "failed",
      "not listening: 127.0.0.1:9000 is in use by python3 (pid 42)",
    ],
  ])("%s", (_what, now, state, text) => {
    const s = forwardStatus(BANK, now);
    expect([s.state, s.address, forwardText(s)]).toEqual([state, "127.0.0.1:9000", text]);
  });
});

describe("listenProblem", () => {
  const err = (code: string) => Object.assign(new Error(`listen ${code}`), { code });
  test.each([
    [
      "EADDRINUSE",
      "127.0.0.1:9000 is in use by python3 (pid 42); stop it or forward another host port",
    ],
    [
      "EACCES",
      "127.0.0.1:9000 needs privileges this user does not have (ports below 1024 usually do); choose a port from 1024 up",
    ],
    ["EADDRNOTAVAIL", "127.0.0.1:9000: listen EADDRNOTAVAIL"],
  ])("%s", (code, message) => {
    expect(listenProblem(err(code), 9000, () => "python3 (pid 42)")).toBe(message);
  });
});

// ---- The sockets: real listeners on 127.0.0.1, "pods" that are local servers answering with their name.

/** A pod's port: answers every chunk with `<pod>:<chunk>`. */
async function backend(name: string) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("data", (d) => s.write(`${name}:${d}`));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { name, port: (server.address() as net.AddressInfo).port, server, sockets };
}

/** Tunnels to the backends by pod name; `unreachable` pods reject as a deleted pod does. */
function fakeTunnel(
  backends: Map<string, { port: number }>,
  unreachable = new Set<string>(),
): OpenTunnel & { opened: string[] } {
  const opened: string[] = [];
  const open: OpenTunnel = async (podName, _port, socket) => {
    opened.push(podName);
    if (unreachable.has(podName)) throw new Error(`pods "${podName}" not found`);
    const up = net.connect(backends.get(podName)!.port, "127.0.0.1");
    await once(up, "connect");
    socket.pipe(up);
    up.pipe(socket, { end: false });
    socket.resume();
    return {
      done: new Promise((r) => up.once("close", () => r(undefined))),
      close: () => up.destroy(),
    };
  };
  return Object.assign(open, { opened });
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A client connection: what it received, and whether the far side closed it. */
function client(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  const got: string[] = [];
  socket.on("data", (d) => got.push(String(d)));
  const ended = new Promise<void>((r) => socket.once("end", () => r()));
  socket.on("error", () => undefined);
  return { socket, got, ended };
}

const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("ForwardSet on real sockets", () => {
  let set: ForwardSet;
  let pods: K.V1Pod[];
  const backends = new Map<string, Awaited<ReturnType<typeof backend>>>();
  let spec: ForwardSpec;

  beforeEach(async () => {
    for (const name of ["bank-1", "bank-2"]) backends.set(name, await backend(name));
    pods = [];
    set = new ForwardSet({ waitMs: 1000, holder: () => "a test (pid 1)" });
    spec = { ...BANK, hostPort: await freePort() };
  });
  afterEach(async () => {
    await set.close();
    for (const b of backends.values()) {
      b.sockets.forEach((s) => s.destroy());
      await new Promise((r) => b.server.close(r));
    }
    backends.clear();
  });

  test("each new connection reaches the newest ready pod of that moment; a rollout never breaks the next one", async () => {
    pods = [pod("bank-1")];
    const tunnel = fakeTunnel(backends);
    expect(await set.reconcile("services", [spec])).toEqual([]);
    set.attach({ snapshot: () => ({ pods }) }, tunnel);
    const first = client(spec.hostPort);
    first.socket.write("a");
    await until(() => first.got.join("") === "bank-1:a");
    // The rollout: a new pod becomes ready, the old one is being deleted.
    pods = [pod("bank-1", { deleting: true }), pod("bank-2", { created: "2026-12-01T10:03:00Z" })];
    set.refresh();
    const second = client(spec.hostPort);
    second.socket.write("b");
    await until(() => second.got.join("") === "bank-2:b");
    // The first connection drains on its terminating pod.
    first.socket.write("c");
    await until(() => first.got.join("") === "bank-1:abank-1:c");
    expect(tunnel.opened).toEqual(["bank-1", "bank-2"]);
    await until(() => set.statuses()[0].connections === 2);
    expect(set.statuses()).toEqual([
      {
        service: "bank",
        port: 8080,
        address: `127.0.0.1:${spec.hostPort}`,
        state: "ready",
        pod: "bank-2",
        connections: 2,
        origin: "--forward bank:9000",
      },
    ]);
    first.socket.destroy();
    second.socket.destroy();
  });

  test("a connection made while no pod is ready waits for one, then goes through", async () => {
    pods = [pod("bank-1", { ready: false })];
    await set.reconcile("services", [spec]);
    set.attach({ snapshot: () => ({ pods }) }, fakeTunnel(backends));
    const c = client(spec.hostPort);
    c.socket.write("early");
    await new Promise((r) => setTimeout(r, 100));
    expect(c.got).toEqual([]);
    expect(set.statuses()[0]).toMatchObject({ state: "waiting", connections: 1 });
    pods = [pod("bank-1")];
    set.refresh();
    await until(() => c.got.join("") === "bank-1:early");
    c.socket.destroy();
  });

  test("connections made before the loop watches the cluster wait for it", async () => {
    await set.reconcile("services", [spec]);
    const c = client(spec.hostPort);
    c.socket.write("x");
    await new Promise((r) => setTimeout(r, 50));
    pods = [pod("bank-1")];
    set.attach({ snapshot: () => ({ pods }) }, fakeTunnel(backends));
    await until(() => c.got.join("") === "bank-1:x");
    c.socket.destroy();
  });

  test("no pod within the wait: the connection is closed (not left hanging), and the status says so", async () => {
    await set.reconcile("services", [spec]);
    set.attach({ snapshot: () => ({ pods: [] }) }, fakeTunnel(backends));
    const c = client(spec.hostPort);
    const t0 = Date.now();
    await c.ended;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(2500);
    await until(() => set.statuses()[0].connections === 0);
    expect(set.statuses()[0].problem).toBe("no pod took a connection within 1 s; it was closed");
  });

  test("an open connection to a pod that goes away is closed cleanly; the next one reaches the new pod", async () => {
    pods = [pod("bank-1")];
    await set.reconcile("services", [spec]);
    set.attach({ snapshot: () => ({ pods }) }, fakeTunnel(backends));
    const c = client(spec.hostPort);
    c.socket.write("a");
    await until(() => c.got.length === 1);
    pods = [pod("bank-2")];
    set.refresh();
    await c.ended; // a FIN, not a reset: the client reads everything sent before
    const next = client(spec.hostPort);
    next.socket.write("b");
    await until(() => next.got.join("") === "bank-2:b");
    next.socket.destroy();
  });

  test("the pod closes the connection: the client sees the end", async () => {
    pods = [pod("bank-1")];
    await set.reconcile("services", [spec]);
    set.attach({ snapshot: () => ({ pods }) }, fakeTunnel(backends));
    const c = client(spec.hostPort);
    c.socket.write("a");
    await until(() => c.got.length === 1);
    backends.get("bank-1")!.sockets.forEach((s) => s.end());
    await c.ended;
  });

  test("a pod whose tunnel cannot be opened (deleted meanwhile) is skipped for the next one", async () => {
    pods = [pod("bank-1"), pod("bank-2", { created: "2026-12-01T10:03:00Z" })];
    const tunnel = fakeTunnel(backends, new Set(["bank-2"]));
    await set.reconcile("services", [spec]);
    set.attach({ snapshot: () => ({ pods }) }, tunnel);
    const c = client(spec.hostPort);
    c.socket.write("a");
    await until(() => c.got.join("") === "bank-1:a");
    expect(tunnel.opened).toEqual(["bank-2", "bank-1"]);
    c.socket.destroy();
  });

  test("a port already in use is refused with its holder; the set keeps the rest", async () => {
    const taken = net.createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const problems = await set.reconcile("services", [
        spec,
        { ...BANK, service: "price", hostPort: port, origin: `--forward price:${port}` },
      ]);
      expect(problems).toEqual([
        `--forward price:${port}: 127.0.0.1:${port} is in use by a test (pid 1); stop it or forward another host port`,
      ]);
      expect(set.statuses().map((s) => [s.service, s.state])).toEqual([
        ["bank", "waiting"],
        ["price", "failed"],
      ]);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  test("owners: each one's forwards are kept until it drops them; a dropped forward stops listening", async () => {
    const debugSpec = { ...BANK, hostPort: await freePort(), port: 5678, origin: "debug bank" };
    await set.reconcile("services", [spec]);
    await set.reconcile("debug", [debugSpec]);
    expect(set.statuses().map((s) => s.port)).toEqual([5678, 8080]);
    await set.reconcile("services", []);
    expect(set.statuses().map((s) => s.port)).toEqual([5678]);
    const refused = net.connect(spec.hostPort, "127.0.0.1");
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(err.code).toBe("ECONNREFUSED");
  });

  test("close: the listener and every connection through it end", async () => {
    pods = [pod("bank-1")];
    await set.reconcile("services", [spec]);
    set.attach({ snapshot: () => ({ pods }) }, fakeTunnel(backends));
    const c = client(spec.hostPort);
    c.socket.write("a");
    await until(() => c.got.length === 1);
    await set.close();
    await once(c.socket, "close");
    expect(set.statuses()).toEqual([]);
  });
});
