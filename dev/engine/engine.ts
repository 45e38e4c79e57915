/**
 * The dev loop's engine: one state (./state.ts) that only {@link DevEngine.dispatch} changes,
 * and the reconcilers that act on it — the update runner (a converge, ./converge.ts, or saves,
 * ./saves.ts, one at a time, what arrives meanwhile coalesced), the divergence watcher
 * (./divergence.ts: live-updated containers replaced, workloads changed outside localkube) and the
 * dashboard's actions. Views (the terminal, the dashboard) subscribe to rows and records.
 */
import * as fs from "fs";
import * as path from "path";
import dockerignore from "@balena/dockerignore";
import type * as K from "@kubernetes/client-node";
import type { Catalog } from "../../catalog/types";
import { LOG_TAIL_LINES, logKey } from "../../status/diagnose";
import { objectsOf, ServiceRow, statusRows, NamespaceObjects } from "../../status/model";
import { problemsOf, ProblemInputs } from "../../status/problems";
import { convergeFilesFor, decide, Decision, PROGRAM_DIRS, WatchPlan } from "../affected";
import { catalogDirOf, StackInfo, stackInfo } from "../stackView";
import type { Color } from "../terminal";
import { LogFollower, LogLine } from "../logs";
import type { ForwardStatus } from "../forwards";
import type { EngineForwards } from "../runForwards";
import { DebugReconciler } from "../debug/reconciler";
import type { DebugSession } from "../debug/session";
import { ciVerdict } from "../../status/model";
import type { RunContext } from "./context";
import { runConverge, UpdateOutcome } from "./converge";
import { driftOf, replacedLiveServices } from "./divergence";
import type { ClusterPort, EnginePorts, SourceWatch } from "./ports";
import { runSaves } from "./saves";
import {
  Action,
  EngineState,
  INITIAL_STATE,
  nextUpdate,
  reduce,
  serviceUpdate,
  UpdateRecord,
} from "./state";

/** Someone who wants to know what the loop sees: the terminal and the dashboard. */
export interface EngineListener {
  /** The status rows changed. */
  rows?(rows: readonly ServiceRow[]): void;
  /** A line for above the status. */
  line?(color: Color | undefined, text: string): void;
  /** A converge or save finished. */
  update?(u: UpdateRecord): void;
  /** A line a service printed. */
  log?(line: LogLine): void;
  /** The forwards' statuses changed. */
  forwards?(forwards: readonly ForwardStatus[]): void;
}

const EMPTY: NamespaceObjects = {
  pods: [],
  events: [],
  deployments: [],
  statefulSets: [],
  replicaSets: [],
};

export interface EngineOptions {
  readonly projectDir: string;
  readonly stackName: string;
  /** Watch the sources and update on every save. */
  readonly watch: boolean;
  /** Whose logs to follow across restarts and rollouts (the dashboard wants every service's). */
  readonly logs: ReadonlySet<string> | "all" | false;
  /** Ports forwarded to 127.0.0.1, kept across restarts through the loop's watch. @default none */
  readonly forwards?: EngineForwards;
  /** Services to run under their debugger (`--debug`). @default none */
  readonly debug?: readonly string[];
}

export class DevEngine {
  private state: EngineState = INITIAL_STATE;
  private catalogNow: Catalog;
  private cluster?: ClusterPort;
  private watcher?: SourceWatch;
  private follower?: LogFollower;
  private rows: ServiceRow[] = [];
  private readonly listeners = new Set<EngineListener>();
  private readonly logCache: ProblemInputs["logs"] = new Map();
  private running?: Promise<void>;
  private idleWaiters: (() => void)[] = [];
  /** Keeps debug sessions true (dev/debug/reconciler.ts). */
  private readonly debugger: DebugReconciler;

  constructor(
    private readonly options: EngineOptions,
    private readonly ports: EnginePorts,
    catalog: Catalog,
  ) {
    this.catalogNow = catalog;
    options.forwards?.onChange(() => {
      const list = options.forwards!.statuses();
      for (const l of this.listeners) l.forwards?.(list);
    });
    for (const service of options.debug ?? [])
      this.state = reduce(this.state, { type: "debug-wanted", service, on: true });
    this.debugger = new DebugReconciler(this.context());
  }

  /** The forwards as they are now. */
  currentForwards(): readonly ForwardStatus[] {
    return this.options.forwards?.statuses() ?? [];
  }

  /** The state now (a copy nobody can change). */
  snapshot(): EngineState {
    return this.state;
  }

  get lastUpdate(): UpdateRecord | undefined {
    return this.state.lastUpdate;
  }

  currentRows(): readonly ServiceRow[] {
    return this.rows;
  }

  /** The cluster's watch, once the loop connected (`--check-rollout` drives it). */
  clusterPort(): ClusterPort | undefined {
    return this.cluster;
  }

  listen(l: EngineListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The only way the state changes; then views are told and the update runner looks for work. */
  dispatch(a: Action): void {
    this.state = reduce(this.state, a);
    if (a.type === "activity") this.recompute();
    this.pump();
    this.debugger.poke();
  }

  /** Queues what a save, a button or a finding calls for. */
  queue(decision: Decision): void {
    this.dispatch({ type: "queued", decision });
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (!this.state.running && this.state.pending.kind === "none") return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private print(color: Color | undefined, text: string): void {
    for (const l of this.listeners) l.line?.(color, text);
  }

  private context(): RunContext {
    return {
      projectDir: this.options.projectDir,
      ports: this.ports,
      state: () => this.state,
      dispatch: (a) => this.dispatch(a),
      catalog: () => this.catalogNow,
      reloadCatalog: () => (this.catalogNow = this.ports.loadCatalog()),
      cluster: () => this.cluster,
      print: (color, line) => this.print(color, line),
    };
  }

  /** The update runner: starts the next update when nothing runs. */
  private pump(): void {
    const next = nextUpdate(this.state);
    if (!next) {
      if (!this.state.running && this.state.pending.kind === "none") {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
      return;
    }
    this.dispatch({ type: "started", at: this.ports.now() });
    const rows = this.rows;
    this.running = (async () => {
      let outcome: UpdateOutcome;
      try {
        outcome =
          next.kind === "converge"
            ? await runConverge(this.context(), next)
            : await runSaves(this.context(), next, rows);
      } catch (err) {
        const message = String((err as Error).message ?? err);
        this.print("red", `update failed: ${message}`);
        outcome = {
          record: { kind: next.kind, trigger: "", seconds: 0, ok: false, error: message },
          rebuilt: [],
          refreshed: false,
        };
      }
      if (next.kind === "converge") await this.afterConverge();
      this.dispatch({ type: "finished", ...outcome, at: this.ports.now() });
      for (const l of this.listeners) l.update?.(outcome.record);
      this.recompute();
    })();
  }

  /** After a converge: connect to the cluster (once the namespace is known) and watch the sources again. */
  private async afterConverge(): Promise<void> {
    const view = this.state.stack;
    if (!view || this.state.stopped) return;
    if (!this.cluster && view.facts.namespace) {
      this.cluster = await this.ports.connect(view.access, view.facts.namespace);
      const cluster = this.cluster;
      if (this.options.logs !== false)
        this.follower = new LogFollower(cluster, this.options.logs, (line) => {
          for (const l of this.listeners) l.log?.(line);
        });
      cluster.onChange(() => this.onCluster());
      this.options.forwards?.attach(cluster);
      this.onCluster();
    }
    const forwards = this.options.forwards;
    if (forwards)
      for (const line of await forwards.deployed(
        this.catalogNow,
        view.facts.services.map((s) => s.name),
      ))
        this.print("red", `forward: ${line}`);
    if (this.options.watch) await this.rewatch();
  }

  /** Starts the first converge (`npm run dev`). */
  start(): Promise<boolean> {
    this.queue({ kind: "converge", trigger: { kind: "start" } });
    return this.idle().then(() => this.state.lastUpdate?.ok ?? false);
  }

  /** The divergence watcher, and the status: on every change the cluster's watch sees. */
  private onCluster(): void {
    if (!this.cluster || this.state.stopped) return;
    const snapshot = this.cluster.snapshot();
    const running = this.state.running?.decision;
    const updating = new Set(
      running === undefined
        ? []
        : running.kind === "converge"
          ? (this.state.stack?.facts.services.map((s) => s.name) ?? [])
          : [...running.services.keys()],
    );
    for (const service of replacedLiveServices(this.state.liveSynced, snapshot.pods, updating)) {
      this.print(
        "yellow",
        `${service}: a live-updated container was replaced (it runs the image's files again): rebuilding from the checkout`,
      );
      this.queue(serviceUpdate(service, { kind: "live-container-replaced" }));
    }
    const services = this.state.stack?.facts.services.map((s) => s.name) ?? [];
    const { drift, seen } = driftOf(
      services,
      [...snapshot.deployments, ...snapshot.statefulSets],
      this.state.workloadsSeen,
      this.state.convergedAt,
      updating,
    );
    for (const d of drift)
      if (this.state.drift.get(d.service) !== d.what)
        this.print("yellow", `${d.what}: converging to restore it`);
    this.dispatch({ type: "watched", seen: [...seen], drift });
    this.follower?.refresh();
    this.options.forwards?.refresh();
    this.recompute();
  }

  /** The rows from what the watch holds now; sent to every listener. */
  private recompute(): void {
    if (this.state.stopped) return;
    const view = this.state.stack;
    const facts = view?.facts ?? { namespace: "", services: [], appliances: [] };
    const objects = this.cluster?.snapshot() ?? EMPTY;
    const problems = problemsOf(facts, objects, {
      logs: this.logCache,
      fetchLogs: (pod, container, previous) => this.fetchLogs(pod, container, previous),
    });
    this.rows = statusRows(facts, objects, problems, this.state.activity);
    for (const l of this.listeners) l.rows?.(this.rows);
  }

  /** A crashed container's last lines, fetched once per instance (the key holds its restart count). */
  private fetchLogs(pod: string, container: string, previous: boolean): void {
    const key = `${logKey(pod, container)}${previous ? "#previous" : ""}`;
    if (this.logCache.has(key) || !this.cluster) return;
    this.logCache.set(key, undefined);
    void this.cluster.logTail(pod, container, LOG_TAIL_LINES, previous).then((lines) => {
      this.logCache.set(key, lines);
      // A later crash of the same container brings new lines: forget these after a while.
      setTimeout(() => this.logCache.delete(key), 5000).unref();
      this.recompute();
    });
  }

  /** What the file watcher watches: the build contexts of the services built from the checkout, and the program. */
  watchPlan(): WatchPlan {
    const local = this.state.stack?.local ?? new Set<string>();
    const contexts = [...local].flatMap((name) => {
      const build = this.catalogNow.services.get(name)?.build;
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
      projectDir: this.options.projectDir,
      catalogDir: catalogDirOf(this.options.projectDir, this.options.stackName),
      contexts,
      convergeFiles: convergeFilesFor(this.options.stackName),
      programDirs: [...PROGRAM_DIRS],
    };
  }

  private async rewatch(): Promise<void> {
    await this.watcher?.close();
    const plan = this.watchPlan();
    this.watcher = await this.ports.watch(plan, (files) => this.queue(decide(files, plan)));
  }

  /** The dashboard's "rebuild & redeploy": a rebuild of the service, then new pods even when its image came out the same. */
  async redeploy(service: string): Promise<void> {
    const image = () =>
      this.cluster
        ?.snapshot()
        .deployments.find((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === service)?.spec
        ?.template?.spec?.containers?.[0]?.image;
    const before = image();
    this.queue(serviceUpdate(service, { kind: "rebuild-button" }));
    await this.idle();
    if (!this.state.lastUpdate?.ok)
      throw new Error(`the update of ${service} failed: ${this.state.lastUpdate?.error ?? ""}`);
    if (before !== undefined && image() === before) await this.restart(service);
  }

  /** The dashboard's "restart pods": a rollout restart of the service's Deployment. */
  async restart(service: string): Promise<void> {
    const deployment = this.cluster
      ?.snapshot()
      .deployments.find((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === service);
    if (!this.cluster || !deployment?.metadata?.name)
      throw new Error(`${service} has no Deployment to restart`);
    await this.cluster.restart(deployment.metadata.name);
  }

  /** The dashboard: a service's events as the watch holds them. */
  events(service: string): readonly K.CoreV1Event[] {
    const objects = this.cluster?.snapshot();
    const namespace = this.state.stack?.facts.namespace ?? "";
    return (objects && objectsOf(service, namespace, objects).events) || [];
  }

  /** The dashboard: the stack's outputs and config, and the API server's version. */
  async stackInfo(): Promise<StackInfo> {
    const version = await this.cluster?.version();
    return stackInfo(this.options.stackName, this.state.stack, version);
  }

  /** `--ci`: the verdict once every service is ready, one has a terminal problem, or time is up. */
  async verdict(deadline: number): Promise<"ready" | "failed" | "timeout"> {
    for (;;) {
      const v = ciVerdict(this.rows);
      if (v !== "waiting") return v;
      if (this.ports.now() >= deadline || this.state.stopped) return "timeout";
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** `--debug` and the dashboard's button: run the service under its debugger, or stop. */
  debug(service: string, on: boolean): void {
    this.dispatch({ type: "debug-wanted", service, on });
  }

  /** The debug sessions as the reconciler left them. */
  debugSessions(): ReadonlyMap<string, DebugSession> {
    return this.state.debugSessions;
  }

  /** The services wanted under their debugger, and each session (the dashboard). */
  debugState() {
    return { wanted: this.state.debugWanted, sessions: this.state.debugSessions };
  }

  /**
   * Stops watching: the file watcher, the cluster's watch and what waits; a running update ends;
   * every Deployment left under a debugger is restored first (once the update that may still be
   * applying has ended).
   */
  async stop(): Promise<void> {
    if (this.state.stopped) return;
    this.dispatch({ type: "stopped" });
    this.follower?.stop();
    await Promise.all([this.watcher?.close(), this.options.forwards?.close()]);
    await this.running?.catch(() => undefined);
    await this.debugger.restoreAll();
    await this.cluster?.stop();
  }
}
