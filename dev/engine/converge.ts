/**
 * The converge runner: a full `pulumi up` through the Automation API — the first one with a refresh
 * of the whole stack, later ones after a refresh of what fast saves or someone else changed in the
 * cluster, so that the engine diffs against what runs — with one progress line per service step,
 * then the stack's outputs read again.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { APPLIANCES } from "../../catalog/appliances";
import { InputError } from "../../catalog/problems";
import type { Activity } from "../../status/model";
import type { Decision } from "../affected";
import { ownerOf, ProgressTracker, progressLine } from "../progress";
import { urlTable } from "../stackView";
import { describeTrigger } from "../trigger";
import type { RunContext } from "./context";
import type { StateResource } from "./ports";
import type { UpdateRecord } from "./state";

/** How an update ended, for the `finished` action. */
export interface UpdateOutcome {
  readonly record: UpdateRecord;
  readonly rebuilt: readonly string[] | "all";
  readonly refreshed: boolean;
}

/** Kubernetes objects of these services in the checkpoint: what a refresh reads back. */
export function refreshTargets(
  resources: readonly StateResource[],
  services: ReadonlySet<string>,
): string[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .filter((r) => services.has(ownerOf(r.type, r.inputs) ?? ""))
    .map((r) => r.urn);
}

/** Every resource these services own in the checkpoint (a targeted update), by their own inputs. */
export function serviceTargets(
  resources: readonly StateResource[],
  services: ReadonlySet<string>,
): string[] {
  return resources.filter((r) => services.has(ownerOf(r.type, r.inputs) ?? "")).map((r) => r.urn);
}

/** The engine error of a failed update in words: its error diagnostics, else the end of its message. */
export function engineError(diagnostics: readonly string[], err: unknown): string {
  return (
    diagnostics.filter((m) => !/^update failed$/.test(m)).join("\n") ||
    String((err as Error).message ?? err)
      .split("\n")
      .slice(-5)
      .join("\n")
  );
}

/**
 * Runs `pulumi up` (of `targets` only when given) with progress lines and per-service activity.
 * Services the update reached keep their state; after a failure, those it did not reach say which
 * service stopped it.
 */
export async function runUp(
  ctx: RunContext,
  opts: {
    readonly label: string;
    readonly trigger: string;
    readonly targets?: readonly string[];
    /** Refresh every resource first (`pulumi up --refresh`). */
    readonly refresh?: boolean;
  },
): Promise<{ ok: boolean; error?: string; seconds: number }> {
  const { ports } = ctx;
  const started = ports.now();
  const known = new Set([...ctx.catalog().services.keys(), ...APPLIANCES]);
  const tracker = new ProgressTracker(known);
  const width = Math.max(...[...known].map((n) => n.length));
  const diagnostics: string[] = [];
  const failed: string[] = [];
  const reached = new Set<string>();
  const onEvent = (e: EngineEvent) => {
    if (e.diagnosticEvent?.severity === "error") diagnostics.push(e.diagnosticEvent.message.trim());
    for (const p of tracker.onEvent(e)) {
      ctx.print(undefined, progressLine(p, width));
      reached.add(p.service);
      if (p.phase === "failed") failed.push(p.service);
      const state: Activity["state"] =
        p.phase === "failed"
          ? "failed"
          : p.step === "build" && p.phase === "started"
            ? "building"
            : (p.step === "ready" || p.step === "remove") && p.phase === "done"
              ? "done"
              : "deploying";
      const prior = ctx.state().activity.get(p.service);
      ctx.dispatch({
        type: "activity",
        service: p.service,
        activity: {
          state,
          // A service's own saves name this update's trigger for it; older activity does not.
          trigger: prior && prior.startedAt >= started ? prior.trigger : opts.trigger,
          startedAt: prior && prior.startedAt >= started ? prior.startedAt : started,
          ...(p.phase === "failed" ? { error: p.detail ?? "failed" } : {}),
        },
      });
    }
  };
  let error: string | undefined;
  try {
    await ports.stack.up({
      onEvent,
      ...(opts.targets ? { targets: opts.targets } : {}),
      ...(opts.refresh ? { refresh: true } : {}),
    });
  } catch (err) {
    error = engineError(diagnostics, err);
  }
  const seconds = (ports.now() - started) / 1000;
  const stoppedBy = failed.length > 0 ? `${failed.join(", ")} failed` : "the update failed";
  for (const [service, a] of ctx.state().activity) {
    if (a.startedAt < started) continue;
    if (a.state === "building" || a.state === "deploying")
      ctx.dispatch({
        type: "activity",
        service,
        activity: {
          ...a,
          state: error ? "failed" : "done",
          seconds,
          error: error ? `not deployed: ${stoppedBy}` : undefined,
        },
      });
    else if (a.state === "done" && a.seconds === undefined)
      ctx.dispatch({ type: "activity", service, activity: { ...a, seconds } });
  }
  return { ok: error === undefined, error, seconds };
}

/** A full converge (see the module's comment). */
export async function runConverge(
  ctx: RunContext,
  decision: Extract<Decision, { kind: "converge" }>,
): Promise<UpdateOutcome> {
  const trigger = describeTrigger(decision.trigger);
  const what = `converging (${trigger})`;
  const fail = (error: string, seconds = 0): UpdateOutcome => ({
    record: { kind: "converge", trigger, seconds, ok: false, error },
    rebuilt: [],
    refreshed: false,
  });
  if (decision.trigger.kind !== "start") {
    // The catalog may have changed: the program reads it again, and so does the loop.
    try {
      ctx.reloadCatalog();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      ctx.print("red", `✘ not converging (${trigger}): ${err.message}`);
      return fail(err.message);
    }
  }
  const toRefresh = ctx.state().refreshBeforeConverge;
  if (toRefresh.size > 0) {
    const targets = refreshTargets(await ctx.ports.stack.resources(), toRefresh);
    if (targets.length > 0) {
      ctx.print(
        "gray",
        `refreshing ${[...toRefresh].sort().join(", ")} from the cluster first (changed since the last converge)`,
      );
      try {
        await ctx.ports.stack.refresh(targets);
      } catch (err) {
        const error = `the refresh before converging failed: ${String((err as Error).message ?? err)}`;
        ctx.print("red", `✘ ${error}`);
        return fail(error);
      }
    }
  }
  ctx.print("blue", `▶ ${what}`);
  // The first converge reads the whole stack back from the cluster: what changed while the loop
  // did not watch (a workload deleted by hand) is restored; later ones refresh what they saw change.
  const up = await runUp(ctx, { label: what, trigger, refresh: decision.trigger.kind === "start" });
  const view = await ctx.ports.stack.read(ctx.catalog()).catch(() => undefined);
  if (view) ctx.dispatch({ type: "stack-read", view });
  if (up.ok) {
    ctx.print("green", `✔ ${what}: done in ${up.seconds.toFixed(1)} s`);
    for (const l of view ? urlTable(view.facts) : []) ctx.print(undefined, l);
  } else {
    ctx.print("red", `✘ ${what}: failed after ${up.seconds.toFixed(1)} s`);
    for (const l of (up.error ?? "").split("\n")) ctx.print(undefined, `  ${l}`);
  }
  return {
    record: { kind: "converge", trigger, seconds: up.seconds, ok: up.ok, error: up.error },
    rebuilt: up.ok ? "all" : [],
    refreshed: up.ok,
  };
}
