/**
 * Carries out fast saves (see ./fastSave.ts): builds every service's image at once, then, per
 * service, runs its Jobs again with the new image, sets its CronJobs, and rolls its Deployments
 * and StatefulSets — each waited for with the readiness gate's own decision (`gateStep`: ready,
 * a terminal problem in the diagnosis's words, or the timeout), from the loop's watch.
 */
import type * as K from "@kubernetes/client-node";
import type { ImageBuild } from "../kube/images";
import { gateStep } from "../status/gate";
import { diagnose, logKey, logsToFetch } from "../status/diagnose";
import { DEV_LOOP_RETRY } from "../status/problems";
import { rolloutStatus, WorkloadObjects } from "../status/rollout";
import { LABELS } from "../kube/labels";
import { FastSave, imageChange, imageUsers, WorkloadChange, Workloads } from "./fastSave";
import type { NamespaceObjects } from "../status/model";

/** What the runner needs of the cluster: the loop's watch and a few API calls. */
export interface FastSaveCluster {
  readonly namespace: string;
  /** What the watch holds now. */
  snapshot(): NamespaceObjects & Workloads;
  /** Calls `listener` after every change the watch sees; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Server-side apply as `manager` (never forced: a conflict is an error). */
  apply(object: K.KubernetesObject, manager: string): Promise<void>;
  /** Deletes a Job and its pods. */
  deleteJob(name: string): Promise<void>;
  logTail(pod: string, container: string, lines: number, previous: boolean): Promise<string[]>;
}

export interface FastSaveDeps {
  readonly cluster: FastSaveCluster;
  /** Builds and pushes an image with the builder at `endpoint`; resolves with its digest. */
  build(build: ImageBuild, endpoint: string): Promise<string>;
  /** How long each workload may take to become ready (`localkube:readyTimeout`). */
  readonly timeoutSeconds: number;
  /** Progress, as it happens. */
  report(e: FastSaveEvent): void;
  readonly now?: () => number;
}

export type FastSaveEvent =
  | { readonly service: string; readonly step: "built"; readonly digest: string; seconds: number }
  | { readonly service: string; readonly step: "unchanged"; readonly digest: string }
  | {
      readonly service: string;
      readonly step: "applied";
      readonly kind: string;
      readonly name: string;
    }
  | { readonly service: string; readonly step: "ready"; readonly seconds: number };

/**
 * How one service's fast save ended. `touched`: some workload was changed (so the stack's state
 * no longer holds what runs, whatever came next).
 */
export type FastSaveResult =
  | {
      readonly service: string;
      readonly ok: true;
      readonly digest: string;
      readonly touched: boolean;
    }
  | {
      readonly service: string;
      readonly ok: false;
      readonly error: string;
      readonly touched: boolean;
    };

const LOG_TAIL = 20;

/** The objects of one workload from the watch: its pods (and ReplicaSets) by owner, events by name. */
export function workloadObjects(
  change: Pick<WorkloadChange, "kind" | "name">,
  all: NamespaceObjects & Workloads,
  namespace: string,
): WorkloadObjects {
  const named = (o: K.KubernetesObject) => o.metadata?.name === change.name;
  const workload =
    change.kind === "Job"
      ? all.jobs.find(named)
      : change.kind === "StatefulSet"
        ? all.statefulSets.find(named)
        : all.deployments.find(named);
  const uid = workload?.metadata?.uid;
  const owned = (o: K.KubernetesObject, uids: ReadonlySet<string | undefined>) =>
    (o.metadata?.ownerReferences ?? []).some((r) => uids.has(r.uid));
  const replicaSets = all.replicaSets.filter((rs) => owned(rs, new Set([uid])));
  const owners = new Set([uid, ...replicaSets.map((rs) => rs.metadata?.uid)]);
  const pods = all.pods.filter((p) => owned(p, owners) && !p.metadata?.deletionTimestamp);
  const names = new Set(
    [change.name, ...replicaSets, ...pods].map((o) =>
      typeof o === "string" ? o : o.metadata?.name,
    ),
  );
  return {
    service: workload?.metadata?.labels?.[LABELS.name] ?? change.name,
    namespace,
    workload: workload && { ...workload, kind: change.kind },
    replicaSets,
    pods,
    events: all.events.filter((e) => names.has(e.involvedObject?.name)),
  };
}

/**
 * Resolves when `check` says done (or rejects with its failure), checking again on every change
 * of the watch, every second, and whenever `check` asks for it through `again`.
 */
function waitUntil(
  cluster: FastSaveCluster,
  check: (again: () => void) => "done" | "wait" | { fail: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const look = () => {
      if (finished) return;
      const r = check(look);
      if (r === "wait") return;
      finished = true;
      unsubscribe();
      clearInterval(tick);
      if (r === "done") resolve();
      else reject(new Error(r.fail));
    };
    const unsubscribe = cluster.onChange(look);
    const tick = setInterval(look, 1000);
    look();
  });
}

/** Waits for a workload the way its readiness gate does, fetching crashed containers' logs once. */
async function awaitWorkload(
  change: Pick<WorkloadChange, "kind" | "name">,
  deps: FastSaveDeps,
  after: (o: WorkloadObjects) => boolean,
): Promise<void> {
  const now = deps.now ?? Date.now;
  const started = now();
  const logs = new Map<string, readonly string[] | "fetching">();
  const { cluster } = deps;
  await waitUntil(cluster, (again) => {
    const objects = workloadObjects(change, cluster.snapshot(), cluster.namespace);
    if (!after(objects)) return "wait";
    // The diagnosis of a crash or a failed Job quotes its log: fetched first, as the gate does.
    const previousLogs: Record<string, readonly string[]> = {};
    let fetching = false;
    for (const req of logsToFetch(objects)) {
      const key = `${logKey(req.pod, req.container)}${req.previous ? "#previous" : ""}`;
      const have = logs.get(key);
      if (have === undefined) {
        logs.set(key, "fetching");
        void cluster.logTail(req.pod, req.container, LOG_TAIL, req.previous).then((lines) => {
          logs.set(key, lines);
          again();
        });
      }
      if (have === undefined || have === "fetching") fetching = true;
      else previousLogs[logKey(req.pod, req.container)] = have;
    }
    if (fetching) return "wait";
    const step = gateStep({
      service: objects.service,
      namespace: cluster.namespace,
      status: rolloutStatus(objects),
      problem: diagnose({ ...objects, previousLogs, retry: DEV_LOOP_RETRY }),
      elapsedMs: now() - started,
      timeoutSeconds: deps.timeoutSeconds,
    });
    return step.outcome === "ready"
      ? "done"
      : step.outcome === "wait"
        ? "wait"
        : { fail: step.message };
  });
}

/** The image of every container that runs the repository's image, as the watch has the workload now. */
function changesFor(save: FastSave, image: string, snapshot: Workloads): WorkloadChange[] {
  return imageUsers(save.build.repository, snapshot).map((u) => {
    const change = imageChange(u.kind, u.object, save.build.repository, image);
    if (!change)
      throw new Error(
        `${u.kind} ${u.object.metadata?.name} is no longer applied by Pulumi: run a converge (save the catalog, or restart npm run dev)`,
      );
    return change;
  });
}

const runsImage = (o: K.KubernetesObject, image: string, kind: string) => {
  const template =
    kind === "CronJob"
      ? (o as K.V1CronJob).spec?.jobTemplate?.spec?.template
      : (o as { spec?: { template?: K.V1PodTemplateSpec } }).spec?.template;
  return [...(template?.spec?.initContainers ?? []), ...(template?.spec?.containers ?? [])].some(
    (c) => c.image === image,
  );
};

/** One service after its image was built: jobs again, cron jobs, then its rollouts. */
async function rollOut(
  save: FastSave,
  digest: string,
  deps: FastSaveDeps,
  touched: () => void,
): Promise<boolean> {
  const now = deps.now ?? Date.now;
  const image = `${save.build.repository}@${digest}`;
  const { cluster } = deps;
  const changes = changesFor(save, image, cluster.snapshot());
  const current = imageUsers(save.build.repository, cluster.snapshot());
  if (current.every((u) => runsImage(u.object, image, u.kind))) {
    deps.report({ service: save.service, step: "unchanged", digest });
    return false;
  }
  const started = now();
  touched();
  for (const job of changes.filter((c) => c.kind === "Job")) {
    await cluster.deleteJob(job.name);
    await waitUntil(cluster, () =>
      cluster.snapshot().jobs.some((j) => j.metadata?.name === job.name) ? "wait" : "done",
    );
    await cluster.apply(job.applied, job.manager);
    deps.report({ service: save.service, step: "applied", kind: job.kind, name: job.name });
    await awaitWorkload(job, deps, (o) => o.workload !== undefined);
  }
  for (const c of changes.filter((x) => x.kind === "CronJob")) {
    await cluster.apply(c.applied, c.manager);
    deps.report({ service: save.service, step: "applied", kind: c.kind, name: c.name });
  }
  const rollouts = changes.filter((c) => c.kind === "Deployment" || c.kind === "StatefulSet");
  await Promise.all(
    rollouts.map(async (c) => {
      await cluster.apply(c.applied, c.manager);
      deps.report({ service: save.service, step: "applied", kind: c.kind, name: c.name });
    }),
  );
  await Promise.all(
    rollouts.map((c) =>
      awaitWorkload(
        c,
        deps,
        (o) => o.workload !== undefined && runsImage(o.workload, image, c.kind),
      ),
    ),
  );
  deps.report({ service: save.service, step: "ready", seconds: (now() - started) / 1000 });
  return true;
}

/**
 * Runs the fast saves of several services: every image built at once, then each service rolled
 * out (services in parallel). Each result says whether the service runs its new image.
 */
export async function runFastSaves(
  saves: readonly FastSave[],
  deps: FastSaveDeps,
): Promise<FastSaveResult[]> {
  const now = deps.now ?? Date.now;
  return Promise.all(
    saves.map(async (save): Promise<FastSaveResult> => {
      let touched = false;
      try {
        const started = now();
        const digest = await deps.build(save.build, save.endpoint);
        deps.report({
          service: save.service,
          step: "built",
          digest,
          seconds: (now() - started) / 1000,
        });
        await rollOut(save, digest, deps, () => (touched = true));
        return { service: save.service, ok: true, digest, touched };
      } catch (err) {
        const error = (err as Error).message ?? String(err);
        return { service: save.service, ok: false, error, touched };
      }
    }),
  );
}
