/**
 * Replicated services on a real kind cluster: rollouts under load, a disruption budget, an
 * autoscaler. One local stack with a catalog of its own, three services on the published price
 * image (which stops at SIGTERM, as most servers do; steady and abrupt listen 2 s after their
 * container starts, as most services take a moment to):
 *   - steady: 2 replicas, readiness probe, preStop sleep, surge-first rollouts, minAvailable 1;
 *   - abrupt: 2 replicas, neither probe nor preStop;
 *   - busy:   autoscaled 1–3 at 50% of a 20m CPU request, a 30 s scale-down window.
 * metrics-server is the toolchain's stand-in (built from the Go module proxy).
 *
 * What it proves: `--check-rollout` passes for steady and fails for abrupt (exit 1, 5xx counted),
 * also with pods evicted one by one; the status and the dashboard show the HPA scaling busy from
 * 1 to ≥ 2 under a CPU load; a `pulumi up` that changes busy while scaled leaves its replicas to the
 * HPA; busy scales back to 1; removing autoscale converges without a field conflict; the PDB
 * refuses the eviction of steady's last ready pod. Not proven here: the topology spread across
 * nodes (the e2e cluster has one node; unit tests check the rendered constraint).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ui from "./dashboard";
import * as h from "./harness";

const STACK = "lk-e2e-replicas";
const DASHBOARD_PORT = 10352;
const METRICS_SERVER = "localkube-e2e/metrics-server:v0.9.0";
const METRICS_MIRROR = `${h.registryAddress()}/mirror/metrics-server:v0.9.0`;
const NS = "localkube";
let dir: string;
let catalog: string;
const timings: Record<string, number | string> = {};
/** Every line the dev processes printed, per session. */
const sessions: string[][] = [];
/** Every `npm run dev` the tests started: afterAll ends those still running. */
const devs: ChildProcess[] = [];
let burn: Promise<h.Run> | undefined;

const PRICE_IMAGE = `image: { repository: "${h.registryAddress()}/mirror/price", tag: "1" }`;
const HTTP = "ports: [{ name: http, containerPort: 8080, servicePort: 80 }]";
/** Like most services, it takes a moment to listen after its container starts (here 2 s). */
const SLOW_START = `command: [/bin/sh, -c, "sleep 2; exec python3 -u /app/app.py"]`;
const READINESS =
  "probes: { readiness: { httpGet: { path: /healthz, port: http }, periodSeconds: 1 } }";
const RESOURCES = "resources: { requests: { cpu: 20m, memory: 32Mi }, limits: { memory: 128Mi } }";

const FILES: Record<string, string> = {
  "steady.yaml": [
    "description: Two replicas that start and stop without losing a request",
    PRICE_IMAGE,
    SLOW_START,
    HTTP,
    "replicas: 2",
    RESOURCES,
    READINESS,
    "lifecycle: { preStop: { sleep: { seconds: 5 } } }",
    "terminationGracePeriodSeconds: 15",
    "strategy: { maxSurge: 1, maxUnavailable: 0 }",
    "disruptionBudget: { minAvailable: 1 }",
    "ingress: { host: steady }",
  ].join("\n"),
  "abrupt.yaml": [
    "description: The same service without a readiness probe or a preStop hook",
    PRICE_IMAGE,
    SLOW_START,
    HTTP,
    "replicas: 2",
    RESOURCES,
    "ingress: { host: abrupt }",
  ].join("\n"),
  "busy.yaml": busy("autoscale: { min: 1, max: 3, cpu: 50, scaleDownWindowSeconds: 30 }"),
};

function busy(...extra: string[]): string {
  return [
    "description: Scales with its CPU use",
    PRICE_IMAGE,
    HTTP,
    RESOURCES,
    READINESS,
    ...extra,
  ].join("\n");
}

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = (Date.now() - t0) / 1000;
  }
}

const up = () => h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", STACK]);

async function convergingUp(name: string) {
  const r = await timed(name, up);
  if (r.code !== 0)
    throw new Error(
      `${name}: pulumi up failed:\n${(r.stdout + r.stderr).split("\n").slice(-60).join("\n")}`,
    );
  return r;
}

/** `npm run dev` as a user starts it (node + ts-node: the pid is the loop's own). */
function startDev(args: string[]): { child: ChildProcess; lines: string[]; exit: Promise<number> } {
  const lines: string[] = [];
  sessions.push(lines);
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "cli/dev.ts", ...args],
    {
      cwd: dir,
      env: h.toolEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const log = fs.createWriteStream(
    path.join(h.ARTIFACTS, "logs", `replicas-dev-${Date.now()}.log`),
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = "";
    stream.on("data", (b: Buffer) => {
      log.write(b);
      const all = (partial + b.toString()).split("\n");
      partial = all.pop() ?? "";
      lines.push(...all);
    });
  }
  devs.push(child);
  const exit = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return { child, lines, exit };
}

async function line(lines: string[], re: RegExp, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find((l) => re.test(l));
    if (found) return found;
    if (Date.now() > end)
      throw new Error(
        `no line matching ${re} within ${timeoutMs / 1000} s; last lines:\n${lines.slice(-30).join("\n")}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `kubectl get -o json` through the control-plane node (the suite's way to read the cluster). */
async function get(args: string[]): Promise<any> {
  const r = await h.kubectl(["get", "-n", NS, ...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl get ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const deploymentOf = (name: string) => get(["deployment", name]);
const replicasOf = async (name: string) =>
  ((await deploymentOf(name)).spec?.replicas as number) ?? 0;

async function readyPods(app: string): Promise<string[]> {
  const pods = await get(["pods", "-l", `app.kubernetes.io/name=${app}`]);
  return (pods.items as any[])
    .filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
    )
    .map((p) => p.metadata.name as string);
}

/**
 * A POST to the Eviction API (what a node drain sends for each pod): `ok`, or the API server's
 * refusal as kubectl prints it.
 */
async function evict(pod: string): Promise<{ ok: boolean; message: string }> {
  const body = JSON.stringify({
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: pod, namespace: NS },
  });
  const r = await h.kubectl(
    ["create", "--raw", `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, "-f", "-"],
    h.E2E.cluster,
    body,
  );
  return { ok: r.code === 0, message: r.code === 0 ? "" : r.stderr.trim() };
}

/**
 * A CPU load in one pod of busy: 20 ms of work in every 50 ms (0.4 of a core, 20× its request)
 * for `seconds`, through the container's own python3. Returns when it ends.
 */
async function startBurn(seconds: number): Promise<void> {
  const [pod] = await readyPods("busy");
  const script = [
    "import time",
    `end = time.time() + ${seconds}`,
    "while time.time() < end:",
    "    t = time.time()",
    "    while time.time() - t < 0.02: pass",
    "    time.sleep(0.03)",
  ].join("\n");
  burn = h.kubectl(["exec", "-n", NS, pod, "--", "python3", "-c", script]);
}

beforeAll(async () => {
  await h.ensureToolchain();
  await h.seedRegistry();
  // The metrics-server stand-in is pushed by this scenario only: no other one installs it.
  await h.must("docker", [
    "tag",
    METRICS_SERVER,
    METRICS_MIRROR.replace("localhost:", "127.0.0.1:"),
  ]);
  await h.must("docker", ["push", METRICS_MIRROR.replace("localhost:", "127.0.0.1:")]);
  dir = h.projectCopy("replicas");
  catalog = path.join(dir, "replicas-services");
  fs.mkdirSync(catalog, { recursive: true });
  for (const [name, text] of Object.entries(FILES))
    fs.writeFileSync(path.join(catalog, name), `${text}\n`);
  await h.initStack(dir, STACK, {
    ...h.localE2eConfig(),
    "localkube:catalogDir": catalog,
    "localkube:services": "steady,abrupt,busy",
    "localkube:metricsServer.image": METRICS_MIRROR,
    // Traefik's own Ingress provider: its NGINX provider (class nginx) in v3.6.12 drops the
    // "terminating" mark of endpoints, so a pod in its preStop keeps its share of requests until
    // its process has exited and its readiness probe failed (docs/replicas.md).
    "localkube:ingress.className": "traefik",
  });
  await convergingUp("cold up (3 services, metrics-server)");
}, 90 * 60_000);

afterAll(async () => {
  for (const child of devs) if (child.exitCode === null) child.kill("SIGKILL");
  const traefik = await h.kubectl(["logs", "-n", "traefik", "deploy/traefik", "--tail", "400"]);
  fs.writeFileSync(path.join(h.ARTIFACTS, "replicas-traefik.log"), traefik.stdout + traefik.stderr);
  fs.writeFileSync(
    path.join(h.ARTIFACTS, "replicas-timings.json"),
    JSON.stringify(timings, null, 2),
  );
  console.log(`replicas timings (s): ${JSON.stringify(timings)}`);
  await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]);
  await burn; // ends with its pod, at the latest with the cluster
}, 20 * 60_000);

test(
  "steady's pods evicted one by one under load lose no request; meanwhile busy scales from 1 to ≥ 2 under a CPU load, as the status lines and the dashboard show",
  async () => {
    const session = startDev([
      "--stack",
      STACK,
      "--no-watch",
      "--ui-port",
      String(DASHBOARD_PORT),
      "--check-rollout",
      "steady",
      "--disruption",
      "delete-pods",
    ]);
    let report: string;
    try {
      await line(session.lines, /^dashboard: /, 60_000);
      // The load starts with the check (the loop checks once every service is ready).
      await line(session.lines, /^steady: checking under a steady stream of requests/, 180_000);
      const loaded = Date.now();
      await startBurn(240);
      report = await timed("delete-pods check (2 pods)", () =>
        line(session.lines, /^steady: pod deletions in /, 180_000),
      );
      const page = await ui.openDashboard(`http://127.0.0.1:${DASHBOARD_PORT}`);
      try {
        // The HPA's decision on the page: its summary under the ready count, its reason in the detail.
        const summary = page.page.locator('tr[data-service="busy"] .autoscale');
        await summary
          .filter({ hasText: /autoscaled ([23] pods|1 → [23] pods|2 → 3 pods)/ })
          .waitFor({ timeout: 180_000 });
        timings["load start → busy scaled, as the page shows"] = (Date.now() - loaded) / 1000;
        await ui.select(page, "busy");
        const detail = (await page.page.locator("#detail-autoscale").textContent()) ?? "";
        expect(detail).toMatch(/^autoscaled .* \(1–3\), CPU \d+% of 50%: \w+: /);
        await ui.screenshot(page, "replicas-dashboard");
      } finally {
        await ui.closeDashboard(page);
      }
      expect(await replicasOf("busy")).toBeGreaterThanOrEqual(2);
      // The CI-style status lines (a pipe) said so too, with the HPA's reason.
      await line(session.lines, /^busy: ready \d\/\d · autoscaled .*\(1–3\): \w+: /, 10_000);
    } finally {
      session.child.kill("SIGINT");
      expect(await session.exit).toBe(0);
    }
    expect(report).toMatch(
      /^steady: pod deletions in [\d.]+ s under \d+ requests to http:\/\/steady\.localhost: 0 failed, longest gap [\d.]+ s/,
    );
  },
  10 * 60_000,
);

test(
  "--ci --check-rollout steady,abrupt: steady rolls out with no failed request, abrupt loses requests (5xx counted); exit 1",
  async () => {
    const session = startDev(["--stack", STACK, "--ci", "--check-rollout", "steady,abrupt"]);
    const code = await timed("--ci --check-rollout steady,abrupt", () => session.exit);
    const text = session.lines.join("\n");
    expect(code).toBe(1);
    expect(text).toMatch(
      /^steady: rollout in [\d.]+ s under \d+ requests to http:\/\/steady\.localhost: 0 failed, longest gap [\d.]+ s/m,
    );
    const abrupt =
      /^abrupt: rollout in [\d.]+ s under \d+ requests to http:\/\/abrupt\.localhost: (\d+) failed \(([^)]*)\)/m.exec(
        text,
      );
    expect(abrupt).not.toBeNull();
    expect(Number(abrupt![1])).toBeGreaterThan(0);
    // What failed: the ingress's answers for pods that were not (or no longer) listening, or no answer.
    for (const outcome of abrupt![2].split(", ").map((o) => o.split(" ×")[0]))
      expect(outcome).toMatch(/^(5\d\d|ECONNRESET|timeout)$/);
    expect(text).toMatch(/^requests fail while pods start or stop .* see docs\/replicas\.md$/m);
    timings["abrupt: failed requests"] = Number(abrupt![1]);
  },
  10 * 60_000,
);

test(
  "a pulumi up that changes busy while it is scaled leaves its replicas to the HPA",
  async () => {
    const before = await replicasOf("busy");
    expect(before).toBeGreaterThanOrEqual(2); // the load of the first test still runs
    fs.writeFileSync(
      path.join(catalog, "busy.yaml"),
      `${busy("autoscale: { min: 1, max: 3, cpu: 50, scaleDownWindowSeconds: 30 }", "env: { RELEASE: '2' }")}\n`,
    );
    await convergingUp("up changing busy's env while scaled");
    // Single-shot, right after the up: an up that set the catalog's count would show 1 here (the
    // HPA scales down only 30 s after the load ended, and its new pods carry none).
    const d = await deploymentOf("busy");
    expect(d.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(d.spec?.template?.spec?.containers?.[0]?.env).toEqual([{ name: "RELEASE", value: "2" }]);
    // Pulumi's field manager does not own the count: the autoscaler does.
    const managed = await h.kubectl([
      "get",
      "-n",
      NS,
      "deployment",
      "busy",
      "--show-managed-fields",
      "-o",
      "json",
    ]);
    const owners = ((JSON.parse(managed.stdout).metadata.managedFields ?? []) as any[])
      .filter((m) => m.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined)
      .map((m) => `${m.manager} (${m.operation}${m.subresource ? ` ${m.subresource}` : ""})`);
    timings["spec.replicas owned by"] = owners.join(", ");
    expect(owners.length).toBeGreaterThan(0);
    expect(owners.filter((m) => m.startsWith("pulumi-kubernetes"))).toEqual([]);
  },
  10 * 60_000,
);

test(
  "the disruption budget refuses the eviction of steady's last ready pod, and allows it once the replacement is ready",
  async () => {
    const [first, second] = await readyPods("steady");
    expect(await evict(first)).toEqual({ ok: true, message: "" });
    // Single-shot, at once: the first pod is stopping, its replacement not ready yet.
    const refused = await evict(second);
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(
      /Cannot evict pod as it would violate the pod's disruption budget/,
    );
    expect(refused.message).toMatch(/TooManyRequests|429/);
    const allowed = await timed("eviction allowed again", () =>
      h.eventually(
        async () =>
          (await readyPods("steady")).length >= 2 ? evict(second) : { ok: false, message: "" },
        (r) => r.ok,
        60_000,
        1000,
      ),
    );
    expect(allowed.ok).toBe(true);
  },
  5 * 60_000,
);

test(
  "busy scales back to 1 once the load is gone; dropping autoscale (replicas: 2) converges without a field conflict",
  async () => {
    const back = await timed("scaled back to 1 (after the up replaced the loaded pod)", () =>
      h.eventually(
        () => replicasOf("busy"),
        (n) => n === 1,
        240_000,
        3000,
      ),
    );
    expect(back).toBe(1);
    fs.writeFileSync(
      path.join(catalog, "busy.yaml"),
      `${busy("replicas: 2", "env: { RELEASE: '2' }")}\n`,
    );
    await convergingUp("up dropping autoscale");
    expect(await replicasOf("busy")).toBe(2);
    const hpas = await get(["horizontalpodautoscalers.autoscaling"]);
    expect(hpas.items).toEqual([]);
  },
  10 * 60_000,
);
