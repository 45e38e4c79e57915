/**
 * `npm run bench:e2e`: the local stack against hand-run shell baselines, each pair measured side by
 * side in the same run on the same machine, written to bench/results/e2e.json.
 *
 *   cold up     `pulumi up` from nothing  vs  kind create + registry wiring + docker build/push +
 *               kubectl apply of the same objects + rollout waits, one step after another; both
 *               with empty build caches (a fresh laptop: the build's apt layer is really built)
 *               and again with warm build caches (a second cluster on the same laptop)
 *   no-op up    `pulumi up` with nothing to change (target ≤ 10 s)
 *   inner loop  edit bank, `pulumi up`  vs  docker build + docker push + kubectl set image + rollout
 *   destroy     `pulumi destroy`  vs  kind delete cluster + docker rm of the registry and its volume +
 *               docker network rm kind (what destroy removes)
 *
 * Both sides start with the registry container seeded with the stand-in images (the e2e
 * machines' replacement for upstream registries).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderKindConfig } from "../../kind/config";
import * as h from "./harness";

const STACK = "bench";
const NAMESPACES = ["localkube", "traefik"];
const KINDS = "deployments,statefulsets,services,ingresses,secrets,configmaps,serviceaccounts";
const CLUSTER_KINDS = "clusterroles,clusterrolebindings,ingressclasses";

async function seconds<T>(step: () => Promise<T>): Promise<number> {
  const t0 = Date.now();
  await step();
  return (Date.now() - t0) / 1000;
}

const cp = (args: string[], input?: string) =>
  h.must(
    "docker",
    [
      "exec",
      "-i",
      `${h.E2E.cluster}-control-plane`,
      "kubectl",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf",
      ...args,
    ],
    { input },
  );

/** The objects the stack created, stripped of server-set fields: what the baseline applies. */
async function captureManifests(): Promise<string> {
  const strip = (o: any) => {
    const m = o.metadata;
    delete o.status;
    for (const k of [
      "uid",
      "resourceVersion",
      "creationTimestamp",
      "managedFields",
      "generation",
      "annotations",
      "ownerReferences",
    ])
      delete m[k];
    if (o.kind === "Service") {
      delete o.spec.clusterIP;
      delete o.spec.clusterIPs;
    }
    return o;
  };
  const items: any[] = [];
  for (const ns of NAMESPACES) {
    items.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const r = await cp(["get", KINDS, "-n", ns, "-o", "json"]);
    for (const o of JSON.parse(r.stdout).items) {
      const n = o.metadata.name;
      if (n === "default" || n === "kube-root-ca.crt" || n === "kubernetes") continue;
      items.push(strip(o));
    }
  }
  const c = await cp([
    "get",
    CLUSTER_KINDS,
    "-l",
    "app.kubernetes.io/part-of=localkube",
    "-o",
    "json",
  ]);
  items.push(...JSON.parse(c.stdout).items.map(strip));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

async function rolloutAll(): Promise<void> {
  for (const ns of NAMESPACES) {
    for (const kind of ["deployment", "statefulset"]) {
      const names = (
        await cp(["get", kind, "-n", ns, "-o", "jsonpath={.items[*].metadata.name}"])
      ).stdout
        .split(" ")
        .filter(Boolean);
      for (const n of names)
        await cp(["rollout", "status", `${kind}/${n}`, "-n", ns, "--timeout=600s"]);
    }
  }
}

/** Empties buildkitd's store (docker-build's builder): the next build starts from nothing. */
async function wipeBuildkitCache(): Promise<void> {
  const script = path.join(h.TOOLCHAIN, "pulumi/buildkitd.sh");
  await h.must("bash", [script, "stop"]);
  fs.rmSync(path.join(h.CACHE, "buildkit/root"), { recursive: true, force: true });
  await h.must("bash", [script, "start"]);
}

async function baselineColdUp(
  manifests: string,
  bankDir: string,
  buildCache: "empty" | "warm",
): Promise<void> {
  const cfg = renderKindConfig({
    name: h.E2E.cluster,
    nodeImage: h.E2E.nodeImage,
    httpPort: h.E2E.httpPort,
    httpsPort: h.E2E.httpsPort,
  });
  await h.must("kind", ["create", "cluster", "--name", h.E2E.cluster, "--config", "-"], {
    input: cfg.yaml,
  });
  await h.must("docker", ["network", "connect", "kind", h.E2E.registry]);
  for (const host of [`localhost:${h.E2E.registryPort}`, `${h.E2E.registry}:5000`]) {
    await h.must(
      "docker",
      [
        "exec",
        "-i",
        `${h.E2E.cluster}-control-plane`,
        "sh",
        "-c",
        'mkdir -p "/etc/containerd/certs.d/$1" && cat > "/etc/containerd/certs.d/$1/hosts.toml"',
        "sh",
        host,
      ],
      {
        input: `[host."http://${h.E2E.registry}:5000"]\n`,
      },
    );
  }
  const bankTag = `127.0.0.1:${h.E2E.registryPort}/bank:baseline`;
  await h.must("docker", [
    "build",
    "--quiet",
    ...(buildCache === "empty" ? ["--no-cache"] : []),
    "--tag",
    bankTag,
    bankDir,
  ]);
  await h.must("docker", ["push", bankTag]);
  const withBank = manifests.replace(
    new RegExp(`localhost:${h.E2E.registryPort}/bank@sha256:[0-9a-f]{64}`, "g"),
    `localhost:${h.E2E.registryPort}/bank:baseline`,
  );
  await cp(["apply", "-f", "-"], withBank);
  await rolloutAll();
  const r = await h.eventually(
    () => h.httpGet("bank.localhost"),
    (x) => x.status === 200,
    120_000,
    500,
  );
  if (r.status !== 200) throw new Error(`baseline bank answered ${r.status}`);
}

async function main() {
  await h.ensureToolchain();
  await h.must("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
  await h.seedRegistry();
  const dir = h.projectCopy("bench");
  await h.initStack(dir, STACK, {
    ...h.localE2eConfig(),
    "localkube:services": "bank",
    "localkube:local": "bank",
    "localkube:images.overrides": JSON.stringify({ price: h.mirrored("localkube-e2e/price:1") }),
  });
  const up = async () => {
    await h.must(
      "pulumi",
      ["up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"],
      { cwd: dir },
    );
  };
  const bankReady = async (text: string) => {
    const r = await h.eventually(
      () => h.httpGet("bank.localhost"),
      (x) => x.status === 200 && x.body.includes(text),
      120_000,
      500,
    );
    if (!r.body.includes(text)) throw new Error(`bank did not answer "${text}"`);
  };
  const edit = (greeting: string) => {
    const app = path.join(dir, "services/bank/app.py");
    fs.writeFileSync(
      app,
      fs.readFileSync(app, "utf8").replace(/GREETING = "[^"]*"/, `GREETING = "${greeting}"`),
    );
  };

  const destroyStack = () =>
    h.must(
      "pulumi",
      ["destroy", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"],
      { cwd: dir },
    );
  const bankDir = path.join(dir, "services/bank");
  // What `pulumi destroy` leaves behind: nothing (the kind network goes with the last of its containers).
  const removeClusterAndRegistry = async () => {
    await h.must("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
    await h.must("docker", ["rm", "--force", "--volumes", h.E2E.registry]);
    await h.must("docker", ["volume", "rm", `${h.E2E.registry}-data`]);
    await h.must("docker", ["network", "rm", "kind"]);
  };

  // Pulumi side.
  await wipeBuildkitCache();
  const coldUp = await seconds(async () => {
    await up();
    await bankReady("bank v1");
  });
  const manifests = await captureManifests();
  const noopUp = await seconds(up);
  edit("bank inner-1");
  const innerLoop = await seconds(async () => {
    await up();
    await bankReady("bank inner-1");
  });
  edit("bank floor-1");
  const floor = await seconds(async () => {
    const tag = `127.0.0.1:${h.E2E.registryPort}/bank:floor`;
    await h.must("docker", ["build", "--quiet", "--tag", tag, path.join(dir, "services/bank")]);
    await h.must("docker", ["push", tag]);
    await cp([
      "set",
      "image",
      "deployment/bank",
      `bank=localhost:${h.E2E.registryPort}/bank:floor`,
      "-n",
      "localkube",
    ]);
    await cp(["rollout", "status", "deployment/bank", "-n", "localkube", "--timeout=600s"]);
    await bankReady("bank floor-1");
  });
  const destroy = await seconds(destroyStack);
  await h.seedRegistry();
  const coldUpWarmCache = await seconds(async () => {
    await up();
    await bankReady("bank floor-1");
  });
  await destroyStack();

  // Baseline side.
  await h.seedRegistry();
  const baselineUp = await seconds(() => baselineColdUp(manifests, bankDir, "empty"));
  const kindDelete = await seconds(removeClusterAndRegistry);
  await h.seedRegistry();
  const baselineUpWarmCache = await seconds(() => baselineColdUp(manifests, bankDir, "warm"));
  await removeClusterAndRegistry();

  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const result = {
    machine: { cpus: os.cpus().length, date: new Date().toISOString() },
    seconds: {
      coldUp,
      baselineUp,
      coldUpWarmCache,
      baselineUpWarmCache,
      noopUp,
      innerLoop,
      floor,
      destroy,
      kindDelete,
    },
    ratios: {
      coldUpVsBaseline: ratio(coldUp, baselineUp),
      coldUpWarmCacheVsBaseline: ratio(coldUpWarmCache, baselineUpWarmCache),
      innerLoopVsFloor: ratio(innerLoop, floor),
      destroyVsKindDelete: ratio(destroy, kindDelete),
    },
    targets: {
      coldUp: { target: "≤ 0.8 × baseline", met: coldUp <= 0.8 * baselineUp },
      innerLoop: { target: "≤ 1.5 × floor", met: innerLoop <= 1.5 * floor },
      destroy: { target: "≤ 1.2 × kind delete", met: destroy <= 1.2 * kindDelete },
      noopUp: { target: "≤ 10 s", met: noopUp <= 10 },
    },
  };
  const out = path.join(h.REPO, "bench/results/e2e.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
