/**
 * Pure: what the cluster's watch shows that differs from what the loop put there — containers
 * holding live-updated files that were replaced (they run the image's files again), and
 * workloads Pulumi deployed that were deleted or changed outside localkube.
 */
import type * as K from "@kubernetes/client-node";
import { LABELS } from "../../kube/labels";

/** The manager the dev loop's own changes are made as (a rollout restart from the dashboard). */
export const DEV_LOOP_MANAGER = "localkube-dev";

/** Managers that change workloads by themselves: Kubernetes' controllers, the provider's own apply. */
const OWN_MANAGERS =
  /^(kube-controller-manager|kube-scheduler|kubelet|pulumi-kubernetes-[0-9a-z]+|localkube-dev)$/;

/**
 * Services whose containers holding live-updated files were replaced (a restart, a rescheduled
 * pod), while no update of theirs runs: they must be rebuilt from the checkout.
 */
export function replacedLiveServices(
  liveSynced: ReadonlyMap<string, ReadonlySet<string>>,
  pods: readonly K.V1Pod[],
  updating: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const [service, ids] of liveSynced) {
    if (updating.has(service)) continue;
    const mine = pods.filter(
      (p) => p.metadata?.labels?.[LABELS.name] === service && !p.metadata?.deletionTimestamp,
    );
    const replaced = mine.some((p) =>
      (p.status?.containerStatuses ?? []).some(
        (c) => c.name === service && c.containerID && !ids.has(c.containerID),
      ),
    );
    // Wait until the replacement runs: there is nothing to rebuild into before.
    const running = mine.some((p) =>
      (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    );
    if (replaced && running) out.push(service);
  }
  return out;
}

type Workload = K.V1Deployment | K.V1StatefulSet;

/** A change of a workload by someone else than Kubernetes, Pulumi or the loop, after `since` (ms). */
function foreignChange(w: Workload, since: number): string | undefined {
  for (const e of w.metadata?.managedFields ?? []) {
    if (e.subresource === "status" || OWN_MANAGERS.test(e.manager ?? "")) continue;
    const at = e.time ? new Date(e.time).getTime() : 0;
    if (at > since) return e.manager ?? "an unknown client";
  }
  return undefined;
}

/** What the drift check found: services and what happened to them, in words. */
export interface Drift {
  readonly service: string;
  readonly what: string;
}

/**
 * Workloads of the stack's services that went away or were changed outside localkube since
 * `since` (the last converge's end), compared with those the watch held before (`seen`). Returns
 * the drift and the services whose workloads the watch holds now.
 */
export function driftOf(
  services: readonly string[],
  workloads: readonly Workload[],
  seen: ReadonlySet<string>,
  since: number,
  updating: ReadonlySet<string>,
): { drift: Drift[]; seen: Set<string> } {
  const now = new Set<string>();
  const drift: Drift[] = [];
  for (const service of services) {
    const w = workloads.find(
      (x) => x.metadata?.labels?.[LABELS.name] === service && !x.metadata?.deletionTimestamp,
    );
    if (w) now.add(service);
    if (updating.has(service)) continue;
    const kind = w && "serviceName" in (w.spec ?? {}) ? "StatefulSet" : "Deployment";
    if (!w && seen.has(service))
      drift.push({ service, what: `${service}'s workload was deleted outside localkube` });
    else if (w) {
      const by = foreignChange(w, since);
      if (by)
        drift.push({
          service,
          what: `${kind} ${w.metadata?.name} was changed outside localkube (by ${by})`,
        });
    }
  }
  return { drift, seen: now };
}
