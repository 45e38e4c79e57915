import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catalogDirOf, groupOf, stackFacts, urlTable } from "../dev/stackFacts";
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
