import * as fs from "fs";
import * as path from "path";
import type { Catalog } from "../catalog/types";
import { LABELS } from "../kube/labels";
import type { Activity, ServiceRow } from "../status/model";
import type { Decision } from "./affected";
import type { ClusterWatch } from "./cluster";
import { liveUpdateDecision } from "./liveUpdate";
import { syncToPods } from "./sync";

/** What live updates need from the dev session. */
export interface LiveContext {
  readonly projectDir: string;
  readonly catalog: Catalog;
  readonly namespace: string;
  readonly cluster: ClusterWatch;
  /** The status rows as last computed. */
  readonly rows: readonly ServiceRow[];
  /** Prints a line above the status, in a colour. */
  print(color: "red" | "yellow" | "cyan" | undefined, line: string): void;
  setActivity(service: string, a: Activity): void;
  /** Queues a rebuild of a service, saying why. */
  rebuild(service: string, why: string): void;
}

/** A service's ready pods and their container (named after the service), with its instance id. */
export function readyPods(
  cluster: ClusterWatch,
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The live updates of one dev session: which saves can be copied into running pods, the copies
 * themselves, and what they leave behind — services whose live update failed (the next save
 * rebuilds them) and the container instances that hold synced files (when one is replaced, it
 * runs the image's files again, so the service is rebuilt from the checkout).
 */
export class LiveUpdater {
  /** Services whose last live update failed: their next update rebuilds the image. */
  private readonly needsRebuild = new Set<string>();
  /** Container instances each live-updated service's files were copied into. */
  private readonly synced = new Map<string, Set<string>>();

  /**
   * For each service whose saved files all fall under its `build.liveUpdate` sync rules, copies
   * them into its ready pods (no image build) and reports it; returns what still needs a
   * rebuild, having said which file (or state) forced it.
   */
  async apply(
    decision: Extract<Decision, { kind: "services" }>,
    ctx: LiveContext,
  ): Promise<Decision> {
    const rebuild = new Map<string, readonly string[]>();
    for (const [service, files] of decision.services) {
      const forced = this.rebuildReason(service, files, ctx);
      if (forced !== undefined) {
        if (forced) ctx.print("yellow", `${service}: rebuilding the image: ${forced}`);
        rebuild.set(service, files);
        continue;
      }
      if (!(await this.sync(service, files, ctx))) rebuild.set(service, files);
    }
    return rebuild.size === 0 ? { kind: "none" } : { kind: "services", services: rebuild };
  }

  /** Why a service's saves cannot be live-updated ("" when it has no live update at all), or undefined. */
  private rebuildReason(
    service: string,
    files: readonly string[],
    ctx: LiveContext,
  ): string | undefined {
    const spec = ctx.catalog.services.get(service)?.build?.liveUpdate;
    if (!spec || files.some((f) => f.startsWith("("))) return "";
    if (this.needsRebuild.has(service))
      return "the last live update failed, the pods need the image from the checkout";
    const row = ctx.rows.find((r) => r.name === service);
    if (
      readyPods(ctx.cluster, service).length === 0 ||
      (row && (row.problem || row.ready < row.desired))
    ) {
      return "its pods are not all ready (a live update reaches only running pods)";
    }
    return undefined;
  }

  /** Copies one service's saves into its pods; false when the files call for a rebuild instead. */
  private async sync(
    service: string,
    files: readonly string[],
    ctx: LiveContext,
  ): Promise<boolean> {
    const build = ctx.catalog.services.get(service)!.build!;
    const spec = build.liveUpdate!;
    const posix = (p: string) => p.split(path.sep).join("/");
    const changes = files.map((f) => {
      const abs = path.join(ctx.projectDir, f);
      return { path: posix(path.relative(build.context, abs)), deleted: !fs.existsSync(abs) };
    });
    const dockerfile = posix(path.relative(build.context, build.dockerfile));
    const show = (f: string) => path.relative(ctx.projectDir, path.join(build.context, f));
    const d = liveUpdateDecision(
      changes,
      spec,
      dockerfile.startsWith("..") ? undefined : dockerfile,
      show,
    );
    if (d.kind === "rebuild") {
      ctx.print("yellow", `${service}: rebuilding the image: ${d.reason}`);
      return false;
    }
    const started = Date.now();
    const trigger = files.join(", ");
    ctx.setActivity(service, { state: "live-updating", trigger, startedAt: started });
    const pods = readyPods(ctx.cluster, service);
    const report = await syncToPods(ctx.cluster.kc, ctx.namespace, pods, build.context, d, spec);
    const seconds = (Date.now() - started) / 1000;
    if (report.failure) {
      this.needsRebuild.add(service);
      const f = report.failure;
      ctx.print(
        "red",
        `${service}: live update failed in ${f.pod} (${f.step}); the next save rebuilds the image`,
      );
      for (const l of f.output.split("\n")) ctx.print(undefined, `  | ${l}`);
      ctx.setActivity(service, {
        state: "failed",
        trigger,
        startedAt: started,
        seconds,
        error: `live update: ${f.step} failed`,
      });
      return true;
    }
    this.synced.set(service, new Set(pods.map((p) => p.containerId)));
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
    const source = ctx.rows.find((r) => r.name === service)?.source;
    ctx.setActivity(service, {
      state: "done",
      trigger,
      startedAt: started,
      seconds,
      liveUpdate: {
        files: report.files + report.deleted,
        digest: source?.kind === "built" ? source.digest : "the image",
      },
    });
    return true;
  }

  /** After a successful build of these services (or all): their pods run the checkout again. */
  rebuilt(services: readonly string[] | "all"): void {
    for (const s of services === "all" ? [...this.synced.keys(), ...this.needsRebuild] : services) {
      this.needsRebuild.delete(s);
      this.synced.delete(s);
    }
  }

  /**
   * Live-updated files live only in the containers they were copied into: when one of them is
   * replaced (a restart, a rescheduled pod), the service is rebuilt from the checkout so that
   * nothing stays diverged.
   */
  checkDiverged(ctx: LiveContext): void {
    for (const [service, ids] of this.synced) {
      const pods = ctx.cluster
        .snapshot()
        .pods.filter((p) => p.metadata?.labels?.[LABELS.name] === service);
      const replaced = pods.some((p) =>
        (p.status?.containerStatuses ?? []).some(
          (c) => c.name === service && c.containerID && !ids.has(c.containerID),
        ),
      );
      if (!replaced || readyPods(ctx.cluster, service).length === 0) continue;
      this.synced.delete(service);
      ctx.print(
        "yellow",
        `${service}: a live-updated container was replaced (it runs the image's files again): rebuilding from the checkout`,
      );
      ctx.rebuild(service, "(a live-updated container was replaced)");
    }
  }
}
