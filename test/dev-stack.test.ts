import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catalogDirOf, groupOf, stackFacts, urlTable } from "../dev/stackFacts";
import { serviceTargets, stackInfo } from "../dev/stackState";
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

test("serviceTargets: everything named platform-<service>-…, not a longer service's; none when never deployed", () => {
  const urn = (name: string) => `urn:pulumi:local::localkube::localkube:index:Platform$x::${name}`;
  const urns = [
    "platform-bank-deployment",
    "platform-bank-image-image",
    "platform-bank-api-deployment",
    "platform-price-ready",
    "local-kind",
  ].map(urn);
  expect(serviceTargets(urns, ["bank"], ["bank", "bank-api", "price"])).toEqual([
    urn("platform-bank-deployment"),
    urn("platform-bank-image-image"),
  ]);
  expect(serviceTargets(urns, ["bank-api", "price"], ["bank", "bank-api", "price"])).toEqual([
    urn("platform-bank-api-deployment"),
    urn("platform-price-ready"),
  ]);
  expect(serviceTargets(urns, ["price", "web"], ["bank", "web", "price"])).toBeUndefined();
});

test("stackInfo: context, registry and ingress controller from outputs and config", () => {
  const view = {
    facts: { namespace: "localkube", services: [], appliances: [] },
    local: new Set<string>(),
    access: {},
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
