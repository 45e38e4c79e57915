import * as path from "path";
import { ConfigError } from "../config/errors";
import { readBranchSettings } from "../config/branchSettings";
import { readLocalSettings } from "../config/localSettings";
import { ConfigReader } from "../config/reader";
import { fakeConfig } from "./mocks";
import {
  GATEWAY_API_INSTALL_URL,
  gatewayCrdSource,
  GatewayCrdFacts,
  moduleDir,
} from "../host/gatewayApi";
import {
  localGatewayArgs,
  serviceRouteArgs,
  grpcMatches,
  routeKind,
  servicePortNumber,
  traefikArgs,
} from "../kube/ingress";

const source = (values: Record<string, string>, file = "Pulumi.local.yaml") =>
  fakeConfig(values, {}, file);

function local(values: Record<string, string>) {
  const r = new ConfigReader(source(values));
  const s = readLocalSettings(r);
  r.done();
  return s;
}

function problems(
  read: (r: ConfigReader) => unknown,
  values: Record<string, string>,
  file?: string,
) {
  const r = new ConfigReader(source(values, file));
  read(r);
  try {
    r.done();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe("localkube:ingress.api on the local stack", () => {
  test("ingress by default, with ingress-nginx; gateway defaults the controller to Traefik", () => {
    expect(local({}).ingress).toMatchObject({ api: "ingress", controller: "ingress-nginx" });
    expect(local({ "ingress.api": "gateway" }).ingress).toEqual(
      expect.objectContaining({ api: "gateway", controller: "traefik" }),
    );
    expect(
      local({ "ingress.api": "gateway", "gateway.crds": "/mirror/gateway-api/*.yaml" }).ingress
        .gatewayCrds,
    ).toEqual(["/mirror/gateway-api/*.yaml"]);
  });

  test.each([
    [
      { "ingress.api": "gateways" },
      'invalid configuration: Pulumi.local.yaml: `localkube:ingress.api`: "gateways" is not allowed (did you mean "gateway"?); use one of: ingress, gateway; fix: pulumi config set localkube:ingress.api gateway',
    ],
    [
      { "ingress.api": "gateway", "ingress.controller": "ingress-nginx" },
      "invalid configuration: Pulumi.local.yaml: `localkube:ingress.controller`: is ingress-nginx, which does not implement the Gateway API that localkube:ingress.api gateway asks for; use traefik (it serves the Gateway on the same ports), or localkube:ingress.api ingress; fix: pulumi config set localkube:ingress.controller traefik",
    ],
    [
      { "ingress.api": "gateway", "ingress.controller": "none" },
      "invalid configuration: Pulumi.local.yaml: `localkube:ingress.controller`: is none, but localkube:ingress.api is gateway, and a Gateway needs a controller to serve it; use traefik (it serves the Gateway on the same ports), or localkube:ingress.api ingress; fix: pulumi config set localkube:ingress.controller traefik",
    ],
    [
      { "gateway.crds": "/mirror/*.yaml" },
      "invalid configuration: Pulumi.local.yaml: `localkube:gateway.crds`: is set, but localkube:ingress.api is not gateway, so no Gateway API CRDs are installed; remove it or set localkube:ingress.api gateway",
    ],
  ])("%j", (values, message) => {
    expect(problems(readLocalSettings, values)).toBe(message);
  });
});

describe("localkube:ingress.api on branch stacks", () => {
  const FILE = "Pulumi.branch-foo.yaml";
  const branch = (values: Record<string, string>) => {
    const r = new ConfigReader(source(values, FILE));
    const s = readBranchSettings(r, "branch-foo");
    r.done();
    return s;
  };

  test("gateway attaches routes to the cluster's Gateway named in config", () => {
    expect(branch({}).ingress).toMatchObject({ api: "ingress" });
    expect(branch({}).ingress.gateway).toBeUndefined();
    expect(
      branch({
        "ingress.api": "gateway",
        "gateway.name": "shared",
        "gateway.namespace": "gateways",
      }).ingress,
    ).toMatchObject({ api: "gateway", gateway: { name: "shared", namespace: "gateways" } });
  });

  test.each([
    [
      { "ingress.api": "gateway" },
      "invalid configuration (2 problems):\n" +
        "  - Pulumi.branch-foo.yaml: `localkube:gateway.name`: is required with localkube:ingress.api gateway: the sandbox's routes attach to the cluster's Gateway of this name and namespace (`kubectl get gateways -A` lists them); fix: pulumi config set localkube:gateway.name shared\n" +
        "  - Pulumi.branch-foo.yaml: `localkube:gateway.namespace`: is required with localkube:ingress.api gateway: the sandbox's routes attach to the cluster's Gateway of this name and namespace (`kubectl get gateways -A` lists them); fix: pulumi config set localkube:gateway.namespace gateways",
    ],
    [
      { "gateway.name": "shared" },
      "invalid configuration: Pulumi.branch-foo.yaml: `localkube:gateway.name`: is set, but localkube:ingress.api is not gateway, so services get Ingresses and no route attaches to a Gateway; remove it or set localkube:ingress.api gateway",
    ],
    [
      {
        "ingress.api": "gateway",
        "gateway.name": "shared",
        "gateway.namespace": "gateways",
        "ingress.tlsIssuer": "letsencrypt",
      },
      "invalid configuration: Pulumi.branch-foo.yaml: `localkube:ingress.tlsIssuer`: is set, but with localkube:ingress.api gateway TLS is served by the Gateway's listeners (their certificates), not per route; remove it, or use localkube:ingress.api ingress",
    ],
    [
      { "ingress.api": "gateway", "gateway.name": "Shared", "gateway.namespace": "gateways" },
      "invalid configuration: Pulumi.branch-foo.yaml: `localkube:gateway.name`: \"Shared\" is not allowed: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters; fix: pulumi config set localkube:gateway.name shared",
    ],
  ])("%j", (values, message) => {
    expect(problems((r) => readBranchSettings(r, "branch-foo"), values, FILE)).toBe(message);
  });
});

describe("routes", () => {
  const entry = { name: "bank", ingress: { host: "bank", path: "/api", port: "http" } };
  const settings = {
    host: "bank.feat-x.sandbox.acme.dev",
    className: "nginx",
    api: "gateway" as const,
    gateway: { name: "shared", namespace: "gateways" },
  };

  test("an HTTPRoute: the host and path prefix on the Gateway, to the Service's port by number", () => {
    expect(
      serviceRouteArgs(entry, settings, {
        namespace: "branch-feat-x",
        labels: { "localkube.dev/stack": "branch-feat-x" },
        port: 80,
      }),
    ).toEqual({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: {
        name: "bank",
        namespace: "branch-feat-x",
        labels: { "localkube.dev/stack": "branch-feat-x" },
        annotations: { "pulumi.com/skipAwait": "true" },
      },
      spec: {
        parentRefs: [
          {
            group: "gateway.networking.k8s.io",
            kind: "Gateway",
            name: "shared",
            namespace: "gateways",
          },
        ],
        hostnames: ["bank.feat-x.sandbox.acme.dev"],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/api" } }],
            backendRefs: [{ name: "bank", port: 80 }],
          },
        ],
      },
    });
  });

  test("ingress.protocol grpc: a GRPCRoute to the Service's port, matching every call under /", () => {
    const args = serviceRouteArgs(
      { name: "rates", ingress: { host: "rates", path: "/", port: "grpc", protocol: "grpc" } },
      { ...settings, host: "rates.feat-x.sandbox.acme.dev" },
      { namespace: "branch-feat-x", labels: {}, port: 50051 },
    );
    expect(args.kind).toBe("GRPCRoute");
    expect(args.spec).toEqual({
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: "shared",
          namespace: "gateways",
        },
      ],
      hostnames: ["rates.feat-x.sandbox.acme.dev"],
      rules: [{ backendRefs: [{ name: "rates", port: 50051 }] }],
    });
  });

  test.each([
    ["/", []],
    ["/rates.v1.Rates", [{ method: { type: "Exact", service: "rates.v1.Rates" } }]],
    ["/rates.v1.Rates/", [{ method: { type: "Exact", service: "rates.v1.Rates" } }]],
    [
      "/rates.v1.Rates/Quote",
      [{ method: { type: "Exact", service: "rates.v1.Rates", method: "Quote" } }],
    ],
  ])("grpcMatches(%s): the gRPC service or method the path names", (p, matches) => {
    expect(grpcMatches(p)).toEqual(matches);
  });

  test("routeKind: GRPCRoute for grpc only; h2c and http are HTTPRoutes", () => {
    const kinds = (["grpc", "h2c", "http", undefined] as const).map(
      (protocol) => routeKind({ host: "x", path: "/", port: "p", protocol }).kind,
    );
    expect(kinds).toEqual(["GRPCRoute", "HTTPRoute", "HTTPRoute", "HTTPRoute"]);
  });

  test("an entry with its own manifests routes to the Service its ingress names", () => {
    const args = serviceRouteArgs(
      {
        name: "partner",
        ingress: { host: "partner", path: "/", port: 8080, service: "partner-api" },
      },
      settings,
      { namespace: "ns", labels: {}, port: 8080 },
    );
    expect((args.spec as { rules: unknown[] }).rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [{ name: "partner-api", port: 8080 }],
      },
    ]);
  });

  test.each([
    [[{ name: "http", port: 80 }], "http", 80],
    [
      [
        { name: "grpc", port: 9090 },
        { name: "http", port: 8080 },
      ],
      "http",
      8080,
    ],
    [[{ name: "http", port: 80 }], 8443, 8443],
    [
      [{ name: "web", port: 80 }, { port: 81 }],
      "http",
      {
        problem:
          'Service partner has no port named "http" (its ports: web, 81); set ingress.port to the number or name of one of them',
      },
    ],
    [
      [],
      "http",
      {
        problem:
          'Service partner has no port named "http" (its ports: none); set ingress.port to the number or name of one of them',
      },
    ],
  ])("servicePortNumber(%j, %j)", (ports, port, expected) => {
    expect(servicePortNumber("partner", ports, port)).toEqual(expected);
  });

  test("Traefik serves the Gateway API only when asked; the local Gateway listens on its web entry point", () => {
    expect(traefikArgs("nginx").filter((a) => a.includes("kubernetesgateway"))).toEqual([]);
    expect(traefikArgs("nginx", true).filter((a) => a.includes("kubernetesgateway"))).toEqual([
      "--providers.kubernetesgateway=true",
      "--providers.kubernetesgateway.statusaddress.hostname=localhost",
    ]);
    expect(traefikArgs("nginx", true)).toContain("--entryPoints.web.address=:8000");
    expect(localGatewayArgs("traefik", 120)).toEqual({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: {
        name: "localkube",
        namespace: "traefik",
        annotations: {
          "pulumi.com/waitFor": "condition=Programmed",
          "pulumi.com/timeoutSeconds": "120",
        },
      },
      spec: {
        gatewayClassName: "localkube",
        listeners: [
          {
            name: "web",
            protocol: "HTTP",
            port: 8000,
            allowedRoutes: { namespaces: { from: "All" } },
          },
        ],
      },
    });
  });
});

describe("where the Gateway API CRDs come from", () => {
  const STANDARD = [
    "gateway.networking.k8s.io_backendtlspolicies.yaml",
    "gateway.networking.k8s.io_gatewayclasses.yaml",
    "gateway.networking.k8s.io_gateways.yaml",
    "gateway.networking.k8s.io_grpcroutes.yaml",
    "gateway.networking.k8s.io_httproutes.yaml",
    "gateway.networking.k8s.io_referencegrants.yaml",
  ];
  const CACHE = "/home/dev/go/pkg/mod";
  const DIR = "/home/dev/go/pkg/mod/sigs.k8s.io/gateway-api@v1.4.0/config/crd/standard";
  /** A machine whose cache holds `files`, and holds `afterDownload` once `go mod download` ran. */
  const facts = (
    machine: { files?: string[]; afterDownload?: string[]; override?: string[] } = {},
  ) => {
    let downloads = 0;
    let files = machine.files ?? [];
    const facts: GatewayCrdFacts = {
      override: machine.override,
      modCache: CACHE,
      list: (dir) => (dir === DIR ? files : []),
      download: () => {
        downloads++;
        files = machine.afterDownload ?? [];
        return files.length > 0;
      },
    };
    return { facts, downloads: () => downloads };
  };

  test("the pinned release's standard channel in the Go module cache", () => {
    expect(moduleDir(CACHE)).toBe(DIR);
    const f = facts({ files: [...STANDARD, "kustomization.yaml"] });
    expect(gatewayCrdSource(f.facts)).toEqual({
      files: STANDARD.map((n) => path.join(DIR, n)),
      from: "the Go module cache (sigs.k8s.io/gateway-api@v1.4.0)",
    });
    expect(f.downloads()).toBe(0);
  });

  test("downloaded into the cache once when missing; the release's manifest when that fails", () => {
    const fetched = facts({ afterDownload: STANDARD });
    expect(gatewayCrdSource(fetched.facts).files).toHaveLength(6);
    expect(fetched.downloads()).toBe(1);
    const offline = facts();
    expect(gatewayCrdSource(offline.facts)).toEqual({
      files: [GATEWAY_API_INSTALL_URL],
      from: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml",
    });
  });

  test("localkube:gateway.crds wins, unlooked-at", () => {
    const f = facts({ override: ["https://mirror.acme.dev/gateway-api/standard-install.yaml"] });
    expect(gatewayCrdSource(f.facts)).toEqual({
      files: ["https://mirror.acme.dev/gateway-api/standard-install.yaml"],
      from: "localkube:gateway.crds",
    });
    expect(f.downloads()).toBe(0);
  });
});
