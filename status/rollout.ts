/**
 * Pure: which of a workload's objects are its current revision, and whether its rollout is
 * complete. The same conditions the Kubernetes provider's own await and `kubectl rollout status`
 * use, from plain Kubernetes JSON objects (no client, no Pulumi).
 */
import type {
  CoreV1Event,
  V1Deployment,
  V1Job,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from "@kubernetes/client-node";

/**
 * Everything Kubernetes holds about one service at one moment: its workload (a Deployment, a
 * StatefulSet or a Job), the ReplicaSets and pods it owns, and events (of the namespace, or only
 * those about these objects).
 */
export interface WorkloadObjects {
  /** The catalog or appliance name shown in messages, e.g. `bank`, `postgres`. */
  readonly service: string;
  readonly namespace: string;
  /** The Deployment, StatefulSet or Job; told apart by `kind`, or by its spec when a list left `kind` out. */
  readonly workload?: V1Deployment | V1StatefulSet | V1Job;
  /** ReplicaSets of a Deployment (others are ignored). @default none */
  readonly replicaSets?: readonly V1ReplicaSet[];
  /** Pods matching the workload's selector (others, and terminating ones, are ignored). */
  readonly pods: readonly V1Pod[];
  /** Events of the namespace (those about other objects are ignored). @default none */
  readonly events?: readonly CoreV1Event[];
}

/** Where a rollout stands: done, or what it still waits for in words. */
export interface RolloutStatus {
  readonly ready: boolean;
  /** e.g. `1 of 2 updated pods ready`; empty when ready. */
  readonly waitingFor: string;
}

const REVISION = "deployment.kubernetes.io/revision";

/** Milliseconds of a Kubernetes time (a Date from the client, or an RFC 3339 string from JSON). */
export function timeOf(t: Date | string | number | undefined | null): number {
  if (t === undefined || t === null) return 0;
  const ms = new Date(t).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * Which kind of workload this is (list items have no `kind`; a StatefulSet's spec has
 * `serviceName`, a Job's `backoffLimit` or `completions`).
 */
export function workloadKind(
  w: V1Deployment | V1StatefulSet | V1Job,
): "Deployment" | "StatefulSet" | "Job" {
  if (w.kind === "Deployment" || w.kind === "StatefulSet" || w.kind === "Job") return w.kind;
  const spec = (w.spec ?? {}) as Record<string, unknown>;
  if ("backoffLimit" in spec || "completions" in spec || "completionMode" in spec) return "Job";
  return "serviceName" in spec || "updateStrategy" in spec || "volumeClaimTemplates" in spec
    ? "StatefulSet"
    : "Deployment";
}

/** The workload as a Job, when it is one. */
export function jobOf(o: WorkloadObjects): V1Job | undefined {
  return o.workload && workloadKind(o.workload) === "Job" ? (o.workload as V1Job) : undefined;
}

/** The condition of a Job that ended it: `Complete` or `Failed`, when one is true. */
export function jobEnd(job: V1Job): { type: "Complete" | "Failed"; at: number } | undefined {
  const c = (job.status?.conditions ?? []).find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );
  return c
    ? { type: c.type as "Complete" | "Failed", at: timeOf(c.lastTransitionTime ?? undefined) }
    : undefined;
}

/** The workload as a Deployment, when it is one. */
export function deploymentOf(o: WorkloadObjects): V1Deployment | undefined {
  return o.workload && workloadKind(o.workload) === "Deployment"
    ? (o.workload as V1Deployment)
    : undefined;
}

/** The workload as a StatefulSet, when it is one. */
export function statefulSetOf(o: WorkloadObjects): V1StatefulSet | undefined {
  return o.workload && workloadKind(o.workload) === "StatefulSet"
    ? (o.workload as V1StatefulSet)
    : undefined;
}

const ownedBy = (meta: V1ObjectMeta | undefined, uid: string | undefined) =>
  uid !== undefined && (meta?.ownerReferences ?? []).some((o) => o.uid === uid);

/** The Deployment's ReplicaSet of its current revision, when the controller has made it. */
export function currentReplicaSet(o: WorkloadObjects): V1ReplicaSet | undefined {
  const d = deploymentOf(o);
  const revision = d?.metadata?.annotations?.[REVISION];
  if (!d || revision === undefined) return undefined;
  return (o.replicaSets ?? []).find(
    (rs) =>
      ownedBy(rs.metadata, d.metadata?.uid) && rs.metadata?.annotations?.[REVISION] === revision,
  );
}

/** The workload's pods that are not being deleted and have not ended (evicted). */
export function livePods(o: WorkloadObjects): V1Pod[] {
  return o.pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.phase !== "Failed" &&
      p.status?.phase !== "Succeeded",
  );
}

/**
 * Pods of the current revision: owned by the Deployment's current ReplicaSet, or carrying the
 * StatefulSet's update revision. Every live pod when the revision is not known yet.
 */
export function currentPods(o: WorkloadObjects): V1Pod[] {
  const pods = livePods(o);
  if (deploymentOf(o)) {
    const rs = currentReplicaSet(o);
    return rs ? pods.filter((p) => ownedBy(p.metadata, rs.metadata?.uid)) : pods;
  }
  const revision = statefulSetOf(o)?.status?.updateRevision;
  return revision
    ? pods.filter((p) => p.metadata?.labels?.["controller-revision-hash"] === revision)
    : pods;
}

/**
 * A Deployment is rolled out when its controller has seen the current generation, every replica
 * runs the current template and as many are available, and no pod of an older revision is left
 * (`kubectl rollout status`).
 */
function deploymentStatus(d: V1Deployment, current: V1ReplicaSet | undefined): RolloutStatus {
  const generation = d.metadata?.generation ?? 0;
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  if ((s.observedGeneration ?? 0) < generation)
    return { ready: false, waitingFor: "the Deployment controller to see the new spec" };
  if (updated < want) return { ready: false, waitingFor: `${updated} of ${want} pods updated` };
  // During a rollout the old pods are what is available: what counts is the new ReplicaSet's.
  const fresh = current?.status?.availableReplicas ?? (total > updated ? 0 : available);
  if (fresh < want) return { ready: false, waitingFor: `${fresh} of ${want} updated pods ready` };
  if (total > updated)
    return {
      ready: false,
      waitingFor: `${total - updated} old pod${total - updated === 1 ? "" : "s"} to terminate`,
    };
  if (available < updated)
    return { ready: false, waitingFor: `${available} of ${updated} updated pods ready` };
  return { ready: true, waitingFor: "" };
}

/**
 * A StatefulSet is rolled out when its controller has seen the current generation, every replica
 * is ready and at the update revision (the Kubernetes provider's await).
 */
function statefulSetStatus(s: V1StatefulSet): RolloutStatus {
  const generation = s.metadata?.generation ?? 0;
  const st = s.status ?? { replicas: 0 };
  const want = s.spec?.replicas ?? 1;
  const ready = st.readyReplicas ?? 0;
  if ((st.observedGeneration ?? 0) < generation)
    return { ready: false, waitingFor: "the StatefulSet controller to see the new spec" };
  if (ready < want || (st.replicas ?? 0) !== want)
    return { ready: false, waitingFor: `${ready} of ${want} pods ready` };
  if (s.spec?.updateStrategy?.type !== "OnDelete") {
    if ((st.currentReplicas ?? 0) !== want || !st.currentRevision)
      return { ready: false, waitingFor: `${st.currentReplicas ?? 0} of ${want} pods updated` };
    if (st.currentRevision !== st.updateRevision)
      return { ready: false, waitingFor: `revision ${st.updateRevision} to roll out` };
  }
  return { ready: true, waitingFor: "" };
}

/** A Job is "ready" when it completed (it succeeded); a failed one is never ready. */
function jobStatus(j: V1Job): RolloutStatus {
  const end = jobEnd(j);
  if (end?.type === "Complete") return { ready: true, waitingFor: "" };
  if (end?.type === "Failed") return { ready: false, waitingFor: "a job that failed" };
  if (j.spec?.suspend) return { ready: false, waitingFor: "the job, which is suspended" };
  const active = j.status?.active ?? 0;
  return {
    ready: false,
    waitingFor: `the job to complete (${active === 0 ? "no pod running yet" : `${active} pod${active === 1 ? "" : "s"} running`})`,
  };
}

/** Whether the workload's rollout is complete (a Job: whether it succeeded). No workload yet: not ready. */
export function rolloutStatus(o: WorkloadObjects): RolloutStatus {
  const j = jobOf(o);
  if (j) return jobStatus(j);
  const d = deploymentOf(o);
  if (d) return deploymentStatus(d, currentReplicaSet(o));
  const s = statefulSetOf(o);
  if (s) return statefulSetStatus(s);
  return { ready: false, waitingFor: "the workload to exist" };
}
