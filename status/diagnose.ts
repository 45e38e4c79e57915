/**
 * Pure: what keeps one service from becoming ready, in words, from the Kubernetes objects of that
 * service (pods, events, ReplicaSet/Deployment conditions) and the previous containers' log lines
 * fetched by the caller. `pulumi up`'s readiness gate ends the update with it; the developer
 * loop's status view shows it as "the current problem". No client calls, no Pulumi.
 */
import type { CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import {
  currentPods,
  currentReplicaSet,
  deploymentOf,
  jobEnd,
  jobOf,
  livePods,
  statefulSetOf,
  timeOf,
  WorkloadObjects,
} from "./rollout";

export type ProblemKind =
  | "job-failed"
  | "create-failed"
  | "image-pull"
  | "container-config"
  | "crash-loop"
  | "unschedulable"
  | "rollout-stalled"
  | "not-ready";

/** Most specific first: when a service has several problems, the first one is reported. */
const KIND_ORDER: readonly ProblemKind[] = [
  "job-failed",
  "create-failed",
  "image-pull",
  "container-config",
  "crash-loop",
  "unschedulable",
  "rollout-stalled",
  "not-ready",
];

export interface Problem {
  readonly kind: ProblemKind;
  /** Kubernetes will not get past it by itself: waiting longer does not help. */
  readonly terminal: boolean;
  /** What is wrong, in one line naming the service and its namespace. */
  readonly message: string;
  /** More lines: the registry's full answer, the tail of the log. @default none */
  readonly detail?: string;
  /** How to fix it. */
  readonly hint: string;
  /** The pod and container concerned, when there is one. */
  readonly pod?: string;
  readonly container?: string;
}

/** How the configuration chose a container's image: named in the fix of a failed pull. */
export interface ImageOrigin {
  /** e.g. ``localkube:images.overrides` (entry "price")`. */
  readonly chosenBy: string;
  /** e.g. `correct that entry, or publish the image`. */
  readonly fix: string;
}

export interface DiagnoseInput extends WorkloadObjects {
  /** Log lines of containers (see {@link logsToFetch}), by {@link logKey}. @default none */
  readonly previousLogs?: Readonly<Record<string, readonly string[]>>;
  /**
   * How the user tries again once the fix is in, ending every hint. @default "then run `pulumi
   * up` again" (the dev loop: a save does it)
   */
  readonly retry?: string;
  /** How each container's image was chosen, by container name. @default none */
  readonly imageOrigins?: Readonly<Record<string, ImageOrigin>>;
  /** Where the service is defined, named in fixes. @default "the workload's spec" */
  readonly definedIn?: string;
  /**
   * Events about the workload and its ReplicaSets (not one of its pods) from before this time
   * belong to an earlier attempt and are ignored; a ReplicaSet's refusal is terminal only when
   * reported again since. @default every event counts
   */
  readonly since?: Date | string;
  /**
   * The time of the look: a pod unschedulable for a reason that may pass (a taint, a volume) is
   * terminal after {@link UNSCHEDULABLE_GRACE_MS}, a pull failing for a reason that may pass (a
   * registry down) after {@link PULL_GRACE_MS}. @default no clock: such problems are never terminal
   */
  readonly now?: Date | string | number;
}

/** A container whose log explains a crash: `previous` = the container before the last restart. */
export interface LogRequest {
  readonly pod: string;
  readonly container: string;
  readonly previous: boolean;
}

/** How many log lines a crash report shows. */
export const LOG_TAIL_LINES = 20;

/** Waiting reasons of a container (arrays, not Sets: this module is serialized into a dynamic provider). */
export const IMAGE_PULL_REASONS: readonly string[] = [
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
];
export const CONFIG_REASONS: readonly string[] = [
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
];
/**
 * Scheduler reasons that no waiting cures (no node has the room, the labels or the ports): terminal
 * at once, unless something else in the message may pass.
 */
const LASTING_SCHEDULING =
  /Insufficient [\w./-]+|didn't match Pod's node affinity\/selector|didn't match pod (anti-)?affinity rules|didn't have free ports|Too many pods/;
/**
 * Scheduler reasons that may pass by themselves: taints (a node still starting is tainted
 * not-ready, and the message no longer names the taint), cordoned nodes, volumes being bound.
 */
const PASSING_SCHEDULING =
  /taint|node\.kubernetes\.io\/(not-ready|unreachable|network-unavailable)|were unschedulable|PersistentVolumeClaim|persistentvolumeclaim|volume|waiting for/;
/** A registry's answer that retrying does not change: the image or the right to it is missing. */
const LASTING_PULL =
  /not found|manifest unknown|unauthorized|denied|forbidden|invalid|must be|\b40[134]\b|toomanyrequests/i;
/** How long pulls may fail for another reason (connection refused, a timeout) before it is terminal. */
export const PULL_GRACE_MS = 30_000;
/** How long a pod may stay unschedulable for a reason that may pass before it counts as terminal. */
export const UNSCHEDULABLE_GRACE_MS = 60_000;
/** Pod creation refusals the controller gets past by retrying (a quota not computed yet, a conflict). */
const TRANSIENT_CREATE =
  /status unknown for quota|Operation cannot be fulfilled|object is being deleted/;

/** Key of a container's log lines in {@link DiagnoseInput.previousLogs}. */
export function logKey(pod: string, container: string): string {
  return `${pod}/${container}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
/** How to try again once fixed: after `pulumi up`'s failure, run it again. */
const AGAIN = "then run `pulumi up` again";
const againOf = (o: Pick<DiagnoseInput, "retry">) => o.retry ?? AGAIN;

function eventTime(e: CoreV1Event): number {
  return Math.max(
    timeOf(e.lastTimestamp),
    timeOf(e.eventTime),
    timeOf(e.series?.lastObservedTime),
    timeOf(e.firstTimestamp),
    timeOf(e.metadata?.creationTimestamp),
  );
}

/** Events about one object (by uid, else kind and name), newest first. */
function eventsAbout(
  o: DiagnoseInput,
  target: { uid?: string; kind: string; name?: string },
  since = 0,
): CoreV1Event[] {
  return (o.events ?? [])
    .filter((e) => {
      const io = e.involvedObject;
      const same = target.uid
        ? io.uid === target.uid
        : io.kind === target.kind && io.name === target.name;
      return same && eventTime(e) >= since;
    })
    .sort((a, b) => eventTime(b) - eventTime(a));
}

const podEvents = (o: DiagnoseInput, pod: V1Pod) =>
  eventsAbout(o, { uid: pod.metadata?.uid, kind: "Pod", name: pod.metadata?.name });

function statuses(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

function containerSpec(pod: V1Pod, name: string) {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    (c) => c.name === name,
  );
}

/** The registry's own words: the last `: `-separated part of containerd's error. */
export function registryAnswer(error: string): string {
  const parts = error.split(": ").filter((p) => p.trim() !== "");
  return (parts[parts.length - 1] ?? error).trim();
}

/**
 * A node pulls `localhost:<port>/…` from the local registry it is wired to (a containerd mirror)
 * and, when that fails (no such image, or the registry is not running), falls back to
 * `localhost:<port>` inside the node, where nothing listens: containerd reports only that last
 * "connection refused". Recognised, it says what it means.
 */
function loopbackFallback(image: string | undefined, error: string): string | undefined {
  const host = /^(localhost|127\.0\.0\.1):(\d+)\//.exec(image ?? "");
  if (!host) return undefined;
  const refused = new RegExp(
    `dial tcp (\\[::1\\]|127\\.0\\.0\\.1|localhost):${host[2]}: connect: connection refused`,
  );
  return refused.test(error)
    ? `the local registry at ${host[1]}:${host[2]} does not have it, or is not running`
    : undefined;
}

/** containerd's error for a failed pull: the waiting message, else the pod's latest pull event. */
function pullError(o: DiagnoseInput, pod: V1Pod, cs: V1ContainerStatus): string {
  const strip = (text: string) =>
    text
      .replace(/^Back-off pulling image "[^"]*":?\s*/, "")
      .replace(/^ErrImagePull:\s*/, "")
      .replace(/^Failed to pull image "[^"]*":\s*/, "")
      .replace(/^rpc error: code = \w+ desc = /, "")
      .trim();
  const own = strip(cs.state?.waiting?.message ?? "");
  if (own) return own;
  const event = podEvents(o, pod).find(
    (e) => e.reason === "Failed" && (e.message ?? "").startsWith("Failed to pull image"),
  );
  return event ? strip(event.message ?? "") : "";
}

/** The registry host a pull could not resolve (`lookup ghcr.example on …: no such host`). */
export function unresolvedHost(error: string): string | undefined {
  return /\blookup ([^\s:]+)(?: on [^\s]+)?: no such host\b/.exec(error)?.[1];
}

function imagePull(o: DiagnoseInput, pod: V1Pod, cs: V1ContainerStatus): Problem {
  const reason = cs.state?.waiting?.reason ?? "ErrImagePull";
  const image = containerSpec(pod, cs.name)?.image ?? cs.image;
  const error = pullError(o, pod, cs);
  // A name that does not resolve will not resolve on the next try: no registry answered at all.
  const unresolved = unresolvedHost(error);
  const fallback =
    loopbackFallback(image, error) ??
    (unresolved === undefined ? undefined : `cannot resolve ${unresolved} (no such host)`);
  const answer = fallback ?? (error ? registryAnswer(error) : "");
  const origin = o.imageOrigins?.[cs.name];
  // A registry that is down or slow may come back: terminal after a grace, when there is a clock.
  const created = timeOf(pod.metadata?.creationTimestamp);
  const lasting =
    reason === "InvalidImageName" ||
    reason === "ErrImageNeverPull" ||
    fallback !== undefined ||
    LASTING_PULL.test(error);
  const waited = o.now !== undefined && created > 0 ? timeOf(o.now) - created : 0;
  const who = `${o.service} in namespace ${o.namespace}`;
  const said = !answer
    ? ""
    : fallback === undefined && LASTING_PULL.test(error)
      ? `: the registry answered "${answer}"`
      : `: ${answer}`;
  const message =
    reason === "InvalidImageName"
      ? `${who}: image "${image}" is not a valid image reference (InvalidImageName)${answer ? `: ${answer}` : ""}`
      : `${who}: image "${image}" cannot be pulled (${reason})${said}`;
  return {
    kind: "image-pull",
    terminal: lasting || waited >= PULL_GRACE_MS,
    message,
    detail: error && error !== answer ? error : undefined,
    hint: origin
      ? `the image was chosen by ${origin.chosenBy}: ${origin.fix}, ${againOf(o)}`
      : `correct the image reference or publish the image, ${againOf(o)}`,
    pod: pod.metadata?.name,
    container: cs.name,
  };
}

function containerConfig(o: DiagnoseInput, pod: V1Pod, cs: V1ContainerStatus): Problem {
  const w = cs.state?.waiting ?? {};
  const where = o.definedIn ?? "the workload's spec";
  return {
    kind: "container-config",
    terminal: true,
    message: `${o.service} in namespace ${o.namespace}: container ${cs.name} cannot be created (${w.reason})${w.message ? `: ${w.message}` : ""}`,
    hint: /secret|configmap/i.test(w.message ?? "")
      ? `it refers to a Secret or ConfigMap key that does not exist: create it, or correct the reference in ${where}, ${againOf(o)}`
      : `correct the container's settings in ${where}, ${againOf(o)}`,
    pod: pod.metadata?.name,
    container: cs.name,
  };
}

/** The termination a crash report is about: the last one, or the current one before the restart. */
function crashedRun(cs: V1ContainerStatus) {
  if (cs.state?.waiting?.reason === "CrashLoopBackOff")
    return { run: cs.lastState?.terminated, previous: true };
  const t = cs.state?.terminated;
  return {
    run: t && (t.exitCode !== 0 || t.reason !== "Completed") ? t : undefined,
    previous: false,
  };
}

/**
 * The last lines a crashed container or failed job printed (already redacted by whoever fetched
 * them: status/redact.ts): the last one for the message, up to {@link LOG_TAIL_LINES} for the detail.
 */
function logTail(
  o: DiagnoseInput,
  pod: string,
  container: string,
): { log: string; detail?: string } {
  const lines = (o.previousLogs?.[logKey(pod, container)] ?? [])
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => l !== "")
    .slice(-LOG_TAIL_LINES);
  const last = lines[lines.length - 1];
  return {
    log: last ? `its last log line: "${last}"` : "it wrote no log",
    detail:
      lines.length > 0
        ? [
            `last ${plural(lines.length, "line")} of its log:`,
            ...lines.map((l) => `  | ${l}`),
          ].join("\n")
        : undefined,
  };
}

/** How a container ended: its exit code and reason, or its memory limit when it was OOMKilled. */
function exitWords(pod: V1Pod, container: string, exit: number | string, reason: string): string {
  const limit = containerSpec(pod, container)?.resources?.limits?.memory;
  return reason === "OOMKilled"
    ? `was killed for using more memory than its limit${limit ? ` of ${limit}` : ""} (OOMKilled, exit code ${exit})`
    : `exited with code ${exit} (${reason})`;
}

function crashLoop(o: DiagnoseInput, pod: V1Pod, cs: V1ContainerStatus): Problem | undefined {
  const { run } = crashedRun(cs);
  if (!run && cs.state?.waiting?.reason !== "CrashLoopBackOff") return undefined;
  const podName = pod.metadata?.name ?? "";
  const where = o.definedIn ?? "the workload's spec";
  const exit = run?.exitCode ?? "unknown";
  const reason = run?.reason ?? "Error";
  const restarts = `restarted ${plural(cs.restartCount, "time")}`;
  const { log, detail } = logTail(o, podName, cs.name);
  const oom = reason === "OOMKilled";
  const what = exitWords(pod, cs.name, exit, reason);
  return {
    kind: "crash-loop",
    terminal: cs.state?.waiting?.reason === "CrashLoopBackOff",
    message:
      cs.restartCount > 0
        ? `${o.service} in namespace ${o.namespace} keeps crashing: container ${cs.name} ${what} and was ${restarts}; ${log}`
        : `${o.service} in namespace ${o.namespace} crashed: container ${cs.name} ${what}; ${log}`,
    detail,
    hint: oom
      ? `raise resources.limits.memory in ${where}, ${againOf(o)}`
      : `fix what its log shows (the service's code, or its env and dependencies in ${where}), ${againOf(o)}`,
    pod: podName,
    container: cs.name,
  };
}

function schedulingHint(message: string, where: string, again: string): string {
  const short = /Insufficient (cpu|memory|pods|ephemeral-storage)/.exec(message);
  if (short)
    return `no node has enough free ${short[1]} for its requests: lower resources.requests in ${where}, or add capacity to the cluster (locally: localkube:cluster.workers), ${again}`;
  if (/node affinity|node selector|didn't match/.test(message))
    return `no node has the labels it asks for: correct its node selector or affinity, or label a node, ${again}`;
  if (/untolerated taint/.test(message))
    return `every node has a taint it does not tolerate: add a toleration or an untainted node, ${again}`;
  return `make room in the cluster, or lower resources.requests in ${where}, ${again}`;
}

function unschedulable(o: DiagnoseInput, pod: V1Pod): Problem | undefined {
  const cond = (pod.status?.conditions ?? []).find(
    (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
  );
  if (!cond) return undefined;
  const text = cond.message ?? "no node fits";
  const scaling = podEvents(o, pod).some((e) => e.reason === "TriggeredScaleUp");
  const lasting = LASTING_SCHEDULING.test(text) && !PASSING_SCHEDULING.test(text);
  // Without a clock (no `now`), a reason that may pass is never terminal.
  const since = timeOf(cond.lastTransitionTime);
  const waited = o.now !== undefined && since > 0 ? timeOf(o.now) - since : 0;
  return {
    kind: "unschedulable",
    terminal: !scaling && (lasting || waited >= UNSCHEDULABLE_GRACE_MS),
    message: `${o.service} in namespace ${o.namespace} cannot be scheduled: ${text}${scaling ? " (the cluster autoscaler is adding a node)" : ""}`,
    hint: schedulingHint(text, o.definedIn ?? "the workload's spec", againOf(o)),
    pod: pod.metadata?.name,
  };
}

const QUOTA_KEYS: Readonly<Record<string, string>> = {
  cpu: "localkube:quota.cpu",
  memory: "localkube:quota.memory",
  pods: "localkube:quota.pods",
};

function createHint(message: string, where: string, again: string): string {
  const quota = /exceeded quota: ([^,]+), requested: (.*?), used:/.exec(message);
  if (quota) {
    const keys = quota[2]
      .split(",")
      .map((r) => QUOTA_KEYS[r.split("=")[0].trim().split(".").pop() ?? ""])
      .filter((k, i, all): k is string => k !== undefined && all.indexOf(k) === i);
    const raise = keys.length > 0 ? `raise ${keys.join(" and ")}` : "raise the quota";
    return `the namespace's ResourceQuota "${quota[1]}" has no room for it: ${raise}, or lower resources.requests in ${where}, ${again}`;
  }
  if (/(maximum|minimum) .* usage per (Container|Pod)|must be less than or equal to/.test(message))
    return `the namespace's LimitRange refuses its resources: change resources in ${where} (or localkube:limits.*), ${again}`;
  const level = /violates PodSecurity "([a-z]+):/.exec(message)?.[1];
  if (level) {
    const open = level === "restricted" ? "baseline or privileged" : "privileged";
    return `the namespace enforces the Pod Security level "${level}" (localkube:podSecurity.enforce) and the fields listed break it: change them in the securityContext of ${where}, or, if the service must have them, set localkube:podSecurity.enforce to ${open} for this sandbox, ${again}`;
  }
  return `change the pod spec so that the cluster's admission rules accept it, ${again}`;
}

/** Pod creation refused: the current ReplicaSet's ReplicaFailure, or a StatefulSet's FailedCreate event. */
function createFailed(o: DiagnoseInput): Problem | undefined {
  let text: string | undefined;
  let fresh = true;
  const d = deploymentOf(o);
  const s = statefulSetOf(o);
  const j = jobOf(o);
  if (j) {
    if (livePods(o).length > 0 || (j.status?.succeeded ?? 0) > 0 || jobEnd(j)) return undefined;
    const event = eventsAbout(
      o,
      { uid: j.metadata?.uid, kind: "Job", name: j.metadata?.name },
      timeOf(o.since),
    ).find((e) => e.reason === "FailedCreate");
    text = event?.message?.replace(/^Error creating: /, "");
  } else if (d) {
    const rs = currentReplicaSet(o);
    const failure = [...(rs?.status?.conditions ?? []), ...(d.status?.conditions ?? [])].find(
      (c) => c.type === "ReplicaFailure" && c.status === "True",
    );
    text = failure?.message;
    // The condition stays while the controller backs off, and may predate a fix (a quota raised
    // since): with `since`, only a refusal reported from then on is terminal.
    fresh =
      o.since === undefined ||
      eventsAbout(
        o,
        { uid: rs?.metadata?.uid, kind: "ReplicaSet", name: rs?.metadata?.name },
        timeOf(o.since),
      ).some((e) => e.reason === "FailedCreate");
  } else if (s) {
    if (livePods(o).length >= (s.spec?.replicas ?? 1)) return undefined;
    const event = eventsAbout(
      o,
      { uid: s.metadata?.uid, kind: "StatefulSet", name: s.metadata?.name },
      timeOf(o.since),
    ).find((e) => e.reason === "FailedCreate");
    text = event?.message?.replace(/^create Pod \S+ in StatefulSet \S+ failed error: /, "");
  }
  if (!text) return undefined;
  return {
    kind: "create-failed",
    terminal: fresh && !TRANSIENT_CREATE.test(text),
    message: `${o.service} in namespace ${o.namespace}: Kubernetes refuses to create its pods: ${text}`,
    hint: createHint(text, o.definedIn ?? "the workload's spec", againOf(o)),
  };
}

function rolloutStalled(o: DiagnoseInput): Problem | undefined {
  const d = deploymentOf(o);
  const cond = (d?.status?.conditions ?? []).find(
    (c) =>
      c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded",
  );
  if (!cond) return undefined;
  return {
    kind: "rollout-stalled",
    terminal: true,
    message: `${o.service} in namespace ${o.namespace}: its rollout made no progress: ${cond.message}`,
    hint: `\`kubectl -n ${o.namespace} describe deployment ${d?.metadata?.name}\` shows why; fix it, ${againOf(o)}`,
  };
}

/** The pod whose failure ended a failed Job: the newest failed one. */
function failedJobPod(o: WorkloadObjects): V1Pod | undefined {
  return o.pods
    .filter((p) => p.status?.phase === "Failed")
    .sort(
      (a, b) => timeOf(b.metadata?.creationTimestamp) - timeOf(a.metadata?.creationTimestamp),
    )[0];
}

/** A Job that failed: its failed pod's exit and the last lines of its log. */
function jobFailed(o: DiagnoseInput): Problem | undefined {
  const j = jobOf(o);
  if (!j || jobEnd(j)?.type !== "Failed") return undefined;
  const where = o.definedIn ?? "the workload's spec";
  const who = `${o.service} in namespace ${o.namespace}`;
  const hint = `fix what its log shows (the job's code, or its env and dependencies in ${where}), ${againOf(o)}: it runs the job again`;
  const pod = failedJobPod(o);
  const cs =
    pod && statuses(pod).find((c) => c.state?.terminated && c.state.terminated.exitCode !== 0);
  if (!pod || !cs) {
    const cond = (j.status?.conditions ?? []).find((c) => c.type === "Failed");
    return {
      kind: "job-failed",
      terminal: true,
      message: `${who}: the job failed (${cond?.reason ?? "Failed"})${cond?.message ? `: ${cond.message}` : ""}`,
      hint,
    };
  }
  const t = cs.state!.terminated!;
  const podName = pod.metadata?.name ?? "";
  const { log, detail } = logTail(o, podName, cs.name);
  const what = exitWords(pod, cs.name, t.exitCode, t.reason ?? "Error");
  return {
    kind: "job-failed",
    terminal: true,
    message: `${who}: the job failed: container ${cs.name} ${what}; ${log}`,
    detail,
    hint:
      t.reason === "OOMKilled" ? `raise resources.limits.memory in ${where}, ${againOf(o)}` : hint,
    pod: podName,
    container: cs.name,
  };
}

/** A running container that fails a probe: the probe's latest failure from the pod's events. */
function notReady(o: DiagnoseInput, pod: V1Pod): Problem | undefined {
  const waiting = statuses(pod).find((cs) => cs.state?.running && !cs.ready);
  if (!waiting) return undefined;
  const failure = podEvents(o, pod).find(
    (e) => e.reason === "Unhealthy" && /probe failed/i.test(e.message ?? ""),
  );
  if (!failure) return undefined;
  const where = o.definedIn ?? "the workload's spec";
  return {
    kind: "not-ready",
    terminal: false,
    message: `${o.service} in namespace ${o.namespace} is not ready: ${(failure.message ?? "").trim()}`,
    hint: `it fails its probe (probes in ${where}): check its log (\`kubectl -n ${o.namespace} logs ${pod.metadata?.name}\`) and its dependencies; if it only starts slowly, raise localkube:readyTimeout`,
    pod: pod.metadata?.name,
    container: waiting.name,
  };
}

function podProblems(o: DiagnoseInput, pod: V1Pod): Problem[] {
  const found: (Problem | undefined)[] = [unschedulable(o, pod), notReady(o, pod)];
  for (const cs of statuses(pod)) {
    const reason = cs.state?.waiting?.reason ?? "";
    if (IMAGE_PULL_REASONS.includes(reason)) found.push(imagePull(o, pod, cs));
    else if (CONFIG_REASONS.includes(reason)) found.push(containerConfig(o, pod, cs));
    else found.push(crashLoop(o, pod, cs));
  }
  return found.filter((p): p is Problem => p !== undefined);
}

/**
 * The service's current problem, or undefined when nothing is wrong (ready, or on its way: being
 * scheduled, pulling, starting). Terminal problems come first, then the most specific kind.
 */
export function diagnose(o: DiagnoseInput): Problem | undefined {
  const problems = [
    jobFailed(o),
    createFailed(o),
    ...currentPods(o).flatMap((pod) => podProblems(o, pod)),
    rolloutStalled(o),
  ].filter((p): p is Problem => p !== undefined);
  const rank = (p: Problem) => (p.terminal ? 0 : KIND_ORDER.length) + KIND_ORDER.indexOf(p.kind);
  return problems.sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * Containers whose log explains a crash (of the current pods), or a failed Job (its failed pod):
 * fetch these before {@link diagnose}.
 */
export function logsToFetch(o: WorkloadObjects): LogRequest[] {
  const j = jobOf(o);
  if (j && jobEnd(j)?.type === "Failed") {
    const pod = failedJobPod(o);
    return pod
      ? statuses(pod)
          .filter((cs) => cs.state?.terminated && cs.state.terminated.exitCode !== 0)
          .map((cs) => ({ pod: pod.metadata?.name ?? "", container: cs.name, previous: false }))
      : [];
  }
  return currentPods(o).flatMap((pod) =>
    statuses(pod).flatMap((cs) => {
      const { run, previous } = crashedRun(cs);
      const crashing = run !== undefined || cs.state?.waiting?.reason === "CrashLoopBackOff";
      return crashing ? [{ pod: pod.metadata?.name ?? "", container: cs.name, previous }] : [];
    }),
  );
}

/** A problem as text: the message, its detail lines, and the fix. */
export function formatProblem(p: Problem): string {
  return [p.message, ...(p.detail ? [p.detail] : []), `fix: ${p.hint}`].join("\n");
}
