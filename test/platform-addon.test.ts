import type * as pulumiType from "@pulumi/pulumi";
import * as path from "path";
import {
  fakeConfig,
  installMocks,
  ofType,
  promiseOf,
  Registered,
  registeredNamed,
  settle,
  waitForRegistered,
} from "./mocks";
import { tempCatalogs } from "./tempCatalog";
import type { PreflightFacts } from "../host/preflight";

const registered: Registered[] = installMocks();
jest.setTimeout(60_000);
let stacks: typeof import("../stacks/localStack");
let addonMod: typeof import("../components/platformAddon");

beforeAll(async () => {
  stacks = await import("../stacks/localStack");
  addonMod = await import("../components/platformAddon");
}, 60_000);
beforeEach(() => registered.splice(0));

const catalogDir = tempCatalogs("lk-addon-");
const OK = "ports: [{name: http, containerPort: 8080}]\nimage: reg/x\n";
const CATALOG = {
  "_catalog.yaml": [
    "platform:",
    "  greeter:",
    "    namespace: greeter-system",
    "    chart: { path: charts/greeter, values: { image: reg/greeter:1 } }",
    "    crds: [greetings.e2e.localkube.dev]",
    "  tools:",
    "    namespace: kube-system",
    "    manifests: [platform/tools.yaml]",
    "    keepCrds: false",
    "",
  ].join("\n"),
  "charts/greeter/Chart.yaml": "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
  "platform/tools.yaml": "{}\n",
  "greetings.yaml": "manifests: [greetings/greeting.yaml]\ndependsOn: [greeter]\n",
  "greetings/greeting.yaml": "{}\n",
  "web.yaml": OK,
};

const source = (values: Record<string, string>) => fakeConfig(values);

const preflight = async () =>
  ({ docker: { ok: true }, kind: { ok: true }, ports: new Map() }) as unknown as PreflightFacts;

async function runLocal(values: Record<string, string>) {
  const dir = catalogDir(CATALOG);
  const outputs = await stacks.localStack(
    "local",
    source({ catalogDir: dir, "ingress.controller": "traefik", ...values }),
    { preflight },
  );
  await settle();
  return { outputs, dir };
}

const registeredAll = (...names: string[]) => waitForRegistered(registered, names);
const named = (name: string) => registeredNamed(registered, name);

describe("platform add-ons on the local stack", () => {
  test("installed when the selection needs one: its namespace, its chart, a gate for its CRDs and one for its workloads", async () => {
    const { outputs, dir } = await runLocal({ services: "greetings,web" });
    await registeredAll("platform-addon-greeter-crds", "platform-addon-greeter-ready");
    expect(await promiseOf(outputs.addons)).toEqual(["greeter"]);
    expect(ofType(registered, "localkube:index:PlatformAddon").map((r) => r.name)).toEqual([
      "platform-addon-greeter",
    ]);
    expect(named("platform-addon-greeter-namespace").inputs.metadata).toEqual({
      name: "greeter-system",
      labels: {},
    });
    expect(named("platform-addon-greeter-chart").inputs).toEqual({
      name: "greeter",
      namespace: "greeter-system",
      chart: path.join(dir, "charts/greeter"),
      values: { image: "reg/greeter:1" },
      skipAwait: true,
    });
    const crds = named("platform-addon-greeter-crds");
    expect(crds.type).toBe("pulumi-nodejs:dynamic/localkube:ConditionsReady");
    expect(crds.inputs).toMatchObject({
      subject: "add-on greeter",
      listedCrds: ["greetings.e2e.localkube.dev"],
      listedIn: `\`platform.greeter.crds\` of ${path.relative(process.cwd(), dir)}/_catalog.yaml`,
      timeoutSeconds: 120,
      objects: [],
    });
    expect(named("platform-addon-greeter-ready").inputs).toMatchObject({
      service: "add-on greeter",
      workloads: [],
    });
    // The gates wait for the chart, which waits for its namespace; all live in the cluster.
    const chart = named("platform-addon-greeter-chart");
    expect(chart.dependsOn).toEqual(
      expect.arrayContaining([named("platform-addon-greeter-namespace").urn]),
    );
    expect(crds.dependsOn).toEqual(expect.arrayContaining([chart.urn]));
    expect(crds.deletedWith).toBe(named("local-kind-cluster").urn);
  });

  test("every entry waits for the add-ons, those that name them and those that do not", async () => {
    await runLocal({ services: "greetings,web", local: "" });
    await registeredAll("platform-greetings-manifests", "platform-web-deployment");
    const gates = [
      named("platform-addon-greeter-crds").urn,
      named("platform-addon-greeter-ready").urn,
    ];
    // The entry whose manifests hold objects of the add-on's kinds: applied once its CRDs are established.
    expect(named("platform-greetings-manifests").dependsOn).toEqual(expect.arrayContaining(gates));
    expect(named("platform-web-deployment").dependsOn).toEqual(expect.arrayContaining(gates));
  });

  test("not installed when nothing selected needs it; selected by name, it comes alone", async () => {
    const { outputs } = await runLocal({ services: "web" });
    await registeredAll("platform-web-deployment");
    expect(await promiseOf(outputs.addons)).toEqual([]);
    expect(ofType(registered, "localkube:index:PlatformAddon")).toEqual([]);
    registered.splice(0);
    const again = await runLocal({ services: "web,tools" });
    await registeredAll("platform-addon-tools-crds", "platform-addon-tools-manifests");
    expect(await promiseOf(again.outputs.addons)).toEqual(["tools"]);
    // kube-system is every cluster's: used as is, never created (nor deleted with the add-on).
    expect(
      ofType(registered, "kubernetes:core/v1:Namespace")
        .map((r) => r.inputs.metadata.name)
        .sort(),
    ).toEqual(["localkube", "traefik"]);
    expect(named("platform-addon-tools-manifests").inputs).toEqual({
      files: [path.join(again.dir, "platform/tools.yaml")],
      skipAwait: true,
    });
    expect(named("platform-addon-tools-crds").inputs.listedCrds).toBeUndefined();
    // The provider puts objects of YAML files that name no namespace in the services' namespace
    // (an entry's own manifests); an add-on's are moved from there to its own.
    expect(named("local-kind-provider").inputs.namespace).toBe("localkube");
  });

  test("an add-on in the namespace of the services or of the ingress controller is refused, nothing created", async () => {
    const dir = catalogDir({
      "_catalog.yaml":
        "platform:\n  a: { manifests: [platform/tools.yaml], namespace: localkube }\n  b: { manifests: [platform/tools.yaml], namespace: traefik }\n",
      "platform/tools.yaml": "{}\n",
    });
    await expect(
      stacks.localStack(
        "local",
        source({ catalogDir: dir, "ingress.controller": "traefik", services: "a,b" }),
        { preflight },
      ),
    ).rejects.toThrow(
      "invalid platform add-ons (2 problems):\n" +
        `  - ${path.relative(process.cwd(), dir)}/_catalog.yaml: \`platform.a.namespace\`: "localkube" is localkube:namespace (the services' namespace); give the add-on a namespace of its own\n` +
        `  - ${path.relative(process.cwd(), dir)}/_catalog.yaml: \`platform.b.namespace\`: "traefik" is the ingress controller's namespace; give the add-on a namespace of its own`,
    );
    await settle();
    expect(registered).toEqual([]);
  });
});

describe("retainCrds", () => {
  const args = (type: string) =>
    ({ type, name: "x", custom: true, props: {}, opts: {} }) as pulumiType.ResourceTransformArgs;
  test.each([
    ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", true, true],
    ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", false, false],
    ["kubernetes:apiextensions.k8s.io/v1beta1:CustomResourceDefinition", true, true],
  ])("%s with keepCrds %s: retainOnDelete %s", async (type, keep, retained) => {
    const out = await addonMod.retainCrds(keep)(args(type));
    expect(out?.opts.retainOnDelete).toBe(retained);
  });
  test("other objects are left as they are", async () => {
    expect(await addonMod.retainCrds(true)(args("kubernetes:apps/v1:Deployment"))).toBeUndefined();
  });
});
