/**
 * The save runner: new code of some services reaches the cluster by the cheapest way that
 * covers it — a live update (files copied into the running pods) when every saved file lies under
 * a sync rule; else the fast save path (build with the stack's builder, push, set the image
 * through the API as Pulumi's field manager, wait as the readiness gate does); else, saying why,
 * a targeted `pulumi up` of the services' resources.
 */
import * as fs from "fs";
import * as path from "path";
import { LABELS } from "../../kube/labels";
import type { ServiceRow } from "../../status/model";
import type { Decision } from "../affected";
import { routeSaves } from "../fastSave";
import { buildsWhileDebugging } from "../debug/session";
import { FastSaveEvent, runFastSaves } from "../fastSaveRunner";
import { liveUpdateDecision } from "../liveUpdate";
import { describeTrigger, savedFiles, Trigger } from "../trigger";
import type { RunContext } from "./context";
import { runUp, serviceTargets, UpdateOutcome } from "./converge";
import type { ClusterPort } from "./ports";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A service's ready pods and the container named after the service, with its instance id. */
export function readyPods(
  cluster: Pick<ClusterPort, "snapshot">,
  service: string,
): { name: string; container: string; containerId: string }[] {
  return cluster
    .snapshot()
    .pods.filter(
      (p) => p.metadata?.labels?.[LABELS.name] === service && !p.metadata?.deletionTimestamp,
    )
    .filter((p) =>
      (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    )
    .map((p) => ({
      name: p.metadata!.name!,
      container: service,
      containerId: p.status?.containerStatuses?.find((c) => c.name === service)?.containerID ?? "",
    }));
}

/**
 * Why a service's save cannot be a live update ("" when it has none at all, or the cause is not
 * a save), or undefined when it can. Pure.
 */
export function liveUpdateRefusal(
  triggers: readonly Trigger[],
  hasLiveUpdate: boolean,
  lastFailed: boolean,
  row: Pick<ServiceRow, "problem" | "ready" | "desired"> | undefined,
  readyPodCount: number,
): string | undefined {
  const other = triggers.find((t) => t.kind !== "file");
  if (!hasLiveUpdate) return "";
  if (other) return describeTrigger(other);
  if (lastFailed) return "the last live update failed, the pods need the image from the checkout";
  if (readyPodCount === 0 || (row && (row.problem || row.ready < row.desired)))
    return "its pods are not all ready (a live update reaches only running pods)";
  return undefined;
}

/** Tries a live update of one service; true when it was carried (or failed in its own way). */
async function liveUpdate(
  ctx: RunContext,
  cluster: ClusterPort,
  service: string,
  triggers: readonly Trigger[],
  rows: readonly ServiceRow[],
): Promise<boolean> {
  const build = ctx.catalog().services.get(service)?.build;
  const spec = build?.liveUpdate;
  const refusal = liveUpdateRefusal(
    triggers,
    spec !== undefined,
    ctx.state().liveFailed.has(service),
    rows.find((r) => r.name === service),
    readyPods(cluster, service).length,
  );
  if (refusal !== undefined) {
    if (refusal) ctx.print("yellow", `${service}: rebuilding the image: ${refusal}`);
    return false;
  }
  const files = savedFiles(triggers);
  const posix = (p: string) => p.split(path.sep).join("/");
  const changes = files.map((f) => {
    const abs = path.join(ctx.projectDir, f);
    return { path: posix(path.relative(build!.context, abs)), deleted: !fs.existsSync(abs) };
  });
  const dockerfile = posix(path.relative(build!.context, build!.dockerfile));
  const show = (f: string) => path.relative(ctx.projectDir, path.join(build!.context, f));
  const d = liveUpdateDecision(
    changes,
    spec!,
    dockerfile.startsWith("..") ? undefined : dockerfile,
    show,
  );
  if (d.kind === "rebuild") {
    ctx.print("yellow", `${service}: rebuilding the image: ${d.reason}`);
    return false;
  }
  const started = ctx.ports.now();
  const trigger = files.join(", ");
  ctx.dispatch({
    type: "activity",
    service,
    activity: { state: "live-updating", trigger, startedAt: started },
  });
  const pods = readyPods(cluster, service);
  const report = await ctx.ports.sync(
    cluster.kc,
    cluster.namespace,
    pods,
    build!.context,
    d,
    spec!,
  );
  const seconds = (ctx.ports.now() - started) / 1000;
  if (report.failure) {
    const f = report.failure;
    ctx.dispatch({ type: "live-failed", service });
    ctx.print(
      "red",
      `${service}: live update failed in ${f.pod} (${f.step}); the next save rebuilds the image`,
    );
    for (const l of f.output.split("\n")) ctx.print(undefined, `  | ${l}`);
    ctx.dispatch({
      type: "activity",
      service,
      activity: {
        state: "failed",
        trigger,
        startedAt: started,
        seconds,
        error: `live update: ${f.step} failed`,
      },
    });
    return true;
  }
  ctx.dispatch({ type: "live-synced", service, containers: pods.map((p) => p.containerId) });
  const what = [
    report.files > 0 ? `synced ${plural(report.files, "file")}` : "",
    report.deleted > 0 ? `deleted ${report.deleted}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  ctx.print(
    "cyan",
    `${service}: ${what || "nothing to sync"}, ${seconds.toFixed(1)} s (${trigger})`,
  );
  const source = rows.find((r) => r.name === service)?.source;
  ctx.dispatch({
    type: "activity",
    service,
    activity: {
      state: "done",
      trigger,
      startedAt: started,
      seconds,
      liveUpdate: {
        files: report.files + report.deleted,
        digest: source?.kind === "built" ? source.digest : "the image",
      },
    },
  });
  return true;
}

/** The save runner (see the module's comment). */
export async function runSaves(
  ctx: RunContext,
  decision: Extract<Decision, { kind: "services" }>,
  rows: readonly ServiceRow[],
): Promise<UpdateOutcome> {
  const { ports } = ctx;
  const started = ports.now();
  const cluster = ctx.cluster();
  const triggerOf = (s: string) => (decision.services.get(s) ?? []).map(describeTrigger).join(", ");
  const first = [...decision.services.values()].flat()[0];
  const trigger = first ? describeTrigger(first) : "";

  const rebuild: string[] = [];
  for (const [service, triggers] of decision.services) {
    if (!cluster || !(await liveUpdate(ctx, cluster, service, triggers, rows)))
      rebuild.push(service);
  }
  if (rebuild.length === 0)
    return {
      record: { kind: "services", trigger, seconds: (ports.now() - started) / 1000, ok: true },
      rebuilt: [],
      refreshed: false,
    };

  const view = ctx.state().stack;
  const routes =
    cluster && view
      ? routeSaves(rebuild, {
          // A Go service being debugged is built for its debugger.
          builds: buildsWhileDebugging(view.builds, ctx.state().debugSessions),
          workloads: cluster.snapshot(),
          builder: (b) => ports.builder(b),
        })
      : rebuild.map((service) => ({
          path: "engine" as const,
          service,
          reason: "the loop is not connected to the cluster yet",
        }));
  const errors: string[] = [];
  const rebuilt: string[] = [];

  const fast = routes.flatMap((r) => (r.path === "fast" ? [r.save] : []));
  if (fast.length > 0 && cluster) {
    ctx.print("blue", `▶ updating ${fast.map((s) => s.service).join(", ")} (${trigger})`);
    for (const s of fast)
      ctx.dispatch({
        type: "activity",
        service: s.service,
        activity: { state: "building", trigger: triggerOf(s.service), startedAt: started },
      });
    const width = Math.max(...fast.map((s) => s.service.length));
    const report = (e: FastSaveEvent) => {
      const name = e.service.padEnd(width);
      if (e.step === "built") {
        ctx.print(
          undefined,
          `${name}  built     ${e.digest.slice(0, 19)}  ${e.seconds.toFixed(1)} s`,
        );
        ctx.dispatch({
          type: "activity",
          service: e.service,
          activity: { state: "deploying", trigger: triggerOf(e.service), startedAt: started },
        });
      } else if (e.step === "unchanged")
        ctx.print(
          undefined,
          `${name}  image unchanged (${e.digest.slice(0, 19)}): nothing to roll`,
        );
      else if (e.step === "applied")
        ctx.print(undefined, `${name}  set image of ${e.kind} ${e.name}`);
      else ctx.print(undefined, `${name}  ready     ${e.seconds.toFixed(1)} s`);
    };
    const results = await runFastSaves(fast, {
      cluster,
      build: (b, endpoint) => ports.buildImage(b, endpoint),
      timeoutSeconds: view?.readyTimeoutSeconds ?? 120,
      report,
      now: ports.now,
    });
    const seconds = (ports.now() - started) / 1000;
    for (const r of results) {
      ctx.dispatch({
        type: "activity",
        service: r.service,
        activity: {
          state: r.ok ? "done" : "failed",
          trigger: triggerOf(r.service),
          startedAt: started,
          seconds,
          ...(r.ok ? {} : { error: r.error }),
        },
      });
      if (r.ok) rebuilt.push(r.service);
      else errors.push(`${r.service}: ${r.error}`);
    }
    const saved = results.filter((r) => r.touched).map((r) => r.service);
    if (saved.length > 0) ctx.dispatch({ type: "fast-saved", services: saved });
  }

  const engine = routes.flatMap((r) => (r.path === "engine" ? [r] : []));
  if (engine.length > 0) {
    for (const r of engine) ctx.print("yellow", `${r.service}: through pulumi up: ${r.reason}`);
    const names = new Set(engine.map((r) => r.service));
    const resources = await ports.stack.resources();
    const neverDeployed = [...names].filter(
      (n) => serviceTargets(resources, new Set([n])).length === 0,
    );
    if (neverDeployed.length > 0) {
      // Only a converge can create what the stack does not hold yet.
      ctx.print("yellow", `${neverDeployed.join(", ")}: not in the stack yet: converging instead`);
      ctx.dispatch({
        type: "queued",
        decision: { kind: "converge", trigger: first ?? { kind: "start" } },
      });
      for (const n of neverDeployed) names.delete(n);
    }
    if (names.size > 0) {
      for (const service of names)
        ctx.dispatch({
          type: "activity",
          service,
          activity: { state: "building", trigger: triggerOf(service), startedAt: started },
        });
      const what = `updating ${[...names].join(", ")} (${trigger})`;
      ctx.print("blue", `▶ ${what}`);
      const up = await runUp(ctx, {
        label: what,
        trigger,
        targets: serviceTargets(resources, names),
      });
      if (up.ok) rebuilt.push(...names);
      else errors.push(up.error ?? "the update failed");
    }
    const read = await ports.stack.read(ctx.catalog()).catch(() => undefined);
    if (read) ctx.dispatch({ type: "stack-read", view: read });
  }

  const seconds = (ports.now() - started) / 1000;
  const what = `updating ${rebuild.join(", ")} (${trigger})`;
  if (errors.length === 0) ctx.print("green", `✔ ${what}: done in ${seconds.toFixed(1)} s`);
  else {
    ctx.print("red", `✘ ${what}: failed after ${seconds.toFixed(1)} s`);
    for (const l of errors.join("\n").split("\n")) ctx.print(undefined, `  ${l}`);
  }
  return {
    record: {
      kind: "services",
      trigger,
      seconds,
      ok: errors.length === 0,
      ...(errors.length > 0 ? { error: errors.join("\n") } : {}),
    },
    rebuilt,
    refreshed: false,
  };
}
