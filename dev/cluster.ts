import { redactor, secretNames, secretRefsOf, secretValues } from "../status/redact";
import type * as K from "@kubernetes/client-node";
import { Writable } from "stream";
import type { NamespaceObjects } from "../status/model";
import { DEV_LOOP_MANAGER } from "./engine/divergence";
import type { ClusterPort } from "./engine/ports";
import type { Workloads } from "./fastSave";

/** How to reach the cluster: a kubeconfig document, or a context of the user's kubeconfig. */
export interface ClusterAccess {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/**
 * @kubernetes/client-node is an ES module: loaded when first needed (Node 20.19+ requires ES
 * modules from CommonJS), so that modules which only use its types load anywhere.
 */
export function kubeClient(): typeof K {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@kubernetes/client-node");
}

export function kubeConfig(access: ClusterAccess): K.KubeConfig {
  const k = kubeClient();
  const kc = new k.KubeConfig();
  if (access.kubeconfig) kc.loadFromString(access.kubeconfig);
  else kc.loadFromDefault();
  if (access.context) kc.setCurrentContext(access.context);
  return kc;
}

/** What the watch holds: the namespace's objects the status and the fast save path read. */
export type WatchedObjects = NamespaceObjects & Workloads;

/**
 * Watches a namespace's pods, events, Deployments, StatefulSets, ReplicaSets, Jobs and CronJobs
 * through the API server's watch (informers that list, then follow changes and re-list after a
 * dropped connection), and tells its listeners (coalesced) after any change. Nothing polls a CLI.
 * Also the few API calls the loop makes: server-side apply as a given field manager, a Job's
 * deletion, a rollout restart, a container's last log lines.
 */
export class ClusterWatch implements ClusterPort {
  private readonly informers: { stop(): Promise<void> }[] = [];
  private readonly caches: Partial<Record<keyof WatchedObjects, { list(): readonly unknown[] }>> =
    {};
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    readonly kc: K.KubeConfig,
    readonly namespace: string,
  ) {}

  static async start(access: ClusterAccess, namespace: string): Promise<ClusterWatch> {
    const k = kubeClient();
    const kc = kubeConfig(access);
    const w = new ClusterWatch(kc, namespace);
    const core = kc.makeApiClient(k.CoreV1Api);
    const apps = kc.makeApiClient(k.AppsV1Api);
    const batch = kc.makeApiClient(k.BatchV1Api);
    const autoscaling = kc.makeApiClient(k.AutoscalingV2Api);
    const ns = encodeURIComponent(namespace);
    await Promise.all([
      w.watch(
        "pods",
        k.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () =>
          core.listNamespacedPod({ namespace }),
        ),
      ),
      w.watch(
        "events",
        k.makeInformer(kc, `/api/v1/namespaces/${ns}/events`, () =>
          core.listNamespacedEvent({ namespace }),
        ),
      ),
      w.watch(
        "deployments",
        k.makeInformer(kc, `/apis/apps/v1/namespaces/${ns}/deployments`, () =>
          apps.listNamespacedDeployment({ namespace }),
        ),
      ),
      w.watch(
        "statefulSets",
        k.makeInformer(kc, `/apis/apps/v1/namespaces/${ns}/statefulsets`, () =>
          apps.listNamespacedStatefulSet({ namespace }),
        ),
      ),
      w.watch(
        "replicaSets",
        k.makeInformer(kc, `/apis/apps/v1/namespaces/${ns}/replicasets`, () =>
          apps.listNamespacedReplicaSet({ namespace }),
        ),
      ),
      w.watch(
        "jobs",
        k.makeInformer(kc, `/apis/batch/v1/namespaces/${ns}/jobs`, () =>
          batch.listNamespacedJob({ namespace }),
        ),
      ),
      w.watch(
        "cronJobs",
        k.makeInformer(kc, `/apis/batch/v1/namespaces/${ns}/cronjobs`, () =>
          batch.listNamespacedCronJob({ namespace }),
        ),
      ),
      // Optional: a cluster (or a sandbox's role) without autoscaling/v2 shows no autoscalers.
      w.watch(
        "autoscalers",
        k.makeInformer(kc, `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, () =>
          autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }),
        ),
        { optional: true },
      ),
    ]);
    return w;
  }

  private async watch<T extends K.KubernetesObject>(
    key: keyof WatchedObjects,
    informer: K.Informer<T> & K.ObjectCache<T>,
    opts: { optional?: boolean } = {},
  ) {
    // An optional API is followed only when its first list works: one the cluster does not serve
    // (or the sandbox's role may not list) is not asked again every two seconds.
    if (
      opts.optional &&
      !(await informer.start().then(
        () => true,
        () => false,
      ))
    ) {
      await informer.stop().catch(() => undefined);
      return;
    }
    this.caches[key] = informer;
    const changed = () => this.changed();
    for (const verb of ["add", "update", "delete"] as const) informer.on(verb, changed);
    // A dropped watch (API server restart, laptop sleep): list and watch again shortly.
    informer.on("error", () => {
      if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 2000);
    });
    this.informers.push(informer);
    if (opts.optional) changed();
    else await informer.start();
  }

  private changed() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.listeners.forEach((l) => l()), 20);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the watches hold now. */
  snapshot(): WatchedObjects {
    const list = <T>(key: keyof WatchedObjects) => (this.caches[key]?.list() ?? []) as T[];
    return {
      pods: list("pods"),
      events: list("events"),
      deployments: list("deployments"),
      statefulSets: list("statefulSets"),
      replicaSets: list("replicaSets"),
      jobs: list("jobs"),
      cronJobs: list("cronJobs"),
      autoscalers: list("autoscalers"),
    };
  }

  async apply(object: K.KubernetesObject, manager: string): Promise<void> {
    const k = kubeClient();
    await k.KubernetesObjectApi.makeApiClient(this.kc).patch(
      object,
      undefined,
      undefined,
      manager,
      false,
      k.PatchStrategy.ServerSideApply,
    );
  }

  async deleteJob(name: string): Promise<void> {
    const batch = this.kc.makeApiClient(kubeClient().BatchV1Api);
    await batch.deleteNamespacedJob({
      name,
      namespace: this.namespace,
      propagationPolicy: "Background",
    });
  }

  async restart(deployment: string): Promise<void> {
    const k = kubeClient();
    const apps = this.kc.makeApiClient(k.AppsV1Api);
    await apps.patchNamespacedDeployment(
      {
        name: deployment,
        namespace: this.namespace,
        fieldManager: DEV_LOOP_MANAGER,
        body: {
          spec: {
            template: {
              metadata: {
                annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() },
              },
            },
          },
        },
      },
      k.setHeaderOptions("Content-Type", k.PatchStrategy.StrategicMergePatch),
    );
  }

  async version(): Promise<string | undefined> {
    const api = this.kc.makeApiClient(kubeClient().VersionApi);
    return api.getCode().then(
      (v) => v.gitVersion,
      () => undefined,
    );
  }

  /**
   * The last lines a container printed; `previous`: of its instance before the last restart.
   * Every value the pod reads from a Secret is taken out (see status/redact.ts).
   */
  async logTail(
    pod: string,
    container: string,
    lines: number,
    previous: boolean,
  ): Promise<string[]> {
    const core = this.kc.makeApiClient(kubeClient().CoreV1Api);
    try {
      const [text, hide] = await Promise.all([
        core.readNamespacedPodLog({
          name: pod,
          namespace: this.namespace,
          container,
          tailLines: lines,
          previous,
        }),
        this.redactorFor(pod),
      ]);
      return String(text)
        .split("\n")
        .filter((l, i, all) => l !== "" || i < all.length - 1)
        .map(hide);
    } catch {
      return [];
    }
  }

  /** Redacts what the pod (as the watch holds it) reads from Secrets, read from the API now. */
  async redactorFor(pod: string): Promise<(line: string) => string> {
    const p = this.snapshot().pods.find((x) => x.metadata?.name === pod);
    const refs = p ? secretRefsOf([p]) : [];
    const core = this.kc.makeApiClient(kubeClient().CoreV1Api);
    const secrets = await Promise.all(
      secretNames(refs).map((name) =>
        core.readNamespacedSecret({ name, namespace: this.namespace }).catch(() => undefined),
      ),
    );
    return redactor(
      secretValues(
        refs,
        secrets.filter((x) => x !== undefined),
      ),
    );
  }

  /** Stops every watch; pending callbacks are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.listeners.clear();
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }
}

/** A writable that hands over whole lines (a log stream's chunks split lines anywhere). */
export function lineSink(onLine: (line: string) => void): Writable {
  let partial = "";
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      lines.forEach(onLine);
      done();
    },
    final(done) {
      if (partial !== "") onLine(partial);
      done();
    },
  });
}
