import * as fs from "fs";
import * as path from "path";
import { DISK } from "../host/catalogFiles";
import { crdNamesInYaml } from "../catalog/addonCrds";
import { planDeployment } from "../catalog/plan";
import { Catalog } from "../catalog/types";
import { buildCatalog } from "../catalog/validate";
import { tempCatalogs } from "./tempCatalog";

/** A service that passes the catalog's checks: one port. */
const OK = "ports: [{name: http, containerPort: 8080}]\n";
const HEAD = "invalid service catalog in services/: ";

const catalogDir = tempCatalogs("lk-platform-");
let dir = "";

/** Builds the catalog of a temporary directory, shown as `services/` (see catalog-validate.test.ts). */
function build(files: Record<string, string>): Catalog {
  dir = catalogDir(files);
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

const GREETER = [
  "platform:",
  "  greeter:",
  "    description: Greets",
  "    namespace: greeter-system",
  "    chart: { path: charts/greeter, values: { image: reg/greeter:1 } }",
  "    crds: [greetings.e2e.localkube.dev]",
  "  argo-workflows:",
  "    namespace: argo",
  "    chart:",
  "      repo: https://argoproj.github.io/argo-helm",
  "      name: argo-workflows",
  '      version: "2.0.1"',
  "    crds: [workflowtemplates.argoproj.io, workflows.argoproj.io]",
  "    keepCrds: false",
  "  certs:",
  "    namespace: kube-system",
  "    manifests: [platform/certs.yaml]",
  "",
].join("\n");

describe("platform: in _catalog.yaml", () => {
  test("charts (a directory or a repository's) and manifests, each with its namespace and CRDs", () => {
    const catalog = build({ "_catalog.yaml": GREETER, "a.yaml": OK });
    expect([...catalog.addons.values()]).toEqual([
      {
        name: "greeter",
        file: "services/_catalog.yaml",
        description: "Greets",
        namespace: "greeter-system",
        source: {
          kind: "chart",
          path: path.join(dir, "charts/greeter"),
          values: { image: "reg/greeter:1" },
        },
        crds: ["greetings.e2e.localkube.dev"],
        keepCrds: true,
      },
      {
        name: "argo-workflows",
        file: "services/_catalog.yaml",
        namespace: "argo",
        source: {
          kind: "chart",
          repo: "https://argoproj.github.io/argo-helm",
          name: "argo-workflows",
          version: "2.0.1",
          values: {},
        },
        crds: ["workflowtemplates.argoproj.io", "workflows.argoproj.io"],
        keepCrds: false,
      },
      {
        name: "certs",
        file: "services/_catalog.yaml",
        namespace: "kube-system",
        source: { kind: "yaml", files: [path.join(dir, "platform/certs.yaml")] },
        keepCrds: true,
      },
    ]);
  });

  test("the namespace defaults to the add-on's name; no platform: is no add-ons", () => {
    const catalog = build({
      "_catalog.yaml": "platform:\n  greeter: { manifests: [greeter.yaml] }\n",
    });
    expect(catalog.addons.get("greeter")?.namespace).toBe("greeter");
    expect(build({ "a.yaml": OK }).addons.size).toBe(0);
  });

  test.each([
    [
      "platform: [greeter]",
      'services/_catalog.yaml:1: `platform`: expected a mapping, got ["greeter"]',
    ],
    [
      "platform:\n  Greeter: { manifests: [g.yaml] }",
      "services/_catalog.yaml:2: `platform.Greeter`: \"Greeter\" is not a valid add-on name: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
    ],
    [
      "platform:\n  greeter: {}",
      'services/_catalog.yaml:2: `platform.greeter`: needs chart (a chart directory of the repository, or repo + name + version) or manifests (YAML files); e.g. chart: { repo: https://argoproj.github.io/argo-helm, name: argo-workflows, version: "2.0.1" }',
    ],
    [
      "platform:\n  greeter: { manifests: [g.yaml], chart: { path: c }, crds: [] }",
      "services/_catalog.yaml:2: `platform.greeter.manifests`: chart and manifests are alternatives: keep the chart, or the YAML files, not both",
    ],
    [
      "platform:\n  greeter: { chart: { path: charts/greeter } }",
      "services/_catalog.yaml:2: `platform.greeter.crds`: missing; list the CRDs the chart installs (<plural>.<group>), e.g. crds: [workflowtemplates.argoproj.io], or crds: [] when it installs none: branch stacks check that they exist in the cluster, and a chart's CRDs are known only once it is rendered",
    ],
    [
      "platform:\n  greeter: { chart: { repo: https://charts.example.com, name: g }, crds: [] }",
      'services/_catalog.yaml:2: `platform.greeter.chart.version`: missing; pin the chart\'s version (e.g. version: "1.4.2") so every laptop runs the same',
    ],
    [
      "platform:\n  greeter: { manifests: [], crds: [] }",
      "services/_catalog.yaml:2: `platform.greeter.manifests`: needs at least one file; e.g. - platform/greeter/crds.yaml",
    ],
    [
      "platform:\n  greeter: { manifests: [g.yaml], crds: [Greetings] }",
      'services/_catalog.yaml:2: `platform.greeter.crds[0]`: "Greetings" is not allowed: use a CRD name <plural>.<group>, e.g. workflowtemplates.argoproj.io',
    ],
    [
      "platform:\n  greeter: { manifests: [g.yaml], crds: [a.b.io, a.b.io] }",
      'services/_catalog.yaml:2: `platform.greeter.crds[1]`: "a.b.io" is listed twice; list each CRD once',
    ],
    [
      "platform:\n  greeter: { manifests: [g.yaml], keepCrds: no }",
      'services/_catalog.yaml:2: `platform.greeter.keepCrds`: expected true or false, got "no"',
    ],
    [
      "platform:\n  greeter: { manifests: [g.yaml], namespce: g }",
      'services/_catalog.yaml:2: `platform.greeter.namespce`: unknown field (did you mean "namespace"?); allowed here: chart, crds, description, keepCrds, manifests, namespace',
    ],
    [
      "platform:\n  a: { manifests: [a.yaml], namespace: tools }\n  b: { manifests: [b.yaml], namespace: tools }",
      'services/_catalog.yaml:3: `platform.b.namespace`: "tools" is also the namespace of add-on a; give each add-on its own namespace (localkube creates it, and deletes it with the add-on)',
    ],
  ])("%s", (text, problem) => {
    expect(() => build({ "_catalog.yaml": `${text}\n` })).toThrow(`${HEAD}${problem}`);
  });

  test("built-in namespaces may be shared: localkube never creates or deletes them", () => {
    const catalog = build({
      "_catalog.yaml":
        "platform:\n  a: { manifests: [a.yaml], namespace: kube-system }\n  b: { manifests: [b.yaml], namespace: kube-system }\n",
    });
    expect([...catalog.addons.keys()]).toEqual(["a", "b"]);
  });

  test.each([
    ["price", "a service (services/price.yaml)"],
    ["postgres", "a built-in appliance"],
    ["appliances", "a built-in group"],
    ["payments", "a group"],
  ])("an add-on named %s is refused: already %s", (name, what) => {
    expect(() =>
      build({
        "_catalog.yaml": `groups: {payments: [price]}\nplatform:\n  ${name}: { manifests: [x.yaml] }\n`,
        "price.yaml": OK,
      }),
    ).toThrow(
      `${HEAD}services/_catalog.yaml:3: \`platform.${name}\`: "${name}" is already the name of ${what}; rename the add-on`,
    );
  });

  test("services may depend on add-ons, groups may hold them; env and image.from cannot name them", () => {
    expect(() =>
      build({
        "_catalog.yaml":
          "groups: {tools: [greeter]}\nplatform:\n  greeter: { manifests: [g.yaml] }\n",
        "a.yaml": `${OK}dependsOn: [greeter]\nenv: { G: { from: greeter, key: URL } }\n`,
        "b.yaml": `image: { from: greeter }\ndependsOn: [tools, gretter]\n`,
      }),
    ).toThrow(
      `${HEAD.slice(0, -2)} (3 problems):\n` +
        '  - services/a.yaml:3: `env.G.from`: "greeter" is a platform add-on and offers no connection values; remove this reference (the dependency alone makes a wait for it)\n' +
        '  - services/b.yaml:1: `image.from`: "greeter" is a platform add-on; name a service whose image to run\n' +
        '  - services/b.yaml:2: `dependsOn[1]`: unknown service "gretter" (did you mean "greeter"?); known: a, appliances, b, greeter, kafka, postgres, schema-registry, tools',
    );
  });
});

describe("planDeployment: add-ons", () => {
  const files = {
    "_catalog.yaml": GREETER,
    "report.yaml": `${OK}dependsOn: [greeter]\n`,
    "web.yaml": `${OK}dependsOn: [report]\n`,
    "other.yaml": OK,
  };
  const present = {
    ...files,
    "charts/greeter/Chart.yaml": "name: greeter\n",
    "platform/certs.yaml": "{}\n",
  };

  test("an add-on comes with what needs it, directly or through a dependency, or when named", () => {
    const catalog = build(present);
    const addons = (selection: string[]) =>
      planDeployment(catalog, { files: DISK, selection }).addons.map((a) => a.name);
    expect(addons(["web"])).toEqual(["greeter"]);
    expect(addons(["other"])).toEqual([]);
    expect(addons(["other", "argo-workflows", "certs"])).toEqual(["argo-workflows", "certs"]);
    // Add-ons are not services: they are not in the services' order.
    expect(
      planDeployment(catalog, { files: DISK, selection: ["web"] }).services.map((s) => s.name),
    ).toEqual(["report", "web"]);
  });

  test("an add-on is not a service to build", () => {
    const catalog = build(present);
    expect(() =>
      planDeployment(catalog, {
        files: DISK,
        selection: ["web"],
        local: ["greeter"],
        localSource: { file: "Pulumi.local.yaml", key: "localkube:local" },
      }),
    ).toThrow(
      'cannot build from source: Pulumi.local.yaml: `localkube:local[0]`: "greeter" is a platform add-on, not a service; list services; services: other, report, web',
    );
  });

  test("a needed add-on's chart directory and files must exist; others are not looked at", () => {
    const catalog = build(files);
    expect(() => planDeployment(catalog, { files: DISK, selection: ["web", "certs"] })).toThrow(
      "missing files (2 problems):\n" +
        `  - services/_catalog.yaml: \`platform.greeter.chart.path\`: ${JSON.stringify(path.relative(process.cwd(), path.join(dir, "charts/greeter")))} is not a chart directory (it has no Chart.yaml); fix the path (it is relative to the catalog directory)\n` +
        `  - services/_catalog.yaml: \`platform.certs.manifests[0]\`: file ${JSON.stringify(path.relative(process.cwd(), path.join(dir, "platform/certs.yaml")))} does not exist; fix the path (it is relative to the catalog directory)`,
    );
    expect(planDeployment(catalog, { files: DISK, selection: ["other"] }).addons).toEqual([]);
  });
});

describe("crdNamesInYaml: the CRDs an add-on's own files define", () => {
  test("every document and List item; other kinds and broken documents are skipped", () => {
    const text = [
      "apiVersion: apiextensions.k8s.io/v1",
      "kind: CustomResourceDefinition",
      "metadata: { name: certificates.cert-manager.io }",
      "---",
      "kind: Namespace",
      "metadata: { name: cert-manager }",
      "---",
      "kind: List",
      "items:",
      "  - { kind: CustomResourceDefinition, metadata: { name: issuers.cert-manager.io } }",
      "  - { kind: ConfigMap, metadata: { name: x } }",
      "---",
      "kind: [broken",
      "",
    ].join("\n");
    expect(crdNamesInYaml(text)).toEqual([
      "certificates.cert-manager.io",
      "issuers.cert-manager.io",
    ]);
  });
});
