import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catalogDirOf, groupOf, stackFacts, stackInfo, urlTable } from "../dev/stackView";
import { refreshTargets, serviceTargets } from "../dev/engine/converge";
import { selectionConfig, staleLocks } from "../dev/workspace";

const GROUPS = new Map<string, string[]>([
  ["appliances", ["postgres", "kafka", "schema-registry"]],
  ["payments", ["bank", "ledger"]],
  ["frontends", ["web", "payments"]],
]);

test("groupOf: the first catalog group that holds the service, nested groups expanded", () => {
  expect(groupOf("bank", GROUPS)).toBe("payments");
  expect(groupOf("web", GROUPS)).toBe("frontends");
  expect(groupOf("price", GROUPS)).toBe("");
  // `edge` comes first and holds bank only through the nested group `frontends` → `payments`:
  // without expansion bank would fall to `payments`.
  const nested = new Map<string, string[]>([["edge", ["frontends"]], ...GROUPS]);
  expect(groupOf("bank", nested)).toBe("edge");
  expect(groupOf("ledger", nested)).toBe("edge");
});

test("stackFacts: services grouped in catalog order, each with its URL; urlTable lists those with one", () => {
  const facts = stackFacts(
    {
      namespace: "localkube",
      services: ["price", "web", "bank"],
      appliances: ["postgres"],
      urls: { bank: "http://bank.localhost", web: "http://www.localhost" },
    },
    { groups: GROUPS },
  );
  expect(facts).toEqual({
    namespace: "localkube",
    services: [
      { name: "bank", group: "payments", url: "http://bank.localhost" },
      { name: "web", group: "frontends", url: "http://www.localhost" },
      { name: "price", group: "", url: undefined },
    ],
    appliances: ["postgres"],
  });
  expect(urlTable(facts)).toEqual([
    "  bank     http://bank.localhost",
    "  web      http://www.localhost",
  ]);
});

test("catalogDirOf: the stack file's localkube:catalogDir, else services", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-dev-"));
  expect(catalogDirOf(dir, "local")).toBe(path.join(dir, "services"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.local.yaml"),
    "config:\n  localkube:catalogDir: catalog\n",
  );
  expect(catalogDirOf(dir, "local")).toBe(path.join(dir, "catalog"));
  fs.rmSync(dir, { recursive: true });
});

test("selectionConfig: only what the command line gave, as pulumi up -c would save it", () => {
  expect(selectionConfig({ names: [], buildAll: false })).toEqual({});
  expect(
    selectionConfig({ names: ["appliances", "price"], local: ["bank"], buildAll: true }),
  ).toEqual({
    "localkube:services": "appliances,price",
    "localkube:local": "bank",
    "localkube:buildAll": "true",
  });
  expect(selectionConfig({ names: [], local: [], buildAll: false })).toEqual({
    "localkube:local": "",
  });
});

test("staleLocks: a lock of this host whose process is gone; never another host's", () => {
  const locks = [
    { pid: 10, hostname: "laptop" },
    { pid: 11, hostname: "laptop" },
    { pid: 10, hostname: "ci-runner" },
  ];
  expect(staleLocks(locks, "laptop", (pid) => pid === 11)).toEqual([
    { pid: 10, hostname: "laptop" },
  ]);
});

test("serviceTargets and refreshTargets: what a service owns, by its resources' own inputs", () => {
  const r = (urn: string, type: string, inputs?: Record<string, any>) => ({ urn, type, inputs });
  const resources = [
    r("d-bank", "kubernetes:apps/v1:Deployment", {
      metadata: { name: "platform-bank-api-x", labels: { "app.kubernetes.io/name": "bank" } },
    }),
    r("i-bank", "docker-build:index:Image", { labels: { "localkube.dev/service": "bank" } }),
    r("d-bank-api", "kubernetes:apps/v1:Deployment", {
      metadata: { labels: { "app.kubernetes.io/name": "bank-api" } },
    }),
    r("g-price", "pulumi-nodejs:dynamic/localkube:WorkloadReady", { service: "price" }),
    r("kind", "pulumi-nodejs:dynamic/localkube:KindCluster", { name: "bank" }),
    r("stack", "pulumi:pulumi:Stack"),
  ];
  expect(serviceTargets(resources, new Set(["bank"]))).toEqual(["d-bank", "i-bank"]);
  expect(serviceTargets(resources, new Set(["bank-api", "price"]))).toEqual([
    "d-bank-api",
    "g-price",
  ]);
  expect(serviceTargets(resources, new Set(["web"]))).toEqual([]);
  // A refresh reads back the Kubernetes objects only (not the image, not the gate).
  expect(refreshTargets(resources, new Set(["bank", "price"]))).toEqual(["d-bank"]);
});

test("stackInfo: context, registry and ingress controller from outputs and config", () => {
  const view = {
    facts: { namespace: "localkube", services: [], appliances: [] },
    local: new Set<string>(),
    access: {},
    builds: {},
    readyTimeoutSeconds: 120,
    outputs: {
      kubeContext: { value: "kind-localkube", secret: false },
      registry: { value: "localhost:5001", secret: false },
    },
    config: { "localkube:ingress.controller": { value: "traefik", secret: false } },
  };
  expect(stackInfo("local", view, "v1.37.2")).toEqual({
    stack: "local",
    namespace: "localkube",
    kubeContext: "kind-localkube",
    kubernetesVersion: "v1.37.2",
    registry: "localhost:5001",
    ingressController: "traefik",
  });
  expect(
    stackInfo(
      "branch-x",
      {
        ...view,
        outputs: {},
        config: { "localkube:registry.address": { value: "ghcr.io/acme/sb", secret: false } },
        access: { context: "sandboxes" },
      },
      undefined,
    ),
  ).toEqual({
    stack: "branch-x",
    namespace: "localkube",
    kubeContext: "sandboxes",
    kubernetesVersion: undefined,
    registry: "ghcr.io/acme/sb",
    ingressController: undefined,
  });
});
