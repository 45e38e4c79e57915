/**
 * Debug sessions as desired state of the dev loop's engine (dev/engine/state.ts holds them): the
 * services the developer wants under their debugger (`--debug`, the dashboard's button), what each
 * session is, and the one operation running. Pure: the state's part and its reducer, and the
 * decisions the reconciler (./reconciler.ts) acts on — which session to start, adopt or stop next,
 * which port on 127.0.0.1 each gets, how a Go service is built while it is debugged, and what the
 * watch says of a session's pods.
 */
import type * as K from "@kubernetes/client-node";
import type { DeploymentPlan } from "../../catalog/plan";
import { didYouMean, InputProblem, listNames } from "../../catalog/problems";
import type { DebugRuntime } from "../../catalog/types";
import { DEBUG_LABEL, debugRecord, podDebugMark } from "../../kube/debugPod";
import type { ImageBuild } from "../../kube/images";
import { LABELS } from "../../kube/labels";

/** A session as the reconciler left it (the watch tells whether its pod is ready: {@link sessionPod}). */
export type DebugSession =
  | { readonly phase: "starting"; readonly step: string }
  | {
      readonly phase: "active";
      readonly runtime: DebugRuntime;
      /** The debugger's port in the pod. */
      readonly podPort: number;
      /** Where the laptop reaches it: 127.0.0.1:<localPort>. */
      readonly localPort: number;
      /** The VS Code launch.json entry (JSON text). */
      readonly launch: string;
    }
  | { readonly phase: "stopping" }
  | { readonly phase: "failed"; readonly error: string; readonly at: number };

/** What the reconciler does to one service. */
export interface DebugOp {
  readonly service: string;
  /** start: rewrite the Deployment; adopt: it already runs under the debugger (an earlier run); stop: restore it. */
  readonly kind: "start" | "adopt" | "stop";
}

/** The engine state's debug part. */
export interface DebugState {
  /** Services the developer wants under their debugger. */
  readonly debugWanted: ReadonlySet<string>;
  readonly debugSessions: ReadonlyMap<string, DebugSession>;
  /** The operation running now: no update starts meanwhile, and none runs while an update does. */
  readonly debugOp?: DebugOp;
}

export const INITIAL_DEBUG_STATE: DebugState = {
  debugWanted: new Set(),
  debugSessions: new Map(),
};

export type DebugAction =
  | { readonly type: "debug-wanted"; readonly service: string; readonly on: boolean }
  | { readonly type: "debug-op"; readonly op?: DebugOp }
  | { readonly type: "debug-session"; readonly service: string; readonly session?: DebugSession };

/** The next debug part of the state. Pure. */
export function reduceDebug<S extends DebugState>(s: S, a: DebugAction): S {
  switch (a.type) {
    case "debug-wanted": {
      const wanted = new Set(s.debugWanted);
      const sessions = new Map(s.debugSessions);
      if (a.on) {
        wanted.add(a.service);
        // Asked again: a failed session is tried again.
        if (sessions.get(a.service)?.phase === "failed") sessions.delete(a.service);
      } else wanted.delete(a.service);
      return { ...s, debugWanted: wanted, debugSessions: sessions };
    }
    case "debug-op":
      return { ...s, debugOp: a.op };
    case "debug-session": {
      const sessions = new Map(s.debugSessions);
      if (a.session) sessions.set(a.service, a.session);
      else sessions.delete(a.service);
      return { ...s, debugSessions: sessions };
    }
  }
}

/** The Deployment of a service in the watch (not one being deleted). */
export function deploymentOf(
  deployments: readonly K.V1Deployment[],
  service: string,
): K.V1Deployment | undefined {
  return deployments.find(
    (d) => d.metadata?.labels?.[LABELS.name] === service && !d.metadata?.deletionTimestamp,
  );
}

/**
 * The next operation, if any. Nothing while something runs; stops first (they free ports), then
 * sessions to start (a wanted service whose Deployment holds none) or to adopt (it holds one from
 * an earlier run, the loop knows nothing of it). A failed session is tried again only after a
 * converge that ended later (`convergedAt`, ms): the fix may have been a change of the catalog.
 */
export function nextDebugOp(
  s: DebugState & { readonly running?: unknown; readonly convergedAt: number },
  deployments: readonly K.V1Deployment[],
): DebugOp | undefined {
  if (s.running || s.debugOp) return undefined;
  for (const d of deployments) {
    const service = d.metadata?.labels?.[LABELS.name];
    if (service && !d.metadata?.deletionTimestamp && debugRecord(d) && !s.debugWanted.has(service))
      return { service, kind: "stop" };
  }
  for (const service of [...s.debugWanted].sort()) {
    const d = deploymentOf(deployments, service);
    if (!d) continue;
    const session = s.debugSessions.get(service);
    if (session?.phase === "failed" && session.at >= s.convergedAt) continue;
    const held = debugRecord(d) !== undefined;
    if (!held) return { service, kind: "start" };
    if (session?.phase !== "active") return { service, kind: "adopt" };
  }
  return undefined;
}

/** The port on 127.0.0.1 for a debugger listening on `podPort`: the same, unless another session has it. */
export function localPortFor(podPort: number, taken: ReadonlySet<number>): number {
  let port = podPort;
  while (taken.has(port)) port++;
  return port;
}

/** Ports on 127.0.0.1 the other active sessions use. */
export function takenPorts(
  sessions: ReadonlyMap<string, DebugSession>,
  except: string,
): Set<number> {
  return new Set(
    [...sessions]
      .filter(([name, s]) => name !== except && s.phase === "active")
      .map(([, s]) => (s as Extract<DebugSession, { phase: "active" }>).localPort),
  );
}

/** The build arg a Go service's Dockerfile reads for `go build -gcflags`. */
export const GO_GCFLAGS_ARG = "LOCALKUBE_GO_GCFLAGS";

/** How a Go service is built while it is debugged: without optimizations or inlining. */
export function goDebugBuild(build: ImageBuild): ImageBuild {
  return {
    ...build,
    args: { ...build.args, [GO_GCFLAGS_ARG]: "all=-N -l" },
    tag: `${build.tag}-debug`,
  };
}

/** The stack's builds, with those of Go services being debugged built for the debugger (saves meanwhile). */
export function buildsWhileDebugging(
  builds: Readonly<Record<string, ImageBuild>>,
  sessions: ReadonlyMap<string, DebugSession>,
): Record<string, ImageBuild> {
  const out: Record<string, ImageBuild> = { ...builds };
  for (const [service, s] of sessions)
    if (s.phase === "active" && s.runtime === "go" && out[service])
      out[service] = goDebugBuild(out[service]);
  return out;
}

/** The service's pod that runs under its debugger and is ready, if any (the newest). */
export function sessionPod(pods: readonly K.V1Pod[], service: string): K.V1Pod | undefined {
  return pods
    .filter(
      (p) =>
        p.metadata?.labels?.[LABELS.name] === service &&
        !p.metadata?.deletionTimestamp &&
        podDebugMark(p) !== undefined &&
        (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    )
    .sort(
      (a, b) =>
        new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
        new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
    )[0];
}

/**
 * What is wrong with `--debug`'s names for this plan: each must be a long-running service the
 * plan deploys with localkube's own Deployment (not a job, a cron job, or a chart's workloads).
 */
export function debugTargetProblems(
  plan: Pick<DeploymentPlan, "services">,
  names: readonly string[],
): InputProblem[] {
  const debuggable = plan.services.filter(
    (s) => (s.workload ?? "deployment") === "deployment" && !s.manifests,
  );
  return names.flatMap((name): InputProblem[] => {
    const spec = plan.services.find((s) => s.name === name);
    const where = { file: "npm run dev", path: "--debug" };
    if (!spec)
      return [
        {
          ...where,
          message: `${JSON.stringify(name)} is not a service this run deploys${didYouMean(
            name,
            debuggable.map((s) => s.name),
          )}; these can be debugged: ${listNames(debuggable.map((s) => s.name))}`,
        },
      ];
    if (spec.manifests)
      return [
        {
          ...where,
          message: `${name} runs the workloads of its own ${spec.manifests.kind === "chart" ? "chart" : "manifests"} (${spec.file}); only services localkube deploys itself can be debugged`,
        },
      ];
    if ((spec.workload ?? "deployment") !== "deployment")
      return [
        {
          ...where,
          message: `${name} is a ${spec.workload === "job" ? "job" : "cron job"} (${spec.file}); only long-running services can be debugged`,
        },
      ];
    return [];
  });
}

/**
 * What the active sessions want forwarded: 127.0.0.1:<localPort> to the debugger's port of the
 * service's pods that run under it (selected by their label), running ones — a process stopped at
 * a breakpoint is not ready, and the editor must still reach it. Shaped as the dev loop's forwards
 * take them (dev/forwards.ts `ForwardSpec`).
 */
export function debugForwards(sessions: ReadonlyMap<string, DebugSession>): {
  readonly service: string;
  readonly port: number;
  readonly hostPort: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly require: "running";
  readonly origin: string;
}[] {
  return [...sessions]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([service, s]) =>
      s.phase === "active"
        ? [
            {
              service,
              port: s.podPort,
              hostPort: s.localPort,
              selector: { [LABELS.name]: service, [DEBUG_LABEL]: s.runtime },
              require: "running" as const,
              origin: `--debug ${service}`,
            },
          ]
        : [],
    );
}
