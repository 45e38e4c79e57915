import * as http from "http";
import * as net from "net";
import * as os from "os";
import { DashboardServer, DashboardSource, hostAllowed, tokenMatches } from "../dashboard/server";
import type { EngineListener } from "../dev/engine/engine";
import type { StackInfo } from "../dev/stackView";
import { ServiceRow } from "../status/model";

const TOKEN = "test-token-0123456789";

const price: ServiceRow = {
  name: "price",
  group: "",
  kind: "service",
  source: { kind: "built", digest: "0123456789ab" },
  ready: 1,
  desired: 1,
  restarts: 0,
  url: "http://price.localhost",
  state: "ready",
  pods: [],
};

/** A session stand-in: records the actions, lets the test emit rows and log lines. */
class FakeSession implements DashboardSource {
  readonly calls: string[] = [];
  readonly listeners: EngineListener[] = [];
  rows: ServiceRow[] = [price];
  restartError?: string;
  redeployError?: string;
  lastUpdate = { kind: "converge" as const, trigger: "npm run dev", seconds: 12, ok: true };
  currentRows() {
    return this.rows;
  }
  events() {
    return [];
  }
  async stackInfo(): Promise<StackInfo> {
    return { stack: "local", namespace: "localkube", kubeContext: "kind-localkube" };
  }
  listen(l: EngineListener) {
    this.listeners.push(l);
    return () => this.listeners.splice(this.listeners.indexOf(l), 1);
  }
  async redeploy(service: string) {
    this.calls.push(`rebuild ${service}`);
    if (this.redeployError) throw new Error(this.redeployError);
  }
  async restart(service: string) {
    if (this.restartError) throw new Error(this.restartError);
    this.calls.push(`restart ${service}`);
  }
  readonly wanted = new Set<string>();
  debug(service: string, on: boolean) {
    this.calls.push(`${on ? "debug" : "undebug"} ${service}`);
    if (on) this.wanted.add(service);
    else this.wanted.delete(service);
  }
  debugState() {
    return { wanted: this.wanted, sessions: new Map() };
  }
}

let session: FakeSession;
let server: DashboardServer;
let port: number;

beforeEach(async () => {
  session = new FakeSession();
  server = await DashboardServer.start(session, { port: 0, token: TOKEN });
  port = Number(new URL(server.url).port);
});

afterEach(() => server.stop());

/** A raw request, so that the Host header is exactly what the test says. */
function request(
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        agent: false,
        method,
        path: urlPath,
        headers: { host: `127.0.0.1:${port}`, ...headers },
      },
      (res) => {
        let body = "";
        res.on("data", (b) => (body += b));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Opens the event stream and resolves with its events once `count` have arrived. */
function events(
  count: number,
  urlPath = `/events?token=${TOKEN}`,
): Promise<{ res: http.IncomingMessage; events: { event: string; data: any }[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: urlPath, headers: { host: `localhost:${port}` } },
      (res) => {
        const got: { event: string; data: any }[] = [];
        let buffer = "";
        res.on("data", (b) => {
          buffer += b;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)![1];
            got.push({ event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) });
            if (got.length === count) resolve({ res, events: got });
          }
        });
      },
    );
    req.on("error", reject);
  });
}

test("hostAllowed: only the dashboard's loopback names with its port", () => {
  expect(hostAllowed("127.0.0.1:10350", 10350)).toBe(true);
  expect(hostAllowed("localhost:10350", 10350)).toBe(true);
  expect(hostAllowed("evil.example", 10350)).toBe(false);
  expect(hostAllowed("evil.example:10350", 10350)).toBe(false);
  expect(hostAllowed("localhost", 10350)).toBe(false);
  expect(hostAllowed("127.0.0.1:10351", 10350)).toBe(false);
  expect(hostAllowed("localhost.evil.example:10350", 10350)).toBe(false);
  expect(hostAllowed(undefined, 10350)).toBe(false);
});

test("tokenMatches: the exact token only", () => {
  expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
  expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
  expect(tokenMatches(TOKEN.slice(1), TOKEN)).toBe(false);
  expect(tokenMatches("", TOKEN)).toBe(false);
  expect(tokenMatches(undefined, TOKEN)).toBe(false);
});

test("listens on 127.0.0.1 only; a random token per run when none is given", async () => {
  expect(server.url).toBe(`http://127.0.0.1:${port}`);
  // The bound socket itself: loopback, not every interface.
  expect(server.address()).toEqual({ address: "127.0.0.1", family: "IPv4", port });
  // Nothing answers on another address of this machine at that port.
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
  if (external)
    await expect(
      new Promise((resolve, reject) => {
        const c = net.connect({ host: external, port }, () => resolve(c.end()));
        c.on("error", reject);
      }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });
  const other = await DashboardServer.start(session, { port: 0 });
  const another = await DashboardServer.start(session, { port: 0 });
  try {
    expect(other.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(other.token).not.toBe(another.token);
  } finally {
    await Promise.all([other.stop(), another.stop()]);
  }
});

test("the page: served for localhost and 127.0.0.1 with the run's token embedded; 403 for evil.example", async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const page = await request("GET", "/", { host });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain(`<meta name="localkube-token" content="${TOKEN}" />`);
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  }
  for (const host of ["evil.example", `evil.example:${port}`]) {
    const refused = await request("GET", "/", { host });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain(TOKEN);
  }
  expect((await request("GET", "/static/app.js")).status).toBe(200);
  expect((await request("GET", "/static/app.js", { host: "evil.example" })).status).toBe(403);
  expect((await request("GET", "/static/../server.ts")).status).toBe(404);
  expect((await request("GET", "/static/%2e%2e%2fserver.ts")).status).toBe(404);
  expect((await request("GET", "/nothing")).status).toBe(404);
});

test("actions: POST with the token runs them; missing or wrong token 403; GET 405; unknown service 404", async () => {
  const post = (path: string, headers: Record<string, string> = {}) =>
    request("POST", path, headers);
  expect(await post("/api/services/price/rebuild", { "x-localkube-token": TOKEN })).toMatchObject({
    status: 202,
    body: JSON.stringify({ message: "rebuilding price" }),
  });
  expect(await post("/api/services/price/restart", { "x-localkube-token": TOKEN })).toMatchObject({
    status: 202,
    body: JSON.stringify({ message: "restarting price's pods" }),
  });
  expect(session.calls).toEqual(["rebuild price", "restart price"]);

  expect((await post("/api/services/price/rebuild")).status).toBe(403);
  expect((await post("/api/services/price/rebuild", { "x-localkube-token": "nope" })).status).toBe(
    403,
  );
  expect(
    (await post(`/api/services/price/rebuild?token=${TOKEN}`)).status, // only the header counts
  ).toBe(403);
  expect(
    (
      await post("/api/services/price/rebuild", {
        "x-localkube-token": TOKEN,
        host: "evil.example",
      })
    ).status,
  ).toBe(403);
  expect(
    (
      await post("/api/services/price/rebuild", {
        "x-localkube-token": TOKEN,
        origin: "http://evil.example",
      })
    ).status,
  ).toBe(403);
  const get = await request("GET", "/api/services/price/rebuild", { "x-localkube-token": TOKEN });
  expect(get.status).toBe(405);
  expect(get.headers.allow).toBe("POST");
  expect((await post("/api/services/nope/rebuild", { "x-localkube-token": TOKEN })).status).toBe(
    404,
  );
  expect(session.calls).toEqual(["rebuild price", "restart price"]);

  session.restartError = "price has no Deployment to restart";
  expect(await post("/api/services/price/restart", { "x-localkube-token": TOKEN })).toMatchObject({
    status: 409,
    body: JSON.stringify({ error: "price has no Deployment to restart" }),
  });
  expect(
    (
      await post("/api/services/price/rebuild", {
        "x-localkube-token": TOKEN,
        origin: `http://localhost:${port}`,
      })
    ).status,
  ).toBe(202);
});

test("debug and undebug: POST with the token; the service's session follows on the stream", async () => {
  const headers = { "x-localkube-token": TOKEN };
  expect(await request("POST", "/api/services/price/debug", headers)).toMatchObject({
    status: 202,
    body: JSON.stringify({ message: "restarting price under its debugger" }),
  });
  expect(server.view().groups[0].services[0].debug).toEqual({
    wanted: true,
    text: "waiting for its Deployment",
    failed: false,
  });
  expect(await request("POST", "/api/services/price/undebug", headers)).toMatchObject({
    status: 202,
    body: JSON.stringify({ message: "stopping price's debugger: its Deployment is restored" }),
  });
  expect((await request("POST", "/api/services/price/debug")).status).toBe(403);
  expect(session.calls).toEqual(["debug price", "undebug price"]);
  expect(server.view().groups[0].services[0].debug).toEqual({
    wanted: false,
    text: "",
    failed: false,
  });
});

test("a rebuild is answered at once, its outcome told on the stream; appliances are not acted on", async () => {
  session.rows = [price, { ...price, name: "postgres", group: "appliances", kind: "appliance" }];
  const stream = events(2);
  await new Promise((r) => setTimeout(r, 50));
  session.redeployError = "the update of price failed: build failed";
  const headers = { "x-localkube-token": TOKEN };
  expect((await request("POST", "/api/services/price/rebuild", headers)).status).toBe(202);
  const got = await stream;
  expect(got.events[1]).toEqual({
    event: "notice",
    data: {
      service: "price",
      ok: false,
      text: "rebuild of price: the update of price failed: build failed",
    },
  });
  got.res.destroy();
  for (const action of ["rebuild", "restart", "debug"])
    expect(await request("POST", `/api/services/postgres/${action}`, headers)).toMatchObject({
      status: 409,
      body: JSON.stringify({
        error: "postgres is an appliance: it is not built, restarted or debugged here",
      }),
    });
  expect(session.calls).toEqual(["rebuild price"]);
});

test("the event stream: the token is required; the current state first, then kept log lines, then changes", async () => {
  expect((await request("GET", "/events")).status).toBe(403);
  expect((await request("GET", "/events?token=wrong")).status).toBe(403);

  session.listeners.forEach((l) =>
    l.log?.({
      service: "price",
      pod: "price-1",
      container: "price",
      text: "price v1 listening on :8080",
    }),
  );
  const first = await events(2);
  expect(first.res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
  expect(first.events[0].event).toBe("state");
  // The page's state, checked against what the session holds (not against the server's own view).
  expect(first.events[0].data.groups.map((g: any) => g.services.map((x: any) => x.name))).toEqual([
    ["price"],
  ]);
  expect(first.events[0].data.groups[0].services[0]).toMatchObject({
    name: "price",
    state: "ready",
  });
  expect(first.events[0].data.stack.lastConverge).toEqual({
    text: "converge (npm run dev) succeeded in 12.0 s",
    ok: true,
  });
  expect(first.events[1]).toEqual({
    event: "log",
    data: {
      service: "price",
      pod: "price-1",
      container: "price",
      text: "price v1 listening on :8080",
    },
  });
  first.res.destroy();

  // A new page gets the state first; a change of the rows and a new line follow.
  const live = events(4);
  await new Promise((r) => setTimeout(r, 50));
  session.rows = [{ ...price, state: "problem", problem: { message: "boom", terminal: true } }];
  session.listeners.forEach((l) => l.rows?.(session.rows));
  session.listeners.forEach((l) =>
    l.log?.({ service: "price", pod: "price-2", container: "price", text: "second" }),
  );
  const got = await live;
  expect(got.events.map((e) => e.event)).toEqual(["state", "log", "log", "state"]);
  expect(got.events[2].data.text).toBe("second");
  expect(got.events[3].data.groups[0].services[0]).toMatchObject({
    state: "problem",
    problem: { message: "boom" },
  });
  got.res.destroy();
});

test("stop: open streams end, the port is released and the session is no longer listened to", async () => {
  const open = await events(1);
  const ended = new Promise<void>((resolve) => open.res.on("close", () => resolve()));
  expect(session.listeners).toHaveLength(1);
  await server.stop();
  await ended;
  expect(session.listeners).toHaveLength(0);
  await expect(request("GET", "/")).rejects.toThrow(/ECONNREFUSED/);
  // The same port can be taken again at once.
  server = await DashboardServer.start(session, { port, token: TOKEN });
  expect((await request("GET", "/")).status).toBe(200);
});

test("a port in use: an error naming the flags that avoid it", async () => {
  await expect(DashboardServer.start(session, { port, token: TOKEN })).rejects.toThrow(
    `the dashboard's port ${port} on 127.0.0.1 is in use; pick another with --ui-port N, or run without it: --no-ui`,
  );
  expect(session.listeners).toHaveLength(1);
});
