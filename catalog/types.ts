/**
 * The service catalog: what `services/*.yaml` describe once parsed and validated.
 * Every type here is plain data; nothing in `catalog/` creates cloud resources.
 */

/** The shared infrastructure every environment can run, selectable like services. */
export const APPLIANCES = ["postgres", "kafka", "schema-registry"] as const;
export type ApplianceName = (typeof APPLIANCES)[number];

/** The built-in group that names all appliances at once. */
export const APPLIANCES_GROUP = "appliances";

export type PortProtocol = "TCP" | "UDP" | "SCTP";

export interface PortSpec {
  /** IANA service name, referenced by probes, ingress and env references. */
  readonly name: string;
  readonly containerPort: number;
  /** Port of the Kubernetes Service; defaults to `containerPort`. */
  readonly servicePort: number;
  readonly protocol: PortProtocol;
}

/** An environment variable: a literal, or a key of a dependency's connection info. */
export type EnvValue =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "ref"; readonly from: string; readonly key: string };

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

export interface BuildSpec {
  /** Absolute path of the build context. */
  readonly context: string;
  /** Dockerfile path, absolute. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly liveUpdate?: LiveUpdateSpec;
}

export interface IngressSpec {
  /** First DNS label of the public host name: `<host>.<domain>`. */
  readonly host: string;
  readonly path: string;
  /** Name of the port (from `ports`) the ingress routes to. */
  readonly port: string;
}

export interface ServiceSpec {
  readonly name: string;
  /** Catalog file the service came from, relative to the working directory. */
  readonly file: string;
  readonly description?: string;
  /** Published image; `tag` unset means the environment's default tag (`latest`). */
  readonly image: { readonly repository?: string; readonly tag?: string };
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

export interface Catalog {
  /** Catalog directory, as given to the loader. */
  readonly dir: string;
  readonly services: ReadonlyMap<string, ServiceSpec>;
  /** Groups by name, members as written (services, appliances or groups). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly policy: CatalogPolicy;
}
