/** Ingress controller choices and their pure settings (Helm values, command lines), and a service's Ingress. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { splitImageRef } from "../catalog/imageRef";
import type { IngressProtocol, IngressSpec } from "../catalog/types";

export const INGRESS_CONTROLLERS = ["ingress-nginx", "traefik", "none"] as const;
export type IngressControllerKind = (typeof INGRESS_CONTROLLERS)[number];

/** How services are routed: an Ingress each, or an HTTPRoute each attached to one Gateway. */
export const INGRESS_APIS = ["ingress", "gateway"] as const;
export type IngressApi = (typeof INGRESS_APIS)[number];

/** A Gateway that routes attach to. */
export interface GatewayRef {
  readonly name: string;
  readonly namespace: string;
}

/** Pinned ingress-nginx Helm chart (controller v1.13). */
export const INGRESS_NGINX_CHART = {
  version: "4.13.3",
  repo: "https://kubernetes.github.io/ingress-nginx",
} as const;

/** Controller name of ingress-nginx, which Traefik's NGINX provider also answers to. */
export const NGINX_CONTROLLER_CLASS = "k8s.io/ingress-nginx";

/** Helm values for ingress-nginx on kind (the upstream kind provider settings). */
export function ingressNginxValues(className: string, image?: string): Record<string, unknown> {
  return {
    controller: {
      ...(image
        ? { image: { ...splitImageRef(image), digest: splitImageRef(image).digest ?? "" } }
        : {}),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      hostPort: { enabled: true },
      terminationGracePeriodSeconds: 0,
      service: { type: "NodePort" },
      watchIngressWithoutClass: true,
      ingressClassResource: {
        name: className,
        default: true,
        controllerValue: NGINX_CONTROLLER_CLASS,
      },
      nodeSelector: { "ingress-ready": "true", "kubernetes.io/os": "linux" },
      tolerations: [
        { key: "node-role.kubernetes.io/control-plane", operator: "Equal", effect: "NoSchedule" },
      ],
      publishService: { enabled: false },
      extraArgs: { "publish-status-address": "localhost" },
    },
  };
}

/**
 * Traefik's command line: its own Ingress provider for class `traefik`, NGINX provider for
 * `className` (none when that is `traefik` itself), and with `gatewayApi` its Kubernetes Gateway
 * provider (HTTPRoutes, GRPCRoutes).
 */
export function traefikArgs(className: string, gatewayApi = false): string[] {
  const nginx =
    className === "traefik"
      ? []
      : [
          "--experimental.kubernetesIngressNGINX=true",
          "--providers.kubernetesIngressNGINX=true",
          `--providers.kubernetesIngressNGINX.ingressClass=${className}`,
          `--providers.kubernetesIngressNGINX.controllerClass=${NGINX_CONTROLLER_CLASS}`,
          "--providers.kubernetesIngressNGINX.publishStatusAddress=localhost",
        ];
  return [
    "--entryPoints.web.address=:8000",
    "--entryPoints.websecure.address=:8443",
    "--entryPoints.traefik.address=:9000",
    "--ping=true",
    "--ping.entryPoint=traefik",
    "--providers.kubernetesingress=true",
    "--providers.kubernetesingress.ingressclass=traefik",
    "--providers.kubernetesingress.ingressendpoint.hostname=localhost",
    ...nginx,
    // A rollout's new pod and its old pod's removal reach Traefik moments apart; by default it
    // waits 2 s after one reload before the next, sending requests to the gone pod meanwhile.
    "--providers.providersThrottleDuration=200ms",
    ...(gatewayApi
      ? [
          "--providers.kubernetesgateway=true",
          "--providers.kubernetesgateway.statusaddress.hostname=localhost",
        ]
      : []),
    "--log.level=INFO",
  ];
}

/** The controller name Traefik's Gateway provider answers to in a GatewayClass. */
export const TRAEFIK_GATEWAY_CONTROLLER = "traefik.io/gateway-controller";

/** Name of the local stack's Gateway (in the ingress controller's namespace) and of its class. */
export const LOCAL_GATEWAY_NAME = "localkube";

/**
 * The local Gateway every route attaches to: one HTTP listener on Traefik's `web` entry point
 * (container port 8000, host port 80: Traefik maps a listener to the entry point of its port),
 * admitting routes from every namespace; awaited until its controller reports it `Programmed`.
 */
export function localGatewayArgs(
  namespace: pulumi.Input<string>,
  timeoutSeconds: number,
): k8s.apiextensions.CustomResourceArgs {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: {
      name: LOCAL_GATEWAY_NAME,
      namespace,
      annotations: {
        "pulumi.com/waitFor": "condition=Programmed",
        "pulumi.com/timeoutSeconds": String(timeoutSeconds),
      },
    },
    spec: {
      gatewayClassName: LOCAL_GATEWAY_NAME,
      listeners: [
        {
          name: "web",
          protocol: "HTTP",
          port: 8000,
          allowedRoutes: { namespaces: { from: "All" } },
        },
      ],
    },
  };
}

/** How a service is exposed through the ingress controller (what the environment decides). */
export interface ServiceIngressSettings {
  /** Full host name, e.g. `bank.localhost` or `bank.feature-x.sandbox.example.com`. */
  readonly host: string;
  /** `spec.ingressClassName` of the Ingress. */
  readonly className: string;
  /** Extra annotations (e.g. a cert-manager issuer). @default none */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Name of the TLS Secret to serve the host with. @default no TLS */
  readonly tlsSecretName?: string;
  /**
   * Wait until the controller publishes a load-balancer status. Off when no controller will
   * ever set one (ingress controller `none`). @default true
   */
  readonly await?: boolean;
  /** Resources the Ingress waits for (the ingress controller). @default none */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** An Ingress, or an HTTPRoute attached to `gateway`. @default "ingress" */
  readonly api?: IngressApi;
  /** The Gateway routes attach to; required with `api: gateway`. */
  readonly gateway?: GatewayRef;
}

/** An Ingress backend's port: by name, or by number. */
export function backendPort(port: string | number) {
  return typeof port === "number" ? { number: port } : { name: port };
}

/**
 * How each controller is told what a backend speaks, per `ingress.protocol`:
 * - ingress-nginx (and Traefik's NGINX provider, which serves the same class): the Ingress
 *   annotation `nginx.ingress.kubernetes.io/backend-protocol: GRPC` — nginx's one HTTP/2 upstream
 *   (`grpc_pass`); Traefik's NGINX provider turns it into the `h2c` server scheme.
 * - Traefik's own Ingress provider (class `traefik`): the Service annotation
 *   `traefik.ingress.kubernetes.io/service.serversscheme: h2c`.
 * - Gateway API implementations and anything else that reads the Service: the port's
 *   `appProtocol: kubernetes.io/h2c` (KEP-3726's standard name for cleartext HTTP/2).
 * `http` needs nothing: it is every controller's default.
 */
export function backendProtocol(protocol: IngressProtocol | undefined): {
  readonly ingressAnnotations: Readonly<Record<string, string>>;
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  readonly appProtocol?: string;
} {
  if (protocol === undefined || protocol === "http")
    return { ingressAnnotations: {}, serviceAnnotations: {} };
  return {
    ingressAnnotations: { "nginx.ingress.kubernetes.io/backend-protocol": "GRPC" },
    serviceAnnotations: { "traefik.ingress.kubernetes.io/service.serversscheme": "h2c" },
    appProtocol: "kubernetes.io/h2c",
  };
}

/**
 * The Ingress of a catalog entry: `settings.host` (and its path) routed to the entry's Service
 * (or the Service its `ingress.service` names), awaited by the provider within `timeoutSeconds`
 * (the controller publishes an address once the ready backends have endpoints) unless no
 * controller will ever publish one.
 */
export function serviceIngressArgs(
  entry: { readonly name: string; readonly ingress: IngressSpec },
  settings: ServiceIngressSettings,
  meta: {
    readonly namespace: pulumi.Input<string>;
    readonly labels: Readonly<Record<string, string>>;
    readonly timeoutSeconds: number;
  },
): k8s.networking.v1.IngressArgs {
  const annotations: Record<string, string> = {
    ...(settings.annotations ?? {}),
    ...backendProtocol(entry.ingress.protocol).ingressAnnotations,
  };
  if (settings.await === false) annotations["pulumi.com/skipAwait"] = "true";
  else annotations["pulumi.com/timeoutSeconds"] = String(meta.timeoutSeconds);
  return {
    metadata: {
      name: entry.name,
      namespace: meta.namespace,
      labels: { ...meta.labels },
      annotations,
    },
    spec: {
      ingressClassName: settings.className,
      tls: settings.tlsSecretName
        ? [{ hosts: [settings.host], secretName: settings.tlsSecretName }]
        : undefined,
      rules: [
        {
          host: settings.host,
          http: {
            paths: [
              {
                path: entry.ingress.path,
                pathType: "Prefix",
                backend: {
                  service: {
                    name: entry.ingress.service ?? entry.name,
                    port: backendPort(entry.ingress.port),
                  },
                },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The Gateway API group and version of the routes localkube makes. */
export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";

/** The kind of Gateway API route an entry gets: GRPCRoute for `ingress.protocol: grpc`. */
export function routeKind(ingress: IngressSpec): {
  kind: "HTTPRoute" | "GRPCRoute";
  plural: string;
} {
  return ingress.protocol === "grpc"
    ? { kind: "GRPCRoute", plural: "grpcroutes" }
    : { kind: "HTTPRoute", plural: "httproutes" };
}

/**
 * A GRPCRoute rule's matches for an ingress path: gRPC calls are `/<package.Service>/<Method>`,
 * so `/` matches every call, `/rates.v1.Rates` the calls of that service and
 * `/rates.v1.Rates/Quote` that method. Pure.
 */
export function grpcMatches(ingressPath: string): { method: Record<string, string> }[] {
  const [service, method] = ingressPath.split("/").filter((p) => p !== "");
  if (!service) return [];
  return [{ method: { type: "Exact", service, ...(method ? { method } : {}) } }];
}

/**
 * The route of a catalog entry, the Gateway API's counterpart of {@link serviceIngressArgs}: an
 * HTTPRoute (`settings.host` and the entry's path prefix), or for `ingress.protocol: grpc` a
 * GRPCRoute (the path names the gRPC service or method: {@link grpcMatches}), attached to
 * `settings.gateway` and routed to the entry's Service (or `ingress.service`) on `port` — a
 * Service port's number, which backendRefs require (see {@link servicePortNumber}). The backend
 * speaks cleartext HTTP/2 to gRPC and h2c services through the port's `appProtocol`
 * ({@link backendProtocol}). No await: the conditions gate waits for the Gateway to accept it.
 */
export function serviceRouteArgs(
  entry: { readonly name: string; readonly ingress: IngressSpec },
  settings: ServiceIngressSettings,
  meta: {
    readonly namespace: pulumi.Input<string>;
    readonly labels: Readonly<Record<string, string>>;
    readonly port: pulumi.Input<number>;
  },
): k8s.apiextensions.CustomResourceArgs {
  if (!settings.gateway)
    throw new Error(`internal: ${entry.name} is routed through a Gateway, but none was given`);
  const { kind } = routeKind(entry.ingress);
  const backendRefs = [{ name: entry.ingress.service ?? entry.name, port: meta.port }];
  const matches =
    kind === "GRPCRoute"
      ? grpcMatches(entry.ingress.path)
      : [{ path: { type: "PathPrefix", value: entry.ingress.path } }];
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind,
    metadata: {
      name: entry.name,
      namespace: meta.namespace,
      labels: { ...meta.labels },
      annotations: { "pulumi.com/skipAwait": "true" },
    },
    spec: {
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: settings.gateway.name,
          namespace: settings.gateway.namespace,
        },
      ],
      hostnames: [settings.host],
      rules: [{ ...(matches.length > 0 ? { matches } : {}), backendRefs }],
    },
  };
}

/**
 * The number of a Service's port named `port` among `ports` (a route's backend needs the number);
 * a number is itself. A message instead when no port has that name.
 */
export function servicePortNumber(
  service: string,
  ports: readonly { readonly name?: string; readonly port?: number }[],
  port: string | number,
): number | { readonly problem: string } {
  if (typeof port === "number") return port;
  const found = ports.find((p) => p.name === port);
  if (found?.port !== undefined) return found.port;
  const names = ports.map((p) => p.name ?? String(p.port)).join(", ") || "none";
  return {
    problem: `Service ${service} has no port named "${port}" (its ports: ${names}); set ingress.port to the number or name of one of them`,
  };
}

/** The URL a service answers at through its Ingress. */
export function serviceUrl(settings: ServiceIngressSettings, path: string): string {
  return `${settings.tlsSecretName ? "https" : "http"}://${settings.host}${path === "/" ? "" : path}`;
}
