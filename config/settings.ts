import { DNS_LABEL, DNS_LABEL_HELP } from "../catalog/yamlFile";
import { IngressControllerKind, INGRESS_CONTROLLERS } from "../components/ingressController";
import { CLUSTER_NAME } from "../components/kindCluster";
import { CONTAINER_NAME } from "../components/localRegistry";
import { ConfigReader } from "./reader";

/** Settings both stack kinds share. */
export interface CommonSettings {
  /** Directory of the service catalog. */
  readonly catalogDir: string;
  /** Selected services/groups; undefined = the whole catalog. */
  readonly services?: readonly string[];
  /** Services built from local source. */
  readonly local: readonly string[];
  /** Build every deployed service that has a build section. */
  readonly buildAll: boolean;
  readonly images: {
    /** Prefix of published images for services without `image.repository`. */
    readonly registry?: string;
    /** Tag of published images. */
    readonly tag: string;
    /** Exact image per service. */
    readonly overrides: Readonly<Record<string, string>>;
  };
  readonly appliances: {
    readonly images: { readonly postgres?: string; readonly kafka?: string; readonly schemaRegistry?: string };
    readonly postgres: { readonly storage: string; readonly database: string; readonly user: string };
    readonly kafka: { readonly storage: string };
  };
}

export interface LocalSettings extends CommonSettings {
  readonly mode: "local";
  readonly namespace: string;
  readonly cluster: {
    readonly name: string;
    readonly kubernetesVersion: string;
    /** Explicit node image; wins over kubernetesVersion. */
    readonly nodeImage?: string;
    readonly workers: number;
    readonly httpPort: number;
    readonly httpsPort: number;
  };
  readonly registry: { readonly name: string; readonly port: number; readonly image?: string };
  readonly ingress: {
    readonly controller: IngressControllerKind;
    readonly domain: string;
    readonly className: string;
    readonly nginxChartVersion?: string;
    readonly nginxChartRepo?: string;
    readonly nginxImage?: string;
    readonly traefikImage?: string;
  };
}

const IMAGE_REF = {
  pattern: /^[a-z0-9][a-z0-9._\-/:@]*$/,
  help: "an image reference such as registry.example.com/team/image:1.2",
  example: "registry.example.com/mirror/image:1.2",
};
const QUANTITY = { pattern: /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)$/, help: "a size such as 512Mi or 2Gi", example: "2Gi" };
const PG_NAME = { pattern: /^[a-z_][a-z0-9_]{0,62}$/, help: "lowercase letters, digits and '_'", example: "app" };
export const DOMAIN = {
  pattern: /^(?=.{1,200}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  help: "a DNS domain such as localhost or dev.example.com",
  example: "localhost",
};
const LABEL = { pattern: DNS_LABEL, help: DNS_LABEL_HELP, example: "localkube" };

/** Reads the keys both stack kinds share. */
export function readCommonSettings(r: ConfigReader): CommonSettings {
  return {
    catalogDir: r.string("catalogDir", "services"),
    services: r.names("services"),
    local: r.names("local") ?? [],
    buildAll: r.bool("buildAll", false),
    images: {
      registry: r.optionalString("images.registry", {
        pattern: /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/,
        help: "a registry prefix such as ghcr.io/acme",
        example: "ghcr.io/acme",
      }),
      tag: r.string("images.tag", "latest", { pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, help: "an image tag", example: "latest" }),
      overrides: r.stringMap("images.overrides"),
    },
    appliances: {
      images: {
        postgres: r.optionalString("appliances.postgres.image", IMAGE_REF),
        kafka: r.optionalString("appliances.kafka.image", IMAGE_REF),
        schemaRegistry: r.optionalString("appliances.schemaRegistry.image", IMAGE_REF),
      },
      postgres: {
        storage: r.string("appliances.postgres.storage", "1Gi", QUANTITY),
        database: r.string("appliances.postgres.database", "app", PG_NAME),
        user: r.string("appliances.postgres.user", "app", PG_NAME),
      },
      kafka: { storage: r.string("appliances.kafka.storage", "2Gi", QUANTITY) },
    },
  };
}

/** Reads the local stack's settings (`Pulumi.local.yaml`). */
export function readLocalSettings(r: ConfigReader): LocalSettings {
  const common = readCommonSettings(r);
  const settings: LocalSettings = {
    ...common,
    mode: "local",
    namespace: r.string("namespace", "localkube", LABEL),
    cluster: {
      name: r.string("cluster.name", "localkube", { pattern: CLUSTER_NAME, help: "lowercase letters, digits and '-' (at most 40)", example: "localkube" }),
      kubernetesVersion: r.string("kubernetesVersion", DEFAULT_KUBERNETES_VERSION, {
        pattern: /^\d+\.\d+(\.\d+)?$/,
        help: "a version such as 1.34 or 1.34.0",
        example: DEFAULT_KUBERNETES_VERSION,
      }),
      nodeImage: r.optionalString("cluster.nodeImage", IMAGE_REF),
      workers: r.int("cluster.workers", 0, 0, 10),
      httpPort: r.int("cluster.httpPort", 80, 1, 65535),
      httpsPort: r.int("cluster.httpsPort", 443, 1, 65535),
    },
    registry: {
      name: r.string("registry.name", "localkube-registry", {
        pattern: CONTAINER_NAME,
        help: "a container name (letters, digits, '_', '.', '-')",
        example: "localkube-registry",
      }),
      port: r.int("registry.port", 5001, 1, 65535),
      image: r.optionalString("registry.image", IMAGE_REF),
    },
    ingress: {
      controller: r.oneOf("ingress.controller", "ingress-nginx", INGRESS_CONTROLLERS),
      domain: r.string("ingress.domain", "localhost", DOMAIN),
      className: r.string("ingress.className", "nginx", { ...LABEL, example: "nginx" }),
      nginxChartVersion: r.optionalString("ingress.nginxChartVersion"),
      nginxChartRepo: r.optionalString("ingress.nginxChartRepo"),
      nginxImage: r.optionalString("ingress.nginxImage", IMAGE_REF),
      traefikImage: r.optionalString("ingress.traefikImage", IMAGE_REF),
    },
  };
  const ports = [
    ["cluster.httpPort", settings.cluster.httpPort],
    ["cluster.httpsPort", settings.cluster.httpsPort],
    ["registry.port", settings.registry.port],
  ] as const;
  ports.forEach(([key, port], i) => {
    const clash = ports.findIndex(([, p]) => p === port);
    if (clash !== i) r.report(key, `port ${port} is also used by localkube:${ports[clash][0]}; each needs its own port`, String(port + 8000));
  });
  return settings;
}

/** Kubernetes version of the local cluster unless `localkube:kubernetesVersion` says otherwise. */
export const DEFAULT_KUBERNETES_VERSION = "1.34";
