import type * as K from "@kubernetes/client-node";
import { Writable } from "stream";
import type { NamespaceObjects } from "../status/model";

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

/**
 * Watches a namespace's pods, events, Deployments, StatefulSets and ReplicaSets through the API
 * server's watch (informers that list, then follow changes and re-list after a dropped
 * connection), and calls `onChange` (coalesced) after any change. Nothing polls a CLI.
 */
export class ClusterWatch {
  private readonly informers: { stop(): Promise<void> }[] = [];
  private readonly caches: Partial<Record<keyof NamespaceObjects, { list(): readonly unknown[] }>> =
    {};
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    readonly kc: K.KubeConfig,
    readonly namespace: string,
    private readonly onChange: () => void,
  ) {}

  static async start(
    access: ClusterAccess,
    namespace: string,
    onChange: () => void,
  ): Promise<ClusterWatch> {
    const k = kubeClient();
    const kc = kubeConfig(access);
    const w = new ClusterWatch(kc, namespace, onChange);
    const core = kc.makeApiClient(k.CoreV1Api);
    const apps = kc.makeApiClient(k.AppsV1Api);
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
    ]);
    return w;
  }

  private async watch<T extends K.KubernetesObject>(
    key: keyof NamespaceObjects,
    informer: K.Informer<T> & K.ObjectCache<T>,
  ) {
    this.caches[key] = informer;
    const changed = () => this.changed();
    for (const verb of ["add", "update", "delete"] as const) informer.on(verb, changed);
    // A dropped watch (API server restart, laptop sleep): list and watch again shortly.
    informer.on("error", () => {
      if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 2000);
    });
    this.informers.push(informer);
    await informer.start();
  }

  private changed() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(), 50);
  }

  /** What the watches hold now. */
  snapshot(): NamespaceObjects {
    const list = <T>(key: keyof NamespaceObjects) => (this.caches[key]?.list() ?? []) as T[];
    return {
      pods: list("pods"),
      events: list("events"),
      deployments: list("deployments"),
      statefulSets: list("statefulSets"),
      replicaSets: list("replicaSets"),
    };
  }

  /** The last lines a container printed; `previous`: of its instance before the last restart. */
  async logTail(
    pod: string,
    container: string,
    lines: number,
    previous: boolean,
  ): Promise<string[]> {
    const core = this.kc.makeApiClient(kubeClient().CoreV1Api);
    try {
      const text = await core.readNamespacedPodLog({
        name: pod,
        namespace: this.namespace,
        container,
        tailLines: lines,
        previous,
      });
      return String(text)
        .split("\n")
        .filter((l, i, all) => l !== "" || i < all.length - 1);
    } catch {
      return [];
    }
  }

  /** Stops every watch; pending callbacks are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
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
