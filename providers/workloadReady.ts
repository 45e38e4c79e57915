import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import type * as K from "@kubernetes/client-node";
import {
  CONFIG_REASONS,
  diagnose,
  IMAGE_PULL_REASONS,
  ImageOrigin,
  logKey,
  logsToFetch,
  LOG_TAIL_LINES,
} from "../status/diagnose";
import {
  currentReplicaSet,
  deploymentOf,
  jobEnd,
  jobOf,
  livePods,
  rolloutStatus,
  statefulSetOf,
  timeOf,
  WorkloadObjects,
} from "../status/rollout";
import { gateStep } from "../status/gate";
import { redactor, secretNames, secretRefsOf, secretValues } from "../status/redact";
import { dynamicType, dynamicTypeArgs } from "../kube/lifetime";

/**
 * How to reach the cluster: what the environment's Kubernetes provider was built from. Neither
 * field: the current context of the default kubeconfig (`KUBECONFIG` or `~/.kube/config`).
 */
export interface ClusterAccess {
  /** A kubeconfig (a secret: it holds credentials). @default the default kubeconfig */
  readonly kubeconfig?: pulumi.Input<string>;
  /** A context of the default kubeconfig. @default its current context */
  readonly context?: string;
}

/** What every readiness gate of an environment shares. */
export interface ReadinessSettings {
  readonly access: ClusterAccess;
  /** How long a workload may take to become ready (`localkube:readyTimeout`), in seconds. */
  readonly timeoutSeconds: number;
}

/** Workload kinds a gate can wait for: a rollout to complete, or a Job to succeed. */
export type GatedKind = "Deployment" | "StatefulSet" | "Job";

/** Inputs (and outputs) of a gate. */
export interface WorkloadReadyInputs {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly kind: GatedKind;
  readonly namespace: string;
  /** Object name of the workload. */
  readonly name: string;
  /** The workload's uid and generation: a new object or a new spec is a new rollout to wait for. */
  readonly uid: string;
  readonly generation: number;
  /** Name shown in messages (the catalog service or appliance). */
  readonly service: string;
  readonly timeoutSeconds: number;
  /** Where the service is defined (`services/bank.yaml`), named in fixes. */
  readonly definedIn?: string;
  /** How each container's image was chosen, by container name. */
  readonly imageOrigins?: Readonly<Record<string, ImageOrigin>>;
}

/** Pause between two looks at the workload. */
const POLL_MS = 1000;
/** Pods younger than this at the gate's start belong to the rollout it waits for. */
const OWN_PODS_MS = 5000;
/** The cluster may be unreachable this long (an API server restart) before the gate gives up. */
const UNREACHABLE_MS = 30_000;

/**
 * Pods to delete before waiting: those an earlier attempt left in a back-off (image pull, crash
 * loop, config error), created before `before` (ms; this rollout's own pods are younger). Their
 * controller recreates them at once, so a fix made since (an image pushed, a Secret created, a
 * StatefulSet's template corrected: its controller never replaces a broken pod by itself) is
 * tried now, not after minutes of back-off.
 */
export function podsToRestart(o: WorkloadObjects, before: number): string[] {
  const stuck = [...IMAGE_PULL_REASONS, ...CONFIG_REASONS, "CrashLoopBackOff"];
  return livePods(o)
    .filter((p) => timeOf(p.metadata?.creationTimestamp) < before)
    .filter((p) =>
      [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].some(
        (cs) => stuck.includes(cs.state?.waiting?.reason ?? ""),
      ),
    )
    .map((p) => p.metadata?.name ?? "")
    .filter((n) => n !== "");
}

/** Labels the Job controller adds to a Job's template and selector; a rerun gets its own. */
const JOB_CONTROLLER_LABELS = [
  "controller-uid",
  "batch.kubernetes.io/controller-uid",
  "job-name",
  "batch.kubernetes.io/job-name",
];

/**
 * Whether the Job failed in an earlier attempt (before `before`, ms): a failed Job stays failed,
 * so `up` runs it again (see {@link jobRerun}) rather than failing at once with the old error.
 */
export function jobFailedBefore(o: WorkloadObjects, before: number): boolean {
  const j = jobOf(o);
  const end = j && jobEnd(j);
  return end?.type === "Failed" && end.at < before;
}

/**
 * The Job to create instead of a failed one: the same name, labels, annotations and spec, without
 * what its controller added (the selector and its labels), so the new Job runs its pod again.
 */
export function jobRerun(job: K.V1Job): K.V1Job {
  const spec = JSON.parse(JSON.stringify(job.spec ?? {})) as K.V1JobSpec;
  if (!spec.manualSelector) {
    delete spec.selector;
    const labels = spec.template?.metadata?.labels ?? {};
    for (const key of JOB_CONTROLLER_LABELS) delete labels[key];
  }
  const { name, namespace, labels, annotations } = job.metadata ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace, labels, annotations },
    spec,
  };
}

/**
 * Whether the quota controller has caught up with a ResourceQuota's spec: admission checks pods
 * against `status.hard`, which follows a changed `spec.hard` (a quota raised by this update) a
 * moment later.
 */
export function quotaSettled(quota: K.V1ResourceQuota): boolean {
  const want = quota.spec?.hard ?? {};
  const have = quota.status?.hard ?? {};
  const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
  return [...keys].every((k) => String(want[k]) === String(have[k]));
}

/** Annotation set and removed again to wake a controller (see {@link controllerToWake}). */
export const WAKE_ANNOTATION = "localkube.dev/retry";

/**
 * The controller object to wake before waiting: a ReplicaSet whose pods were refused
 * (ReplicaFailure) or a StatefulSet refused pods (FailedCreate) with pods missing. Their
 * controllers retry with a back-off that grows to 16 minutes and nothing they watch changes when
 * the cause is fixed (a quota raised): an update of the object makes them retry now.
 */
export function controllerToWake(
  o: WorkloadObjects,
): { readonly kind: "ReplicaSet" | "StatefulSet"; readonly name: string } | undefined {
  if (deploymentOf(o)) {
    const rs = currentReplicaSet(o);
    const failed = (rs?.status?.conditions ?? []).some(
      (c) => c.type === "ReplicaFailure" && c.status === "True",
    );
    return failed && rs?.metadata?.name
      ? { kind: "ReplicaSet", name: rs.metadata.name }
      : undefined;
  }
  const s = statefulSetOf(o);
  if (!s?.metadata?.name || livePods(o).length >= (s.spec?.replicas ?? 1)) return undefined;
  const refused = (o.events ?? []).some(
    (e) =>
      e.reason === "FailedCreate" &&
      e.involvedObject.kind === "StatefulSet" &&
      e.involvedObject.name === s.metadata?.name,
  );
  return refused ? { kind: "StatefulSet", name: s.metadata.name } : undefined;
}

/** A new rollout to wait for: another object, or a new spec of the same one. */
export function rolloutChanged(olds: WorkloadReadyInputs, news: WorkloadReadyInputs): boolean {
  return (["kind", "namespace", "name", "uid", "generation"] as const).some(
    (k) => olds[k] !== news[k],
  );
}

/** Text of an error thrown by the Kubernetes client (its status message when it has one). */
function apiError(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  let body: { message?: string } | undefined;
  try {
    body = typeof e.body === "string" ? JSON.parse(e.body) : (e.body as { message?: string });
  } catch {
    body = undefined;
  }
  return body?.message ?? e.message ?? String(err);
}

/** The workload, its ReplicaSets, pods and the namespace's events, as the API server has them now. */
async function observe(
  api: { core: K.CoreV1Api; apps: K.AppsV1Api; batch: K.BatchV1Api },
  inputs: WorkloadReadyInputs,
): Promise<WorkloadObjects> {
  const { namespace, name } = inputs;
  const workload =
    inputs.kind === "Deployment"
      ? await api.apps.readNamespacedDeployment({ name, namespace })
      : inputs.kind === "Job"
        ? await api.batch.readNamespacedJob({ name, namespace })
        : await api.apps.readNamespacedStatefulSet({ name, namespace });
  const labels = workload.spec?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const [pods, replicaSets, events] = await Promise.all([
    api.core.listNamespacedPod({ namespace, labelSelector }),
    inputs.kind === "Deployment"
      ? api.apps.listNamespacedReplicaSet({ namespace, labelSelector })
      : Promise.resolve({ items: [] as K.V1ReplicaSet[] }),
    api.core.listNamespacedEvent({ namespace }),
  ]);
  return {
    service: inputs.service,
    namespace,
    workload: { ...workload, kind: inputs.kind },
    replicaSets: replicaSets.items,
    pods: pods.items,
    events: events.items,
  };
}

/** Waits (10 s at most) until every ResourceQuota of the namespace is settled (see {@link quotaSettled}). */
async function quotasSettled(core: K.CoreV1Api, namespace: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const quotas = await core.listNamespacedResourceQuota({ namespace }).catch(() => undefined);
    if (!quotas || quotas.items.every(quotaSettled)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Sleeps until the next whole second, and returns it: event times have whole seconds. */
async function nextSecond(): Promise<Date> {
  const at = Math.ceil((Date.now() + 1) / 1000) * 1000;
  await new Promise((r) => setTimeout(r, at - Date.now()));
  return new Date(at);
}

/** Sets, then removes, {@link WAKE_ANNOTATION}: two updates, the object as it was. */
async function wakeController(
  client: typeof K,
  api: { apps: K.AppsV1Api },
  namespace: string,
  target: NonNullable<ReturnType<typeof controllerToWake>>,
): Promise<void> {
  const options = client.setHeaderOptions("Content-Type", client.PatchStrategy.MergePatch);
  for (const value of [new Date().toISOString(), null]) {
    const body = { metadata: { annotations: { [WAKE_ANNOTATION]: value } } };
    const request = { name: target.name, namespace, body };
    if (target.kind === "ReplicaSet") await api.apps.patchNamespacedReplicaSet(request, options);
    else await api.apps.patchNamespacedStatefulSet(request, options);
  }
}

/** Deletes a failed Job and creates it again (see {@link jobRerun}): its pod runs once more. */
async function rerunJob(api: { batch: K.BatchV1Api }, job: K.V1Job): Promise<void> {
  const name = job.metadata?.name ?? "";
  const namespace = job.metadata?.namespace ?? "";
  await api.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" });
  for (let i = 0; i < 60; i++) {
    const gone = await api.batch.readNamespacedJob({ name, namespace }).then(
      () => false,
      (err) => (err as { code?: number }).code === 404,
    );
    if (gone) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await api.batch.createNamespacedJob({ namespace, body: jobRerun(job) });
}

/**
 * Waits until the workload's rollout is complete, or its Job succeeded (see {@link gateStep}).
 * Pods stuck in a back-off from an earlier attempt are restarted first (see
 * {@link podsToRestart}), a controller that backs off after refused pods is woken (see
 * {@link controllerToWake}), and a Job that failed in an earlier attempt runs again.
 */
export async function awaitReady(inputs: WorkloadReadyInputs): Promise<void> {
  // An ES module: loaded here, in the provider's own process, never by the program or by Jest.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const client = require("@kubernetes/client-node") as typeof K;
  const config = new client.KubeConfig();
  if (inputs.kubeconfig) config.loadFromString(inputs.kubeconfig);
  else config.loadFromDefault();
  if (inputs.context) config.setCurrentContext(inputs.context);
  const api = {
    core: config.makeApiClient(client.CoreV1Api),
    apps: config.makeApiClient(client.AppsV1Api),
    batch: config.makeApiClient(client.BatchV1Api),
  };
  const started = Date.now();
  // Event times have whole seconds: anything from the second before the start is this attempt's.
  let since = new Date(Math.floor(started / 1000) * 1000 - 1000);
  let restarted = false;
  let unreachableSince: number | undefined;
  for (;;) {
    let objects: WorkloadObjects;
    try {
      objects = await observe(api, inputs);
      unreachableSince = undefined;
    } catch (err) {
      const code = (err as { code?: number }).code;
      const where = `${inputs.kind} ${inputs.namespace}/${inputs.name}`;
      if (code === 404)
        throw new Error(`${inputs.service}: ${where} no longer exists; run \`pulumi up\` again`);
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > UNREACHABLE_MS)
        throw new Error(
          `${inputs.service}: cannot read ${where} from the cluster: ${apiError(err)}`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
      continue;
    }
    if (!restarted && inputs.kind === "Job") {
      restarted = true;
      // Deleting a Job's pending pod counts as a failed run: only a Job that failed is run again.
      if (jobFailedBefore(objects, started - OWN_PODS_MS)) {
        await rerunJob(api, jobOf(objects)!);
        continue;
      }
    }
    if (!restarted) {
      restarted = true;
      const stuck = podsToRestart(objects, started - OWN_PODS_MS);
      for (const pod of stuck)
        await api.core
          .deleteNamespacedPod({ name: pod, namespace: inputs.namespace })
          .catch(() => undefined);
      const wake = controllerToWake(objects);
      if (wake) {
        // Its refusal may be stale (a quota raised by this update): once the quota controller
        // caught up, the controller retries, and only refusals from then on count.
        await quotasSettled(api.core, inputs.namespace);
        since = await nextSecond();
        await wakeController(client, api, inputs.namespace, wake).catch(() => undefined);
      }
      if (stuck.length > 0 || wake) continue;
    }
    const status = rolloutStatus(objects);
    const input = {
      ...objects,
      since,
      now: Date.now(),
      definedIn: inputs.definedIn,
      imageOrigins: inputs.imageOrigins,
    };
    let problem = status.ready ? undefined : diagnose(input);
    if (problem?.kind === "crash-loop" || problem?.kind === "job-failed") {
      const previousLogs: Record<string, string[]> = {};
      // Values the pods read from Secrets (a DATABASE_URL with its password) never reach the
      // error, the terminal, CI logs or the update history.
      const refs = secretRefsOf(objects.pods);
      const secrets = await Promise.all(
        secretNames(refs).map((name) =>
          api.core
            .readNamespacedSecret({ name, namespace: inputs.namespace })
            .catch(() => undefined),
        ),
      );
      const hide = redactor(
        secretValues(
          refs,
          secrets.filter((x) => x !== undefined),
        ),
      );
      for (const req of logsToFetch(objects)) {
        const text = await api.core
          .readNamespacedPodLog({
            name: req.pod,
            namespace: inputs.namespace,
            container: req.container,
            previous: req.previous,
            tailLines: LOG_TAIL_LINES,
          })
          .catch(() => "");
        previousLogs[logKey(req.pod, req.container)] = String(text).split("\n").map(hide);
      }
      problem = diagnose({ ...input, previousLogs });
    }
    const step = gateStep({
      service: inputs.service,
      namespace: inputs.namespace,
      status,
      problem,
      elapsedMs: Date.now() - started,
      timeoutSeconds: inputs.timeoutSeconds,
    });
    if (step.outcome === "ready") return;
    if (step.outcome === "fail") throw new Error(step.message);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** This file, the project's ts-node and the program's tsconfig (SWC, no type check): see {@link gateRuntime}. */
const GATE_MODULE = __filename;
const TS_NODE = require.resolve("ts-node");
const TSCONFIG = path.resolve(__dirname, "../tsconfig.pulumi.json");

/**
 * The gate's code, loaded in the dynamic provider's own process from this file (with ts-node, as
 * `pulumi up` loads the program; once per process) instead of being serialized into every gate.
 * Pulumi keeps a dynamic resource's serialized provider in its inputs and outputs: with the whole
 * diagnosis inside, that made ~115 KB per gate, 6 of the 8 MB state of a 50-service stack, which
 * the engine writes after every step (a destroy of 50 services took 46 s) and sends with every
 * diff. What gets serialized now is this loader and the paths it names.
 */
export function gateRuntime(): { readonly awaitReady: typeof awaitReady } {
  if (!require.extensions[".ts"]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(TS_NODE).register({ transpileOnly: true, project: TSCONFIG });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(GATE_MODULE);
}

/**
 * A readiness gate: created (or updated) after its workload was applied, it returns once the
 * rollout is complete and fails as soon as Kubernetes reports a problem that will not pass by
 * itself — or after the timeout — with the diagnosis in words. Dependents wait for the gate, so a
 * failed service's dependents are not created. It re-waits when the workload's uid or generation
 * changes (a new spec), and is a no-op otherwise; deleting it deletes nothing.
 */
export const workloadReadyProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: WorkloadReadyInputs) {
    await gateRuntime().awaitReady(inputs);
    return { id: `${inputs.kind}/${inputs.namespace}/${inputs.name}`, outs: inputs };
  },
  async diff(_id: string, olds: WorkloadReadyInputs, news: WorkloadReadyInputs) {
    return { changes: rolloutChanged(olds, news), replaces: [], deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: WorkloadReadyInputs, news: WorkloadReadyInputs) {
    await gateRuntime().awaitReady(news);
    return { outs: news };
  },
};

export interface WorkloadReadyArgs extends ReadinessSettings {
  readonly kind: GatedKind;
  /** The workload to wait for (applied with `pulumi.com/skipAwait`). */
  readonly workload: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet | k8s.batch.v1.Job;
  /** Name shown in messages. */
  readonly service: string;
  /** Where the service is defined, named in fixes. @default "the workload's spec" */
  readonly definedIn?: string;
  /** How each container's image was chosen, for the fix of a failed pull. @default none */
  readonly imageOrigins?: Readonly<Record<string, ImageOrigin>>;
}

/** The gate's Pulumi type: in-cluster transforms recognize it by this (kube/lifetime.ts). */
export const WORKLOAD_READY_TYPE = dynamicType("WorkloadReady");

/** The gate as a Pulumi resource (see {@link workloadReadyProvider}). */
export class WorkloadReady extends pulumi.dynamic.Resource {
  constructor(name: string, args: WorkloadReadyArgs, opts?: pulumi.CustomResourceOptions) {
    const meta = args.workload.metadata;
    super(
      workloadReadyProvider,
      name,
      {
        kubeconfig: args.access.kubeconfig,
        context: args.access.context,
        kind: args.kind,
        namespace: meta.namespace,
        name: meta.name,
        uid: meta.uid,
        generation: meta.generation,
        service: args.service,
        timeoutSeconds: args.timeoutSeconds,
        definedIn: args.definedIn,
        imageOrigins: args.imageOrigins,
      },
      // The kubeconfig holds credentials: encrypted in state, never printed.
      pulumi.mergeOptions(opts, {
        dependsOn: [args.workload],
        additionalSecretOutputs: ["kubeconfig"],
      }),
      ...dynamicTypeArgs("WorkloadReady"),
    );
  }
}
