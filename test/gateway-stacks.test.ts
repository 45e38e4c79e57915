/**
 * Both stacks under Pulumi mocks with `ingress.api: gateway`, and branch stacks' check of the
 * cluster (platform add-ons' CRDs, the Gateway API, the Gateway) before anything is created.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumiType from "@pulumi/pulumi";
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
import type { ClusterProbe } from "../host/clusterApis";
import type { PreflightFacts } from "../host/preflight";

const registered: Registered[] = installMocks();
jest.setTimeout(60_000);
let localStack: typeof import("../stacks/localStack");
let branchStack: typeof import("../stacks/branchStack");

beforeAll(async () => {
  localStack = await import("../stacks/localStack");
  branchStack = await import("../stacks/branchStack");
}, 60_000);
beforeEach(() => registered.splice(0));

const REPO = path.resolve(__dirname, "..");
const CRD_FILES = ["/cache/gateway.networking.k8s.io_gateways.yaml"];

const source = (values: Record<string, string>, file: string) => fakeConfig(values, {}, file);

const preflight = async () =>
  ({ docker: { ok: true }, kind: { ok: true }, ports: new Map() }) as unknown as PreflightFacts;

const registeredAll = (...names: string[]) => waitForRegistered(registered, names);
const named = (name: string) => registeredNamed(registered, name);
const names = (type: string) =>
  ofType(registered, type)
    .map((r) => r.name)
    .sort();

describe("local stack with ingress.api: gateway", () => {
  let overrideSeen: readonly string[] | undefined = ["not asked"];
  async function runLocal(values: Record<string, string>) {
    const out = await localStack.localStack(
      "local",
      source({ catalogDir: path.join(REPO, "services"), ...values }, "Pulumi.local.yaml"),
      {
        preflight,
        gatewayCrds: (override) => {
          overrideSeen = override;
          return { files: CRD_FILES, from: "test" };
        },
      },
    );
    await settle();
    return out;
  }

  test("the Gateway API's CRDs, Traefik's Gateway, and an HTTPRoute per service instead of an Ingress", async () => {
    const out = await runLocal({ services: "bank", local: "bank", "ingress.api": "gateway" });
    await registeredAll(
      "local-gateway-api-crds-ready",
      "local-ingress-gateway",
      "platform-bank-route-ready",
      "platform-price-route-ready",
    );
    expect(overrideSeen).toBeUndefined();
    expect(await promiseOf(out.urls)).toEqual({
      bank: "http://bank.localhost",
      price: "http://price.localhost",
    });
    expect(named("local-gateway-api-crds").inputs).toEqual({ files: CRD_FILES, skipAwait: true });
    const crdsReady = named("local-gateway-api-crds-ready");
    expect(crdsReady.inputs).toMatchObject({ subject: "Gateway API", objects: [] });
    expect(crdsReady.dependsOn).toEqual(
      expect.arrayContaining([named("local-gateway-api-crds").urn]),
    );

    // Traefik: its Gateway provider, the RBAC it needs, started once the CRDs are established.
    const traefik = named("local-ingress-deployment");
    expect(traefik.inputs.spec.template.spec.containers[0].args).toContain(
      "--providers.kubernetesgateway=true",
    );
    expect(traefik.dependsOn).toEqual(expect.arrayContaining([crdsReady.urn]));
    const rules = named("local-ingress-role").inputs.rules;
    expect(
      rules.filter((r: { apiGroups: string[] }) => r.apiGroups[0] === "gateway.networking.k8s.io"),
    ).toEqual([
      {
        apiGroups: ["gateway.networking.k8s.io"],
        resources: [
          "gatewayclasses",
          "gateways",
          "httproutes",
          "grpcroutes",
          "referencegrants",
          "backendtlspolicies",
        ],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: ["gateway.networking.k8s.io"],
        resources: [
          "gatewayclasses/status",
          "gateways/status",
          "httproutes/status",
          "grpcroutes/status",
          "backendtlspolicies/status",
        ],
        verbs: ["update"],
      },
    ]);
    expect(named("local-ingress-gateway-class").inputs).toEqual({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "localkube" },
      spec: { controllerName: "traefik.io/gateway-controller" },
    });
    const gateway = named("local-ingress-gateway");
    expect(gateway.inputs.metadata).toMatchObject({ name: "localkube", namespace: "traefik" });
    expect(gateway.dependsOn).toEqual(expect.arrayContaining([traefik.urn, crdsReady.urn]));

    // Routes, not Ingresses; each waits for the Gateway and is gated on its acceptance.
    expect(names("kubernetes:networking.k8s.io/v1:Ingress")).toEqual([]);
    const routes = ofType(registered, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    expect(routes.map((r) => r.name).sort()).toEqual([
      "platform-bank-route",
      "platform-price-route",
    ]);
    const bank = named("platform-bank-route");
    expect(bank.inputs.spec).toEqual({
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: "localkube",
          namespace: "traefik",
        },
      ],
      hostnames: ["bank.localhost"],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [{ name: "bank", port: 80 }],
        },
      ],
    });
    expect(bank.dependsOn).toEqual(expect.arrayContaining([gateway.urn]));
    const gate = named("platform-bank-route-ready");
    expect(gate.inputs.objects).toEqual([
      {
        group: "gateway.networking.k8s.io",
        version: "v1",
        plural: "httproutes",
        kind: "HTTPRoute",
        namespace: "localkube",
        name: "bank",
        parent: { name: "localkube", namespace: "traefik" },
        revision: "/0",
      },
    ]);
    expect(gate.dependsOn).toEqual(expect.arrayContaining([bank.urn]));
  });

  test("ingress (the default): no Gateway API, Ingresses as before, Traefik without its Gateway provider", async () => {
    overrideSeen = ["not asked"];
    await runLocal({ services: "bank", local: "bank", "ingress.controller": "traefik" });
    await registeredAll("platform-bank-ingress", "platform-price-ingress");
    expect(overrideSeen).toEqual(["not asked"]);
    expect(names("localkube:index:GatewayApi")).toEqual([]);
    expect(names("kubernetes:networking.k8s.io/v1:Ingress")).toEqual([
      "platform-bank-ingress",
      "platform-price-ingress",
    ]);
    expect(
      named("local-ingress-deployment").inputs.spec.template.spec.containers[0].args.join(" "),
    ).not.toContain("kubernetesgateway");
  });

  test("localkube:gateway.crds is handed to the CRDs' source", async () => {
    await runLocal({
      services: "price",
      "ingress.api": "gateway",
      "gateway.crds": "/m/a.yaml,/m/b.yaml",
    });
    expect(overrideSeen).toEqual(["/m/a.yaml", "/m/b.yaml"]);
  });
});

describe("branch stacks check the cluster before creating anything", () => {
  const catalogDir = tempCatalogs("lk-branch-platform-");
  const STACK_FILE = "Pulumi.branch-foo.yaml";
  const OK = "ports: [{name: http, containerPort: 8080}]\nimage: reg/x\ningress: {host: x}\n";
  const CATALOG = {
    "_catalog.yaml": [
      "platform:",
      "  greeter:",
      "    chart: { repo: https://charts.example.com, name: greeter, version: '1.0.0' }",
      "    crds: [greetings.e2e.localkube.dev, farewells.e2e.localkube.dev]",
      "  certs:",
      "    manifests: [platform/certs.yaml]",
      "",
    ].join("\n"),
    "platform/certs.yaml":
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: certificates.cert-manager.io}\n---\nkind: Namespace\nmetadata: {name: x}\n",
    "greetings.yaml": "manifests: [greetings/greeting.yaml]\ndependsOn: [greeter]\n",
    "greetings/greeting.yaml": "{}\n",
    "web.yaml": `${OK}dependsOn: [greetings, certs]\n`,
  };
  const defaults = (() => {
    const file = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), "lk-defaults-")),
      "Pulumi.branch.yaml",
    );
    fs.writeFileSync(file, "config: {}\n");
    return file;
  })();

  function probe(served: string[], gateway: "found" | "missing" | "unknown" = "found") {
    const asked: string[] = [];
    const p: ClusterProbe = {
      served: async (groups) => {
        asked.push(`served ${groups.join(",")}`);
        return new Set(served);
      },
      gateway: async (namespace, name) => {
        asked.push(`gateway ${namespace}/${name}`);
        return gateway;
      },
    };
    return { p, asked };
  }

  async function runBranch(values: Record<string, string>, p: ClusterProbe) {
    const dir = catalogDir(CATALOG);
    const out = await branchStack.branchStack(
      "branch-foo",
      source(
        { catalogDir: dir, gitSha: "3f2a1c9", owner: "dev@acme.example", ...values },
        STACK_FILE,
      ),
      { git: () => undefined, defaultsFile: defaults, log: () => undefined, cluster: () => p },
    );
    await settle();
    return { out, dir };
  }

  test("an add-on whose CRDs the cluster serves is used, never installed", async () => {
    const { p, asked } = probe([
      "greetings.e2e.localkube.dev",
      "farewells.e2e.localkube.dev",
      "certificates.cert-manager.io",
    ]);
    const { out } = await runBranch({ services: "web" }, p);
    await registeredAll("platform-greetings-manifests", "platform-web-deployment");
    expect(asked).toEqual(["served cert-manager.io,e2e.localkube.dev"]);
    expect(await promiseOf(out.addons)).toEqual(["certs", "greeter"]);
    expect(names("localkube:index:PlatformAddon")).toEqual([]);
    expect(names("kubernetes:helm.sh/v4:Chart")).toEqual([]);
    expect(names("kubernetes:yaml/v2:ConfigGroup")).toEqual(["platform-greetings-manifests"]);
  });

  test("a missing CRD stops the stack before anything is created, naming the CRD, the add-on and who needs it", async () => {
    const { p } = probe(["greetings.e2e.localkube.dev"]);
    const dir = catalogDir(CATALOG);
    const file = `${path.relative(process.cwd(), dir)}/_catalog.yaml`;
    await expect(
      branchStack.branchStack(
        "branch-foo",
        source({ catalogDir: dir, gitSha: "3f2a1c9", owner: "o", services: "web" }, STACK_FILE),
        { git: () => undefined, defaultsFile: defaults, log: () => undefined, cluster: () => p },
      ),
    ).rejects.toThrow(
      "the cluster lacks what this sandbox needs (nothing was created) (2 problems):\n" +
        `  - ${file}: \`platform.certs\`: the cluster has no CRD certificates.cert-manager.io (of add-on certs, which web needs); branch stacks do not install cluster-wide add-ons: ask the cluster's owners to install certs, or leave web out of localkube:services\n` +
        `  - ${file}: \`platform.greeter\`: the cluster has no CRD farewells.e2e.localkube.dev (of add-on greeter, which greetings needs); branch stacks do not install cluster-wide add-ons: ask the cluster's owners to install greeter, or leave greetings out of localkube:services`,
    );
    await settle();
    expect(registered).toEqual([]);
  });

  test("nothing to check: the cluster is not asked", async () => {
    const { p, asked } = probe([]);
    const catalogOnly = catalogDir({ "x.yaml": OK });
    await branchStack.branchStack(
      "branch-foo",
      source({ catalogDir: catalogOnly, gitSha: "3f2a1c9", owner: "o" }, STACK_FILE),
      { git: () => undefined, defaultsFile: defaults, log: () => undefined, cluster: () => p },
    );
    await settle();
    expect(asked).toEqual([]);
  });

  test("ingress.api gateway: routes on the cluster's Gateway at per-branch hosts, once the Gateway API and the Gateway are found", async () => {
    const { p, asked } = probe(["httproutes.gateway.networking.k8s.io"]);
    const values = {
      services: "x",
      "ingress.api": "gateway",
      "gateway.name": "shared",
      "gateway.namespace": "gateways",
      baseDomain: "sandbox.acme.dev",
    };
    const dir = catalogDir({ "x.yaml": OK });
    const out = await branchStack.branchStack(
      "branch-foo",
      source({ catalogDir: dir, gitSha: "3f2a1c9", owner: "o", ...values }, STACK_FILE),
      { git: () => undefined, defaultsFile: defaults, log: () => undefined, cluster: () => p },
    );
    await registeredAll("platform-x-route-ready");
    expect(asked).toEqual(["served gateway.networking.k8s.io", "gateway gateways/shared"]);
    expect(await promiseOf(out.urls)).toEqual({ x: "http://x.foo.sandbox.acme.dev" });
    expect(names("kubernetes:networking.k8s.io/v1:Ingress")).toEqual([]);
    const route = named("platform-x-route");
    expect(route.inputs.metadata).toMatchObject({ name: "x", namespace: "branch-foo" });
    expect(route.inputs.spec.parentRefs).toEqual([
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: "shared",
        namespace: "gateways",
      },
    ]);
    expect(route.inputs.spec.hostnames).toEqual(["x.foo.sandbox.acme.dev"]);
    expect(named("platform-x-route-ready").inputs.objects[0].parent).toEqual({
      name: "shared",
      namespace: "gateways",
    });
  });

  test("ingress.api gateway on a cluster without the Gateway API, or without that Gateway: refused before anything is created", async () => {
    const values = {
      services: "x",
      "ingress.api": "gateway",
      "gateway.name": "shared",
      "gateway.namespace": "gateways",
    };
    const dir = catalogDir({ "x.yaml": OK });
    const run = (p: ClusterProbe) =>
      branchStack.branchStack(
        "branch-foo",
        source({ catalogDir: dir, gitSha: "3f2a1c9", owner: "o", ...values }, STACK_FILE),
        { git: () => undefined, defaultsFile: defaults, log: () => undefined, cluster: () => p },
      );
    await expect(run(probe([], "missing").p)).rejects.toThrow(
      "the cluster lacks what this sandbox needs (nothing was created) (2 problems):\n" +
        "  - Pulumi.branch-foo.yaml: `localkube:ingress.api`: is gateway, but the cluster has no CRD httproutes.gateway.networking.k8s.io (the Gateway API is not installed there); ask the cluster's owners to install it, or set localkube:ingress.api to ingress\n" +
        "  - Pulumi.branch-foo.yaml: `localkube:gateway.name`: Gateway gateways/shared does not exist in the cluster; set localkube:gateway.name and localkube:gateway.namespace to the Gateway the sandbox's routes attach to (`kubectl get gateways -A` lists them)",
    );
    // A gRPC service needs the GRPCRoute CRD too.
    const grpc = catalogDir({
      "x.yaml": OK,
      "rates.yaml":
        "ports: [{name: grpc, containerPort: 50051}]\nimage: reg/rates\ningress: {host: rates, protocol: grpc}\nprobes: {readiness: {tcpSocket: {port: grpc}}}\n",
    });
    await expect(
      branchStack.branchStack(
        "branch-foo",
        source(
          { catalogDir: grpc, gitSha: "3f2a1c9", owner: "o", ...values, services: "x,rates" },
          STACK_FILE,
        ),
        {
          git: () => undefined,
          defaultsFile: defaults,
          log: () => undefined,
          cluster: () => probe(["httproutes.gateway.networking.k8s.io"], "found").p,
        },
      ),
    ).rejects.toThrow(
      "the cluster lacks what this sandbox needs (nothing was created): " +
        "Pulumi.branch-foo.yaml: `localkube:ingress.api`: is gateway, but the cluster has no CRD grpcroutes.gateway.networking.k8s.io (the Gateway API is not installed there); ask the cluster's owners to install it, or set localkube:ingress.api to ingress",
    );
    // Not allowed to read Gateways: the route's gate says what it finds once applied.
    await run(probe(["httproutes.gateway.networking.k8s.io"], "unknown").p);
    await registeredAll("platform-x-route");
    expect(names("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")).toEqual([
      "platform-x-route",
    ]);
  });
});

describe("renderedServicePorts: a route's port named in an entry's own manifests", () => {
  test("the ports of the Service of that name among the rendered objects; none when it is not there", async () => {
    const sdk = await import("@pulumi/pulumi");
    const { renderedServicePorts } = await import("../components/manifestService");
    const object = (kind: string, name: string, spec: object) => ({
      kind: sdk.output(kind),
      metadata: sdk.output({ name }),
      spec: sdk.output(spec),
    });
    const resources = sdk.output([
      object("Deployment", "partner", { replicas: 1 }),
      object("Service", "partner-admin", { ports: [{ name: "http", port: 9000 }] }),
      object("Service", "partner", {
        ports: [
          { name: "http", port: 80 },
          { name: "grpc", port: 9090 },
        ],
      }),
    ]) as unknown as pulumiType.Output<unknown[]>;
    expect(await promiseOf(renderedServicePorts(resources, "partner"))).toEqual([
      { name: "http", port: 80 },
      { name: "grpc", port: 9090 },
    ]);
    expect(await promiseOf(renderedServicePorts(resources, "nope"))).toEqual([]);
  });
});
