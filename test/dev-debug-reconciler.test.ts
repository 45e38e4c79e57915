/**
 * The engine's debug sessions against a fake namespace that keeps what is applied as server-side
 * apply would (the applied object becomes the manager's fields): `--debug` rewrites bank (Python)
 * and fx (Go) as Pulumi's field manager; stopping puts back exactly what that manager had.
 */
import type * as K from "@kubernetes/client-node";
import * as path from "path";
import { loadCatalog } from "../host/catalogFiles";
import { DevEngine } from "../dev/engine/engine";
import type { ClusterPort, EnginePorts } from "../dev/engine/ports";
import type { StackView } from "../dev/stackView";
import type { ImageBuild } from "../kube/images";
import { DEBUG_ANNOTATION, debugRecord } from "../kube/debugPod";
import { supervisedCommand } from "../kube/supervisor";
import { tempCatalogs } from "./tempCatalog";

const project = tempCatalogs("localkube-debug-");
const NS = "localkube";
const REPO = (s: string) => `localhost:5001/${s}`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;

const CATALOG = {
  "services/bank.yaml": [
    "build: { context: bank, liveUpdate: { sync: [{ from: app.py, to: /app/app.py }], restart: process } }",
    "command: [python3, -u, /app/app.py]",
    "ports: [{ name: http, containerPort: 8080 }]",
    "",
  ].join("\n"),
  "services/bank/Dockerfile": "FROM debian\nCOPY . /app/\n",
  "services/bank/app.py": "print(1)\n",
  "services/fx.yaml": "build: { context: fx }\nports: [{ name: http, containerPort: 8080 }]\n",
  "services/fx/Dockerfile": "FROM debian AS build\nWORKDIR /src\nCOPY . .\n",
  "services/fx/main.go": "package main\n",
  "services/web.yaml": "ports: [{ name: http, containerPort: 8080 }]\n",
};

/** FieldsV1 of an object wholly owned by one manager (lists keyed as the API keys them). */
function fieldsOf(value: unknown): object {
  if (Array.isArray(value)) {
    const keyOf = (item: any): object | undefined =>
      item?.name !== undefined
        ? { name: item.name }
        : item?.containerPort !== undefined
          ? { containerPort: item.containerPort, protocol: item.protocol }
          : item?.mountPath !== undefined
            ? { mountPath: item.mountPath }
            : undefined;
    if (value.length === 0 || !keyOf(value[0])) return {};
    return Object.fromEntries(
      value.map((item) => [`k:${JSON.stringify(keyOf(item))}`, { ".": {}, ...fieldsOf(item) }]),
    );
  }
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [`f:${k}`, fieldsOf(v)]));
  return {};
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What Pulumi applied: the program's Deployment of a service. */
function programDeployment(name: string, image: string, command?: string[]): K.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: NS,
      labels: { "app.kubernetes.io/name": name },
      annotations: { "pulumi.com/skipAwait": "true" },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": name } },
        spec: {
          containers: [
            {
              name,
              image,
              ...(command ? { command } : {}),
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
              livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
            },
          ],
        },
      },
    },
  };
}

/** A namespace that keeps each applied Deployment as its manager's whole set, and runs one ready pod of it. */
class ApplyingCluster implements ClusterPort {
  readonly kc = {} as K.KubeConfig;
  readonly namespace = NS;
  readonly applied: { manager: string; object: K.V1Deployment }[] = [];
  deployments: K.V1Deployment[] = [];
  pods: K.V1Pod[] = [];
  private readonly listeners = new Set<() => void>();

  store(d: K.V1Deployment, manager: string) {
    const name = d.metadata!.name!;
    const generation =
      (this.deployments.find((x) => x.metadata?.name === name)?.metadata?.generation ?? 0) + 1;
    this.deployments = [
      ...this.deployments.filter((x) => x.metadata?.name !== name),
      {
        ...clone(d),
        metadata: {
          ...clone(d.metadata!),
          generation,
          managedFields: [{ manager, operation: "Apply", fieldsV1: fieldsOf(d) }],
        },
      },
    ];
    this.pods = [
      ...this.pods.filter((p) => p.metadata?.labels?.["app.kubernetes.io/name"] !== name),
      {
        metadata: {
          name: `${name}-${generation}`,
          labels: { "app.kubernetes.io/name": name },
          annotations: d.spec?.template.metadata?.annotations,
          creationTimestamp: new Date(generation * 1000),
        },
        status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
      },
    ];
  }

  snapshot() {
    return {
      pods: this.pods,
      events: [],
      deployments: this.deployments,
      statefulSets: [],
      replicaSets: [],
      jobs: [],
      cronJobs: [],
    };
  }
  onChange(l: () => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async apply(o: K.KubernetesObject, manager: string) {
    this.applied.push({ manager, object: clone(o) as K.V1Deployment });
    setTimeout(() => {
      this.store(o as K.V1Deployment, manager);
      this.listeners.forEach((l) => l());
    }, 5);
  }
  async deleteJob() {}
  async logTail() {
    return [];
  }
  async redactorFor() {
    return (line: string) => line;
  }
  async restart() {}
  async version() {
    return "v1.37.2";
  }
  async stop() {}
}

const build = (dir: string, service: string): ImageBuild => ({
  context: path.join(dir, "services", service),
  dockerfile: path.join(dir, "services", service, "Dockerfile"),
  args: { SOURCE_DATE_EPOCH: "0" },
  labels: {},
  repository: REPO(service),
  tag: "localkube",
  login: false,
});

const BANK_IMAGE = `${REPO("bank")}@${digest("0")}`;
const FX_IMAGE = `${REPO("fx")}@${digest("0")}`;
const BANK_COMMAND = supervisedCommand(["python3", "-u", "/app/app.py"]);

function harness(debug: string[]) {
  const dir = project(CATALOG);
  const cluster = new ApplyingCluster();
  cluster.store(programDeployment("bank", BANK_IMAGE, BANK_COMMAND), "pulumi-kubernetes-bank1");
  cluster.store(programDeployment("fx", FX_IMAGE), "pulumi-kubernetes-fx1");
  cluster.store(
    programDeployment("web", `${REPO("web")}@${digest("0")}`, ["/web"]),
    "pulumi-kubernetes-web1",
  );
  const builds: string[] = [];
  const lines: string[] = [];
  const view: StackView = {
    facts: {
      namespace: NS,
      services: ["bank", "fx", "web"].map((name) => ({ name, group: "" })),
      appliances: [],
    },
    local: new Set(["bank", "fx"]),
    access: { kubeconfig: "kc" },
    builds: { bank: build(dir, "bank"), fx: build(dir, "fx") },
    readyTimeoutSeconds: 30,
    outputs: { registry: { value: "localhost:5001", secret: false } },
    config: {},
  };
  const ports: EnginePorts = {
    stack: {
      async up() {},
      async refresh() {},
      async read() {
        return view;
      },
      async resources() {
        return [];
      },
    },
    async connect() {
      return cluster;
    },
    builder: () => ({ endpoint: "unix:///bk.sock" }),
    async buildImage(b) {
      builds.push(
        `${b.repository}:${b.tag} ${JSON.stringify(b.args)} from ${path.relative(dir, b.context)}`,
      );
      return b.repository.endsWith("debug-support")
        ? digest("5")
        : b.args.LOCALKUBE_GO_GCFLAGS
          ? digest("d")
          : digest("0");
    },
    async watch() {
      return { close: async () => undefined };
    },
    async sync() {
      return { pods: 0, files: 0, deleted: 0 };
    },
    loadCatalog: () => loadCatalog(path.join(dir, "services")),
    async imageConfig(image) {
      return image.startsWith(REPO("fx"))
        ? { config: { cmd: ["/app/fx"], env: { GOTRACEBACK: "single" } } }
        : { unreadable: `${image}: no such image` };
    },
    now: Date.now,
  };
  const engine = new DevEngine(
    { projectDir: dir, stackName: "local", watch: false, logs: false, debug },
    ports,
    loadCatalog(path.join(dir, "services")),
  );
  engine.listen({ line: (_c, text) => lines.push(text) });
  const deployment = (name: string) => cluster.deployments.find((d) => d.metadata?.name === name)!;
  /** Resolves once the reconciler has nothing left to do. */
  const settled = async (until: () => boolean) => {
    for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(until()).toBe(true);
  };
  return { dir, engine, cluster, builds, lines, deployment, settled };
}

const fieldsOfDeployment = (d: K.V1Deployment) => {
  const { managedFields, generation, ...metadata } = d.metadata!;
  void managedFields;
  void generation;
  return { ...d, metadata };
};

test("--debug bank (Python): rewritten as Pulumi's manager with debugpy from the support image; the launch.json entry printed; stopping restores exactly", async () => {
  const h = harness(["bank"]);
  const before = fieldsOfDeployment(h.deployment("bank"));
  await h.engine.start();
  await h.settled(() => h.engine.debugSessions().get("bank")?.phase === "active");

  expect(h.builds).toEqual([
    `localhost:5001/localkube-debug-support:bookworm {"SOURCE_DATE_EPOCH":"0"} from ${path.relative(h.dir, path.resolve(__dirname, "../dev/debug/support"))}`,
  ]);
  expect(h.cluster.applied.map((a) => a.manager)).toEqual(["pulumi-kubernetes-bank1"]);
  const bank = h.deployment("bank");
  const c = bank.spec!.template.spec!.containers[0];
  expect(c.command).toEqual(
    supervisedCommand([
      "python3",
      "-u",
      "-Xfrozen_modules=off",
      "-m",
      "debugpy",
      "--listen",
      "127.0.0.1:5678",
      "/app/app.py",
    ]),
  );
  expect(bank.spec!.template.spec!.initContainers![0].image).toBe(
    `localhost:5001/localkube-debug-support@${digest("5")}`,
  );
  expect(bank.spec!.replicas).toBe(1);
  expect(debugRecord(bank)).toMatchObject({ runtime: "python", port: 5678, image: BANK_IMAGE });
  expect(h.engine.debugSessions().get("bank")).toEqual({
    phase: "active",
    runtime: "python",
    podPort: 5678,
    localPort: 5678,
    launch: JSON.stringify(
      {
        name: "bank (localkube)",
        type: "debugpy",
        request: "attach",
        connect: { host: "127.0.0.1", port: 5678 },
        pathMappings: [{ localRoot: "${workspaceFolder}/services/bank", remoteRoot: "/app" }],
      },
      null,
      2,
    ),
  });
  expect(h.lines).toContain(
    "bank: restarting under debugpy (python, found by the command (python3))",
  );
  expect(h.lines).toContain("bank: debugger at 127.0.0.1:5678; VS Code launch.json entry:");
  expect(h.lines).toContain('  "type": "debugpy",');
  await h.settled(() => h.lines.some((l) => /^bank: debugpy ready in pod bank-2/.test(l)));

  h.engine.debug("bank", false);
  await h.settled(() => !h.engine.debugSessions().has("bank"));
  expect(h.cluster.applied.map((a) => a.manager)).toEqual([
    "pulumi-kubernetes-bank1",
    "pulumi-kubernetes-bank1",
  ]);
  expect(fieldsOfDeployment(h.deployment("bank"))).toEqual(before);
  expect(h.deployment("bank").metadata!.managedFields).toEqual([
    { manager: "pulumi-kubernetes-bank1", operation: "Apply", fieldsV1: fieldsOf(before) },
  ]);
  expect(h.lines).toContain("bank: debugging stopped; its Deployment is back as Pulumi applied it");
  // The same image came back: nothing for the engine to read back before its next converge.
  expect(h.engine.snapshot().refreshBeforeConverge.size).toBe(0);
  await h.engine.stop();
});

test("--debug fx (Go, no command): the image's CMD and GOTRACEBACK tell it; built without optimizations, run by Delve; Ctrl-C rebuilds and restores it", async () => {
  const h = harness(["fx"]);
  const before = fieldsOfDeployment(h.deployment("fx"));
  await h.engine.start();
  await h.settled(() => h.engine.debugSessions().get("fx")?.phase === "active");
  expect(h.builds.slice(0, 2)).toEqual([
    'localhost:5001/fx:localkube-debug {"SOURCE_DATE_EPOCH":"0","LOCALKUBE_GO_GCFLAGS":"all=-N -l"} from services/fx',
    expect.stringMatching(/^localhost:5001\/localkube-debug-support:bookworm /),
  ]);
  const c = h.deployment("fx").spec!.template.spec!.containers[0];
  expect(c.image).toBe(`${REPO("fx")}@${digest("d")}`);
  expect(c.command).toEqual([
    "/dbg/go/bin/dlv",
    "exec",
    "--headless",
    "--continue",
    "--accept-multiclient",
    "--listen=127.0.0.1:56268",
    "--api-version=2",
    "--only-same-user=false",
    "/app/fx",
  ]);
  expect(h.lines).toContain("fx: restarting under Delve (go, found by the image's GOTRACEBACK)");
  expect(h.lines).toContainEqual(
    expect.stringMatching(/^fx: built for the debugger \(-gcflags=all=-N -l\) in \d+\.\d s$/),
  );
  expect(h.lines).toContainEqual(
    expect.stringMatching(/^fx: debug-support image sha256:5{12} \(\d+\.\d s\)$/),
  );
  expect(JSON.parse((h.engine.debugSessions().get("fx") as { launch: string }).launch)).toEqual({
    name: "fx (localkube)",
    type: "go",
    request: "attach",
    mode: "remote",
    debugAdapter: "dlv-dap",
    host: "127.0.0.1",
    port: 56268,
    substitutePath: [{ from: "${workspaceFolder}/services/fx", to: "/src" }],
  });

  await h.engine.stop(); // Ctrl-C
  expect(h.builds.at(-1)).toBe(
    'localhost:5001/fx:localkube {"SOURCE_DATE_EPOCH":"0"} from services/fx',
  );
  expect(fieldsOfDeployment(h.deployment("fx"))).toEqual(before);
  expect(h.deployment("fx").metadata!.managedFields![0].fieldsV1).toEqual(fieldsOf(before));
});

test("a runtime nothing tells: the session fails with the reason and the file; the Deployment is untouched", async () => {
  const h = harness(["web"]);
  await h.engine.start();
  await h.settled(() => h.engine.debugSessions().get("web")?.phase === "failed");
  const file = path.relative(process.cwd(), path.join(h.dir, "services/web.yaml"));
  const error = `its runtime is not recognized from the command \`/web\` or the image's environment; set build.debug.runtime (go, node or python) — ${file}`;
  expect(h.engine.debugSessions().get("web")).toMatchObject({ phase: "failed", error });
  expect(h.lines).toContain(`web: debugging failed: ${error}`);
  expect(h.cluster.applied).toEqual([]);
  await h.engine.stop();
});

test("a Deployment an earlier run left under the debugger: adopted when wanted, restored when not", async () => {
  const h = harness(["bank"]);
  await h.engine.start();
  await h.settled(() => h.engine.debugSessions().get("bank")?.phase === "active");
  const debugged = h.deployment("bank");
  expect(debugged.spec!.template.metadata!.annotations![DEBUG_ANNOTATION]).toBe(
    '{"runtime":"python","port":5678}',
  );

  // The loop was killed: a new run that wants it adopts the session without applying anything.
  const again = harness(["bank"]);
  again.cluster.deployments = h.cluster.deployments;
  again.cluster.pods = h.cluster.pods;
  await again.engine.start();
  await again.settled(() => again.engine.debugSessions().get("bank")?.phase === "active");
  expect(again.cluster.applied).toEqual([]);

  // A run that does not want it restores it.
  const plain = harness([]);
  plain.cluster.deployments = h.cluster.deployments;
  plain.cluster.pods = h.cluster.pods;
  await plain.engine.start();
  await plain.settled(() => debugRecord(plain.deployment("bank")) === undefined);
  expect(plain.cluster.applied.map((a) => a.manager)).toEqual(["pulumi-kubernetes-bank1"]);
  await Promise.all([h.engine.stop(), again.engine.stop(), plain.engine.stop()]);
});
