import * as path from "path";
import { loadCatalog } from "../catalog/load";
import { parseNameList, planDeployment } from "../catalog/plan";
import { buildCatalog } from "../catalog/validate";

/** A valid service body: one port, resources and a readiness probe (the example policy). */
const OK =
  "ports: [{name: http, containerPort: 8080}]\nresources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}\nprobes: {readiness: {httpGet: {path: /healthz, port: http}}}\n";
const HEAD = "invalid service catalog in services/: ";

function load(files: Record<string, string>) {
  return buildCatalog(
    "services",
    "/nonexistent",
    Object.entries(files).map(([f, text]) => ({ file: `services/${f}`, text })),
  );
}

/** One case per validation branch: the files, and the exact message. */
const CASES: Array<[string, Record<string, string>, string]> = [
  [
    "unknown field, closest suggested",
    { "a.yaml": OK + "replicaz: 2\n" },
    'services/a.yaml:4: `replicaz`: unknown field (did you mean "replicas"?); allowed here: build, dependsOn, description, env, image, ingress, name, ports, probes, replicas, resources',
  ],
  ["wrong type", { "a.yaml": OK + "replicas: two\n" }, 'services/a.yaml:4: `replicas`: expected a whole number from 0 to 100, got "two"'],
  [
    "file name not DNS-1123",
    { "Bad_Name.yaml": OK },
    `services/Bad_Name.yaml:1: file name "Bad_Name.yaml" is not a valid service name: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, then ".yaml"`,
  ],
  [
    "name differs from the file name",
    { "a.yaml": OK + "name: b\n" },
    'services/a.yaml:4: `name`: "b" differs from the file name; rename the file to b.yaml or set name: a',
  ],
  [
    "duplicate port name",
    { "a.yaml": OK.replace("{name: http, containerPort: 8080}]", "{name: http, containerPort: 8080}, {name: http, containerPort: 8081}]") },
    'services/a.yaml:1: `ports[1].name`: port name "http" is already used by ports[0]; give each port its own name',
  ],
  [
    "duplicate container port",
    { "a.yaml": OK.replace("{name: http, containerPort: 8080}]", "{name: http, containerPort: 8080}, {name: admin, containerPort: 8080}]") },
    "services/a.yaml:1: `ports[1].containerPort`: TCP port 8080 is already declared by ports[0]; remove the duplicate",
  ],
  [
    "request above limit",
    { "a.yaml": OK.replace("memory: 32Mi}", "memory: 128Mi}") },
    "services/a.yaml:2: `resources.requests.memory`: request 128Mi is above the limit 64Mi; lower the request or raise the limit",
  ],
  [
    "probe on an undeclared port",
    { "a.yaml": OK.replace("port: http}}}", "port: metrics}}}") },
    'services/a.yaml:3: `probes.readiness.httpGet.port`: "metrics" is neither a port number nor a port name of this service (http); use one of those or a number',
  ],
  [
    "unknown dependency, closest suggested",
    { "a.yaml": OK + "dependsOn: [postgress]\n" },
    'services/a.yaml:4: `dependsOn[0]`: unknown service "postgress" (did you mean "postgres"?); known: a, appliances, kafka, postgres, schema-registry',
  ],
  [
    "dependency cycle with its path",
    { "a.yaml": OK + "dependsOn: [b]\n", "b.yaml": OK + "dependsOn: [c]\n", "c.yaml": OK + "dependsOn: [a]\n" },
    "services/c.yaml:4: `dependsOn[0]`: dependency cycle: a → b → c → a; a service cannot (indirectly) depend on itself, remove one of these dependencies",
  ],
  [
    "ingress host collision",
    { "a.yaml": OK + "ingress: {host: shop}\n", "b.yaml": OK + "ingress: {host: shop}\n" },
    'services/b.yaml:4: `ingress.host`: host "shop" with path "/" is already served by a (services/a.yaml); choose another host or path',
  ],
  [
    "policy requires a probe",
    { "_catalog.yaml": "policy: {requireProbes: [readiness, liveness]}\n", "a.yaml": OK },
    "services/a.yaml:3: `probes.liveness`: missing, and the catalog policy (services/_catalog.yaml) requires a liveness probe; add one (httpGet, tcpSocket or exec)",
  ],
  [
    "env reference to a non-dependency",
    { "a.yaml": OK + "env: {DB: {from: postgres, key: DATABASE_URL}}\n" },
    'services/a.yaml:4: `env.DB.from`: "postgres" is not in dependsOn (empty); add it to dependsOn or reference one of those',
  ],
  [
    "env reference to an unknown key",
    { "a.yaml": OK + "env: {DB: {from: postgres, key: DB_URL}}\ndependsOn: [postgres]\n" },
    'services/a.yaml:4: `env.DB.key`: "DB_URL" is not offered by postgres; use one of: DATABASE_URL, PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD',
  ],
  ["reserved name", { "postgres.yaml": OK }, 'services/postgres.yaml:1: `name`: "postgres" is a built-in appliance or group name; rename the service'],
  [
    "group cycle",
    { "_catalog.yaml": "groups: {g1: [g2], g2: [g1]}\n", "a.yaml": OK },
    "services/_catalog.yaml:1: `groups.g2`: groups contain each other: g1 → g2 → g1; remove one of these memberships",
  ],
  [
    "invalid YAML",
    { "a.yaml": "ports: [\n" },
    "services/a.yaml:2: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]; fix the syntax at that line",
  ],
];

describe("catalog validation: one exact message per branch", () => {
  test.each(CASES)("%s", (_name, files, message) => {
    expect(() => load(files)).toThrow(HEAD + message);
  });

  test("all problems of a file are reported at once, in line order", () => {
    expect(() => load({ "a.yaml": OK + "replicas: -1\nreplicaz: 1\ningress: {host: Shop}\n" })).toThrow(
      "invalid service catalog in services/ (3 problems):\n" +
        "  - services/a.yaml:4: `replicas`: expected a whole number from 0 to 100, got -1\n" +
        '  - services/a.yaml:5: `replicaz`: unknown field (did you mean "replicas"?); allowed here: build, dependsOn, description, env, image, ingress, name, ports, probes, replicas, resources\n' +
        "  - services/a.yaml:6: `ingress.host`: \"Shop\" is not allowed: use a host prefix: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
    );
  });
});

describe("selection and dependency closure", () => {
  const catalog = loadCatalog(path.resolve(__dirname, "../services"));

  test("the example catalog loads with its services", () => {
    expect([...catalog.services.keys()].sort()).toEqual(["bank", "ledger", "price", "web"]);
  });

  test("a selection brings its transitive dependencies, in dependency order", () => {
    const plan = planDeployment(catalog, { selection: ["web"] });
    expect(plan.services.map((s) => s.name)).toEqual(["price", "bank", "web"]);
    expect([...plan.appliances]).toEqual(["postgres"]);
  });

  test("groups expand; no selection is the whole catalog", () => {
    expect(planDeployment(catalog, { selection: ["payments"] }).services.map((s) => s.name)).toEqual(["ledger", "price", "bank"]);
    expect(
      planDeployment(catalog, {})
        .services.map((s) => s.name)
        .sort(),
    ).toEqual(["bank", "ledger", "price", "web"]);
    expect([...planDeployment(catalog, {}).appliances]).toEqual(["postgres", "kafka", "schema-registry"]);
  });

  test("local builds must be inside the closure", () => {
    expect(() =>
      planDeployment(catalog, { selection: ["price"], local: ["bank"], localSource: { file: "Pulumi.local.yaml", key: "localkube:local" } }),
    ).toThrow(
      'cannot build from source: Pulumi.local.yaml: `localkube:local[0]`: "bank" is not deployed by this stack (selection: price); add it to localkube:services or remove it from localkube:local',
    );
  });

  test("names lists: comma, space or JSON", () => {
    const src = { file: "Pulumi.local.yaml", key: "localkube:services" };
    expect(parseNameList("appliances,bank", src)).toEqual(["appliances", "bank"]);
    expect(parseNameList("appliances bank", src)).toEqual(["appliances", "bank"]);
    expect(parseNameList('["appliances","bank"]', src)).toEqual(["appliances", "bank"]);
  });
});
