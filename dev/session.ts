import * as path from "path";
import dockerignore from "@balena/dockerignore";
import * as fs from "fs";
import type * as K from "@kubernetes/client-node";
import type { ConfigMap, EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { loadCatalog } from "../catalog/load";
import { planDeployment } from "../catalog/plan";
import { InputError } from "../catalog/problems";
import { APPLIANCES, Catalog } from "../catalog/types";
import {
  Activity,
  ciVerdict,
  objectsOf,
  ServiceRow,
  StackFacts,
  statusRows,
} from "../status/model";
import { LOG_TAIL_LINES, logKey } from "../status/diagnose";
import { problemsOf, ProblemInputs } from "../status/problems";
import { convergeFilesFor, decide, Decision, PROGRAM_DIRS, WatchPlan } from "./affected";
import { DevArgs } from "./args";
import { ClusterAccess, ClusterWatch, kubeClient } from "./cluster";
import { liveUpdateDecision } from "./liveUpdate";
import { LogFollower, LogLine } from "./logs";
import { ProgressTracker, progressLine } from "./progress";
import { UpdateQueue } from "./queue";
import { catalogDirOf, stackFacts, urlTable } from "./stackFacts";
import { paint, Screen } from "./terminal";
import { syncToPods } from "./sync";
import { SourceWatcher, watchSources } from "./watcher";
import { openStack, selectionConfig } from "./workspace";

/** Someone who wants to know what the loop sees: the dashboard. */
export interface SessionListener {
  rows?(rows: readonly ServiceRow[]): void;
  log?(line: LogLine): void;
  /** A converge or targeted update finished. */
  update?(u: UpdateRecord): void;
}

/** The last update the loop ran. */
export interface UpdateRecord {
  readonly kind: "converge" | "services";
  readonly trigger: string;
  readonly seconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

/** What the dashboard says about the stack: from its outputs, its config and the cluster. */
export interface StackInfo {
  readonly stack: string;
  readonly namespace: string;
  readonly kubeContext?: string;
  /** The API server's version (`v1.34.4`). */
  readonly kubernetesVersion?: string;
  /** Where built images are pushed (`localhost:5001`). */
  readonly registry?: string;
  readonly ingressController?: string;
}

const LOG_COLORS = ["cyan", "magenta", "blue", "yellow", "green"] as const;

/**
 * One `npm run dev` run: converge through the Automation API (the same program, state and stack
 * files as `pulumi up`), then keep a live status from the cluster's watch, stream logs, and turn
 * every save into the smallest update that covers it. Every watch, stream and child process it
 * starts is stopped by {@link DevSession.stop}.
 */
export class DevSession {
  readonly screen: Screen;
  private stack!: Stack;
  private catalog!: Catalog;
  private facts: StackFacts = { namespace: "", services: [], appliances: [] };
  private access: ClusterAccess = {};
  private cluster?: ClusterWatch;
  private follower?: LogFollower;
  private watcher?: SourceWatcher;
  private queue?: UpdateQueue;
  private readonly activity = new Map<string, Activity>();
  /** Services whose last live update failed: their next update rebuilds the image. */
  private readonly needsRebuild = new Set<string>();
  /** Container instances each live-updated service's files were copied into. */
  private readonly synced = new Map<string, Set<string>>();
  private readonly logCache: ProblemInputs["logs"] = new Map();
  private readonly listeners: SessionListener[] = [];
  private readonly abort = new AbortController();
  private rows: ServiceRow[] = [];
  private local = new Set<string>();
  private stopped = false;
  lastUpdate?: UpdateRecord;

  constructor(
    readonly projectDir: string,
    readonly args: DevArgs,
    out: NodeJS.WriteStream,
  ) {
    this.screen = new Screen(out);
  }

  get stackName(): string {
    return this.args.stack;
  }

  currentRows(): readonly ServiceRow[] {
    return this.rows;
  }

  listen(l: SessionListener): () => void {
    this.listeners.push(l);
    return () => this.listeners.splice(this.listeners.indexOf(l), 1);
  }

  /**
   * Checks the command line against the catalog (before anything runs), opens the stack, saves
   * the selection into its config and converges. Returns whether the converge succeeded.
   */
  async start(): Promise<boolean> {
    this.catalog = loadCatalog(catalogDirOf(this.projectDir, this.args.stack));
    planDeployment(this.catalog, {
      selection: this.args.names.length > 0 ? this.args.names : undefined,
      selectionSource: { file: "npm run dev", key: "services" },
      local: this.args.local,
      localSource: { file: "npm run dev", key: "--local" },
      buildAll: this.args.buildAll,
    });
    this.stack = await openStack(this.projectDir, this.args.stack, (l) =>
      this.screen.print(paint(this.screen.tty, "gray", l)),
    );
    const selection = selectionConfig(this.args);
    if (Object.keys(selection).length > 0) {
      await this.stack.setAllConfig(
        Object.fromEntries(Object.entries(selection).map(([k, v]) => [k, { value: v }])),
      );
    }
    return this.update({ kind: "converge", trigger: "npm run dev" });
  }

  /** After a converge: the cluster's watch, the status, logs and (unless --no-watch) the file watcher. */
  async follow(): Promise<void> {
    await this.connect();
    if (this.args.watch) {
      this.queue = new UpdateQueue(
        (d) => this.update(d).then(() => undefined),
        (err) => this.screen.print(paint(this.screen.tty, "red", `update failed: ${String(err)}`)),
      );
      await this.rewatch();
      this.screen.print(
        paint(
          this.screen.tty,
          "gray",
          "watching for changes; Ctrl-C stops watching (the stack stays up)",
        ),
      );
    }
  }

  /** `--ci`: resolves with the verdict once every service is ready, one has a terminal problem, or time is up. */
  async verdict(deadline: number): Promise<"ready" | "failed" | "timeout"> {
    await this.connect();
    for (;;) {
      const v = ciVerdict(this.rows);
      if (v !== "waiting") return v;
      if (Date.now() >= deadline || this.stopped) return "timeout";
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Runs a rebuild of these services now (the dashboard's button), as a save would. */
  rebuild(service: string): void {
    const decision: Decision = {
      kind: "services",
      services: new Map([[service, ["(rebuild requested)"]]]),
    };
    if (this.queue) this.queue.push(decision);
    else void this.update(decision);
  }

  /** Restarts a service's pods (the dashboard's button): a rollout restart, as kubectl does it. */
  async restart(service: string): Promise<void> {
    const objects = this.cluster?.snapshot();
    const deployment = objects?.deployments.find(
      (d) => d.metadata?.labels?.["app.kubernetes.io/name"] === service,
    );
    if (!this.cluster || !deployment?.metadata?.name)
      throw new Error(`${service} has no Deployment to restart`);
    const k = kubeClient();
    const apps = this.cluster.kc.makeApiClient(k.AppsV1Api);
    await apps.patchNamespacedDeployment(
      {
        name: deployment.metadata.name,
        namespace: this.facts.namespace,
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

  /** One update: a full converge, or a targeted one of the services whose sources changed. */
  private async update(original: Decision): Promise<boolean> {
    if (original.kind === "none" || this.stopped) return true;
    if (original.kind === "converge" && this.catalog) {
      // The catalog may have changed: read it again (the program will too), or say why it cannot be.
      try {
        this.catalog = loadCatalog(catalogDirOf(this.projectDir, this.args.stack));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        this.screen.print(
          paint(this.screen.tty, "red", `✘ not converging (${original.trigger}): ${err.message}`),
        );
        return false;
      }
    }
    const decision = original.kind === "services" ? await this.liveUpdate(original) : original;
    if (decision.kind === "none") return true;
    const started = Date.now();
    const trigger =
      decision.kind === "converge" ? decision.trigger : [...decision.services.values()].flat()[0];
    let targets: string[] | undefined;
    if (decision.kind === "services") {
      targets = await this.targetsOf([...decision.services.keys()]);
      for (const [s, files] of decision.services)
        this.setActivity(s, { state: "building", trigger: files.join(", "), startedAt: started });
    }
    const what =
      decision.kind === "converge"
        ? `converging (${decision.trigger})`
        : `updating ${[...decision.services.keys()].join(", ")} (${trigger})`;
    this.screen.print(paint(this.screen.tty, "blue", `▶ ${what}`));
    const known = [...this.catalog.services.keys(), ...APPLIANCES];
    const tracker = new ProgressTracker(known);
    const width = Math.max(...known.map((n) => n.length));
    const errors: string[] = [];
    const failed: string[] = [];
    const onEvent = (e: EngineEvent) => {
      if (e.diagnosticEvent?.severity === "error") errors.push(e.diagnosticEvent.message.trim());
      for (const p of tracker.onEvent(e)) {
        this.screen.print(progressLine(p, width));
        const state: Activity["state"] =
          p.phase === "failed"
            ? "failed"
            : p.step === "build" && p.phase === "started"
              ? "building"
              : p.step === "ready" && p.phase === "done"
                ? "done"
                : "deploying";
        if (p.phase === "failed") failed.push(p.service);
        this.setActivity(p.service, {
          state,
          // A service's own saves name this update's trigger for it; older activity does not.
          ...this.currentTrigger(p.service, started, trigger),
          ...(p.phase === "failed" ? { error: p.detail ?? "failed" } : {}),
        });
      }
    };
    let ok = true;
    let error: string | undefined;
    try {
      await this.stack.up({
        onEvent,
        color: "never",
        signal: this.abort.signal,
        ...(targets ? { target: targets } : {}),
      });
    } catch (err) {
      ok = false;
      error =
        errors.filter((m) => !/^update failed$/.test(m)).join("\n") ||
        String((err as Error).message ?? err)
          .split("\n")
          .slice(-5)
          .join("\n");
    }
    const seconds = (Date.now() - started) / 1000;
    if (ok) {
      const rebuilt =
        decision.kind === "converge"
          ? [...this.synced.keys(), ...this.needsRebuild]
          : [...decision.services.keys()];
      for (const s of rebuilt) {
        this.needsRebuild.delete(s);
        this.synced.delete(s);
      }
    }
    // Services the update did not reach after another one failed were not deployed: say which stopped it.
    const stoppedBy = failed.length > 0 ? `${failed.join(", ")} failed` : "the update failed";
    for (const [s, a] of this.activity) {
      if (a.startedAt >= started && (a.state === "building" || a.state === "deploying"))
        this.setActivity(s, {
          ...a,
          state: ok ? "done" : "failed",
          seconds,
          error: ok ? undefined : `not deployed: ${stoppedBy}`,
        });
      else if (a.startedAt >= started && a.state === "done")
        this.setActivity(s, { ...a, seconds: a.seconds ?? seconds });
    }
    await this.refreshFacts();
    const record: UpdateRecord = { kind: decision.kind, trigger, seconds, ok, error };
    this.lastUpdate = record;
    this.listeners.forEach((l) => l.update?.(record));
    if (ok) {
      this.screen.print(
        paint(this.screen.tty, "green", `✔ ${what}: done in ${seconds.toFixed(1)} s`),
        ...(decision.kind === "converge" ? urlTable(this.facts) : []),
      );
    } else {
      this.screen.print(
        paint(this.screen.tty, "red", `✘ ${what}: failed after ${seconds.toFixed(1)} s`),
        ...(error ?? "").split("\n").map((l) => `  ${l}`),
      );
    }
    if (decision.kind === "converge" && this.watcher) await this.rewatch();
    this.recompute();
    return ok;
  }

  /**
   * Live updates: for each service whose saved files all fall under its `build.liveUpdate` sync
   * rules, copies them into its ready pods (no image build) and reports it; returns what still
   * needs a rebuild, saying which file forced it. A failed step marks the service for a rebuild.
   */
  private async liveUpdate(decision: Extract<Decision, { kind: "services" }>): Promise<Decision> {
    const rebuild = new Map<string, readonly string[]>();
    for (const [service, files] of decision.services) {
      const build = this.catalog.services.get(service)?.build;
      const spec = build?.liveUpdate;
      const pods = this.readyPods(service);
      const requested = files.some((f) => f.startsWith("("));
      if (
        !build ||
        !spec ||
        requested ||
        this.needsRebuild.has(service) ||
        pods.length === 0 ||
        !this.cluster
      ) {
        if (spec && this.needsRebuild.has(service) && !requested) {
          this.screen.print(
            `${service}: rebuilding: the last live update failed, the pods need the image from the checkout`,
          );
        }
        rebuild.set(service, files);
        continue;
      }
      const changes = files.map((f) => {
        const abs = path.join(this.projectDir, f);
        return {
          path: path.relative(build.context, abs).split(path.sep).join("/"),
          deleted: !fs.existsSync(abs),
        };
      });
      const dockerfile = path.relative(build.context, build.dockerfile).split(path.sep).join("/");
      const row = this.rows.find((r) => r.name === service);
      if (row && (row.problem || row.ready < row.desired)) {
        const why = "its pods are not all ready (a live update reaches only running pods)";
        this.screen.print(
          paint(this.screen.tty, "yellow", `${service}: rebuilding the image: ${why}`),
        );
        rebuild.set(service, files);
        continue;
      }
      const show = (f: string) => path.relative(this.projectDir, path.join(build.context, f));
      const d = liveUpdateDecision(
        changes,
        spec,
        dockerfile.startsWith("..") ? undefined : dockerfile,
        show,
      );
      if (d.kind === "rebuild") {
        this.screen.print(
          paint(this.screen.tty, "yellow", `${service}: rebuilding the image: ${d.reason}`),
        );
        rebuild.set(service, files);
        continue;
      }
      const started = Date.now();
      this.setActivity(service, {
        state: "live-updating",
        trigger: files.join(", "),
        startedAt: started,
      });
      const report = await syncToPods(
        this.cluster.kc,
        this.facts.namespace,
        pods,
        build.context,
        d,
        spec,
      );
      const seconds = (Date.now() - started) / 1000;
      const digest = this.rows.find((r) => r.name === service)?.source;
      const on = digest?.kind === "built" ? digest.digest : "the image";
      if (report.failure) {
        this.needsRebuild.add(service);
        this.screen.print(
          paint(
            this.screen.tty,
            "red",
            `${service}: live update failed in ${report.failure.pod} (${report.failure.step}); the next save rebuilds the image`,
          ),
          ...report.failure.output.split("\n").map((l) => `  | ${l}`),
        );
        this.setActivity(service, {
          state: "failed",
          trigger: files.join(", "),
          startedAt: started,
          seconds,
          error: `live update: ${report.failure.step} failed`,
        });
        continue;
      }
      this.synced.set(service, new Set(pods.map((p) => p.containerId)));
      const what = [
        report.files > 0 ? `synced ${report.files} file${report.files === 1 ? "" : "s"}` : "",
        report.deleted > 0 ? `deleted ${report.deleted}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      this.screen.print(
        paint(
          this.screen.tty,
          "cyan",
          `${service}: ${what || "nothing to sync"}, ${seconds.toFixed(1)} s (${files.join(", ")})`,
        ),
      );
      this.setActivity(service, {
        state: "done",
        trigger: files.join(", "),
        startedAt: started,
        seconds,
        liveUpdate: { files: report.files + report.deleted, digest: on },
      });
    }
    return rebuild.size === 0 ? { kind: "none" } : { kind: "services", services: rebuild };
  }

  /** A service's ready pods and their container (named after the service), with its instance id. */
  private readyPods(service: string): { name: string; container: string; containerId: string }[] {
    return (this.cluster?.snapshot().pods ?? [])
      .filter(
        (p) =>
          p.metadata?.labels?.["app.kubernetes.io/name"] === service &&
          !p.metadata?.deletionTimestamp,
      )
      .filter((p) =>
        (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      )
      .map((p) => ({
        name: p.metadata!.name!,
        container: service,
        containerId:
          p.status?.containerStatuses?.find((c) => c.name === service)?.containerID ?? "",
      }));
  }

  /**
   * Live-updated files live only in the containers they were copied into: when one of them is
   * replaced (a restart, a rescheduled pod), the service is rebuilt from the checkout so that
   * nothing stays diverged.
   */
  private checkDiverged(): void {
    for (const [service, ids] of this.synced) {
      const pods = this.readyPods(service);
      const now = (this.cluster?.snapshot().pods ?? []).filter(
        (p) => p.metadata?.labels?.["app.kubernetes.io/name"] === service,
      );
      const replaced = now.some((p) =>
        (p.status?.containerStatuses ?? []).some(
          (c) => c.name === service && c.containerID && !ids.has(c.containerID),
        ),
      );
      if (!replaced || pods.length === 0) continue;
      this.synced.delete(service);
      this.screen.print(
        paint(
          this.screen.tty,
          "yellow",
          `${service}: a live-updated container was replaced (it runs the image's files again): rebuilding from the checkout`,
        ),
      );
      this.queue?.push({
        kind: "services",
        services: new Map([[service, ["(a live-updated container was replaced)"]]]),
      });
    }
  }

  /** The trigger and start of a service's part in the update that started at `started`. */
  private currentTrigger(service: string, started: number, trigger: string) {
    const a = this.activity.get(service);
    return a && a.startedAt >= started
      ? { trigger: a.trigger, startedAt: a.startedAt }
      : { trigger, startedAt: started };
  }

  /** URNs of everything a service owns in the stack (its image, workload, Service, Ingress, readiness). */
  private async targetsOf(services: string[]): Promise<string[] | undefined> {
    const state = await this.stack.exportStack();
    const urns: string[] = (state.deployment?.resources ?? []).map((r: { urn: string }) => r.urn);
    const known = [...this.catalog.services.keys()];
    const out: string[] = [];
    for (const s of services) {
      const mine = urns.filter((u) => {
        const name = u.split("::").pop() ?? "";
        return (
          name.startsWith(`platform-${s}-`) &&
          !known.some(
            (k) =>
              k.length > s.length && k.startsWith(`${s}-`) && name.startsWith(`platform-${k}-`),
          )
        );
      });
      if (mine.length === 0) return undefined; // never deployed: only a converge can create it
      out.push(...mine);
    }
    return out;
  }

  private async refreshFacts(): Promise<void> {
    let outputs: OutputMap = {};
    try {
      outputs = await this.stack.outputs();
    } catch {
      return;
    }
    const value = (k: string) => outputs[k]?.value;
    this.facts = stackFacts(
      {
        namespace: value("namespace"),
        services: value("services"),
        appliances: value("appliances"),
        urls: value("urls"),
      },
      this.catalog,
    );
    this.local = new Set(
      Array.isArray(value("builtFromSource")) ? (value("builtFromSource") as string[]) : [],
    );
    const config = await this.stack.getAllConfig();
    this.access = {
      kubeconfig:
        typeof value("kubeconfig") === "string"
          ? (value("kubeconfig") as string)
          : config["localkube:kubeconfig"]?.value,
      context: value("kubeconfig") ? undefined : config["localkube:kubeContext"]?.value,
    };
  }

  /** Starts the cluster's watch (and the log follower) once the namespace is known. */
  private async connect(): Promise<void> {
    if (this.cluster || !this.facts.namespace) {
      this.recompute();
      return;
    }
    this.cluster = await ClusterWatch.start(this.access, this.facts.namespace, () =>
      this.recompute(),
    );
    // The dashboard shows every service's logs; the terminal prints those --logs asked for.
    if (this.args.logs !== false || this.args.ui) {
      const printed = this.args.logs === true ? "all" : new Set(this.args.logs || []);
      const colors = new Map<string, (typeof LOG_COLORS)[number]>();
      this.follower = new LogFollower(this.cluster, this.args.ui ? "all" : printed, (line) => {
        if (printed === "all" || printed.has(line.service)) {
          if (!colors.has(line.service))
            colors.set(line.service, LOG_COLORS[colors.size % LOG_COLORS.length]);
          this.screen.print(
            `${paint(this.screen.tty, colors.get(line.service)!, line.service)} | ${line.text}`,
          );
        }
        this.listeners.forEach((l) => l.log?.(line));
      });
    }
    this.recompute();
  }

  /** The rows from what the watch holds now; sent to the screen and every listener. */
  private recompute(): void {
    if (this.stopped) return;
    const objects = this.cluster?.snapshot() ?? {
      pods: [],
      events: [],
      deployments: [],
      statefulSets: [],
      replicaSets: [],
    };
    const problems = problemsOf(this.facts, objects, {
      logs: this.logCache,
      fetchLogs: (pod, container, previous) => this.fetchLogs(pod, container, previous),
    });
    this.rows = statusRows(this.facts, objects, problems, this.activity);
    this.screen.status(this.rows);
    this.listeners.forEach((l) => l.rows?.(this.rows));
    this.follower?.refresh();
    this.checkDiverged();
  }

  /** A crashed container's last lines, fetched once per instance (the cache key holds its restart count). */
  private fetchLogs(pod: string, container: string, previous: boolean): void {
    const key = `${logKey(pod, container)}${previous ? "#previous" : ""}`;
    if (this.logCache.has(key) || !this.cluster) return;
    this.logCache.set(key, undefined);
    void this.cluster.logTail(pod, container, LOG_TAIL_LINES, previous).then((lines) => {
      this.logCache.set(key, lines);
      // A later crash of the same container brings new lines: forget these after a while.
      setTimeout(() => this.logCache.delete(key), 5000);
      this.recompute();
    });
  }

  private setActivity(service: string, a: Activity): void {
    this.activity.set(service, a);
    this.recompute();
  }

  /** (Re)starts the file watcher for the sources of the services built from the checkout. */
  private async rewatch(): Promise<void> {
    await this.watcher?.close();
    const plan = this.watchPlan();
    this.watcher = await watchSources(plan, (files) => {
      const d = decide(files, plan);
      if (d.kind !== "none") this.queue?.push(d);
    });
  }

  watchPlan(): WatchPlan {
    const contexts = [...this.local].flatMap((name) => {
      const build = this.catalog.services.get(name)?.build;
      if (!build) return [];
      const ignoreFile = path.join(build.context, ".dockerignore");
      const ig = dockerignore({}).add(
        fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8").split("\n") : [],
      );
      return [
        {
          service: name,
          dir: build.context,
          dockerfile: build.dockerfile,
          ignored: (rel: string) => ig.ignores(rel),
        },
      ];
    });
    return {
      projectDir: this.projectDir,
      catalogDir: catalogDirOf(this.projectDir, this.args.stack),
      contexts,
      convergeFiles: convergeFilesFor(this.args.stack),
      programDirs: [...PROGRAM_DIRS],
    };
  }

  /** The dashboard: a service's events as the cluster's watch holds them (Kubernetes keeps about an hour). */
  events(service: string): readonly K.CoreV1Event[] {
    const objects = this.cluster?.snapshot();
    return (objects && objectsOf(service, this.facts.namespace, objects).events) || [];
  }

  /** The dashboard: the stack's outputs and config, and the API server's version once connected. */
  async stackInfo(): Promise<StackInfo> {
    const [outputs, config] = await Promise.all([
      this.stack?.outputs().catch(() => ({}) as OutputMap),
      this.stack?.getAllConfig().catch(() => ({}) as ConfigMap),
    ]);
    const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    let kubernetesVersion: string | undefined;
    if (this.cluster) {
      const version = this.cluster.kc.makeApiClient(kubeClient().VersionApi);
      kubernetesVersion = await version.getCode().then(
        (v) => v.gitVersion,
        () => undefined,
      );
    }
    return {
      stack: this.args.stack,
      namespace: this.facts.namespace,
      kubeContext: text(outputs?.kubeContext?.value) ?? this.access.context,
      kubernetesVersion,
      registry:
        text(outputs?.registry?.value) ?? text(config?.["localkube:registry.address"]?.value),
      ingressController:
        text(config?.["localkube:ingress.controller"]?.value) ??
        (text(outputs?.kubeContext?.value)?.startsWith("kind-") ? "ingress-nginx" : undefined),
    };
  }

  /**
   * The dashboard's "rebuild & redeploy": a targeted update of the service (queued like a save),
   * then new pods even when the image came out the same (a rollout restart). Resolves when done.
   */
  async redeploy(service: string): Promise<void> {
    const image = () =>
      this.cluster
        ?.snapshot()
        .deployments.find((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === service)?.spec
        ?.template?.spec?.containers?.[0]?.image;
    const before = image();
    const decision: Decision = {
      kind: "services",
      services: new Map([[service, ["(rebuild requested)"]]]),
    };
    let ok: boolean;
    if (this.queue) {
      this.queue.push(decision);
      await this.queue.idle();
      ok = this.lastUpdate?.ok ?? false;
    } else ok = await this.update(decision);
    if (!ok) throw new Error(`the update of ${service} failed: ${this.lastUpdate?.error ?? ""}`);
    if (before !== undefined && image() === before) await this.restart(service);
  }

  /** Stops watching: the file watcher, the cluster's watch, log streams and a running update. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.follower?.stop();
    await Promise.all([this.watcher?.close(), this.cluster?.stop()]);
    await this.queue?.idle().catch(() => undefined);
    this.screen.release();
  }
}

/** Formats a failure of the command line or the catalog for the terminal (no stack trace). */
export function startError(err: unknown): string | undefined {
  if (err instanceof InputError) return err.message;
  return undefined;
}
