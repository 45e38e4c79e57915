/**
 * What the dev engine drives, as interfaces: the stack (the Automation API), the cluster (the
 * loop's watch and a few API calls), the builder, the file watcher, live-update copies. The real
 * ones live beside them in dev/; unit tests give fakes.
 */
import type * as K from "@kubernetes/client-node";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { Catalog } from "../../catalog/types";
import type { ImageBuild } from "../../kube/images";
import type { WatchPlan } from "../affected";
import type { ClusterAccess } from "../cluster";
import type { FastSaveCluster } from "../fastSaveRunner";
import type { StackView } from "../stackView";
import type { syncToPods } from "../sync";
import type { ImageConfig } from "../debug/imageConfig";

/** A resource of the stack's checkpoint: enough to tell which service owns it. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly inputs?: Record<string, any>;
}

/** The stack, as `pulumi` commands see it. */
export interface StackPort {
  /** `pulumi up`, of `targets` only when given; rejects with the engine's words on failure. */
  up(opts: {
    readonly onEvent: (e: EngineEvent) => void;
    readonly targets?: readonly string[];
    /** Refresh every resource from the cluster first (`pulumi up --refresh`). */
    readonly refresh?: boolean;
  }): Promise<void>;
  /** `pulumi refresh` of these resources: the state takes what the cluster holds. */
  refresh(targets: readonly string[]): Promise<void>;
  /** The stack's outputs and config. */
  read(catalog: Pick<Catalog, "groups">): Promise<StackView>;
  /** The checkpoint's resources. */
  resources(): Promise<readonly StateResource[]>;
}

/** The cluster, through the loop's watch of the stack's namespace. */
export interface ClusterPort extends FastSaveCluster {
  readonly kc: K.KubeConfig;
  /** A rollout restart of a Deployment (what `kubectl rollout restart` does). */
  restart(deployment: string): Promise<void>;
  /** Takes out of a line every value the pod reads from a Secret (status/redact.ts). */
  redactorFor(pod: string): Promise<(line: string) => string>;
  /** The API server's version (`v1.37.2`), when it answers. */
  version(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** Copies saved files into a service's pods and runs its live-update steps (dev/sync.ts). */
export type LiveSync = typeof syncToPods;

/** Watching the sources; `close` stops it. */
export interface SourceWatch {
  close(): Promise<void>;
}

/** Everything the engine drives. */
export interface EnginePorts {
  readonly stack: StackPort;
  connect(access: ClusterAccess, namespace: string): Promise<ClusterPort>;
  /** The builder endpoint of a build, or why it cannot be driven directly. */
  builder(build: ImageBuild): { readonly endpoint: string } | { readonly missing: string };
  /** Builds and pushes; resolves with the digest. */
  buildImage(build: ImageBuild, endpoint: string): Promise<string>;
  watch(plan: WatchPlan, onBatch: (files: string[]) => void): Promise<SourceWatch>;
  readonly sync: LiveSync;
  /** Reads the catalog again (it may have changed); throws an InputError when it cannot be used. */
  loadCatalog(): Catalog;
  /** An image's ENTRYPOINT, CMD and ENV from its registry, or why not (debug runtime detection). */
  imageConfig(
    image: string,
  ): Promise<{ readonly config: ImageConfig } | { readonly unreadable: string }>;
  readonly now: () => number;
}
