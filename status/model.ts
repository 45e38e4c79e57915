import type * as K from "@kubernetes/client-node";
import { splitImageRef } from "../kube/images";
import { LABELS } from "../kube/labels";
import { AutoscaleStatus, autoscaleStatus } from "./autoscale";
import { WorkloadObjects } from "./rollout";

/**
 * The status of what a stack runs, one row per service and appliance: a pure function from the
 * Kubernetes objects of the namespace (and what the dev loop is doing) to rows. The terminal view,
 * the dashboard and `--ci` all render these rows; nothing computes status twice.
 */

/** What a service is doing, from the user's point of view. */
export type ServiceState =
  | "pending"
  | "building"
  | "deploying"
  | "ready"
  | "live-updated"
  | "problem";

/** A problem in plain words (from the diagnosis) and how to fix it. */
export interface StatusProblem {
  readonly message: string;
  readonly hint?: string;
  /** Terminal: Kubernetes will not recover by itself (`--ci` fails at once). */
  readonly terminal: boolean;
}

export interface PodRow {
  readonly name: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** ISO time the pod was created. */
  readonly created?: string;
}

export type ImageSource =
  | { readonly kind: "built"; readonly digest: string }
  | { readonly kind: "published"; readonly image: string; readonly tag: string }
  | { readonly kind: "unknown" };

/** What the dev loop last did to a service (from the update's engine events and live updates). */
export interface Activity {
  readonly state: "building" | "deploying" | "live-updating" | "done" | "failed";
  /** What triggered it: a file, "converge", or an action. */
  readonly trigger: string;
  readonly startedAt: number;
  readonly seconds?: number;
  /** Live update: files synced on top of image `digest`. */
  readonly liveUpdate?: { readonly files: number; readonly digest: string };
  /** Why it failed, in words. */
  readonly error?: string;
}

export interface ServiceRow {
  readonly name: string;
  /** Catalog group it belongs to (`appliances` for appliances; "" when none). */
  readonly group: string;
  readonly kind: "service" | "appliance";
  readonly source: ImageSource;
  readonly ready: number;
  readonly desired: number;
  readonly restarts: number;
  readonly url?: string;
  readonly state: ServiceState;
  readonly problem?: StatusProblem;
  readonly pods: readonly PodRow[];
  readonly activity?: Activity;
  /** What its HorizontalPodAutoscaler says, when it has one. */
  readonly autoscale?: AutoscaleStatus;
}

/** What the stack deploys, from its outputs and catalog. */
export interface StackFacts {
  readonly namespace: string;
  /** Services in catalog order of groups, each with its first group and URL. */
  readonly services: readonly {
    readonly name: string;
    readonly group: string;
    readonly url?: string;
  }[];
  readonly appliances: readonly string[];
}

/** Every object of the namespace the status is computed from. */
export interface NamespaceObjects {
  readonly pods: readonly K.V1Pod[];
  readonly events: readonly K.CoreV1Event[];
  readonly deployments: readonly K.V1Deployment[];
  readonly statefulSets: readonly K.V1StatefulSet[];
  readonly replicaSets: readonly K.V1ReplicaSet[];
  /** HorizontalPodAutoscalers (autoscaling/v2). @default none */
  readonly autoscalers?: readonly K.V2HorizontalPodAutoscaler[];
}

/** Picks a service's objects out of the namespace's, by the `app.kubernetes.io/name` label. */
export function objectsOf(name: string, namespace: string, all: NamespaceObjects): WorkloadObjects {
  const mine = (o: K.KubernetesObject) => o.metadata?.labels?.[LABELS.name] === name;
  const workload = all.deployments.find(mine) ?? all.statefulSets.find(mine);
  const replicaSets = all.replicaSets.filter(mine);
  const pods = all.pods.filter((p) => mine(p) && !p.metadata?.deletionTimestamp);
  const names = new Set(
    [
      workload?.metadata?.name,
      ...replicaSets.map((r) => r.metadata?.name),
      ...pods.map((p) => p.metadata?.name),
    ].filter(Boolean),
  );
  const events = all.events.filter((e) => names.has(e.involvedObject?.name));
  return { service: name, namespace, workload, replicaSets, pods, events };
}

/** The source column every view shows: `checkout 1a2b3c4d5e6f` (built, by digest) or `published 1.4`. */
export function sourceText(row: ServiceRow): string {
  const s = row.source;
  return s.kind === "built"
    ? `checkout ${s.digest}`
    : s.kind === "published"
      ? `published ${s.tag}`
      : "";
}

/** Where a workload's image comes from: a digest pushed by a local build, or a published tag. */
export function imageSource(image: string | undefined): ImageSource {
  if (!image) return { kind: "unknown" };
  const at = image.indexOf("@sha256:");
  if (at >= 0) return { kind: "built", digest: image.slice(at + 8, at + 8 + 12) };
  return { kind: "published", image, tag: splitImageRef(image).tag ?? "latest" };
}

/** Pods of a service, oldest first, as rows. */
function podRows(pods: readonly K.V1Pod[]): PodRow[] {
  return [...pods]
    .sort((a, b) =>
      String(a.metadata?.creationTimestamp ?? "").localeCompare(
        String(b.metadata?.creationTimestamp ?? ""),
      ),
    )
    .map((p) => ({
      name: p.metadata?.name ?? "",
      phase: p.status?.phase ?? "Unknown",
      ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      restarts: (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
      created: p.metadata?.creationTimestamp
        ? new Date(p.metadata.creationTimestamp).toISOString()
        : undefined,
    }));
}

/**
 * One service's row. State: what the loop is doing wins (building, deploying, live-updating);
 * then a problem; then ready (live-updated when files were synced into the running pods); else
 * deploying while pods come up, pending when nothing exists yet.
 */
export function serviceRow(
  entry: { name: string; group: string; kind: "service" | "appliance"; url?: string },
  objects: WorkloadObjects,
  problem: StatusProblem | undefined,
  activity: Activity | undefined,
  autoscaler?: K.V2HorizontalPodAutoscaler,
): ServiceRow {
  const w = objects.workload;
  const desired = (w?.spec && "replicas" in w.spec ? w.spec.replicas : undefined) ?? 0;
  const pods = podRows(objects.pods);
  const ready = pods.filter((p) => p.ready).length;
  const image = w?.spec?.template?.spec?.containers?.[0]?.image;
  const busy =
    activity &&
    (activity.state === "building" ||
      activity.state === "deploying" ||
      activity.state === "live-updating");
  let state: ServiceState;
  if (busy) state = activity.state === "building" ? "building" : "deploying";
  else if (problem) state = "problem";
  else if (w && ready >= desired && desired > 0)
    state = activity?.liveUpdate && activity.state === "done" ? "live-updated" : "ready";
  else state = w ? "deploying" : "pending";
  return {
    ...entry,
    source: imageSource(image),
    ready,
    desired,
    restarts: pods.reduce((n, p) => n + p.restarts, 0),
    state,
    problem,
    pods,
    activity,
    ...(autoscaler ? { autoscale: autoscaleStatus(autoscaler) } : {}),
  };
}

/** Every row: appliances first, then services in the stack's order (grouped as the catalog groups them). */
export function statusRows(
  facts: StackFacts,
  all: NamespaceObjects,
  problems: ReadonlyMap<string, StatusProblem>,
  activity: ReadonlyMap<string, Activity>,
): ServiceRow[] {
  const entries = [
    ...facts.appliances.map((name) => ({ name, group: "appliances", kind: "appliance" as const })),
    ...facts.services.map((s) => ({ ...s, kind: "service" as const })),
  ];
  return entries.map((e) =>
    serviceRow(
      e,
      objectsOf(e.name, facts.namespace, all),
      problems.get(e.name),
      activity.get(e.name),
      all.autoscalers?.find((a) => a.metadata?.labels?.[LABELS.name] === e.name),
    ),
  );
}

/** `--ci`: done when every row is ready; failed as soon as one has a terminal problem. */
export function ciVerdict(rows: readonly ServiceRow[]): "ready" | "failed" | "waiting" {
  if (rows.some((r) => r.problem?.terminal)) return "failed";
  return rows.length > 0 && rows.every((r) => r.state === "ready" || r.state === "live-updated")
    ? "ready"
    : "waiting";
}
