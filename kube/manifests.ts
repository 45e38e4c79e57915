/**
 * Pure helpers for the objects of a team's own chart or YAML files: which image repository a
 * reference names, replacing one image everywhere it runs, the namespace of namespaced objects,
 * which of the objects are workloads and CRDs to wait for, a chart's release arguments.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { splitImageRef } from "../catalog/imageRef";
import type { ManifestSource } from "../catalog/types";

/** The repository of an image reference: without its digest and tag (`ghcr.io/a/b:1@sha256:…` → `ghcr.io/a/b`). */
export function imageRepository(ref: string): string {
  return splitImageRef(ref).repository;
}

const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"];

/**
 * A copy of a Kubernetes object (or any part of one) where every container whose image is of
 * `repository` runs `image` instead; containers of other images, and everything else, unchanged.
 * Returns the object itself when nothing matched.
 */
export function replaceImages<T>(obj: T, repository: string, image: unknown): T {
  let changed = false;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const items = value.map(walk);
      return items.some((v, i) => v !== value[i]) ? items : value;
    }
    if (value === null || typeof value !== "object") return value;
    const o = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const [key, v] of Object.entries(o)) {
      let next = walk(v);
      if (CONTAINER_LISTS.includes(key) && Array.isArray(next))
        next = next.map((c) => {
          const container = c as Record<string, unknown> | null;
          if (typeof container?.image !== "string") return c;
          if (imageRepository(container.image) !== repository) return c;
          changed = true;
          return { ...container, image };
        });
      if (next !== v) (copy ??= { ...o })[key] = next;
    }
    return copy ?? value;
  };
  const out = walk(obj) as T;
  return changed ? out : obj;
}

/**
 * The object, moved to namespace `to` when it is in `from`: where the Kubernetes provider put the
 * namespaced objects of YAML files that name no namespace (its default namespace, the stack's),
 * for an add-on whose objects belong in its own. Cluster-scoped objects (no namespace) and objects
 * that name another namespace are left as they are.
 */
export function movedNamespace<T extends { metadata?: unknown }>(
  obj: T,
  from: string,
  to: string,
): T {
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  return metadata.namespace === from ? { ...obj, metadata: { ...metadata, namespace: to } } : obj;
}

/** Kinds of rendered objects a readiness gate waits for. */
export const GATED_KINDS = ["Deployment", "StatefulSet", "Job"] as const;

/** One workload among rendered objects. */
export interface RenderedWorkload {
  readonly kind: (typeof GATED_KINDS)[number];
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
}

/** The workloads among rendered objects (their kind and metadata), in name order. */
export function renderedWorkloads(
  objects: readonly { kind?: string; metadata?: Record<string, unknown> }[],
  defaultNamespace: string,
): RenderedWorkload[] {
  return objects
    .filter((o) => (GATED_KINDS as readonly (string | undefined)[]).includes(o.kind))
    .map((o) => ({
      kind: o.kind as RenderedWorkload["kind"],
      namespace: String(o.metadata?.namespace || defaultNamespace),
      name: String(o.metadata?.name ?? ""),
      uid: String(o.metadata?.uid ?? ""),
      generation: Number(o.metadata?.generation ?? 0),
    }))
    .sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

/** A CustomResourceDefinition among rendered objects, as a conditions gate watches it. */
export interface RenderedCrd {
  readonly group: "apiextensions.k8s.io";
  readonly version: "v1";
  readonly plural: "customresourcedefinitions";
  readonly kind: "CustomResourceDefinition";
  /** `<plural>.<group>`. */
  readonly name: string;
  /** `<uid>/<generation>`: a new object or spec is waited for again. */
  readonly revision: string;
}

/** The CustomResourceDefinitions among rendered objects, in name order. */
export function renderedCrds(
  objects: readonly { kind?: string; metadata?: Record<string, unknown> }[],
): RenderedCrd[] {
  return objects
    .filter((o) => o.kind === "CustomResourceDefinition")
    .map((o) => ({
      group: "apiextensions.k8s.io" as const,
      version: "v1" as const,
      plural: "customresourcedefinitions" as const,
      kind: "CustomResourceDefinition" as const,
      name: String(o.metadata?.name ?? ""),
      revision: `${String(o.metadata?.uid ?? "")}/${Number(o.metadata?.generation ?? 0)}`,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The Helm release of a chart source, as the Kubernetes provider's `helm.v4.Chart` takes it: a
 * local chart directory, `<repo>/<name>` for an OCI registry, or `name` from a chart repository.
 * Not awaited by the provider: localkube's gates wait, and say why something cannot become ready.
 */
export function chartReleaseArgs(
  release: string,
  namespace: pulumi.Input<string>,
  source: Extract<ManifestSource, { kind: "chart" }>,
): k8s.helm.v4.ChartArgs {
  const oci = source.repo?.startsWith("oci://") ?? false;
  return {
    name: release,
    namespace,
    chart: source.path ?? (oci ? `${source.repo}/${source.name}` : source.name!),
    version: source.version,
    repositoryOpts: source.repo && !oci ? { repo: source.repo } : undefined,
    values: source.values as Record<string, pulumi.Input<unknown>>,
    skipAwait: true,
  };
}
