/**
 * The service catalog: what `services/*.yaml` describe once parsed and validated.
 * Every type here is plain data; nothing in `catalog/` creates cloud resources.
 */

export type PortProtocol = "TCP" | "UDP" | "SCTP";

export interface PortSpec {
  /** IANA service name, referenced by probes, ingress and env references. */
  readonly name: string;
  readonly containerPort: number;
  /** Port of the Kubernetes Service; defaults to `containerPort`. */
  readonly servicePort: number;
  readonly protocol: PortProtocol;
  /**
   * Port on 127.0.0.1 that `npm run dev` forwards to this port of a ready pod of the service.
   * @default not forwarded
   */
  readonly forward?: number;
}

/**
 * An environment variable: a literal, a key of a dependency's connection info, or a secret of the
 * stack's config (`localkube:secrets.<name>`).
 */
export type EnvValue =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "ref"; readonly from: string; readonly key: string }
  | { readonly kind: "secret"; readonly name: string };

export type ProbeHandler =
  | { readonly kind: "httpGet"; readonly path: string; readonly port: string | number }
  | { readonly kind: "tcpSocket"; readonly port: string | number }
  | { readonly kind: "exec"; readonly command: readonly string[] };

export interface ProbeSpec {
  readonly handler: ProbeHandler;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

export type ProbeKind = "readiness" | "liveness" | "startup";

export interface ResourceList {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface ResourcesSpec {
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
}

/**
 * What the ingress speaks to the service's port: HTTP/1.1 (`http`), gRPC over cleartext HTTP/2
 * (`grpc`), or any other cleartext HTTP/2 (`h2c`, prior knowledge).
 */
export const INGRESS_PROTOCOLS = ["http", "grpc", "h2c"] as const;
export type IngressProtocol = (typeof INGRESS_PROTOCOLS)[number];

/** Files of the build context copied into the running container: `from` (in the context) to `to`. */
export interface SyncRule {
  /** Path relative to the build context, `/`-separated; `.` is the whole context. */
  readonly from: string;
  /** Absolute path in the container. */
  readonly to: string;
}

/** A command run in the container after a sync; only when one of `when` changed, if given. */
export interface RunStep {
  readonly command: readonly string[];
  /** Patterns (`.dockerignore` syntax) of context files; none = after every sync. */
  readonly when?: readonly string[];
}

/** How saved files reach the running container without an image build (`npm run dev`). */
export interface LiveUpdateSpec {
  readonly sync: readonly SyncRule[];
  readonly run: readonly RunStep[];
  /** Patterns of context files that always force a full rebuild (the Dockerfile always does). */
  readonly fallBackOn: readonly string[];
  /**
   * How the new code takes effect: `none` — the app reloads itself; `process` — localkube
   * restarts the service's `command` inside the same container, keeping the synced files.
   */
  readonly restart: "none" | "process";
}

/** Runtimes `npm run dev -- --debug` can run a service's process under the debugger of. */
export const DEBUG_RUNTIMES = ["go", "node", "python"] as const;
export type DebugRuntime = (typeof DEBUG_RUNTIMES)[number];

/** How `npm run dev -- --debug` runs the service under its debugger; each field detected when unset. */
export interface DebugSpec {
  /** The runtime, when the container's command and image do not tell it. @default detected */
  readonly runtime?: DebugRuntime;
  /** Port the debugger listens on in the container. @default 56268 (go), 9229 (node), 5678 (python) */
  readonly port?: number;
}

export interface BuildSpec {
  /** Absolute path of the build context. */
  readonly context: string;
  /** Dockerfile path, absolute. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly liveUpdate?: LiveUpdateSpec;
  /** `npm run dev -- --debug` settings. @default detected from the container's command and image */
  readonly debug?: DebugSpec;
}

export interface IngressSpec {
  /** First DNS label of the public host name: `<host>.<domain>`. */
  readonly host: string;
  readonly path: string;
  /**
   * Name of the port (from `ports`) the ingress routes to; for an entry with its own manifests, a
   * port name or number of their Service.
   */
  readonly port: string | number;
  /** Service the ingress routes to (entries with their own manifests). @default the entry's name */
  readonly service?: string;
  /** What the controller speaks to the backend. @default "http" */
  readonly protocol?: IngressProtocol;
}

/** What runs a catalog entry: a long-running Deployment, a Job run to completion, or a CronJob. */
export const WORKLOADS = ["deployment", "job", "cronjob"] as const;
export type WorkloadKind = (typeof WORKLOADS)[number];

export const CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"] as const;

/** When and how a `cronjob` entry runs. */
export interface CronSpec {
  /** Cron schedule in the CronJob's syntax, e.g. `*\/5 * * * *` or `@hourly`. */
  readonly schedule: string;
  /** No run is started while true. */
  readonly suspend: boolean;
  /** What happens when a run is due while the previous one still runs. */
  readonly concurrencyPolicy: (typeof CONCURRENCY_POLICIES)[number];
}

/** A file of the repository mounted into the container (through a ConfigMap). */
export interface FileMount {
  /** As written in the catalog: relative to the catalog directory. */
  readonly source: string;
  /** Absolute path on this machine. */
  readonly from: string;
  /** Absolute path in the container. */
  readonly to: string;
}

/**
 * A catalog entry deployed from the team's own manifests instead of localkube's: a Helm chart
 * (a directory of the repository, or `name` + `version` from `repo`) or Kubernetes YAML files.
 */
export type ManifestSource =
  | {
      readonly kind: "chart";
      /** Absolute path of a chart directory of this repository. */
      readonly path?: string;
      /** Chart repository URL (`https://…` or `oci://…`), with `name` and `version`. */
      readonly repo?: string;
      readonly name?: string;
      readonly version?: string;
      /** Values given to the chart (highest precedence). */
      readonly values: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: "yaml";
      /** Absolute paths of the manifest files, in the order written. */
      readonly files: readonly string[];
    };

export interface ServiceSpec {
  readonly name: string;
  /** Catalog file the service came from, relative to the working directory. */
  readonly file: string;
  readonly description?: string;
  /**
   * Published image; `tag` unset means the environment's default tag (`latest`). `from`: the image
   * of another catalog service (its local build when that service is built from source).
   */
  readonly image: { readonly repository?: string; readonly tag?: string; readonly from?: string };
  /** What runs the entry. @default "deployment" */
  readonly workload?: WorkloadKind;
  /** Schedule of a `cronjob` entry; set exactly for those. */
  readonly cron?: CronSpec;
  /** Files of the repository mounted into the container. @default none */
  readonly files?: readonly FileMount[];
  /** The team's own chart or YAML files instead of a localkube workload. @default none */
  readonly manifests?: ManifestSource;
  readonly build?: BuildSpec;
  /** The container's command (replaces the image's entrypoint). @default the image's */
  readonly command?: readonly string[];
  /** Its arguments (replace the image's CMD). @default the image's */
  readonly args?: readonly string[];
  readonly ports: readonly PortSpec[];
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly replicas: number;
  readonly resources?: ResourcesSpec;
  readonly probes: Readonly<Partial<Record<ProbeKind, ProbeSpec>>>;
  readonly ingress?: IngressSpec;
  /** Services, appliances or groups this service needs, as written. */
  readonly dependsOn: readonly string[];
  /** What the container may do beyond localkube's default securityContext. @default the default */
  readonly securityContext?: SecurityContextSpec;
  /** Its pods' Kubernetes identity. @default no service-account token mounted */
  readonly serviceAccount?: ServiceAccountSpec;
  /** What runs before the container is stopped. @default nothing */
  readonly lifecycle?: LifecycleSpec;
  /** Seconds between the stop signal and a kill. @default Kubernetes' 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** How pods are replaced by a rollout. @default Kubernetes' rolling update (25% / 25%) */
  readonly strategy?: StrategySpec;
  /** How many pods a voluntary disruption (a node drain) may take at once. @default no budget */
  readonly disruptionBudget?: DisruptionBudgetSpec;
  /** Replicas set by CPU use between `min` and `max`; `replicas` is then only the start. @default none */
  readonly autoscale?: AutoscaleSpec;
  /** How pods spread over nodes or zones. @default wherever the scheduler puts them */
  readonly topologySpread?: TopologySpreadSpec;
}

/** What the kubelet runs before it sends the container the stop signal. */
export type PreStopHook =
  | { readonly kind: "sleep"; readonly seconds: number }
  | { readonly kind: "exec"; readonly command: readonly string[] };

export interface LifecycleSpec {
  readonly preStop?: PreStopHook;
}

/** A number of pods, or a percentage of the desired replicas such as `"25%"`. */
export type PodCount = number | string;

export type StrategySpec =
  | {
      readonly type: "RollingUpdate";
      readonly maxSurge?: PodCount;
      readonly maxUnavailable?: PodCount;
    }
  | { readonly type: "Recreate" };

/** A PodDisruptionBudget: exactly one of the two. */
export type DisruptionBudgetSpec =
  | { readonly minAvailable: PodCount }
  | { readonly maxUnavailable: PodCount };

/** A HorizontalPodAutoscaler (autoscaling/v2) on CPU. */
export interface AutoscaleSpec {
  readonly min: number;
  readonly max: number;
  /** Target average CPU use, in percent of `resources.requests.cpu`. */
  readonly cpu: number;
  /** How long lower recommendations must last before pods are removed. @default 300 (Kubernetes') */
  readonly scaleDownWindowSeconds?: number;
}

export interface TopologySpreadSpec {
  /** Spread over nodes (`kubernetes.io/hostname`) or zones (`topology.kubernetes.io/zone`). */
  readonly across: "node" | "zone";
  /** How many more pods one node (zone) may hold than another. */
  readonly maxSkew: number;
  /** A pod that would break `maxSkew`: left pending, or scheduled anyway (a preference). */
  readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
}

/**
 * A service's relaxations (or tightenings) of the default container securityContext
 * (`allowPrivilegeEscalation: false`, all capabilities dropped, RuntimeDefault seccomp): each field
 * given replaces the default's, `capabilities.add` adds to what is left after `drop`.
 */
export interface SecurityContextSpec {
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: {
    readonly type: "RuntimeDefault" | "Unconfined" | "Localhost";
    readonly localhostProfile?: string;
  };
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
}

/** Whether the service's pods get a token of their ServiceAccount (to call the Kubernetes API). */
export interface ServiceAccountSpec {
  readonly automountToken: boolean;
}

/** Resource fields a catalog policy can make mandatory. */
export const RESOURCE_FIELDS = [
  "requests.cpu",
  "requests.memory",
  "limits.cpu",
  "limits.memory",
] as const;
export type ResourceField = (typeof RESOURCE_FIELDS)[number];

/** Checks the catalog enforces on every service (`services/_catalog.yaml`, `policy`). */
export interface CatalogPolicy {
  readonly requireProbes: readonly ProbeKind[];
  readonly requireResources: readonly ResourceField[];
}

/**
 * A cluster-wide tool listed under `platform:` in `_catalog.yaml` (Argo Workflows, cert-manager, a
 * team's operator): its chart or manifests in a namespace of its own, and the CRDs it gives the
 * cluster. The local stack installs it when the selection needs it, before any entry; a branch
 * stack only checks that its CRDs exist (the cluster's owners install it).
 */
export interface AddonSpec {
  readonly name: string;
  /** The settings file it is defined in, e.g. `services/_catalog.yaml`. */
  readonly file: string;
  readonly description?: string;
  /** Namespace of its objects (those that name none) and of a chart's release. @default its name */
  readonly namespace: string;
  readonly source: ManifestSource;
  /**
   * The CRDs it provides (`<plural>.<group>`), as `crds:` lists them; required for a chart. Unset
   * for manifests: the CustomResourceDefinitions of those files.
   */
  readonly crds?: readonly string[];
  /**
   * Keep its CRDs, and so every object of their kinds, when it is uninstalled. @default true
   */
  readonly keepCrds: boolean;
}

export interface Catalog {
  /** Catalog directory, as given to the loader. */
  readonly dir: string;
  readonly services: ReadonlyMap<string, ServiceSpec>;
  /** Platform add-ons by name (`platform:` in `_catalog.yaml`). */
  readonly addons: ReadonlyMap<string, AddonSpec>;
  /** Groups by name, members as written (services, appliances or groups). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly policy: CatalogPolicy;
}
