/**
 * The developer loop on a real kind cluster: `npm run dev -- bank --local bank,price` runs in the
 * background as a user would start it; the tests edit the project's files and watch what is served,
 * what the status says and what the logs show. Ctrl-C (SIGINT to the process the suite started)
 * ends it; the stack stays up and converged.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as ui from "./dashboard";
import * as grpc from "./grpc";
import * as h from "./harness";

const STACK = "lk-e2e-dev";
/** The dashboard of the session the tests start (not the default port: a developer's may run). */
const DASHBOARD_PORT = 10351;
/** bank's forward on the laptop (`--forward bank:19080`); rates' is its catalog's `forward: 50051`. */
const BANK_FORWARD = 19080;
const RATES_FORWARD = 50051;
let dir: string;
let dev: ChildProcess | undefined;
/** Every line the dev process printed (stdout and stderr), in order. */
const output: string[] = [];
const timings: Record<string, number> = {};

/** Starts `npm run dev` (node + ts-node, no shell, no npm in between: the pid is the loop's own). */
function startDev(args: string[]): ChildProcess {
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "cli/dev.ts", ...args],
    {
      cwd: dir,
      env: h.toolEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const log = fs.createWriteStream(path.join(h.ARTIFACTS, "logs", `dev-${Date.now()}.log`));
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = "";
    stream.on("data", (b: Buffer) => {
      log.write(b);
      const lines = (partial + b.toString()).split("\n");
      partial = lines.pop() ?? "";
      output.push(...lines);
    });
  }
  return child;
}

/** Resolves with the first line (printed after `from`) that matches, or fails after `timeoutMs`. */
async function line(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = output.slice(from).find((l) => re.test(l));
    if (found) return found;
    if (Date.now() > end)
      throw new Error(
        `no line matching ${re} within ${timeoutMs / 1000} s; last lines:\n${output.slice(-40).join("\n")}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

const edit = (file: string, from: string | RegExp, to: string) => {
  const f = path.join(dir, file);
  const text = fs.readFileSync(f, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file}: nothing to replace for ${from}`);
  fs.writeFileSync(f, next);
};

async function pods(
  app: string,
): Promise<{ name: string; uid: string; ready: boolean; image: string }[]> {
  const r = await h.kubectl([
    "get",
    "pods",
    "-n",
    "localkube",
    "-l",
    `app.kubernetes.io/name=${app}`,
    "-o",
    "json",
  ]);
  return (JSON.parse(r.stdout).items as any[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      ready: (p.status.conditions ?? []).some(
        (c: any) => c.type === "Ready" && c.status === "True",
      ),
      image: p.spec.containers[0].image,
    }));
}

/**
 * What `app`'s Service sends traffic to: its pods (terminating ones too) and the addresses its
 * EndpointSlices list as ready. A rollout has settled when both name the same `replicas` ready pods.
 */
async function serving(app: string) {
  const all = await h.kubectl([
    "get",
    "pods",
    "-n",
    "localkube",
    "-l",
    `app.kubernetes.io/name=${app}`,
    "-o",
    "json",
  ]);
  const slices = await h.kubectl([
    "get",
    "endpointslices",
    "-n",
    "localkube",
    "-l",
    `kubernetes.io/service-name=${app}`,
    "-o",
    "json",
  ]);
  const pods = (JSON.parse(all.stdout).items as any[]).map((p) => ({
    ip: p.status.podIP as string | undefined,
    terminating: Boolean(p.metadata.deletionTimestamp),
    ready: (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
  }));
  const endpoints = (JSON.parse(slices.stdout).items as any[])
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready)
    .flatMap((e) => e.addresses as string[]);
  return { pods, endpoints: endpoints.sort() };
}

const settled = (replicas: number) => (s: Awaited<ReturnType<typeof serving>>) =>
  s.pods.length === replicas &&
  s.pods.every((p) => p.ready && !p.terminating) &&
  JSON.stringify(s.endpoints) === JSON.stringify(s.pods.map((p) => p.ip).sort());

const priceVersion = async (maxSeconds = 10) => {
  const r = await h.httpGet("price.localhost", "/", h.E2E.httpPort, maxSeconds);
  return r.status === 200 ? (JSON.parse(r.body).version as string) : `HTTP ${r.status}`;
};

/**
 * Polls an answer through the ingress after a rollout, for up to 10 s: the ingress controller
 * learns the old pod is gone a moment after the rollout ends (Traefik applies provider changes at
 * most every 200 ms), and a request it still sends there waits on a dial nobody answers.
 */
function afterRollout<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  return h.eventually(probe, ok, 10_000, 200);
}

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = (Date.now() - t0) / 1000;
  }
}

beforeAll(async () => {
  await h.ensureToolchain();
  await h.seedRegistry();
  dir = h.projectCopy("dev");
  await h.initStack(dir, STACK, h.localE2eConfig());
}, 90 * 60_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) dev.kill("SIGKILL");
  fs.writeFileSync(path.join(h.ARTIFACTS, "dev-timings.json"), JSON.stringify(timings, null, 2));
  console.log(`dev loop timings (s): ${JSON.stringify(timings)}`);
  await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]);
}, 20 * 60_000);

test(
  "npm run dev -- bank rates --local bank,price,rates --forward bank:19080: converges, one progress line per step, then every service ready with its URL and each forward with its pod",
  async () => {
    dev = startDev([
      "bank",
      "rates",
      "--local",
      "bank,price,rates",
      "--forward",
      `bank:${BANK_FORWARD}`,
      "--stack",
      STACK,
      "--logs",
      "price",
      "--ui-port",
      String(DASHBOARD_PORT),
    ]);
    await timed("cold start to ready", async () => {
      await line(/^✔ converging \(npm run dev\): done in [\d.]+ s$/, 15 * 60_000);
      await line(/^bank: ready 1\/1, http:\/\/bank\.localhost$/, 120_000);
      await line(/^price: ready 1\/1, http:\/\/price\.localhost$/, 120_000);
      await line(/^rates: ready 1\/1, http:\/\/rates\.localhost$/, 120_000);
      await line(/^postgres: ready 1\/1$/, 120_000);
      // The command line's forward of bank, and the catalog's of rates (`ports[0].forward`).
      await line(
        new RegExp(
          `^forward 127\\.0\\.0\\.1:${BANK_FORWARD} → bank:8080: ready \\(bank-[-a-z0-9]+\\)$`,
        ),
        120_000,
      );
      await line(
        new RegExp(
          `^forward 127\\.0\\.0\\.1:${RATES_FORWARD} → rates:50051: ready \\(rates-[-a-z0-9]+\\)$`,
        ),
        120_000,
      );
    });
    expect(output).toContainEqual(
      expect.stringMatching(/^bank +built +sha256:[0-9a-f]{12} +[\d.]+ s$/),
    );
    expect(output).toContainEqual(expect.stringMatching(/^price +deployed +[\d.]+ s$/));
    // One progress line per service and finished step of the cold converge, no more, no fewer.
    const cold = output.slice(
      0,
      output.findIndex((l) => /^✔ converging/.test(l)),
    );
    const count = (service: string, step: string) =>
      cold.filter((l) => new RegExp(`^${service} +${step} `).test(l)).length;
    const steps: [string, string[]][] = [
      ["bank", ["built", "deployed", "ready"]],
      ["price", ["built", "deployed", "ready"]],
      ["rates", ["built", "deployed", "ready"]],
      ["bank-migrate", ["ready"]],
      ["postgres", ["deployed", "ready"]],
    ];
    for (const [service, done] of steps)
      for (const step of done)
        expect([service, step, count(service, step)]).toEqual([service, step, 1]);
    expect(output).toContain("  bank     http://bank.localhost");
    // The selection was saved into the stack's config, as `pulumi up -c` would save it.
    const config = await h.must(
      "pulumi",
      ["config", "--json", "--stack", STACK, "--non-interactive"],
      { cwd: dir },
    );
    expect(JSON.parse(config.stdout)["localkube:services"].value).toBe("bank,rates");
    expect(JSON.parse(config.stdout)["localkube:local"].value).toBe("bank,price,rates");
    expect(await priceVersion()).toBe("price v1");
  },
  20 * 60_000,
);

test(
  "(a) live update: a save of price's app.py is served without an image build, in the same pod",
  async () => {
    const priceBefore = await pods("price");
    const bankBefore = await pods("bank");
    const from = output.length;
    await timed("save to new answer (live update)", async () => {
      edit("services/price/app.py", 'VERSION = "price v1"', 'VERSION = "price v2"');
      expect(await h.eventually(priceVersion, (v) => v === "price v2", 60_000, 100)).toBe(
        "price v2",
      );
    });
    await line(/^price: synced 1 file, [\d.]+ s \(services\/price\/app\.py\)$/, 30_000, from);
    await line(/^price: live-updated \(1 file on [0-9a-f]{12}\) 1\/1/, 30_000, from);
    // No build, no push: the same pods (and containers) answer with the new code.
    expect(
      output.slice(from).filter((l) => /^(price|bank) +(building|built|deploying)/.test(l)),
    ).toEqual([]);
    expect(await pods("price")).toEqual(priceBefore);
    expect(await pods("bank")).toEqual(bankBefore);
  },
  10 * 60_000,
);

test(
  "(a) live update: a new synced file appears in the container, a deleted one is gone from it",
  async () => {
    const file = path.join(dir, "services/price/static/holiday.txt");
    fs.writeFileSync(file, "Closed on 25 December.\n");
    const served = await h.eventually(
      () => h.httpGet("price.localhost", "/static/holiday.txt"),
      (r) => r.status === 200,
      30_000,
      200,
    );
    expect(JSON.parse(served.body)).toEqual({
      file: "holiday.txt",
      text: "Closed on 25 December.\n",
    });
    const from = output.length;
    fs.rmSync(file);
    fs.rmSync(path.join(dir, "services/price/static/notice.txt"));
    await line(/^price: deleted 2, [\d.]+ s /, 30_000, from);
    const pod = (
      await h.kubectl([
        "get",
        "pods",
        "-n",
        "localkube",
        "-l",
        "app.kubernetes.io/name=price",
        "-o",
        "jsonpath={.items[0].metadata.name}",
      ])
    ).stdout;
    const listing = await h.kubectl([
      "exec",
      "-n",
      "localkube",
      pod,
      "--",
      "ls",
      "-A",
      "/app/static",
    ]);
    expect(listing.stdout).toBe("");
    expect((await h.httpGet("price.localhost", "/static/notice.txt")).status).toBe(404);
  },
  5 * 60_000,
);

test(
  "(a) a save of price's Dockerfile: rebuilt and rolled (the output names the file); bank is neither rebuilt nor restarted",
  async () => {
    const priceBefore = await pods("price");
    const bankBefore = await pods("bank");
    const from = output.length;
    await timed("save to new pods serving (rebuild)", async () => {
      edit(
        "services/price/Dockerfile",
        "EXPOSE 8080",
        "EXPOSE 8080\nLABEL org.opencontainers.image.title=price",
      );
      await line(
        /^price: rebuilding the image: services\/price\/Dockerfile is the build's Dockerfile$/,
        30_000,
        from,
      );
      await line(
        /^✔ updating price \(services\/price\/Dockerfile\): done in [\d.]+ s$/,
        180_000,
        from,
      );
    });
    expect(output.slice(from)).toContainEqual(
      expect.stringMatching(/^price +built +sha256:[0-9a-f]{12}/),
    );
    // The fast path: the image set through the API, not a pulumi up.
    expect(output.slice(from)).toContain("price  set image of Deployment price");
    expect(output.slice(from).filter((l) => /through pulumi up/.test(l))).toEqual([]);
    const after = await pods("price");
    expect(after.map((p) => p.uid)).not.toEqual(priceBefore.map((p) => p.uid));
    expect(after[0].image).not.toBe(priceBefore[0].image);
    // The image was built from the checkout: it serves what was live-updated before.
    expect(
      await afterRollout(
        () => priceVersion(2),
        (v) => v === "price v2",
      ),
    ).toBe("price v2");
    expect(
      output.slice(from).filter((l) => /^bank +(building|built|deploying|deployed)/.test(l)),
    ).toEqual([]);
    expect(await pods("bank")).toEqual(bankBefore);
  },
  10 * 60_000,
);

/** bank's migration Job as the cluster runs it: its image and when its pod finished. */
async function migration(): Promise<{ image: string; uid: string; succeeded: number }> {
  const r = await h.kubectl(["get", "job", "bank-migrate", "-n", "localkube", "-o", "json"]);
  const j = JSON.parse(r.stdout);
  return {
    image: j.spec.template.spec.containers[0].image,
    uid: j.metadata.uid,
    succeeded: j.status.succeeded ?? 0,
  };
}

test(
  "(a) a save of bank's migrate.py (no sync rule): the fast path runs bank-migrate again with the new image, then rolls bank",
  async () => {
    const jobBefore = await migration();
    const bankBefore = await pods("bank");
    const from = output.length;
    await timed("save to bank's new pods (fast path with its migration)", async () => {
      edit("services/bank/migrate.py", "Idempotent:", "Idempotent (checked by the dev loop):");
      await line(
        /^✔ updating bank \(services\/bank\/migrate\.py\): done in [\d.]+ s$/,
        180_000,
        from,
      );
    });
    const lines = output.slice(from);
    const job = lines.indexOf("bank  set image of Job bank-migrate");
    const deployment = lines.indexOf("bank  set image of Deployment bank");
    expect([job >= 0, deployment > job]).toEqual([true, true]);
    const jobAfter = await migration();
    const bankAfter = await pods("bank");
    expect(jobAfter.uid).not.toBe(jobBefore.uid);
    expect(jobAfter.succeeded).toBe(1);
    expect(jobAfter.image).toBe(bankAfter[0].image);
    expect(bankAfter[0].image).not.toBe(bankBefore[0].image);
    const healthz = () => h.httpGet("bank.localhost", "/healthz", h.E2E.httpPort, 2);
    expect((await afterRollout(healthz, (r) => r.status === 200)).status).toBe(200);
  },
  10 * 60_000,
);

test(
  "(a) after fast saves, a plain pulumi up converges with no conflict and restarts nothing; then it has nothing to change",
  async () => {
    const bankBefore = await pods("bank");
    const priceBefore = await pods("price");
    const up = await h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", STACK]);
    expect(up.stderr).not.toMatch(/conflict/i);
    expect(up.code).toBe(0);
    // The images are reproducible: the engine builds the digests the fast saves pushed.
    expect(await pods("bank")).toEqual(bankBefore);
    expect(await pods("price")).toEqual(priceBefore);
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    expect(noop.code).toBe(0);
  },
  10 * 60_000,
);

test(
  "(b) replicas: 2 in price.yaml: a converge, two ready pods, and the status says 2/2",
  async () => {
    const from = output.length;
    edit("services/price.yaml", "replicas: 1", "replicas: 2");
    await line(/^▶ converging \(services\/price\.yaml\)$/, 30_000, from);
    await line(/^price: ready 2\/2, http:\/\/price\.localhost$/, 180_000, from);
    expect((await pods("price")).filter((p) => p.ready)).toHaveLength(2);
  },
  10 * 60_000,
);

test(
  "(c) price crashes at start: the status names the crash and its last log line; the fix makes it ready again",
  async () => {
    const from = output.length;
    edit("services/price.yaml", "QUOTE_CURRENCY: USD", "QUOTE_CURRENCY: XYZ");
    await line(/^price +deploying$/, 60_000, from);
    const rolling = Date.now();
    const problem = await line(
      /^price: problem: .*price: unknown QUOTE_CURRENCY XYZ/,
      180_000,
      from,
    );
    timings["crash named after the rollout started"] = (Date.now() - rolling) / 1000;
    expect(timings["crash named after the rollout started"]).toBeLessThanOrEqual(30);
    expect(problem).toMatch(/exited with code 1/);
    const fixedFrom = output.length;
    edit("services/price.yaml", "QUOTE_CURRENCY: XYZ", "QUOTE_CURRENCY: USD");
    edit("services/price/app.py", 'VERSION = "price v2"', 'VERSION = "price v3"');
    await line(/^price: ready 2\/2, http:\/\/price\.localhost$/, 180_000, fixedFrom);
    expect(await h.eventually(priceVersion, (v) => v === "price v3", 60_000, 500)).toBe("price v3");
    // The rollout goes on after the first new pod answers; rates calls price next (g), and a call
    // sent to a pod that is shutting down waits for its timeout. Wait for the old pods to be gone
    // and the Service to list exactly the two new ones.
    const now = await h.eventually(() => serving("price"), settled(2), 120_000, 500);
    const pod = { ip: expect.any(String), terminating: false, ready: true };
    expect(now.pods).toEqual([pod, pod]);
    expect(now.endpoints).toEqual(now.pods.map((p) => p.ip).sort());
  },
  15 * 60_000,
);

test(
  "(d) --logs follows price across restarts and rollouts: the new instances' first lines are shown",
  async () => {
    await line(/^price \| price v3 listening on :8080$/, 60_000);
    // The first instance's start, its live-updated process's restarts, the rebuilt pods' starts.
    expect(output).toContain("price | price v1 listening on :8080");
    expect(
      output.filter((l) => l === "price | price v2 listening on :8080").length,
    ).toBeGreaterThanOrEqual(3);
    expect(output).toContainEqual(
      expect.stringMatching(
        /^price \| price: unknown QUOTE_CURRENCY XYZ; known: CHF, EUR, GBP, JPY, USD$/,
      ),
    );
  },
  5 * 60_000,
);

// ---- Reaching services: gRPC through the ingress, and forwards that survive restarts.

/** A client's call through a forward: when it started, how long it took, how it ended. */
interface Call {
  readonly start: number;
  readonly ms: number;
  readonly error?: string;
}

/** Each call's own limit: a call through a forward must end by then, whatever the pods do. */
const CALL_TIMEOUT_MS = 3000;

/** GET /healthz of bank through its forward, on a new connection; fails on anything but a 200 in time. */
function bankThroughForward(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: BANK_FORWARD, path: "/healthz", agent: false },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on("error", reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end();
  });
}

/** A client that calls bank through its forward every `everyMs` until stopped. */
function keepCalling(everyMs: number) {
  const calls: Call[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const start = Date.now();
      try {
        await bankThroughForward();
        calls.push({ start, ms: Date.now() - start });
      } catch (err) {
        calls.push({ start, ms: Date.now() - start, error: (err as Error).message });
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    calls,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Waits (bounded) until a ready pod of `app` that is none of `before` runs and none of `before`
 * is left; resolves with its name and when the test saw it (the dev loop's watch sees it first:
 * the test asks through `kubectl` in the node, which takes longer).
 */
async function replaced(app: string, before: readonly string[], timeoutMs: number) {
  const now = await h.eventually(
    () => pods(app),
    (ps) =>
      ps.some((p) => p.ready && !before.includes(p.name)) &&
      !ps.some((p) => before.includes(p.name) && p.ready),
    timeoutMs,
    200,
  );
  const fresh = now.find((p) => p.ready && !before.includes(p.name));
  if (!fresh) throw new Error(`no new ready pod of ${app} within ${timeoutMs / 1000} s`);
  return { name: fresh.name, at: Date.now() };
}

/** What a disruption did to the client: calls after the new pod was ready that failed, the longest call. */
function verdict(calls: readonly Call[], readyAt: number) {
  const after = calls.filter((c) => c.start >= readyAt);
  return {
    failedAfterReady: after.filter((c) => c.error).map((c) => c.error),
    enoughCallsAfterReady: after.length >= 5,
    longestWithinTimeout: Math.max(...calls.map((c) => c.ms)) <= CALL_TIMEOUT_MS + 1000,
  };
}

test(
  "(g) gRPC through the ingress: rates answers a real gRPC client at rates.localhost on 127.0.0.1:80, and lists its services by reflection",
  async () => {
    const address = `127.0.0.1:${h.E2E.httpPort}`;
    const [ratesPod] = await pods("rates");
    // Single shots: rates and its Ingress have been ready since the first converge.
    const q = await timed("gRPC call through the ingress", () =>
      grpc.quote(address, "eur", { authority: "rates.localhost" }),
    );
    expect(q).toEqual({ pair: "EUR/USD", rate: 1.08, servedBy: ratesPod.name });
    // What `grpcurl -plaintext -authority rates.localhost 127.0.0.1:80 list` asks.
    expect(await grpc.listServices(address, { authority: "rates.localhost" })).toEqual([
      "rates.v1.Rates",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
    await expect(
      grpc.quote(address, "xyz", { authority: "rates.localhost" }),
    ).rejects.toMatchObject({ code: 5, details: "unknown currency XYZ" });
  },
  5 * 60_000,
);

test(
  "(h) forwards: bank on 127.0.0.1:19080 and rates (gRPC) on 127.0.0.1:50051; a client calling bank while its pod is deleted: every call after the new pod is ready succeeds, none hangs past its timeout, the same forward serves throughout",
  async () => {
    const [ratesPod] = await pods("rates");
    expect(await grpc.quote(`127.0.0.1:${RATES_FORWARD}`, "GBP")).toEqual({
      pair: "GBP/USD",
      rate: 1.27,
      servedBy: ratesPod.name,
    });
    await bankThroughForward();

    const before = (await pods("bank")).map((p) => p.name);
    const from = output.length;
    const client = keepCalling(100);
    await new Promise((r) => setTimeout(r, 1000));
    await h.kubectl(["delete", "pod", "-n", "localkube", "--wait=false", ...before]);
    const fresh = await timed("bank pod deleted to its replacement ready", () =>
      replaced("bank", before, 120_000),
    );
    await new Promise((r) => setTimeout(r, 5000));
    await client.stop();
    const v = verdict(client.calls, fresh.at);
    timings["forward: calls failed while bank had no ready pod (pod deleted)"] =
      client.calls.filter((c) => c.error).length;
    timings["forward: calls after the new pod was ready (pod deleted)"] = client.calls.filter(
      (c) => c.start >= fresh.at,
    ).length;
    expect(v).toEqual({
      failedAfterReady: [],
      enoughCallsAfterReady: true,
      longestWithinTimeout: true,
    });
    // The status names the new pod behind the forward; the loop that serves it is the same process.
    await line(
      new RegExp(
        `^forward 127\\.0\\.0\\.1:${BANK_FORWARD} → bank:8080: ready \\(${fresh.name}\\)$`,
      ),
      30_000,
      from,
    );
    expect(dev!.exitCode).toBeNull();
  },
  10 * 60_000,
);

test(
  "(h) a forward to a port already in use is refused before anything runs, naming the process that holds it",
  async () => {
    const holder = fs.readFileSync(`/proc/${dev!.pid}/comm`, "utf8").trim();
    const r = await h.run(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "cli/dev.ts",
        "bank",
        "--forward",
        `bank:${BANK_FORWARD}`,
        "--stack",
        STACK,
        "--no-ui",
      ],
      { cwd: dir, timeoutMs: 120_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toContain(
      `cannot forward: npm run dev: --forward bank:${BANK_FORWARD}: 127.0.0.1:${BANK_FORWARD} is in use by ${holder} (pid ${dev!.pid}); stop it or forward another host port`,
    );
  },
  5 * 60_000,
);

// ---- The dashboard of the running session, in a real headless Chromium (test/e2e/dashboard.ts).
describe("dashboard", () => {
  const url = `http://127.0.0.1:${DASHBOARD_PORT}`;
  let page: ui.Dashboard | undefined;
  const uids = async () => (await pods("price")).map((p) => p.uid);

  beforeAll(async () => {
    page = await ui.openDashboard(url);
  }, 5 * 60_000);
  afterAll(() => ui.closeDashboard(page), 60_000);

  test(
    "its URL is printed first; bank, price and postgres are listed ready, grouped, with working links",
    async () => {
      expect(output[0]).toBe(`dashboard: ${url}`);
      const { groups, links } = await ui.servicesReadyWithLinks(
        page!,
        ["postgres", "bank", "price"],
        60_000,
      );
      expect(groups).toEqual([
        ["appliances", "postgres"],
        ["payments", "bank"],
        ["services", "price", "rates"],
      ]);
      expect(links).toEqual({ bank: "http://bank.localhost", price: "http://price.localhost" });
      const stack = await ui.stackPanel(page!, 120_000);
      expect(stack).toMatchObject({
        cluster: `kind ${h.E2E.cluster}`,
        registry: h.registryAddress(),
        ingress: "traefik",
        namespace: "localkube",
      });
      expect(stack.kubernetes).toMatch(/^v1\.\d+\.\d+$/);
      expect(stack.lastConverge).toMatch(/^converge \(.+\) succeeded in [\d.]+ s$/);
    },
    5 * 60_000,
  );

  test(
    "the forwards panel lists bank's and rates' forwards, each with a ready pod behind it",
    async () => {
      expect(await ui.forwardsShown(page!, 60_000)).toEqual([
        [`127.0.0.1:${BANK_FORWARD}`, "bank:8080", "ready"],
        [`127.0.0.1:${RATES_FORWARD}`, "rates:50051", "ready"],
      ]);
    },
    5 * 60_000,
  );

  test(
    "(h) Restart pods of bank while a client calls through its forward: every call after the new pod is ready succeeds, none hangs",
    async () => {
      const before = (await pods("bank")).map((p) => p.name);
      const client = keepCalling(100);
      await new Promise((r) => setTimeout(r, 1000));
      await ui.select(page!, "bank");
      await page!.page.locator('button[data-action="restart"]').click();
      const fresh = await timed("bank rollout restart to the new pod ready, old gone", () =>
        replaced("bank", before, 180_000),
      );
      await new Promise((r) => setTimeout(r, 5000));
      await client.stop();
      timings["forward: calls failed during bank's rollout"] = client.calls.filter(
        (c) => c.error,
      ).length;
      timings["forward: calls after the new pod was ready (rollout)"] = client.calls.filter(
        (c) => c.start >= fresh.at,
      ).length;
      expect(verdict(client.calls, fresh.at)).toEqual({
        failedAfterReady: [],
        enoughCallsAfterReady: true,
        longestWithinTimeout: true,
      });
      expect(await ui.forwardsShown(page!, 60_000)).toContainEqual([
        `127.0.0.1:${BANK_FORWARD}`,
        "bank:8080",
        "ready",
      ]);
    },
    10 * 60_000,
  );

  test(
    "the logs panel shows what price printed at start, and filters it",
    async () => {
      await ui.logLineShown(page!, "price", "price v3 listening on :8080", 60_000);
      const shot = await ui.screenshot(page!, "dashboard");
      expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    },
    5 * 60_000,
  );

  test(
    "the rebuild button rolls price: new pods, ready again on the page",
    async () => {
      await timed("dashboard rebuild to new pods ready", () =>
        ui.rebuildRolls(page!, "price", uids, 180_000),
      );
    },
    5 * 60_000,
  );

  test(
    "a crash at start turns price to problem with its message; the fix makes it ready",
    async () => {
      const crash = 'raise SystemExit("price: missing PRICE_FEED_URL")\n    ';
      edit(
        "services/price/app.py",
        'print(f"{VERSION} listening',
        `${crash}print(f"{VERSION} listening`,
      );
      try {
        const message = await timed("dashboard: save to problem shown", () =>
          ui.problemShown(page!, "price", /price: missing PRICE_FEED_URL/, 180_000),
        );
        expect(message).toMatch(/exited with code 1/);
        await ui.screenshot(page!, "dashboard-problem");
      } finally {
        edit("services/price/app.py", crash, ""); // the next tests start from price v3 either way
      }
      await ui.waitForState(page!, "price", "ready", 180_000);
      expect(await h.eventually(priceVersion, (v) => v === "price v3", 60_000, 500)).toBe(
        "price v3",
      );
    },
    10 * 60_000,
  );
});

test(
  "(e) Ctrl-C: exit 0, no process left behind, the stack stays up; a plain pulumi up restarts nothing and leaves nothing to change",
  async () => {
    const exited = new Promise<number | null>((resolve) =>
      dev!.on("exit", (code) => resolve(code)),
    );
    dev!.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(h.lines("pgrep", ["-f", dir])).toEqual([]);
    expect(await priceVersion()).toBe("price v3");
    // The dashboard's rebuild went the fast path: the engine catches up without a restart.
    const priceBefore = await pods("price");
    const up = await h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", STACK]);
    expect(up.code).toBe(0);
    expect(await pods("price")).toEqual(priceBefore);
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    expect(noop.code).toBe(0);
  },
  10 * 60_000,
);

test(
  "(f) --ci: exit 0 on the healthy stack; non-zero, naming the image, when a service's image does not exist",
  async () => {
    const ok = await timed("--ci on a healthy stack", () =>
      h.run(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "cli/dev.ts", "--ci", "--stack", STACK],
        { cwd: dir },
      ),
    );
    expect(ok.stdout).toContain("all services ready");
    expect(ok.code).toBe(0);

    const missing = h.mirrored("localkube-e2e/price:1").replace(/price:1$/, "price:does-not-exist");
    await h.must(
      "pulumi",
      [
        "config",
        "set",
        "--stack",
        STACK,
        "localkube:images.overrides",
        JSON.stringify({ price: missing }),
        "--non-interactive",
      ],
      { cwd: dir },
    );
    const bad = await timed("--ci with an image that does not exist", () =>
      h.run(
        process.execPath,
        [
          "-r",
          "ts-node/register/transpile-only",
          "cli/dev.ts",
          "bank",
          "--local",
          "bank",
          "--ci",
          "--timeout",
          "5m",
          "--stack",
          STACK,
        ],
        { cwd: dir },
      ),
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain(missing);
    // Put it back: the stack converges again.
    await h.must(
      "pulumi",
      ["config", "rm", "--stack", STACK, "localkube:images.overrides", "--non-interactive"],
      { cwd: dir },
    );
    const back = await h.run(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "cli/dev.ts",
        "bank",
        "--local",
        "bank,price",
        "--ci",
        "--stack",
        STACK,
      ],
      { cwd: dir },
    );
    expect(back.code).toBe(0);
  },
  20 * 60_000,
);
