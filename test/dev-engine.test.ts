import type * as K from "@kubernetes/client-node";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import * as path from "path";
import { loadCatalog } from "../host/catalogFiles";
import { DevEngine } from "../dev/engine/engine";
import type { ClusterPort, EnginePorts, StateResource } from "../dev/engine/ports";
import { serviceUpdate } from "../dev/engine/state";
import type { StackView } from "../dev/stackView";
import type { WatchPlan } from "../dev/affected";
import type { ImageBuild } from "../kube/images";
import type { EngineForwards } from "../dev/runForwards";
import type { ForwardStatus } from "../dev/forwards";
import { tempCatalogs } from "./tempCatalog";

const project = tempCatalogs("localkube-engine-");
const NS = "localkube";
const REPO = (s: string) => `localhost:5001/${s}`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;

const CATALOG = {
  "services/price.yaml": [
    "build: { context: price, liveUpdate: { sync: [{ from: app.py, to: /app/app.py }], restart: process } }",
    "command: [python3, /app/app.py]",
    "ports: [{ name: http, containerPort: 8080 }]",
    "",
  ].join("\n"),
  "services/price/Dockerfile": "FROM debian\n",
  "services/price/app.py": "print(1)\n",
  "services/bank.yaml": [
    "build: { context: bank }",
    "ports: [{ name: http, containerPort: 8080 }]",
    "dependsOn: [bank-migrate]",
    "",
  ].join("\n"),
  "services/bank-migrate.yaml": "workload: job\nimage: { from: bank }\ncommand: [migrate]\n",
  "services/bank/Dockerfile": "FROM debian\n",
  "services/bank/main.go": "package main\n",
};

const build = (dir: string, service: string): ImageBuild => ({
  context: path.join(dir, "services", service),
  dockerfile: path.join(dir, "services", service, "Dockerfile"),
  args: { SOURCE_DATE_EPOCH: "0" },
  labels: { "localkube.dev/service": service },
  repository: REPO(service),
  tag: "localkube",
  login: false,
});

const view = (dir: string): StackView => ({
  facts: {
    namespace: NS,
    services: [
      { name: "price", group: "" },
      { name: "bank", group: "" },
    ],
    appliances: [],
  },
  local: new Set(["price", "bank"]),
  access: { kubeconfig: "kc" },
  builds: { price: build(dir, "price"), bank: build(dir, "bank") },
  readyTimeoutSeconds: 30,
  outputs: {},
  config: {},
});

const pulumiFields = (container: string) => ({
  "f:metadata": { "f:labels": { "f:app.kubernetes.io/name": {} } },
  "f:spec": {
    "f:template": {
      "f:spec": {
        "f:containers": { [`k:{"name":"${container}"}`]: { "f:image": {}, "f:name": {} } },
      },
    },
  },
});

/** A namespace whose controllers finish every rollout and job at once. */
class FakeCluster implements ClusterPort {
  readonly kc = {} as K.KubeConfig;
  readonly namespace = NS;
  readonly applied: string[] = [];
  private readonly listeners = new Set<() => void>();
  /** The migration's next run fails (exit code 3), printing these lines. */
  failJob?: string[];
  deployments: K.V1Deployment[] = [];
  replicaSets: K.V1ReplicaSet[] = [];
  pods: K.V1Pod[] = [];
  jobs: K.V1Job[] = [];

  constructor() {
    this.deploy("price", `${REPO("price")}@${digest("0")}`, 1);
    this.deploy("bank", `${REPO("bank")}@${digest("0")}`, 1);
    this.jobs.push(this.job(`${REPO("bank")}@${digest("0")}`));
  }

  private job(image: string): K.V1Job {
    return {
      metadata: {
        name: "bank-migrate",
        uid: `job-${image}`,
        labels: { "app.kubernetes.io/name": "bank-migrate" },
        managedFields: [
          {
            manager: "pulumi-kubernetes-job1",
            operation: "Apply",
            fieldsV1: pulumiFields("bank-migrate"),
          },
        ],
      },
      spec: { template: { spec: { containers: [{ name: "bank-migrate", image }] } } },
      status: { conditions: [{ type: "Complete", status: "True" }] },
    };
  }

  private failedJob(image: string) {
    const job = this.job(image);
    job.status = {
      conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }],
    };
    this.jobs.push(job);
    this.pods.push({
      metadata: {
        name: "bank-migrate-x1",
        labels: { "app.kubernetes.io/name": "bank-migrate" },
        ownerReferences: [
          { uid: job.metadata!.uid!, name: "bank-migrate", kind: "Job", apiVersion: "batch/v1" },
        ],
      },
      spec: { containers: [{ name: "bank-migrate", image }] },
      status: {
        phase: "Failed",
        containerStatuses: [
          {
            name: "bank-migrate",
            image,
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 3, reason: "Error" } },
          },
        ],
      },
    });
  }

  deploy(name: string, image: string, revision: number) {
    const uid = `uid-${name}`;
    this.deployments = this.deployments.filter((d) => d.metadata?.name !== name);
    this.deployments.push({
      kind: "Deployment",
      metadata: {
        name,
        uid,
        generation: revision,
        labels: { "app.kubernetes.io/name": name },
        annotations: { "deployment.kubernetes.io/revision": String(revision) },
        managedFields: [
          {
            manager: `pulumi-kubernetes-${name}1`,
            operation: "Apply",
            fieldsV1: pulumiFields(name),
          },
        ],
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        template: { spec: { containers: [{ name, image }] } },
      },
      status: {
        observedGeneration: revision,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        readyReplicas: 1,
      },
    });
    const rs = `${name}-rs${revision}`;
    this.replicaSets = this.replicaSets.filter((r) => !r.metadata?.name?.startsWith(`${name}-`));
    this.replicaSets.push({
      metadata: {
        name: rs,
        uid: `uid-${rs}`,
        labels: { "app.kubernetes.io/name": name },
        annotations: { "deployment.kubernetes.io/revision": String(revision) },
        ownerReferences: [{ uid, name, kind: "Deployment", apiVersion: "apps/v1" }],
      },
      spec: { selector: {} },
      status: { replicas: 1, availableReplicas: 1 },
    });
    this.pods = this.pods.filter((p) => p.metadata?.labels?.["app.kubernetes.io/name"] !== name);
    this.pods.push({
      metadata: {
        name: `${rs}-pod`,
        labels: { "app.kubernetes.io/name": name },
        ownerReferences: [
          { uid: `uid-${rs}`, name: rs, kind: "ReplicaSet", apiVersion: "apps/v1" },
        ],
      },
      status: {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [
          {
            name,
            image,
            imageID: "",
            ready: true,
            restartCount: 0,
            containerID: `containerd://${name}-${revision}`,
          },
        ],
      },
    });
  }

  changed() {
    this.listeners.forEach((l) => l());
  }

  snapshot() {
    return {
      pods: this.pods,
      events: [],
      deployments: this.deployments,
      statefulSets: [],
      replicaSets: this.replicaSets,
      jobs: this.jobs,
      cronJobs: [],
    };
  }
  onChange(l: () => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async apply(o: K.KubernetesObject, manager: string) {
    const image = (o as K.V1Deployment).spec!.template!.spec!.containers[0].image!;
    this.applied.push(`${o.kind} ${o.metadata?.name} as ${manager}: ${image}`);
    setTimeout(() => {
      if (o.kind === "Job" && this.failJob) this.failedJob(image);
      else if (o.kind === "Job") this.jobs.push(this.job(image));
      else {
        const d = this.deployments.find((x) => x.metadata?.name === o.metadata?.name)!;
        this.deploy(d.metadata!.name!, image, d.metadata!.generation! + 1);
      }
      this.changed();
    }, 5);
  }
  async deleteJob(name: string) {
    this.applied.push(`delete Job ${name}`);
    setTimeout(() => {
      this.jobs = this.jobs.filter((j) => j.metadata?.name !== name);
      this.changed();
    }, 5);
  }
  async logTail(pod: string) {
    return pod === "bank-migrate-x1" ? (this.failJob ?? []) : [];
  }
  async redactorFor() {
    return (line: string) => line;
  }
  async restart(d: string) {
    this.applied.push(`restart ${d}`);
  }
  async version() {
    return "v1.37.2";
  }
  async stop() {}
}

interface Harness {
  engine: DevEngine;
  cluster: FakeCluster;
  calls: string[];
  lines: string[];
  save(file: string): void;
  dir: string;
}

function harness(opts: { builderMissing?: string; forwards?: EngineForwards } = {}): Harness {
  const dir = project(CATALOG);
  const cluster = new FakeCluster();
  const calls: string[] = [];
  const lines: string[] = [];
  let onBatch: ((files: string[]) => void) | undefined;
  const resources: StateResource[] = [
    {
      urn: "urn-bank-deployment",
      type: "kubernetes:apps/v1:Deployment",
      inputs: { metadata: { labels: { "app.kubernetes.io/name": "bank" } } },
    },
    {
      urn: "urn-bank-image",
      type: "docker-build:index:Image",
      inputs: { labels: { "localkube.dev/service": "bank" } },
    },
    {
      urn: "urn-price-deployment",
      type: "kubernetes:apps/v1:Deployment",
      inputs: { metadata: { labels: { "app.kubernetes.io/name": "price" } } },
    },
  ];
  const ports: EnginePorts = {
    stack: {
      async up(o: {
        onEvent: (e: EngineEvent) => void;
        targets?: readonly string[];
        refresh?: boolean;
      }) {
        calls.push(
          (o.targets ? `up --target ${o.targets.join(",")}` : "up") +
            (o.refresh ? " --refresh" : ""),
        );
      },
      async refresh(targets) {
        calls.push(`refresh --target ${targets.join(",")}`);
      },
      async read() {
        return view(dir);
      },
      async resources() {
        return resources;
      },
    },
    async connect(_access, namespace) {
      calls.push(`connect ${namespace}`);
      return cluster;
    },
    builder: () =>
      opts.builderMissing ? { missing: opts.builderMissing } : { endpoint: "unix:///bk.sock" },
    async buildImage(b, endpoint) {
      calls.push(`build ${b.repository} with ${endpoint}`);
      return digest("1");
    },
    async watch(plan: WatchPlan, batch) {
      calls.push(`watch ${plan.contexts.map((c) => c.service).join(",")}`);
      onBatch = batch;
      return { close: async () => undefined };
    },
    async sync(_kc, _ns, pods, _dir, decision) {
      calls.push(
        `sync ${decision.copies.map((c) => c.remote).join(",")} into ${pods.map((p) => p.name).join(",")}`,
      );
      return { pods: pods.length, files: decision.copies.length, deleted: 0 };
    },
    loadCatalog: () => loadCatalog(path.join(dir, "services")),
    imageConfig: async () => ({ unreadable: "no registry in this test" }),
    now: Date.now,
  };
  const engine = new DevEngine(
    { projectDir: dir, stackName: "local", watch: true, logs: false, forwards: opts.forwards },
    ports,
    loadCatalog(path.join(dir, "services")),
  );
  engine.listen({ line: (_c, text) => lines.push(text) });
  return {
    engine,
    cluster,
    calls,
    lines,
    dir,
    save: (f) => onBatch!([path.join(dir, f)]),
  };
}

test("start: one converge that refreshes the whole stack first (what changed while nobody watched), the stack read, the cluster watched, the local services' sources watched", async () => {
  const h = harness();
  expect(await h.engine.start()).toBe(true);
  expect(h.calls).toEqual(["up --refresh", `connect ${NS}`, "watch price,bank"]);
  expect(h.engine.snapshot().stack?.facts.namespace).toBe(NS);
});

test("forwards: routed through the loop's watch once it has one, told what each converge deployed, refreshed on every change, closed at stop", async () => {
  const calls: string[] = [];
  const status: ForwardStatus = {
    service: "bank",
    port: 8080,
    address: "127.0.0.1:9000",
    state: "ready",
    pod: "bank-rs1-pod",
    connections: 0,
    origin: "--forward bank:9000",
  };
  let changed: (() => void) | undefined;
  const forwards: EngineForwards = {
    attach: (cluster) => void calls.push(`attach ${cluster.namespace}`),
    async deployed(catalog, services) {
      calls.push(`deployed ${services.join(",")} (catalog of ${catalog.services.size})`);
      return [
        "services/price.yaml (ports[0].forward): host port 9000 is taken by --forward bank:9000; price:8080 is not forwarded",
      ];
    },
    refresh: () => void calls.push("refresh"),
    statuses: () => [status],
    onChange: (l) => {
      changed = l;
      return () => undefined;
    },
    close: async () => void calls.push("close"),
  };
  const h = harness({ forwards });
  const seen: (readonly ForwardStatus[])[] = [];
  h.engine.listen({ forwards: (list) => seen.push(list) });
  await h.engine.start();
  expect(calls).toEqual(["attach localkube", "refresh", "deployed price,bank (catalog of 3)"]);
  expect(h.lines).toContain(
    "forward: services/price.yaml (ports[0].forward): host port 9000 is taken by --forward bank:9000; price:8080 is not forwarded",
  );
  calls.length = 0;
  h.cluster.changed();
  expect(calls).toEqual(["refresh"]);
  changed!();
  expect(seen).toEqual([[status]]);
  expect(h.engine.currentForwards()).toEqual([status]);
  await h.engine.stop();
  expect(calls).toEqual(["refresh", "close"]);
});

test("a save under a sync rule is copied into the ready pods: no build, no engine", async () => {
  const h = harness();
  await h.engine.start();
  h.calls.length = 0;
  h.save("services/price/app.py");
  await h.engine.idle();
  expect(h.calls).toEqual(["sync /app/app.py into price-rs1-pod"]);
  expect(h.engine.snapshot().liveSynced.get("price")).toEqual(new Set(["containerd://price-1"]));
});

test("a save live update cannot carry takes the fast path: build, Job again, then the rollout, as Pulumi's managers", async () => {
  const h = harness();
  await h.engine.start();
  h.calls.length = 0;
  h.save("services/bank/main.go");
  await h.engine.idle();
  const image = `${REPO("bank")}@${digest("1")}`;
  expect(h.calls).toEqual([`build ${REPO("bank")} with unix:///bk.sock`]);
  expect(h.cluster.applied).toEqual([
    "delete Job bank-migrate",
    `Job bank-migrate as pulumi-kubernetes-job1: ${image}`,
    `Deployment bank as pulumi-kubernetes-bank1: ${image}`,
  ]);
  expect(h.engine.lastUpdate).toMatchObject({ kind: "services", ok: true });
  expect(h.cluster.deployments.find((d) => d.metadata?.name === "bank")?.metadata?.generation).toBe(
    2,
  );
  // The engine's state still holds the old image: the next converge reads the cluster back first.
  expect([...h.engine.snapshot().refreshBeforeConverge]).toEqual(["bank"]);
  h.calls.length = 0;
  h.save("services/bank.yaml");
  await h.engine.idle();
  expect(h.calls).toEqual(["refresh --target urn-bank-deployment", "up", "watch price,bank"]);
  expect(h.engine.snapshot().refreshBeforeConverge.size).toBe(0);
});

test("a Job that fails on the new image fails the save with the gate's diagnosis; the service keeps its pods", async () => {
  const h = harness();
  await h.engine.start();
  h.cluster.failJob = ["migrating", "relation accounts already exists"];
  h.save("services/bank/main.go");
  await h.engine.idle();
  expect(h.cluster.applied).toEqual([
    "delete Job bank-migrate",
    `Job bank-migrate as pulumi-kubernetes-job1: ${REPO("bank")}@${digest("1")}`,
  ]);
  expect(h.engine.lastUpdate).toMatchObject({ kind: "services", ok: false });
  expect(h.engine.lastUpdate?.error).toContain(
    'bank: bank-migrate in namespace localkube: the job failed: container bank-migrate exited with code 3 (Error); its last log line: "relation accounts already exists"',
  );
  expect(h.engine.lastUpdate?.error).toContain("  | migrating");
  // The Job that runs now is not the one the state holds: the next converge reads it back.
  expect([...h.engine.snapshot().refreshBeforeConverge]).toEqual(["bank"]);
});

test("without a builder to drive, the save goes through a targeted pulumi up, saying why", async () => {
  const h = harness({ builderMissing: "BuildKit's client `buildctl` is not on PATH" });
  await h.engine.start();
  h.calls.length = 0;
  h.save("services/bank/main.go");
  await h.engine.idle();
  expect(h.calls).toEqual(["up --target urn-bank-deployment,urn-bank-image"]);
  expect(h.lines).toContain("bank: through pulumi up: BuildKit's client `buildctl` is not on PATH");
});

test("saves during a converge run once after it, coalesced", async () => {
  const h = harness();
  const started = h.engine.start();
  h.engine.queue(serviceUpdate("bank", { kind: "file", path: "services/bank/a.go" }));
  h.engine.queue(serviceUpdate("bank", { kind: "file", path: "services/bank/b.go" }));
  await started;
  expect(h.calls.filter((c) => c.startsWith("build"))).toEqual([
    `build ${REPO("bank")} with unix:///bk.sock`,
  ]);
  expect(h.lines).toContain("▶ updating bank (services/bank/a.go)");
});

test("a workload deleted outside localkube is seen in the watch, said, and restored by a converge that refreshes it first", async () => {
  const h = harness();
  await h.engine.start();
  h.calls.length = 0;
  h.cluster.deployments = h.cluster.deployments.filter((d) => d.metadata?.name !== "bank");
  h.cluster.changed();
  await h.engine.idle();
  expect(h.lines).toContain(
    "bank's workload was deleted outside localkube: converging to restore it",
  );
  expect(h.calls).toEqual(["refresh --target urn-bank-deployment", "up", "watch price,bank"]);
});

test("a live-updated container replaced by a restart rebuilds the service; its own rebuild's rollout does not", async () => {
  const h = harness();
  await h.engine.start();
  h.save("services/price/app.py");
  await h.engine.idle();
  h.calls.length = 0;
  // The service's own rebuild replaces the container: no extra update follows.
  h.save("services/price/Dockerfile");
  await h.engine.idle();
  expect(h.calls).toEqual([`build ${REPO("price")} with unix:///bk.sock`]);
  expect(h.lines.filter((l) => l.includes("live-updated container was replaced"))).toEqual([]);
  // A live update, then a restart outside the loop: rebuilt from the checkout.
  h.save("services/price/app.py");
  await h.engine.idle();
  h.calls.length = 0;
  const pod = h.cluster.pods.find((p) => p.metadata?.name?.startsWith("price-"))!;
  pod.status!.containerStatuses![0].containerID = "containerd://price-restarted";
  h.cluster.changed();
  await h.engine.idle();
  expect(h.lines).toContain(
    "price: a live-updated container was replaced (it runs the image's files again): rebuilding from the checkout",
  );
  expect(h.calls).toEqual([`build ${REPO("price")} with unix:///bk.sock`]);
});

test("the dashboard's rebuild restarts the pods when the image came out the same", async () => {
  const h = harness();
  await h.engine.start();
  await h.engine.redeploy("bank");
  h.cluster.applied.length = 0;
  await h.engine.redeploy("bank");
  expect(h.cluster.applied).toEqual(["restart bank"]);
});
