import type * as K from "@kubernetes/client-node";
import { PassThrough } from "stream";
import { LABELS } from "../kube/labels";
import { kubeClient, lineSink } from "./cluster";

/** What following logs needs of the cluster: its client config and the pods the watch holds. */
export interface LogSource {
  readonly kc: K.KubeConfig;
  readonly namespace: string;
  snapshot(): { readonly pods: readonly K.V1Pod[] };
  /** Takes out of a line every value the pod reads from a Secret. */
  redactorFor(pod: string): Promise<(line: string) => string>;
}

/** One line a service printed. */
export interface LogLine {
  readonly service: string;
  readonly pod: string;
  readonly container: string;
  readonly text: string;
}

/**
 * The container instances to stream now: every container of the services' pods that runs or has
 * ended, keyed by its container id — a restart or a new pod of a rollout is a new id, so each
 * instance is streamed exactly once, from its first line. Pure.
 */
export function instancesToStream(
  pods: readonly K.V1Pod[],
  services: ReadonlySet<string> | "all",
): { key: string; service: string; pod: string; container: string }[] {
  const out: { key: string; service: string; pod: string; container: string }[] = [];
  for (const pod of pods) {
    const service = pod.metadata?.labels?.[LABELS.name];
    if (!service || (services !== "all" && !services.has(service))) continue;
    for (const cs of pod.status?.containerStatuses ?? []) {
      if (!cs.containerID || !(cs.state?.running || cs.state?.terminated)) continue;
      out.push({ key: cs.containerID, service, pod: pod.metadata!.name!, container: cs.name });
    }
  }
  return out;
}

/**
 * Follows the logs of services across restarts and rollouts (what port-forward and `kubectl logs -f`
 * never did): on every change of the namespace's pods, starts a stream for each container instance
 * not yet streamed. Streams end by themselves when their container stops.
 */
export class LogFollower {
  private readonly streamed = new Set<string>();
  private readonly open = new Map<string, AbortController>();
  private stopped = false;

  constructor(
    private readonly watch: LogSource,
    private readonly services: ReadonlySet<string> | "all",
    private readonly onLine: (line: LogLine) => void,
  ) {}

  /** Call after each change of the cluster's objects. */
  refresh(): void {
    if (this.stopped) return;
    const log = new (kubeClient().Log)(this.watch.kc);
    for (const inst of instancesToStream(this.watch.snapshot().pods, this.services)) {
      if (this.streamed.has(inst.key)) continue;
      this.streamed.add(inst.key);
      const out = new PassThrough();
      out.on("end", () => this.open.delete(inst.key));
      this.watch
        .redactorFor(inst.pod)
        .then((hide) => {
          out.pipe(
            lineSink((text) =>
              this.onLine({
                service: inst.service,
                pod: inst.pod,
                container: inst.container,
                text: hide(text),
              }),
            ),
          );
          return log.log(this.watch.namespace, inst.pod, inst.container, out, { follow: true });
        })
        .then((ctrl) => {
          if (this.stopped) ctrl.abort();
          else this.open.set(inst.key, ctrl);
        })
        .catch(() => this.streamed.delete(inst.key)); // not ready yet: the next change tries again
    }
  }

  stop(): void {
    this.stopped = true;
    for (const ctrl of this.open.values()) ctrl.abort();
    this.open.clear();
  }
}
