/**
 * The debug reconciler: keeps each wanted service's Deployment running under its debugger and
 * every other one as Pulumi applied it (./session.ts decides; this runs the work and reports back
 * as actions). One operation at a time, never while an update runs:
 *
 * - start: reads the Deployment's fields Pulumi's field manager owns (kube/ownedFields.ts), detects
 *   the runtime from the container's command or its image's configuration, builds what the session
 *   needs (the debug-support image; a Go service's image without optimizations), applies the
 *   rewrite (kube/debugPod.ts) as Pulumi's own manager, and prints where to attach and the VS Code
 *   launch.json entry;
 * - adopt: the Deployment already runs under the debugger (a loop killed mid-session): the same
 *   facts, nothing applied;
 * - stop: applies the Deployment as it was, as the same manager — exactly the fields and values it
 *   had, so `pulumi up` afterwards has nothing to change (a Go service gets its image rebuilt
 *   from the checkout with optimizations, the digest it had when nothing changed meanwhile).
 *
 * Each apply is waited for until the loop's watch shows it, so that the next decision sees it.
 */
import * as fs from "fs";
import * as path from "path";
import type * as K from "@kubernetes/client-node";
import { debugRecord, debugWorkload, restoreWorkload } from "../../kube/debugPod";
import { debugCommand, DEBUGGERS } from "../../kube/debugRuntime";
import type { ImageBuild } from "../../kube/images";
import { ownedFields, pulumiManager } from "../../kube/ownedFields";
import type { RunContext } from "../engine/context";
import { launchConfig, launchText, pathMappings } from "./launch";
import {
  DebugOp,
  DebugSession,
  deploymentOf,
  goDebugBuild,
  localPortFor,
  nextDebugOp,
  sessionPod,
  takenPorts,
} from "./session";

/** The debug-support image's build context: beside this file, in localkube's own checkout. */
export const SUPPORT_CONTEXT = path.join(__dirname, "support");
export const SUPPORT_REPOSITORY = "localkube-debug-support";

/** How long an apply may take to show in the watch. */
const WATCH_MS = 30_000;

/** What the reconciler needs of the engine: its RunContext. */
export type DebugDeps = Pick<
  RunContext,
  "projectDir" | "state" | "dispatch" | "catalog" | "cluster" | "print" | "ports"
>;

/** A failure of one session, in words, that ends the operation (the session shows it). */
class SessionError extends Error {}

export class DebugReconciler {
  private running?: Promise<void>;
  private support?: Promise<string>;
  /** The pod each active session was last announced with. */
  private readonly announced = new Map<string, string>();

  constructor(private readonly deps: DebugDeps) {}

  /** Looks for work: after every action and every change the cluster's watch sees. */
  poke(): void {
    const cluster = this.deps.cluster();
    const s = this.deps.state();
    if (!cluster || this.running || s.stopped) return;
    this.announce(cluster.snapshot().pods);
    const op = nextDebugOp(s, cluster.snapshot().deployments);
    if (!op) return;
    this.deps.dispatch({ type: "debug-op", op });
    this.running = this.run(op).finally(() => {
      this.running = undefined;
      this.deps.dispatch({ type: "debug-op" });
    });
  }

  /** Resolves when no operation runs. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Ctrl-C: every Deployment the watch holds with a session is restored (the loop is stopping). */
  async restoreAll(): Promise<void> {
    await this.running;
    const cluster = this.deps.cluster();
    if (!cluster) return;
    for (const d of cluster.snapshot().deployments) {
      const service = d.metadata?.labels?.["app.kubernetes.io/name"];
      if (service && debugRecord(d)) await this.guarded({ service, kind: "stop" });
    }
  }

  private session(service: string, session?: DebugSession): void {
    this.deps.dispatch({ type: "debug-session", service, session });
  }

  private async run(op: DebugOp): Promise<void> {
    await this.guarded(op);
  }

  private async guarded(op: DebugOp): Promise<void> {
    try {
      if (op.kind === "stop") await this.stop(op.service);
      else await this.start(op.service, op.kind === "adopt");
    } catch (err) {
      const error =
        err instanceof SessionError ? err.message : String((err as Error).message ?? err);
      this.deps.print(
        "red",
        `${op.service}: debugging ${op.kind === "stop" ? "could not stop" : "failed"}: ${error}`,
      );
      this.session(op.service, { phase: "failed", error, at: Date.now() });
    }
  }

  /** The Deployment, its manager and the fields that manager owns, as the watch holds it now. */
  private owned(service: string) {
    const cluster = this.deps.cluster()!;
    const d = deploymentOf(cluster.snapshot().deployments, service);
    if (!d) throw new SessionError(`${service} has no Deployment in ${cluster.namespace}`);
    const owner = pulumiManager(d.metadata?.managedFields);
    if (!owner)
      throw new SessionError(
        `Deployment ${d.metadata?.name} was not applied by Pulumi (changed outside localkube?); save the catalog or restart npm run dev to converge`,
      );
    const object = ownedFields({ ...d, apiVersion: "apps/v1", kind: "Deployment" }, owner.fields);
    return { cluster, deployment: d, owner, object };
  }

  private async start(service: string, adopt: boolean): Promise<void> {
    const spec = this.deps.catalog().services.get(service);
    if (!spec) throw new SessionError(`${service} is not in the catalog`);
    this.session(service, { phase: "starting", step: "reading its Deployment" });
    const { cluster, deployment, owner, object } = this.owned(service);
    const containers = object.spec?.template?.spec?.containers ?? [];
    const container = containers.find((c) => c.name === service) ?? containers[0];
    if (!container)
      throw new SessionError(`Deployment ${deployment.metadata?.name} has no container`);
    const record = debugRecord(deployment);

    let runtime = record?.runtime;
    let podPort = record?.port;
    if (!adopt || !record) {
      const env = Object.fromEntries(
        (container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
      );
      // No command: the image's ENTRYPOINT and CMD run; its registry says what they are.
      const read =
        container.command?.length || !container.image
          ? undefined
          : await this.deps.ports.imageConfig(container.image);
      const command = debugCommand(
        {
          command: container.command,
          args: container.args,
          env,
          image: read && "config" in read ? read.config : undefined,
        },
        spec.build?.debug,
      );
      if ("problem" in command) {
        const why = read && "unreadable" in read ? ` (${read.unreadable})` : "";
        throw new SessionError(`${command.problem}${why} — ${spec.file}`);
      }
      const clash = (container.ports ?? []).find((p) => p.containerPort === command.port);
      if (clash)
        throw new SessionError(
          `${DEBUGGERS[command.runtime].name} would listen on ${command.port}, the container port ${clash.name ?? ""} of ${service}; set build.debug.port in ${spec.file}`,
        );
      const build = this.deps.state().stack?.builds[service];
      let debugImage: string | undefined;
      if (command.runtime === "go" && command.argv) {
        if (build) {
          this.session(service, { phase: "starting", step: "building it without optimizations" });
          const t0 = this.deps.ports.now();
          debugImage = await this.build(goDebugBuild(build));
          this.deps.print(
            "gray",
            `${service}: built for the debugger (-gcflags=all=-N -l) in ${this.since(t0)} s`,
          );
        } else
          this.deps.print(
            "yellow",
            `${service}: runs its published image, built with optimizations: some variables may show as optimized away (add it to --local to debug a build of the checkout)`,
          );
      }
      let supportImage: string | undefined;
      if (command.support) {
        this.session(service, { phase: "starting", step: "building the debug-support image" });
        const t0 = this.deps.ports.now();
        supportImage = await this.supportImage();
        this.deps.print(
          "gray",
          `${service}: debug-support image ${supportImage.slice(supportImage.indexOf("@") + 1, supportImage.indexOf("@") + 20)} (${this.since(t0)} s)`,
        );
      }
      this.session(service, { phase: "starting", step: "rolling out" });
      const rewritten = debugWorkload(object, {
        container: container.name,
        command,
        image: debugImage,
        supportImage,
      });
      await cluster.apply(rewritten, owner.manager);
      await this.seen(service, true);
      runtime = command.runtime;
      podPort = command.port;
      this.deps.print(
        "blue",
        `${service}: restarting under ${DEBUGGERS[runtime].name} (${runtime}, found by ${command.detectedBy})`,
      );
    }
    const localPort = localPortFor(podPort!, takenPorts(this.deps.state().debugSessions, service));
    const mappings = spec.build
      ? pathMappings(
          spec.build,
          fs.existsSync(spec.build.dockerfile)
            ? fs.readFileSync(spec.build.dockerfile, "utf8")
            : undefined,
        )
      : [];
    const launch = launchText(
      launchConfig({
        service,
        runtime: runtime!,
        port: localPort,
        mappings,
        projectDir: this.deps.projectDir,
      }),
    );
    this.announced.delete(service);
    this.session(service, {
      phase: "active",
      runtime: runtime!,
      podPort: podPort!,
      localPort,
      launch,
    });
    this.deps.print(
      "cyan",
      `${service}: debugger at 127.0.0.1:${localPort}; VS Code launch.json entry:`,
    );
    for (const line of launch.split("\n")) this.deps.print(undefined, line);
  }

  private async stop(service: string): Promise<void> {
    this.session(service, { phase: "stopping" });
    const { cluster, deployment, owner, object } = this.owned(service);
    const record = debugRecord(deployment)!;
    const build = this.deps.state().stack?.builds[service];
    // A Go service ran a build for the debugger: the checkout's own build goes back.
    const image = record.runtime === "go" && build ? await this.build(build) : undefined;
    await cluster.apply(restoreWorkload(object, image), owner.manager);
    await this.seen(service, false);
    const now =
      image ??
      object.spec?.template?.spec?.containers?.find((c) => c.name === record.container)?.image;
    // A build the engine does not know of reached the cluster: refreshed before the next converge.
    if (now !== record.image) this.deps.dispatch({ type: "fast-saved", services: [service] });
    this.announced.delete(service);
    this.session(service);
    this.deps.print(
      "blue",
      `${service}: debugging stopped; its Deployment is back as Pulumi applied it`,
    );
  }

  /** Seconds since `t0` (ms), as printed. */
  private since(t0: number): string {
    return ((this.deps.ports.now() - t0) / 1000).toFixed(1);
  }

  /** Builds and pushes with the stack's builder (the fast save path's); the image pinned by digest. */
  private async build(build: ImageBuild): Promise<string> {
    const builder = this.deps.ports.builder(build);
    if ("missing" in builder) throw new SessionError(builder.missing);
    return `${build.repository}@${await this.deps.ports.buildImage(build, builder.endpoint)}`;
  }

  /** The debug-support image in the stack's registry (built once per run; BuildKit caches it). */
  private supportImage(): Promise<string> {
    const view = this.deps.state().stack;
    const registry =
      view?.outputs.registry?.value ?? view?.config["localkube:registry.address"]?.value;
    const any = Object.values(view?.builds ?? {})[0];
    if (typeof registry !== "string" || registry === "")
      return Promise.reject(
        new SessionError("the stack names no registry to push the debug-support image to"),
      );
    if (any?.login)
      return Promise.reject(
        new SessionError(
          `pushing the debug-support image to ${registry} needs the stack's registry login`,
        ),
      );
    this.support ??= this.build({
      context: SUPPORT_CONTEXT,
      dockerfile: path.join(SUPPORT_CONTEXT, "Dockerfile"),
      args: { SOURCE_DATE_EPOCH: "0" },
      labels: {},
      repository: `${registry}/${SUPPORT_REPOSITORY}`,
      tag: "bookworm",
      builder: any?.builder,
      login: false,
    }).catch((err: unknown) => {
      this.support = undefined;
      throw err;
    });
    return this.support;
  }

  /** Waits until the watch shows the Deployment with (or without) a session. */
  private seen(service: string, held: boolean): Promise<void> {
    const cluster = this.deps.cluster()!;
    const shows = () => {
      const d = deploymentOf(cluster.snapshot().deployments, service);
      return (d !== undefined && debugRecord(d) !== undefined) === held;
    };
    return new Promise((resolve, reject) => {
      let unsubscribe: () => void = () => undefined;
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new SessionError(
            `the watch did not show ${service}'s Deployment changed within ${WATCH_MS / 1000} s`,
          ),
        );
      }, WATCH_MS);
      const look = () => {
        if (!shows()) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      unsubscribe = cluster.onChange(look);
      look();
    });
  }

  /** Says once per pod when a session's debugger is ready to attach to. */
  private announce(pods: readonly K.V1Pod[]): void {
    for (const [service, s] of this.deps.state().debugSessions) {
      if (s.phase !== "active") continue;
      const pod = sessionPod(pods, service)?.metadata?.name;
      if (!pod || this.announced.get(service) === pod) continue;
      this.announced.set(service, pod);
      this.deps.print(
        "green",
        `${service}: ${DEBUGGERS[s.runtime].name} ready in pod ${pod}: attach to 127.0.0.1:${s.localPort}`,
      );
    }
  }
}
