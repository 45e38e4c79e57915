/**
 * Pure parts of `npm run dev -- --check-rollout <service>`: where the requests go, what a log of
 * requests says (failed requests, their status codes, the longest time without an answer), when a
 * rollout or a pod's replacement is over, and the report's words.
 */
import type * as K from "@kubernetes/client-node";
import { didYouMean } from "../catalog/problems";
import type { Catalog } from "../catalog/types";
import { LABELS } from "../kube/labels";
import { objectsOf, type NamespaceObjects } from "../status/model";
import { rolloutStatus, timeOf } from "../status/rollout";

/** How the service is disturbed while requests flow. */
export const DISRUPTIONS = ["rollout", "delete-pods"] as const;
export type Disruption = (typeof DISRUPTIONS)[number];

/** Where the requests go: a connection to `connect`:`port`, with `host` as the Host header. */
export interface TrafficTarget {
  readonly connect: string;
  readonly port: number;
  readonly host: string;
  readonly path: string;
  readonly tls: boolean;
  /** The URL as the user knows it (for messages). */
  readonly url: string;
}

/**
 * The target of a service's URL. A local stack's ingress listens on 127.0.0.1 (`httpPort`):
 * requests go there with the service's host name in the Host header (Node does not resolve
 * `*.localhost` names); a branch sandbox's URL is used as it is.
 */
export function trafficTarget(url: string, localHttpPort: number | undefined): TrafficTarget {
  const u = new URL(url);
  const tls = u.protocol === "https:";
  const path = `${u.pathname}${u.search}` || "/";
  if (localHttpPort !== undefined)
    return { connect: "127.0.0.1", port: localHttpPort, host: u.host, path, tls: false, url };
  return {
    connect: u.hostname,
    port: u.port ? Number(u.port) : tls ? 443 : 80,
    host: u.host,
    path,
    tls,
    url,
  };
}

/** One request of the stream: when it started (ms), how long it took, what came back. */
export interface RequestRecord {
  readonly at: number;
  readonly ms: number;
  /** The HTTP status; none when the request got no answer. */
  readonly status?: number;
  /** Why there was no answer: `ECONNREFUSED`, `ECONNRESET`, `timeout`… */
  readonly error?: string;
}

/** A request failed: no answer, or a server error (5xx: the ingress's 502/503/504 included). */
export const failed = (r: RequestRecord) => r.status === undefined || r.status >= 500;

/** What a log of requests says. Times are ms from `origin` (the disruption's start). */
export interface TrafficSummary {
  readonly requests: number;
  readonly failed: number;
  /** Failed requests by status code or error, most frequent first: `[["502", 3], ["ECONNRESET", 1]]`. */
  readonly failures: readonly (readonly [string, number])[];
  /** When the first failed request was sent, and when the last one ended. */
  readonly failedBetween?: readonly [number, number];
  /** The longest time (ms) with no successful answer, from the first request to the last answer. */
  readonly longestGapMs: number;
  /** When that longest gap began. */
  readonly longestGapAt: number;
  /** The slowest successful answer (ms). */
  readonly slowestMs: number;
}

/** Summarizes a request log (any order); `origin` defaults to its first request. */
export function summarize(log: readonly RequestRecord[], origin?: number): TrafficSummary {
  const bad = log.filter(failed);
  const counts = new Map<string, number>();
  for (const r of bad) {
    const key = r.status !== undefined ? String(r.status) : (r.error ?? "no answer");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const ok = log.filter((r) => !failed(r));
  const start = Math.min(...log.map((r) => r.at));
  const end = Math.max(...log.map((r) => r.at + r.ms));
  const zero = origin ?? start;
  // Answers by the time they arrived; the gaps between them, and from the first request.
  const answered = ok.map((r) => r.at + r.ms).sort((a, b) => a - b);
  let gap = 0;
  let gapAt = start;
  let last = start;
  for (const t of [...answered, end]) {
    if (t - last > gap) {
      gap = t - last;
      gapAt = last;
    }
    last = Math.max(last, t);
  }
  return {
    requests: log.length,
    failed: bad.length,
    failures: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    ...(bad.length > 0
      ? {
          failedBetween: [
            Math.min(...bad.map((r) => r.at)) - zero,
            Math.max(...bad.map((r) => r.at + r.ms)) - zero,
          ] as const,
        }
      : {}),
    longestGapMs: log.length === 0 ? 0 : gap,
    longestGapAt: log.length === 0 ? 0 : gapAt - zero,
    slowestMs: ok.reduce((m, r) => Math.max(m, r.ms), 0),
  };
}

/** The outcome of one service's check. */
export interface RolloutCheck {
  readonly service: string;
  readonly disruption: Disruption;
  readonly url: string;
  readonly summary: TrafficSummary;
  /** How long the disruption took, from its start until the last old pod was gone (ms). */
  readonly disruptionMs: number;
  /** Why the check could not run or finish (the service never answered, a timeout). */
  readonly error?: string;
  /** Where every request is listed (JSON lines: `at` ms from the disruption's start, `ms`, `status` or `error`). */
  readonly logFile?: string;
}

/** A check passes when it ran to the end and no request failed. */
export const passed = (c: RolloutCheck) => c.error === undefined && c.summary.failed === 0;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** A time from the disruption's start: `+3.1 s`, `-0.4 s` (before it). */
const offset = (ms: number) => `${ms < 0 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(1)} s`;

/** The report: one line per check, and what to do about failures. */
export function reportLines(checks: readonly RolloutCheck[]): string[] {
  const lines: string[] = [];
  for (const c of checks) {
    const s = c.summary;
    const what = c.disruption === "rollout" ? "rollout" : "pod deletions";
    if (c.error) {
      lines.push(`${c.service}: check failed: ${c.error}`);
      continue;
    }
    const failures = s.failures.map(([k, n]) => `${k} ×${n}`).join(", ");
    const gap = `longest gap ${seconds(s.longestGapMs)} (at ${offset(s.longestGapAt)})`;
    const window = s.failedBetween
      ? `, failures between ${offset(s.failedBetween[0])} and ${offset(s.failedBetween[1])}`
      : "";
    lines.push(
      `${c.service}: ${what} in ${seconds(c.disruptionMs)} under ${s.requests} requests to ${c.url}: ` +
        (s.failed === 0
          ? `0 failed, ${gap}, slowest answer ${seconds(s.slowestMs)}`
          : `${s.failed} failed (${failures})${window}, ${gap}${c.logFile ? `; requests: ${c.logFile}` : ""}`),
    );
  }
  if (checks.some((c) => !c.error && c.summary.failed > 0))
    lines.push(
      "requests fail while pods start or stop when a pod receives traffic before it is ready (add a readiness probe) or " +
        "stops while the ingress still sends it requests (add lifecycle.preStop: { sleep: { seconds: 5 } }, " +
        "and keep the old pods until new ones are ready: strategy: { maxSurge: 1, maxUnavailable: 0 }); see docs/replicas.md",
    );
  return lines;
}

/** Pods of a service the watch holds, terminating ones included. */
export function podsOf(service: string, pods: readonly K.V1Pod[]): K.V1Pod[] {
  return pods.filter((p) => p.metadata?.labels?.[LABELS.name] === service);
}

const isReady = (p: K.V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * Whether a disruption is over: the pods in `gone` (deleted ones) have disappeared, the
 * Deployment's rollout is complete — at a generation after `sinceGeneration` for a rollout —, as
 * many pods are ready as it wants, and no pod of the service is still terminating (its preStop
 * hook runs while it does).
 */
export function settled(
  service: string,
  namespace: string,
  all: NamespaceObjects,
  after: { readonly sinceGeneration?: number; readonly gone?: readonly string[] },
): { done: boolean; waitingFor: string } {
  const objects = objectsOf(service, namespace, all);
  const d = objects.workload as K.V1Deployment | undefined;
  if (!d) return { done: false, waitingFor: `the Deployment of ${service}` };
  if (after.sinceGeneration !== undefined && (d.metadata?.generation ?? 0) <= after.sinceGeneration)
    return { done: false, waitingFor: "the restart to reach the Deployment" };
  const pods = podsOf(service, all.pods);
  const left = (after.gone ?? []).filter((n) => pods.some((p) => p.metadata?.name === n));
  if (left.length > 0) return { done: false, waitingFor: `pod ${left.join(", ")} to stop` };
  const rollout = rolloutStatus(objects);
  if (!rollout.ready) return { done: false, waitingFor: rollout.waitingFor };
  const want = d.spec?.replicas ?? 1;
  const ready = pods.filter(isReady).length;
  if (ready < want) return { done: false, waitingFor: `${ready} of ${want} pods ready` };
  const stopping = pods.filter((p) => p.metadata?.deletionTimestamp).length;
  if (stopping > 0)
    return {
      done: false,
      waitingFor: `${stopping} old pod${stopping === 1 ? "" : "s"} to stop`,
    };
  return { done: true, waitingFor: "" };
}

/** The pods to delete one by one: the service's ready pods at the start, oldest first. */
export function podsToDelete(service: string, pods: readonly K.V1Pod[]): string[] {
  return podsOf(service, pods)
    .filter(isReady)
    .sort((a, b) => timeOf(a.metadata?.creationTimestamp) - timeOf(b.metadata?.creationTimestamp))
    .map((p) => p.metadata?.name ?? "")
    .filter((n) => n !== "");
}

/** `--ci`'s exit code after the checks: 0 when every check passed. */
export function checksExitCode(checks: readonly RolloutCheck[]): number {
  return checks.length > 0 && checks.every(passed) ? 0 : 1;
}

/** Why `--check-rollout <name>` cannot check this catalog entry; undefined when it can. */
export function rolloutCheckProblem(
  catalog: Pick<Catalog, "services">,
  name: string,
): string | undefined {
  const spec = catalog.services.get(name);
  if (!spec)
    return `--check-rollout: no service "${name}" in the catalog${didYouMean(name, catalog.services.keys())}`;
  if (spec.manifests)
    return `--check-rollout: ${name} is deployed from its own ${spec.manifests.kind === "chart" ? "chart" : "manifests"}; the check rolls out localkube's own Deployments`;
  if (spec.workload === "job" || spec.workload === "cronjob")
    return `--check-rollout: ${name} is a ${spec.workload}: it runs to completion and has no rollout`;
  if (!spec.ingress)
    return `--check-rollout: ${name} has no ingress, and the check sends its requests through the ingress; add ingress: { host: ${name} } to ${spec.file}`;
  return undefined;
}
