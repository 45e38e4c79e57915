/**
 * `npm run bench:catalog`: how catalog size drives the program's own cost. For synthetic catalogs
 * of 50/100/200/400 services (deep dependency chains, fan-out, groups, appliances, ingress), it
 * measures (a) load + validate + dependency closure and (b) whole-program evaluation under Pulumi
 * mocks (the Platform component registering every resource). Median of several runs; writes
 * bench/results/catalog.json. Targets: 200 services evaluated in ≤ 3 s, growth close to linear.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCatalog } from "../catalog/load";
import { planDeployment } from "../catalog/plan";
import { Environment } from "../components/environment";
import { Platform } from "../components/platform";

const SIZES = [50, 100, 200, 400];
const RUNS = 5;

let registrations = 0;
let lastRegistration = 0;
pulumi.runtime.setMocks(
  {
    newResource(args) {
      registrations++;
      lastRegistration = performance.now();
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.endsWith(":GeneratedPassword")) state.value = "bench-password-000000";
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  "localkube",
  "bench",
  false,
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/pulumi/runtime/state").getStore().supportsTransforms = true;

/** Writes a catalog of `n` services: chains of depth 10, every service with probes, resources, an ingress. */
function writeCatalog(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lk-bench-${n}-`));
  fs.writeFileSync(
    path.join(dir, "_catalog.yaml"),
    `policy: {requireProbes: [readiness], requireResources: [requests.cpu, requests.memory, limits.memory]}\ngroups:\n  heads: [${Array.from({ length: n / 10 }, (_, i) => `s${i * 10 + 9}`).join(", ")}]\n`,
  );
  for (let i = 0; i < n; i++) {
    const deps = [
      ...(i % 10 !== 0 ? [`s${i - 1}`] : []), // chains of depth 10
      ...(i % 10 === 5 && i >= 10 ? [`s${i - 10}`] : []), // fan-in across chains
      ...(i % 7 === 0 ? ["postgres"] : []),
      ...(i % 11 === 0 ? ["kafka", "schema-registry"] : []),
    ];
    fs.writeFileSync(
      path.join(dir, `s${i}.yaml`),
      [
        `image: {repository: registry.example.com/s${i}, tag: "1.${i}"}`,
        "ports: [{name: http, containerPort: 8080, servicePort: 80}]",
        `env: {INDEX: "${i}"}`,
        "resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}",
        "probes: {readiness: {httpGet: {path: /healthz, port: http}}}",
        `ingress: {host: s${i}}`,
        `dependsOn: [${deps.join(", ")}]`,
      ].join("\n") + "\n",
    );
  }
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

let rep = 0;
function mockEnvironment(): Environment {
  const provider = new k8s.Provider(`bench-provider-${rep}`, {});
  return {
    stack: "bench",
    namespace: "bench",
    provider,
    readiness: { access: {}, timeoutSeconds: 120 },
    ingress: {
      domain: "localhost",
      className: "nginx",
      annotations: {},
      tls: false,
      await: true,
      ready: [],
    },
    images: {
      publishedTag: "latest",
      overrides: {},
      pushRegistry: "localhost:5001",
      pushTag: "bench",
      pushDependsOn: [],
    },
    labels: {},
    imagePullSecrets: [],
    ready: [],
  };
}

/** Time from constructing the Platform to the last resource registration, and the count. */
async function evaluate(dir: string): Promise<{ ms: number; resources: number }> {
  rep++;
  const catalog = loadCatalog(dir);
  const plan = planDeployment(catalog, {});
  const before = registrations;
  const t0 = performance.now();
  lastRegistration = t0;
  new Platform(`p${rep}`, { environment: mockEnvironment(), plan, groups: catalog.groups });
  let seen = -1;
  while (registrations !== seen) {
    seen = registrations;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ms: lastRegistration - t0, resources: registrations - before };
}

async function main() {
  const rows: Array<{
    services: number;
    resources: number;
    loadValidateCloseMs: number;
    wholeProgramMs: number;
    minWholeProgramMs: number;
  }> = [];
  for (const n of SIZES) {
    const dir = writeCatalog(n);
    const load: number[] = [];
    const whole: number[] = [];
    let resources = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      planDeployment(loadCatalog(dir), {});
      load.push(performance.now() - t0);
      const e = await evaluate(dir);
      whole.push(e.ms);
      resources = e.resources;
    }
    rows.push({
      services: n,
      resources,
      loadValidateCloseMs: Math.round(median(load)),
      wholeProgramMs: Math.round(median(whole)),
      minWholeProgramMs: Math.round(Math.min(...whole)),
    });
    console.log(
      `${String(n).padStart(4)} services  ${String(resources).padStart(5)} resources  load+validate+closure ${String(Math.round(median(load))).padStart(5)} ms  whole program ${String(Math.round(median(whole))).padStart(6)} ms`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const growth = rows.slice(1).map((r, i) => ({
    from: rows[i].services,
    to: r.services,
    loadRatio:
      Math.round((r.loadValidateCloseMs / Math.max(1, rows[i].loadValidateCloseMs)) * 100) / 100,
    wholeProgramRatio:
      Math.round((r.wholeProgramMs / Math.max(1, rows[i].wholeProgramMs)) * 100) / 100,
  }));
  const at200 = rows.find((r) => r.services === 200)!;
  const result = {
    machine: { cpus: os.cpus().length, node: process.version, date: new Date().toISOString() },
    runsPerSize: RUNS,
    rows,
    growthPerDoubling: growth,
    targets: {
      wholeProgram200: {
        target: "≤ 3000 ms",
        value: at200.wholeProgramMs,
        met: at200.wholeProgramMs <= 3000,
      },
      // Linear growth doubles per doubling; allow 2.6× for GC and scheduling noise.
      nearLinear: {
        target: "each doubling ≤ 2.6×",
        met: growth.every((g) => g.wholeProgramRatio <= 2.6),
      },
    },
  };
  const out = path.join(__dirname, "results/catalog.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result.targets));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
