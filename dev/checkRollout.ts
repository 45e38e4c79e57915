/**
 * `npm run dev -- --check-rollout <service>`: a steady stream of requests through the ingress while
 * the service rolls out (a rollout restart) or while its pods are deleted one by one (through the
 * Eviction API, as a node drain deletes them: a PodDisruptionBudget is respected), then what the
 * requests saw. The decisions and the report are pure (./rolloutCheck.ts); this drives them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as K from "@kubernetes/client-node";
import type { NamespaceObjects } from "../status/model";
import { kubeClient } from "./cluster";
import type { StackView } from "./stackView";
import {
  Disruption,
  podsToDelete,
  RequestRecord,
  RolloutCheck,
  settled,
  summarize,
  trafficTarget,
  TrafficTarget,
} from "./rolloutCheck";
import { startTraffic, TrafficOptions } from "./traffic";

/** The cluster as the check uses it: the loop's watch, a rollout restart, the API. */
export interface CheckCluster {
  readonly kc: K.KubeConfig;
  readonly namespace: string;
  snapshot(): NamespaceObjects;
  restart(deployment: string): Promise<void>;
}

/** What one check needs besides the cluster. */
export interface CheckOptions {
  readonly disruption: Disruption;
  /** The whole disruption may take this long. */
  readonly timeoutMs: number;
  /** A progress line. */
  readonly print: (line: string) => void;
  readonly traffic?: TrafficOptions;
  /** Requests keep flowing this long after the last old pod is gone. @default 2000 */
  readonly tailMs?: number;
}

/** The local stack's ingress port on 127.0.0.1; undefined for a stack in another cluster. */
export function localHttpPort(view: Pick<StackView, "outputs" | "config">): number | undefined {
  const context = view.outputs.kubeContext?.value;
  if (typeof context !== "string" || !context.startsWith("kind-")) return undefined;
  const port = Number(view.config["localkube:cluster.httpPort"]?.value ?? 80);
  return Number.isInteger(port) && port > 0 ? port : 80;
}

/** Where a service's requests go, or why it has no address. */
export function serviceTarget(
  view: Pick<StackView, "outputs" | "config" | "facts">,
  service: string,
): TrafficTarget | string {
  const entry = view.facts.services.find((s) => s.name === service);
  if (!entry)
    return `${service} is not deployed by this stack (it deploys ${view.facts.services.map((s) => s.name).join(", ") || "no service"})`;
  if (!entry.url)
    return `${service} has no ingress: the check sends its requests through the ingress; add ingress: { host: ${service} } to its catalog file`;
  return trafficTarget(entry.url, localHttpPort(view));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ready()` says done, or throws with what it still waits for after `deadline`. */
async function until(
  deadline: number,
  what: string,
  ready: () => { done: boolean; waitingFor: string },
): Promise<void> {
  for (;;) {
    const r = ready();
    if (r.done) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not finish in time: waiting for ${r.waitingFor}`);
    await sleep(200);
  }
}

/** Evicts a pod, retrying while a disruption budget refuses it (429), until `deadline`. */
async function evict(
  kc: K.KubeConfig,
  namespace: string,
  pod: string,
  deadline: number,
  print: (line: string) => void,
): Promise<void> {
  const core = kc.makeApiClient(kubeClient().CoreV1Api);
  let told = false;
  for (;;) {
    try {
      await core.createNamespacedPodEviction({
        name: pod,
        namespace,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace } },
      });
      return;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 404) return; // gone already
      if (code !== 429 || Date.now() > deadline) throw err;
      if (!told) print(`${pod}: its disruption budget allows no eviction now; retrying`);
      told = true;
      await sleep(1000);
    }
  }
}

/** Runs one check: traffic, a first answer, the disruption, the tail; never throws. */
export async function checkRollout(
  cluster: CheckCluster,
  service: string,
  target: TrafficTarget,
  opts: CheckOptions,
): Promise<RolloutCheck> {
  const traffic = startTraffic(target, opts.traffic);
  const started = Date.now();
  const base = { service, disruption: opts.disruption, url: target.url };
  let disruptionStart = started;
  let disruptionMs = 0;
  let error: string | undefined;
  try {
    // The service must answer before it is disturbed; what came before its first answer is not counted.
    const answerBy = started + 30_000;
    while (!traffic.log.some((r) => r.status !== undefined && r.status < 500)) {
      if (Date.now() > answerBy) {
        const last = traffic.log[traffic.log.length - 1];
        throw new Error(
          `${service} does not answer at ${target.url} (last: ${last?.status ?? last?.error ?? "nothing"})`,
        );
      }
      await sleep(100);
    }
    await sleep(1000);
    disruptionStart = Date.now();
    const deadline = disruptionStart + opts.timeoutMs;
    const deployment = cluster
      .snapshot()
      .deployments.find((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === service);
    if (!deployment?.metadata?.name) throw new Error(`${service} has no Deployment`);
    if (opts.disruption === "rollout") {
      const generation = deployment.metadata.generation ?? 0;
      opts.print(
        `${service}: rollout restart under ${1000 / (opts.traffic?.intervalMs ?? 50)} requests a second`,
      );
      await cluster.restart(deployment.metadata.name);
      await until(deadline, `the rollout of ${service}`, () =>
        settled(service, cluster.namespace, cluster.snapshot(), { sinceGeneration: generation }),
      );
    } else {
      const pods = podsToDelete(service, cluster.snapshot().pods);
      opts.print(
        `${service}: deleting ${pods.length} pod${pods.length === 1 ? "" : "s"} one by one under load`,
      );
      for (const pod of pods) {
        await evict(cluster.kc, cluster.namespace, pod, deadline, opts.print);
        await until(deadline, `the replacement of ${pod}`, () =>
          settled(service, cluster.namespace, cluster.snapshot(), { gone: [pod] }),
        );
      }
    }
    disruptionMs = Date.now() - disruptionStart;
    await sleep(opts.tailMs ?? 2000);
  } catch (err) {
    error = String((err as Error).message ?? err);
  }
  const log = await traffic.stop();
  const firstOk = log.find((r) => r.status !== undefined && r.status < 500);
  const counted = firstOk ? log.filter((r) => r.at >= firstOk.at) : log;
  const logFile = writeLog(service, counted, disruptionStart);
  return {
    ...base,
    summary: summarize(counted, disruptionStart),
    disruptionMs,
    logFile,
    ...(error ? { error } : {}),
  };
}

/** The request log as JSON lines in the temporary directory, times from the disruption's start. */
function writeLog(service: string, log: readonly RequestRecord[], origin: number): string {
  const file = path.join(os.tmpdir(), `localkube-check-${service}-${origin}.jsonl`);
  fs.writeFileSync(
    file,
    log.map((r) => `${JSON.stringify({ ...r, at: r.at - origin })}\n`).join(""),
  );
  return file;
}

/** What the checks need of the dev loop: its stack view and the cluster's watch. */
export interface CheckSource {
  readonly view?: Pick<StackView, "outputs" | "config" | "facts" | "readyTimeoutSeconds">;
  readonly cluster?: CheckCluster;
}

/**
 * Checks each service in turn (one disruption at a time). Each disruption may take
 * `localkube:readyTimeout` plus a minute per pod the service runs.
 */
export async function runRolloutChecks(
  source: CheckSource,
  services: readonly string[],
  disruption: Disruption,
  print: (line: string) => void,
): Promise<RolloutCheck[]> {
  const out: RolloutCheck[] = [];
  for (const service of services) {
    const target = source.view ? serviceTarget(source.view, service) : "the stack has no outputs";
    const cluster = source.cluster;
    if (typeof target === "string" || !cluster) {
      out.push({
        service,
        disruption,
        url: "",
        summary: summarize([]),
        disruptionMs: 0,
        error: typeof target === "string" ? target : "the cluster cannot be reached",
      });
      continue;
    }
    const replicas =
      cluster
        .snapshot()
        .deployments.find((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === service)?.spec
        ?.replicas ?? 1;
    const timeoutMs =
      ((source.view?.readyTimeoutSeconds ?? 120) + 60) * 1000 * Math.max(1, replicas);
    print(`${service}: checking under a steady stream of requests to ${target.url}`);
    out.push(await checkRollout(cluster, service, target, { disruption, timeoutMs, print }));
  }
  return out;
}
