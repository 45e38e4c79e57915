/**
 * The dev loop's one state, and the only way it changes: actions, reduced by a pure function.
 * Inputs (saves, the cluster's watch, dashboard buttons, finished work) become actions; the
 * reconcilers read the state to decide what work to start; work runs outside and reports back as
 * actions; views get copies. Nothing else mutates it.
 */
import type { Activity } from "../../status/model";
import { Decision, merge } from "../affected";
import type { StackView } from "../stackView";
import type { Trigger } from "../trigger";
import type { Drift } from "./divergence";
import { DebugAction, DebugState, INITIAL_DEBUG_STATE, reduceDebug } from "../debug/session";

/** The last update the loop ran. */
export interface UpdateRecord {
  /** A full converge, or new images of some services (`path` says how they reached the cluster). */
  readonly kind: "converge" | "services";
  readonly trigger: string;
  readonly seconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

/** The update running now. */
export interface RunningUpdate {
  readonly decision: Exclude<Decision, { kind: "none" }>;
  readonly startedAt: number;
}

export interface EngineState extends DebugState {
  /** What the stack deployed: its outputs and config, read after every converge. */
  readonly stack?: StackView;
  /** What waits to run: saves and findings coalesced (a converge absorbs service updates). */
  readonly pending: Decision;
  readonly running?: RunningUpdate;
  /** What the loop last did to each service, shown in its status row. */
  readonly activity: ReadonlyMap<string, Activity>;
  /** Container instances each live-updated service's files were copied into. */
  readonly liveSynced: ReadonlyMap<string, ReadonlySet<string>>;
  /** Services whose last live update failed: their next save rebuilds the image. */
  readonly liveFailed: ReadonlySet<string>;
  /**
   * Services whose workloads the loop changed without the engine (fast saves), or that changed
   * outside localkube (drift): the next converge refreshes them from the cluster first.
   */
  readonly refreshBeforeConverge: ReadonlySet<string>;
  /** What was found changed outside localkube, by service, until a converge restores it. */
  readonly drift: ReadonlyMap<string, string>;
  /** Services whose workload the watch held at its last look (a deletion is seen against it). */
  readonly workloadsSeen: ReadonlySet<string>;
  /** When the last successful converge ended (ms): changes by others after it are drift. */
  readonly convergedAt: number;
  readonly lastUpdate?: UpdateRecord;
  readonly stopped: boolean;
}

export const INITIAL_STATE: EngineState = {
  ...INITIAL_DEBUG_STATE,
  pending: { kind: "none" },
  activity: new Map(),
  liveSynced: new Map(),
  liveFailed: new Set(),
  refreshBeforeConverge: new Set(),
  drift: new Map(),
  workloadsSeen: new Set(),
  convergedAt: 0,
  stopped: false,
};

export type Action =
  /** Saves, a button or a finding call for an update. */
  | { readonly type: "queued"; readonly decision: Decision }
  /** The loop took what was pending and started it. */
  | { readonly type: "started"; readonly at: number }
  | { readonly type: "activity"; readonly service: string; readonly activity: Activity }
  | { readonly type: "stack-read"; readonly view: StackView }
  /** Files were copied into these containers of a service. */
  | {
      readonly type: "live-synced";
      readonly service: string;
      readonly containers: readonly string[];
    }
  | { readonly type: "live-failed"; readonly service: string }
  /** These services' images reached the cluster without the engine. */
  | { readonly type: "fast-saved"; readonly services: readonly string[] }
  /**
   * The watch's look at the stack's workloads: which exist, and what changed outside localkube
   * (new findings queue a converge that refreshes those services first).
   */
  | { readonly type: "watched"; readonly seen: readonly string[]; readonly drift: readonly Drift[] }
  /**
   * The running update ended. `rebuilt`: services whose pods now run an image built from the
   * checkout (their live-updated files are gone), `"all"` after a converge.
   */
  | {
      readonly type: "finished";
      readonly record: UpdateRecord;
      readonly rebuilt: readonly string[] | "all";
      /** A converge that refreshed what it had to first. */
      readonly refreshed: boolean;
      /** When it ended (ms). */
      readonly at: number;
    }
  | { readonly type: "stopped" }
  /** Debug sessions: wanted or not, their operation, what each is (dev/debug/session.ts). */
  | DebugAction;

const without = <K, V>(m: ReadonlyMap<K, V>, keys: Iterable<K>) => {
  const out = new Map(m);
  for (const k of keys) out.delete(k);
  return out;
};

/** The next state. Pure. */
export function reduce(s: EngineState, a: Action): EngineState {
  switch (a.type) {
    case "queued":
      if (s.stopped || a.decision.kind === "none") return s;
      return { ...s, pending: merge(s.pending, a.decision) };
    case "started": {
      if (s.running || s.pending.kind === "none") return s;
      const decision = s.pending;
      // A rebuild's own rollout replaces the live-updated containers: not a divergence.
      const rebuilding =
        decision.kind === "converge" ? [...s.liveSynced.keys()] : [...decision.services.keys()];
      return {
        ...s,
        pending: { kind: "none" },
        running: { decision, startedAt: a.at },
        liveSynced: without(s.liveSynced, rebuilding),
      };
    }
    case "activity":
      return { ...s, activity: new Map(s.activity).set(a.service, a.activity) };
    case "stack-read":
      return { ...s, stack: a.view };
    case "live-synced": {
      const failed = new Set(s.liveFailed);
      failed.delete(a.service);
      return {
        ...s,
        liveSynced: new Map(s.liveSynced).set(a.service, new Set(a.containers)),
        liveFailed: failed,
      };
    }
    case "live-failed":
      return { ...s, liveFailed: new Set(s.liveFailed).add(a.service) };
    case "fast-saved":
      return {
        ...s,
        refreshBeforeConverge: new Set([...s.refreshBeforeConverge, ...a.services]),
      };
    case "watched": {
      const fresh = a.drift.filter((d) => s.drift.get(d.service) !== d.what);
      const next: EngineState = { ...s, workloadsSeen: new Set(a.seen) };
      if (fresh.length === 0 || s.stopped) return next;
      const drift = new Map(s.drift);
      for (const d of fresh) drift.set(d.service, d.what);
      return {
        ...next,
        drift,
        refreshBeforeConverge: new Set([
          ...s.refreshBeforeConverge,
          ...fresh.map((d) => d.service),
        ]),
        pending: merge(s.pending, {
          kind: "converge",
          trigger: { kind: "drift", what: fresh.map((d) => d.what).join("; ") },
        }),
      };
    }
    case "finished": {
      const rebuilt = a.rebuilt === "all" ? [...s.liveSynced.keys(), ...s.liveFailed] : a.rebuilt;
      const failed = new Set(s.liveFailed);
      for (const r of rebuilt) failed.delete(r);
      return {
        ...s,
        running: undefined,
        lastUpdate: a.record,
        liveSynced: without(s.liveSynced, rebuilt),
        liveFailed: failed,
        refreshBeforeConverge: a.refreshed ? new Set() : s.refreshBeforeConverge,
        ...(a.record.kind === "converge" && a.record.ok
          ? { drift: new Map(), convergedAt: a.at }
          : {}),
      };
    }
    case "stopped":
      return { ...s, stopped: true, pending: { kind: "none" } };
    case "debug-wanted":
    case "debug-op":
    case "debug-session":
      return reduceDebug(s, a);
  }
}

/**
 * The update to start now, if any: nothing runs (no update, no debug operation), something waits,
 * the loop is not stopping.
 */
export function nextUpdate(s: EngineState): Exclude<Decision, { kind: "none" }> | undefined {
  if (s.stopped || s.running || s.debugOp || s.pending.kind === "none") return undefined;
  return s.pending;
}

/** A service update for one service with one cause. */
export function serviceUpdate(service: string, trigger: Trigger): Decision {
  return { kind: "services", services: new Map([[service, [trigger]]]) };
}
