import { CLUSTER_NAME, CONTAINER_NAME, DNS_LABEL_RULE, DOMAIN } from "../catalog/patterns";
import { DEFAULT_KUBERNETES_VERSION, nodeImageFor } from "../kind/nodeImages";
import { ApplianceHostPorts, DEFAULT_HOST_PORTS } from "../kube/hostAccess";
import {
  IngressApi,
  IngressControllerKind,
  INGRESS_APIS,
  INGRESS_CONTROLLERS,
} from "../kube/ingress";
import { CommonSettings, IMAGE_REF_RULE, readCommonSettings } from "./commonSettings";
import { ConfigReader } from "./reader";

export interface LocalSettings extends CommonSettings {
  readonly mode: "local";
  readonly namespace: string;
  readonly cluster: {
    readonly name: string;
    readonly kubernetesVersion: string;
    /** The node image: `cluster.nodeImage`, else the one pinned for `kubernetesVersion`. */
    readonly nodeImage: string;
    /** The node image is one of the pinned ones (made by kind v0.33.0, kind/nodeImages.ts). */
    readonly pinnedImage: boolean;
    /** The node image needs the containerd `config_path` patch (images older than kind 0.27). */
    readonly containerdConfigPath: boolean;
    readonly workers: number;
    readonly httpPort: number;
    readonly httpsPort: number;
  };
  readonly registry: { readonly name: string; readonly port: number; readonly image?: string };
  /**
   * Host ports (on 127.0.0.1) of PostgreSQL and Kafka, for tools on this machine; a missing one
   * (`0` in config) is not published.
   */
  readonly applianceHostPorts: ApplianceHostPorts;
  readonly ingress: {
    readonly controller: IngressControllerKind;
    /** Ingress objects, or HTTPRoutes on the controller's Gateway (Traefik only). */
    readonly api: IngressApi;
    /**
     * Where the Gateway API's standard-channel CRDs are read from (`localkube:gateway.crds`: files,
     * globs or URLs); undefined: localkube's pinned release (host/gatewayApi.ts).
     */
    readonly gatewayCrds?: readonly string[];
    readonly domain: string;
    readonly className: string;
    readonly nginxChartVersion?: string;
    readonly nginxChartRepo?: string;
    readonly nginxImage?: string;
    readonly traefikImage?: string;
  };
  /** The metrics-server installed when a deployed service autoscales. */
  readonly metricsServer: { readonly image?: string };
}

const LABEL = { ...DNS_LABEL_RULE, example: "localkube" };

/**
 * `ingress.api` and the controller that serves it: ingress-nginx by default, Traefik (the only
 * controller here that serves Gateway API) by default with `gateway`; `gateway.crds` for mirrors.
 */
function readIngressApi(r: ConfigReader) {
  const api = r.oneOf("ingress.api", "ingress", INGRESS_APIS);
  const explicit = r.raw("ingress.controller") !== undefined;
  const controller = r.oneOf(
    "ingress.controller",
    api === "gateway" ? "traefik" : "ingress-nginx",
    INGRESS_CONTROLLERS,
  );
  if (api === "gateway" && explicit && controller !== "traefik")
    r.report(
      "ingress.controller",
      controller === "none"
        ? "is none, but localkube:ingress.api is gateway, and a Gateway needs a controller to serve it; use traefik (it serves the Gateway on the same ports), or localkube:ingress.api ingress"
        : "is ingress-nginx, which does not implement the Gateway API that localkube:ingress.api gateway asks for; use traefik (it serves the Gateway on the same ports), or localkube:ingress.api ingress",
      "traefik",
    );
  const crds = r.names("gateway.crds");
  if (crds !== undefined && api !== "gateway")
    r.report(
      "gateway.crds",
      "is set, but localkube:ingress.api is not gateway, so no Gateway API CRDs are installed; remove it or set localkube:ingress.api gateway",
    );
  return { controller, api, ...(crds === undefined ? {} : { gatewayCrds: crds }) };
}

/** A host port that `0` turns off (undefined). */
function hostPort(r: ConfigReader, key: string, fallback: number): number | undefined {
  const port = r.int(key, fallback, 0, 65535);
  return port === 0 ? undefined : port;
}

/** Reads the local stack's settings (`Pulumi.local.yaml`). */
export function readLocalSettings(r: ConfigReader): LocalSettings {
  // Images come from a registry on the same machine: two minutes is plenty.
  const common = readCommonSettings(r, { readyTimeout: "120s" });
  const version = r.string("kubernetesVersion", DEFAULT_KUBERNETES_VERSION, {
    pattern: /^\d+\.\d+(\.\d+)?$/,
    help: `a version such as ${DEFAULT_KUBERNETES_VERSION} or ${DEFAULT_KUBERNETES_VERSION}.0`,
    example: DEFAULT_KUBERNETES_VERSION,
  });
  const nodeImage = r.optionalString("cluster.nodeImage", IMAGE_REF_RULE);
  const pinned = nodeImageFor(version);
  if (!pinned.ok && nodeImage === undefined) {
    r.report(
      "kubernetesVersion",
      `${pinned.message}; choose one of those, or set localkube:cluster.nodeImage to an image of your own`,
      DEFAULT_KUBERNETES_VERSION,
    );
  }
  const settings: LocalSettings = {
    ...common,
    mode: "local",
    namespace: r.string("namespace", "localkube", LABEL),
    cluster: {
      name: r.string("cluster.name", "localkube", { ...CLUSTER_NAME, example: "localkube" }),
      kubernetesVersion: version,
      nodeImage: nodeImage ?? (pinned.ok ? pinned.image : ""),
      pinnedImage: nodeImage === undefined,
      containerdConfigPath: nodeImage === undefined && pinned.ok && pinned.configPath,
      workers: r.int("cluster.workers", 0, 0, 10),
      httpPort: r.int("cluster.httpPort", 80, 1, 65535),
      httpsPort: r.int("cluster.httpsPort", 443, 1, 65535),
    },
    registry: {
      name: r.string("registry.name", "localkube-registry", {
        ...CONTAINER_NAME,
        example: "localkube-registry",
      }),
      port: r.int("registry.port", 5001, 1, 65535),
      image: r.optionalString("registry.image", IMAGE_REF_RULE),
    },
    applianceHostPorts: {
      postgres: hostPort(r, "appliances.postgres.hostPort", DEFAULT_HOST_PORTS.postgres),
      kafka: hostPort(r, "appliances.kafka.hostPort", DEFAULT_HOST_PORTS.kafka),
    },
    ingress: {
      ...readIngressApi(r),
      domain: r.string("ingress.domain", "localhost", { ...DOMAIN, example: "localhost" }),
      className: r.string("ingress.className", "nginx", { ...LABEL, example: "nginx" }),
      nginxChartVersion: r.optionalString("ingress.nginxChartVersion"),
      nginxChartRepo: r.optionalString("ingress.nginxChartRepo"),
      nginxImage: r.optionalString("ingress.nginxImage", IMAGE_REF_RULE),
      traefikImage: r.optionalString("ingress.traefikImage", IMAGE_REF_RULE),
    },
    metricsServer: { image: r.optionalString("metricsServer.image", IMAGE_REF_RULE) },
  };
  const ports = [
    ["cluster.httpPort", settings.cluster.httpPort],
    ["cluster.httpsPort", settings.cluster.httpsPort],
    ["registry.port", settings.registry.port],
    ["appliances.postgres.hostPort", settings.applianceHostPorts.postgres],
    ["appliances.kafka.hostPort", settings.applianceHostPorts.kafka],
  ] as const;
  ports.forEach(([key, port], i) => {
    const clash = ports.findIndex(([, p]) => p === port);
    if (port !== undefined && clash !== i)
      r.report(
        key,
        `port ${port} is also used by localkube:${ports[clash][0]}; each needs its own port`,
        String(port + 8000),
      );
  });
  r.checkUnknownKeys("a local stack");
  return settings;
}
