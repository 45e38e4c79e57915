import * as path from "path";
import dockerignore from "@balena/dockerignore";
import * as fs from "fs";
import type * as K from "@kubernetes/client-node";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { loadCatalog } from "../catalog/load";
import { planDeployment } from "../catalog/plan";
import { InputError } from "../catalog/problems";
import { APPLIANCES } from "../catalog/appliances";
import { Catalog } from "../catalog/types";
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
import { LiveContext, LiveUpdater } from "./liveUpdater";
import { LogFollower, LogLine } from "./logs";
import { ProgressTracker, progressLine } from "./progress";
import { UpdateQueue } from "./queue";
import { catalogDirOf, urlTable } from "./stackFacts";
import { paint, Screen } from "./terminal";
import { SourceWatcher, watchSources } from "./watcher";
import { readStack, serviceTargets, StackInfo, stackInfo, StackView } from "./stackState";
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

export type { StackInfo } from "./stackState";

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
  private view?: StackView;
  private cluster?: ClusterWatch;
  private follower?: LogFollower;
  private watcher?: SourceWatcher;
  private queue?: UpdateQueue;
  private readonly activity = new Map<string, Activity>();
  private readonly live = new LiveUpdater();
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
    const decision =
      original.kind === "services" && this.cluster
        ? await this.live.apply(original, this.liveContext(this.cluster))
        : original;
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
    if (ok) this.live.rebuilt(decision.kind === "converge" ? "all" : [...decision.services.keys()]);
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

  /** What live updates need from the session. */
  private liveContext(cluster: ClusterWatch): LiveContext {
    return {
      projectDir: this.projectDir,
      catalog: this.catalog,
      namespace: this.facts.namespace,
      cluster,
      rows: this.rows,
      print: (color, line) => this.screen.print(color ? paint(this.screen.tty, color, line) : line),
      setActivity: (service, a) => this.setActivity(service, a),
      rebuild: (service, why) =>
        this.queue?.push({ kind: "services", services: new Map([[service, [why]]]) }),
    };
  }

  /** The trigger and start of a service's part in the update that started at `started`. */
  private currentTrigger(service: string, started: number, trigger: string) {
    const a = this.activity.get(service);
    return a && a.startedAt >= started
      ? { trigger: a.trigger, startedAt: a.startedAt }
      : { trigger, startedAt: started };
  }

  /** URNs of everything the services own in the stack, for a targeted update. */
  private async targetsOf(services: string[]): Promise<string[] | undefined> {
    const state = await this.stack.exportStack();
    const urns: string[] = (state.deployment?.resources ?? []).map((r: { urn: string }) => r.urn);
    return serviceTargets(urns, services, [...this.catalog.services.keys()]);
  }

  /** Reads the stack's outputs and config after an update. */
  private async refreshFacts(): Promise<void> {
    this.view = await readStack(this.stack, this.catalog).catch(() => this.view);
    if (!this.view) return;
    this.facts = this.view.facts;
    this.local = new Set(this.view.local);
    this.access = this.view.access;
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
    if (this.cluster) this.live.checkDiverged(this.liveContext(this.cluster));
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
    const version = this.cluster?.kc.makeApiClient(kubeClient().VersionApi);
    const kubernetesVersion = await version?.getCode().then(
      (v) => v.gitVersion,
      () => undefined,
    );
    return stackInfo(this.args.stack, this.view, kubernetesVersion);
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
