import * as fs from "fs";
import * as path from "path";
import { DISK, loadCatalog } from "../host/catalogFiles";
import { planDeployment } from "../catalog/plan";
import { parseNameList } from "../config/nameList";
import { CatalogError } from "../catalog/problems";
import { Catalog } from "../catalog/types";
import { buildCatalog, expandDependencies } from "../catalog/validate";
import { tempCatalogs } from "./tempCatalog";

/** A service that passes the example policy: one port, resources, a readiness probe (lines 1-3). */
const OK =
  "ports: [{name: http, containerPort: 8080}]\nresources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}\nprobes: {readiness: {httpGet: {path: /healthz, port: http}}}\n";
const HEAD = "invalid service catalog in services/: ";

const catalogDir = tempCatalogs("lk-validate-");

/**
 * Builds the catalog of a temporary directory as {@link loadCatalog} does (sorted `*.yaml`/`*.yml`
 * files), but shown as `services/` so that messages read as they do for the real catalog.
 */
function build(files: Record<string, string>): Catalog {
  const dir = catalogDir(files);
  const names = fs
    .readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort();
  return buildCatalog(
    "services",
    dir,
    names.map((n) => ({ file: `services/${n}`, text: fs.readFileSync(path.join(dir, n), "utf8") })),
  );
}

const names = (catalog: Catalog, selection?: string[]) =>
  planDeployment(catalog, { files: DISK, selection }).services.map((s) => s.name);

describe("buildCatalog: names", () => {
  test("the same service in two files", () => {
    expect(() => build({ "a.yaml": OK, "a.yml": OK })).toThrow(
      HEAD +
        'services/a.yml:1: `name`: service "a" is also defined in services/a.yaml; keep one of the two files',
    );
  });

  test.each(["postgres", "kafka", "schema-registry", "appliances"])(
    "the reserved name %s",
    (name) => {
      expect(() => build({ [`${name}.yaml`]: OK })).toThrow(
        HEAD +
          `services/${name}.yaml:1: \`name\`: "${name}" is a built-in appliance or group name; rename the service`,
      );
    },
  );

  test("a group named like a service", () => {
    expect(() =>
      build({ "_catalog.yaml": "groups:\n  bank: [price]\n", "bank.yaml": OK, "price.yaml": OK }),
    ).toThrow(
      HEAD +
        'services/_catalog.yaml:2: `groups.bank`: "bank" is already the name of a service; rename the group',
    );
  });

  test("a group named like an appliance or the built-in group", () => {
    expect(() =>
      build({ "_catalog.yaml": "groups:\n  postgres: [a]\n  appliances: [a]\n", "a.yaml": OK }),
    ).toThrow(
      "invalid service catalog in services/ (2 problems):\n" +
        '  - services/_catalog.yaml:2: `groups.postgres`: "postgres" is already the name of a built-in group or appliance; rename the group\n' +
        '  - services/_catalog.yaml:3: `groups.appliances`: "appliances" is already the name of a built-in group or appliance; rename the group',
    );
  });
});

describe("buildCatalog: dependencies", () => {
  test("an unknown dependency, with the closest known name", () => {
    expect(() => build({ "a.yaml": OK + "dependsOn: [postgress]\n" })).toThrow(
      HEAD +
        'services/a.yaml:4: `dependsOn[0]`: unknown service "postgress" (did you mean "postgres"?); known: a, appliances, kafka, postgres, schema-registry',
    );
  });

  test("an unknown dependency like nothing known", () => {
    expect(() => build({ "a.yaml": OK + "dependsOn: [zookeeper]\n" })).toThrow(
      HEAD +
        'services/a.yaml:4: `dependsOn[0]`: unknown service "zookeeper"; known: a, appliances, kafka, postgres, schema-registry',
    );
  });

  test("the list of known names is shortened past twelve", () => {
    const files: Record<string, string> = { "a.yaml": OK + "dependsOn: [s99]\n" };
    for (let i = 10; i < 20; i++) files[`s${i}.yaml`] = OK;
    expect(() => build(files)).toThrow(
      HEAD +
        'services/a.yaml:4: `dependsOn[0]`: unknown service "s99" (did you mean "s19"?); known: a, appliances, kafka, postgres, s10, s11, s12, s13, s14, s15, s16, s17, … (15 in all)',
    );
  });

  test("an unknown group member, with the closest known name", () => {
    expect(() =>
      build({ "_catalog.yaml": "groups:\n  payments: [bank, bnak]\n", "bank.yaml": OK }),
    ).toThrow(
      HEAD +
        'services/_catalog.yaml:2: `groups.payments[1]`: unknown service "bnak" (did you mean "bank"?); known: appliances, bank, kafka, payments, postgres, schema-registry',
    );
  });

  test("a dependency cycle, with its exact path, located at the edge that closes it", () => {
    expect(() =>
      build({
        "a.yaml": OK + "dependsOn: [b]\n",
        "b.yaml": OK + "dependsOn: [postgres, c]\n",
        "c.yaml": OK + "dependsOn: [a]\n",
      }),
    ).toThrow(
      HEAD +
        "services/c.yaml:4: `dependsOn[0]`: dependency cycle: a → b → c → a; a service cannot (indirectly) depend on itself, remove one of these dependencies",
    );
  });

  test("a cycle through a group is located at the group entry", () => {
    expect(() =>
      build({
        "_catalog.yaml": "groups: {front: [a]}\n",
        "a.yaml": OK + "dependsOn: [b]\n",
        "b.yaml": OK + "dependsOn: [kafka, front]\n",
      }),
    ).toThrow(
      HEAD +
        "services/b.yaml:4: `dependsOn[1]`: dependency cycle: a → b → a; a service cannot (indirectly) depend on itself, remove one of these dependencies",
    );
  });

  test("two separate cycles are both reported", () => {
    expect(() =>
      build({
        "a.yaml": OK + "dependsOn: [b]\n",
        "b.yaml": OK + "dependsOn: [a]\n",
        "c.yaml": OK + "dependsOn: [d]\n",
        "d.yaml": OK + "dependsOn: [c]\n",
      }),
    ).toThrow(
      "invalid service catalog in services/ (2 problems):\n" +
        "  - services/b.yaml:4: `dependsOn[0]`: dependency cycle: a → b → a; a service cannot (indirectly) depend on itself, remove one of these dependencies\n" +
        "  - services/d.yaml:4: `dependsOn[0]`: dependency cycle: c → d → c; a service cannot (indirectly) depend on itself, remove one of these dependencies",
    );
  });

  test("depending on a group that contains the service itself", () => {
    expect(() =>
      build({
        "_catalog.yaml": "groups: {payments: [a, b]}\n",
        "a.yaml": OK + "dependsOn: [payments]\n",
        "b.yaml": OK,
      }),
    ).toThrow(
      HEAD +
        'services/a.yaml:4: `dependsOn[0]`: group "payments" contains a itself, and a service cannot depend on itself; list the other members instead',
    );
  });

  test("groups that contain each other", () => {
    expect(() =>
      build({ "_catalog.yaml": "groups:\n  g1: [g2, a]\n  g2: [g1]\n", "a.yaml": OK }),
    ).toThrow(
      HEAD +
        "services/_catalog.yaml:3: `groups.g2`: groups contain each other: g1 → g2 → g1; remove one of these memberships",
    );
  });

  test("a group that contains itself; a service depending on it is not reported again", () => {
    expect(() =>
      build({
        "_catalog.yaml": "groups:\n  loop: [loop, b]\n",
        "a.yaml": OK + "dependsOn: [loop]\n",
        "b.yaml": OK,
      }),
    ).toThrow(
      HEAD +
        "services/_catalog.yaml:2: `groups.loop`: groups contain each other: loop → loop; remove one of these memberships",
    );
  });
});

describe("buildCatalog: ingress and env", () => {
  test("two services on the same host and path", () => {
    expect(() =>
      build({ "a.yaml": OK + "ingress: {host: shop}\n", "b.yaml": OK + "ingress: {host: shop}\n" }),
    ).toThrow(
      HEAD +
        'services/b.yaml:4: `ingress.host`: host "shop" with path "/" is already served by a (services/a.yaml); choose another host or path',
    );
  });

  test("two ports forwarded to the same host port", () => {
    const forwarded = (port: number) =>
      `ports: [{name: http, containerPort: 8080, forward: ${port}}]\n` +
      OK.split("\n").slice(1).join("\n");
    expect(() => build({ "a.yaml": forwarded(9000), "b.yaml": forwarded(9000) })).toThrow(
      HEAD +
        "services/b.yaml:1: `ports[0].forward`: host port 9000 is already forwarded to a's port http (services/a.yaml); choose another port",
    );
    expect(
      build({ "a.yaml": forwarded(9000), "b.yaml": forwarded(9001) }).services.get("b")!.ports[0]
        .forward,
    ).toBe(9001);
  });

  test("the same host on different paths is allowed", () => {
    const catalog = build({
      "a.yaml": OK + "ingress: {host: shop}\n",
      "b.yaml": OK + "ingress: {host: shop, path: /api}\n",
    });
    expect([...catalog.services.values()].map((s) => s.ingress)).toEqual([
      { host: "shop", path: "/", port: "http" },
      { host: "shop", path: "/api", port: "http" },
    ]);
  });

  test("an env reference to a service that is not a dependency (empty dependsOn)", () => {
    expect(() =>
      build({ "a.yaml": OK + "env: {DB: {from: postgres, key: DATABASE_URL}}\n" }),
    ).toThrow(
      HEAD +
        'services/a.yaml:4: `env.DB.from`: "postgres" is not in dependsOn (empty); add it to dependsOn or reference one of those',
    );
  });

  test("an env reference to a service that is not a dependency (other dependencies)", () => {
    expect(() =>
      build({
        "a.yaml": OK + "dependsOn: [kafka, b]\nenv: {B: {from: c, key: URL}}\n",
        "b.yaml": OK,
        "c.yaml": OK,
      }),
    ).toThrow(
      HEAD +
        'services/a.yaml:5: `env.B.from`: "c" is not in dependsOn (kafka, b); add it to dependsOn or reference one of those',
    );
  });

  test("an env reference to a key the appliance does not offer", () => {
    expect(() =>
      build({ "a.yaml": OK + "dependsOn: [postgres]\nenv: {DB: {from: postgres, key: DB_URL}}\n" }),
    ).toThrow(
      HEAD +
        'services/a.yaml:5: `env.DB.key`: "DB_URL" is not offered by postgres; use one of: DATABASE_URL, PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD',
    );
  });

  test("an env reference to a key a service does not offer", () => {
    expect(() =>
      build({ "a.yaml": OK + "dependsOn: [b]\nenv: {B: {from: b, key: URI}}\n", "b.yaml": OK }),
    ).toThrow(
      HEAD +
        'services/a.yaml:5: `env.B.key`: "URI" is not offered by b (did you mean "URL"?); use one of: URL, HOST, PORT',
    );
  });

  test("an env reference to a group", () => {
    expect(() =>
      build({
        "_catalog.yaml": "groups: {back: [b]}\n",
        "a.yaml": OK + "dependsOn: [back]\nenv: {B: {from: back, key: URL}}\n",
        "b.yaml": OK,
      }),
    ).toThrow(
      HEAD +
        'services/a.yaml:5: `env.B.from`: "back" is a group; reference one service or appliance of it',
    );
  });

  test("an env reference to a dependency reached through a group is accepted", () => {
    const catalog = build({
      "a.yaml": OK + "dependsOn: [appliances]\nenv: {DB: {from: postgres, key: DATABASE_URL}}\n",
    });
    expect(catalog.services.get("a")?.env).toEqual({
      DB: { kind: "ref", from: "postgres", key: "DATABASE_URL" },
    });
  });
});

describe("buildCatalog: policy", () => {
  test("requireProbes: each missing kind", () => {
    expect(() =>
      build({
        "_catalog.yaml": "policy: {requireProbes: [readiness, liveness, startup]}\n",
        "a.yaml": OK,
      }),
    ).toThrow(
      "invalid service catalog in services/ (2 problems):\n" +
        "  - services/a.yaml:3: `probes.liveness`: missing, and the catalog policy (services/_catalog.yaml) requires a liveness probe; add one (httpGet, tcpSocket or exec)\n" +
        "  - services/a.yaml:3: `probes.startup`: missing, and the catalog policy (services/_catalog.yaml) requires a startup probe; add one (httpGet, tcpSocket or exec)",
    );
  });

  test("requireResources: each missing field, with an example value", () => {
    expect(() =>
      build({
        "_catalog.yaml": "policy: {requireResources: [requests.cpu, limits.cpu, limits.memory]}\n",
        "a.yaml": "ports: []\n",
      }),
    ).toThrow(
      "invalid service catalog in services/ (3 problems):\n" +
        "  - services/a.yaml:1: `resources.requests.cpu`: missing, and the catalog policy (services/_catalog.yaml) requires it; set e.g. 100m\n" +
        "  - services/a.yaml:1: `resources.limits.cpu`: missing, and the catalog policy (services/_catalog.yaml) requires it; set e.g. 100m\n" +
        "  - services/a.yaml:1: `resources.limits.memory`: missing, and the catalog policy (services/_catalog.yaml) requires it; set e.g. 128Mi",
    );
  });

  test("without a settings file there is no policy", () => {
    expect(build({ "a.yaml": "ports: []\n" }).policy).toEqual({
      requireProbes: [],
      requireResources: [],
    });
  });
});

describe("buildCatalog: problems of every file at once", () => {
  test("sorted by file, then line", () => {
    expect(() =>
      build({
        "_catalog.yaml": "groups: {g: [x]}\n",
        "b.yaml": OK + "replicas: many\ndependsOn: [c]\n",
        "a.yaml": OK + "dependsOn: [b, zz]\n",
      }),
    ).toThrow(
      "invalid service catalog in services/ (4 problems):\n" +
        '  - services/_catalog.yaml:1: `groups.g[0]`: unknown service "x"; known: a, appliances, b, g, kafka, postgres, schema-registry\n' +
        '  - services/a.yaml:4: `dependsOn[1]`: unknown service "zz"; known: a, appliances, b, g, kafka, postgres, schema-registry\n' +
        '  - services/b.yaml:4: `replicas`: expected a whole number from 0 to 100, got "many"\n' +
        '  - services/b.yaml:5: `dependsOn[0]`: unknown service "c"; known: a, appliances, b, g, kafka, postgres, schema-registry',
    );
  });

  test("the error carries the problems as data", () => {
    let error: unknown;
    try {
      build({ "a.yaml": OK + "replicas: -1\n" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).problems).toEqual([
      {
        file: "services/a.yaml",
        line: 4,
        path: "replicas",
        message: "expected a whole number from 0 to 100, got -1",
      },
    ]);
  });
});

describe("loadCatalog", () => {
  test("reads *.yaml and *.yml in name order, ignores other files and subdirectories", () => {
    const dir = catalogDir({
      "b.yml": OK,
      "a.yaml": OK,
      "README.md": "# docs",
      "c/Dockerfile": "FROM scratch\n",
      "c/c.yaml": "not: [valid",
    });
    const catalog = loadCatalog(dir);
    const shown = path.relative(process.cwd(), dir);
    expect(catalog.dir).toBe(shown);
    expect([...catalog.services.values()].map((s) => [s.name, s.file])).toEqual([
      ["a", path.join(shown, "a.yaml")],
      ["b", path.join(shown, "b.yml")],
    ]);
    expect([...catalog.groups]).toEqual([["appliances", ["postgres", "kafka", "schema-registry"]]]);
  });

  test("messages name the files relative to the working directory", () => {
    const dir = catalogDir({ "a.yaml": OK + "replicas: -1\n" });
    const shown = path.relative(process.cwd(), dir);
    expect(() => loadCatalog(dir)).toThrow(
      `invalid service catalog in ${shown}/: ${shown}/a.yaml:4: \`replicas\`: expected a whole number from 0 to 100, got -1`,
    );
  });

  test("a missing directory", () => {
    const dir = path.join(catalogDir({}), "nope");
    expect(() => loadCatalog(dir)).toThrow(
      `invalid service catalog: ${dir}: cannot read the catalog directory (ENOENT); create it or set localkube:catalogDir`,
    );
  });

  test("the example catalog in services/ loads with no problems", () => {
    const catalog = loadCatalog(path.resolve(__dirname, "../services"));
    expect([...catalog.services.keys()]).toEqual([
      "bank-migrate",
      "bank",
      "fx",
      "ledger",
      "partner",
      "price",
      "rates",
      "settlement",
      "web",
    ]);
    expect([...catalog.groups]).toEqual([
      ["appliances", ["postgres", "kafka", "schema-registry"]],
      ["payments", ["bank", "ledger"]],
    ]);
    expect(catalog.policy).toEqual({
      requireProbes: ["readiness"],
      requireResources: ["requests.cpu", "requests.memory", "limits.memory"],
    });
    expect(
      Object.fromEntries([...catalog.services.values()].map((s) => [s.name, s.dependsOn])),
    ).toEqual({
      "bank-migrate": ["postgres"],
      bank: ["postgres", "price", "bank-migrate"],
      fx: ["price"],
      ledger: ["kafka", "schema-registry"],
      partner: ["price"],
      rates: ["price"],
      price: [],
      settlement: ["bank"],
      web: ["bank", "fx"],
    });
    const plan = planDeployment(catalog, {
      files: DISK,
      local: ["bank", "fx", "ledger", "partner", "price", "web"],
    });
    expect(plan.services.map((s) => s.name)).toEqual([
      "bank-migrate",
      "ledger",
      "price",
      "bank",
      "fx",
      "partner",
      "rates",
      "settlement",
      "web",
    ]);
    expect(plan.appliances).toEqual(["postgres", "kafka", "schema-registry"]);
    expect([...plan.local]).toEqual(["bank", "fx", "ledger", "partner", "price", "web"]);
    expect(Object.fromEntries([...plan.imageFrom].map(([k, v]) => [k, v.name]))).toEqual({
      "bank-migrate": "bank",
      settlement: "bank",
    });
  });
});

describe("expandDependencies", () => {
  const groups = new Map<string, readonly string[]>([
    ["payments", ["bank", "ledger"]],
    ["all", ["payments", "web", "bank"]],
    ["g1", ["g2", "a"]],
    ["g2", ["g1", "b"]],
  ]);

  test("groups become their members, nested groups too, each name once, in first-seen order", () => {
    expect(expandDependencies(["postgres", "all"], groups)).toEqual([
      "postgres",
      "bank",
      "ledger",
      "web",
    ]);
  });

  test("groups that contain each other end", () => {
    expect(expandDependencies(["g1"], groups)).toEqual(["b", "a"]);
  });
});

describe("planDeployment: closure and order", () => {
  /** price ← bank ← web; ledger ← audit → bank; report → payments = [bank, ledger]. */
  const files = {
    "_catalog.yaml": "groups: {payments: [bank, ledger]}\n",
    "price.yaml": OK,
    "bank.yaml": OK + "dependsOn: [postgres, price]\n",
    "ledger.yaml": OK + "dependsOn: [schema-registry]\n",
    "web.yaml": OK + "dependsOn: [bank]\n",
    "audit.yaml": OK + "dependsOn: [ledger, bank]\n",
    "report.yaml": OK + "dependsOn: [payments]\n",
  };

  test("a service brings its transitive dependencies, dependencies first", () => {
    const catalog = build(files);
    const plan = planDeployment(catalog, { files: DISK, selection: ["web"] });
    expect(plan.services.map((s) => s.name)).toEqual(["price", "bank", "web"]);
    expect(plan.appliances).toEqual(["postgres"]);
    expect([...plan.local]).toEqual([]);
  });

  test("ties are broken by name, level by level", () => {
    const catalog = build(files);
    expect(names(catalog, ["audit"])).toEqual(["ledger", "price", "bank", "audit"]);
    expect(planDeployment(catalog, { files: DISK, selection: ["audit"] }).appliances).toEqual([
      "postgres",
      "kafka",
      "schema-registry",
    ]);
  });

  test("a group in dependsOn and in the selection expands to its members", () => {
    const catalog = build(files);
    expect(names(catalog, ["report"])).toEqual(["ledger", "price", "bank", "report"]);
    expect(names(catalog, ["payments"])).toEqual(["ledger", "price", "bank"]);
  });

  test("appliances alone, with the appliances they need", () => {
    const catalog = build(files);
    expect(planDeployment(catalog, { files: DISK, selection: ["schema-registry"] })).toEqual({
      services: [],
      appliances: ["kafka", "schema-registry"],
      addons: [],
      local: new Set(),
      imageFrom: new Map(),
    });
    expect(planDeployment(catalog, { files: DISK, selection: ["appliances"] }).appliances).toEqual([
      "postgres",
      "kafka",
      "schema-registry",
    ]);
  });

  test("no selection is the whole catalog", () => {
    const catalog = build(files);
    expect(names(catalog)).toEqual(["ledger", "price", "bank", "audit", "report", "web"]);
    expect(
      names(
        catalog,
        parseNameList(" , ", { file: "Pulumi.local.yaml", key: "localkube:services" }),
      ),
    ).toEqual(names(catalog));
  });

  test("unknown selected names, each with its position and closest name", () => {
    const catalog = build(files);
    expect(() =>
      planDeployment(catalog, {
        files: DISK,
        selection: ["web", "bnak", "zzz"],
        selectionSource: { file: "Pulumi.local.yaml", key: "localkube:services" },
      }),
    ).toThrow(
      "invalid selection (2 problems):\n" +
        '  - Pulumi.local.yaml: `localkube:services[1]`: unknown service "bnak" (did you mean "bank"?); known: appliances, audit, bank, kafka, ledger, payments, postgres, price, report, schema-registry, web\n' +
        '  - Pulumi.local.yaml: `localkube:services[2]`: unknown service "zzz"; known: appliances, audit, bank, kafka, ledger, payments, postgres, price, report, schema-registry, web',
    );
  });

  test("without a source the messages name the stack config", () => {
    expect(() => planDeployment(build(files), { files: DISK, selection: ["webb"] })).toThrow(
      'invalid selection: stack config: `localkube:services[0]`: unknown service "webb" (did you mean "web"?); known: appliances, audit, bank, kafka, ledger, payments, postgres, price, report, schema-registry, web',
    );
  });
});

describe("planDeployment: localkube:local", () => {
  const SRC = { file: "Pulumi.local.yaml", key: "localkube:local" };
  /** bank and price have a build section; bank's context exists with a Dockerfile, price's context has none; web has no build. */
  const files = {
    "price.yaml": OK + "build: {context: price}\n",
    "bank.yaml": OK + "build: {context: bank}\ndependsOn: [price]\n",
    "web.yaml": OK + "dependsOn: [bank]\n",
    "ghost.yaml": OK + "build: {context: ghost}\n",
    "bank/Dockerfile": "FROM scratch\n",
    "price/app.py": "print('price')\n",
  };

  test("a built service must be in the closure of the selection", () => {
    expect(() =>
      planDeployment(build(files), {
        files: DISK,
        selection: ["price"],
        local: ["bank"],
        localSource: SRC,
      }),
    ).toThrow(
      'cannot build from source: Pulumi.local.yaml: `localkube:local[0]`: "bank" is not deployed by this stack (selection: price); add it to localkube:services or remove it from localkube:local',
    );
  });

  test("a built service needs a build section", () => {
    expect(() =>
      planDeployment(build(files), {
        files: DISK,
        selection: ["web"],
        local: ["web"],
        localSource: SRC,
      }),
    ).toThrow(
      'cannot build from source: Pulumi.local.yaml: `localkube:local[0]`: "web" has no build section in services/web.yaml, so it cannot be built from source; add build.context there or remove it from localkube:local',
    );
  });

  test("unknown names and appliances are not services", () => {
    expect(() =>
      planDeployment(build(files), {
        files: DISK,
        selection: ["web"],
        local: ["bnak", "postgres"],
        localSource: SRC,
      }),
    ).toThrow(
      "cannot build from source (2 problems):\n" +
        '  - Pulumi.local.yaml: `localkube:local[0]`: unknown service "bnak" (did you mean "bank"?); services: bank, ghost, price, web\n' +
        '  - Pulumi.local.yaml: `localkube:local[1]`: "postgres" is an appliance or group, not a service; list services; services: bank, ghost, price, web',
    );
  });

  test("a build context that does not exist", () => {
    const catalog = build(files);
    const context = path.relative(process.cwd(), catalog.services.get("ghost")!.build!.context);
    expect(() =>
      planDeployment(catalog, { files: DISK, local: ["ghost"], localSource: SRC }),
    ).toThrow(
      `cannot build from source: services/ghost.yaml: \`build.context\`: directory "${context}" does not exist; fix the path (it is relative to the catalog directory)`,
    );
  });

  test("a context without its Dockerfile", () => {
    const catalog = build(files);
    const dockerfile = path.relative(
      process.cwd(),
      catalog.services.get("price")!.build!.dockerfile,
    );
    expect(() =>
      planDeployment(catalog, {
        files: DISK,
        selection: ["price"],
        local: ["price"],
        localSource: SRC,
      }),
    ).toThrow(
      `cannot build from source: services/price.yaml: \`build.dockerfile\`: file "${dockerfile}" does not exist; add it or set build.dockerfile`,
    );
  });

  test("a valid local build; buildAll adds every deployed service with a build section", () => {
    const catalog = build(files);
    expect([
      ...planDeployment(catalog, {
        files: DISK,
        selection: ["web"],
        local: ["bank"],
        localSource: SRC,
      }).local,
    ]).toEqual(["bank"]);
    const exists = (p: string) => !p.includes("ghost");
    expect(
      [
        ...planDeployment(catalog, {
          files: { ...DISK, exists },
          selection: ["web"],
          buildAll: true,
        }).local,
      ].sort(),
    ).toEqual(["bank", "price"]);
  });
});
