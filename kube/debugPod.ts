/**
 * Pure: a Deployment rewritten so that its service's process runs under its debugger, and the
 * same Deployment restored exactly as it was — what `npm run dev -- --debug` applies and undoes.
 *
 * While debugging: the container's command line starts the debugger (./debugRuntime.ts), which
 * listens on the pod's loopback; the debugger's files, when the image lacks them, are copied by an
 * init container from localkube's debug-support image into an emptyDir mounted at /dbg (as
 * Skaffold does); the liveness and startup probes are removed and the readiness probe may wait
 * {@link PAUSED_PROBE_TIMEOUT_SECONDS} for an answer, so a process paused at a breakpoint is
 * neither killed nor taken out of its Service at once; replicas are 1 (every request reaches the
 * debugged process). The template is marked ({@link DEBUG_ANNOTATION} and {@link DEBUG_LABEL}: pods
 * say they run under a debugger, and a forward selects them) and the Deployment keeps, in {@link RESTORE_ANNOTATION}, every field the rewrite
 * changed as it was, so that the restore needs nothing else (a loop killed mid-session is undone
 * by the next one).
 *
 * Both functions take and return what one field manager applies (see kube/ownedFields.ts): the
 * dev loop applies them as Pulumi's own manager, so the restore gives that manager exactly the
 * fields and values it had, and `pulumi up` afterwards has nothing to change.
 */
import type * as K from "@kubernetes/client-node";
import type { DebugRuntime } from "../catalog/types";
import { DEBUG_MOUNT, DebugCommand } from "./debugRuntime";

/** On the pod template: `{"runtime":"python","port":5678}` — the pods run under a debugger. */
export const DEBUG_ANNOTATION = "localkube.dev/debug";
/** On the pod template too, as a label (`python`): what a forward selects the pods by. */
export const DEBUG_LABEL = "localkube.dev/debug";
/** On the Deployment: what the rewrite changed, as it was (JSON). */
export const RESTORE_ANNOTATION = "localkube.dev/debug-restore";
export const SUPPORT_CONTAINER = "localkube-debug-support";
export const SUPPORT_VOLUME = "localkube-debug";
/** Where the debug-support image keeps the files its init container copies to /dbg. */
export const SUPPORT_FILES = "/localkube-debug";
export const DEBUG_PORT_NAME = "lk-debug";
/** How long a readiness probe waits for an answer while debugging (a paused process gives none). */
export const PAUSED_PROBE_TIMEOUT_SECONDS = 600;

/** How one container of the Deployment runs under its debugger. */
export interface DebugRewrite {
  /** The container's name. */
  readonly container: string;
  readonly command: DebugCommand;
  /** The container's image while debugging (Go: the build without optimizations); undefined: unchanged. */
  readonly image?: string;
  /** The debug-support image, when `command.support`. */
  readonly supportImage?: string;
}

/** What the pods and the Deployment say about a debug session. */
export interface DebugMark {
  readonly runtime: DebugRuntime;
  /** The debugger's port in the container. */
  readonly port: number;
}

/** The fields the rewrite changes, as they were; `null`: absent. */
interface RestoreRecord extends DebugMark {
  readonly container: string;
  /** The container's image before the rewrite (a restore may set a newer build). */
  readonly image: string;
  readonly replicas: number | null;
  /** The container as it was, without its image. */
  readonly original: K.V1Container;
  readonly initContainers: K.V1Container[] | null;
  readonly volumes: K.V1Volume[] | null;
  readonly templateAnnotations: Record<string, string> | null;
  readonly templateLabels: Record<string, string> | null;
  readonly annotations: Record<string, string> | null;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function podSpecOf(d: K.V1Deployment): K.V1PodSpec {
  const spec = d.spec?.template?.spec;
  if (!spec) throw new Error(`Deployment ${d.metadata?.name} has no pod template`);
  return spec;
}

function containerOf(d: K.V1Deployment, name: string): K.V1Container {
  const c = podSpecOf(d).containers.find((x) => x.name === name);
  if (!c)
    throw new Error(`Deployment ${d.metadata?.name} has no container ${JSON.stringify(name)}`);
  return c;
}

/** The Deployment with `rw`'s container under its debugger (see the module's comment). */
export function debugWorkload(d: K.V1Deployment, rw: DebugRewrite): K.V1Deployment {
  if (rw.command.support && !rw.supportImage)
    throw new Error(`${rw.container}: its debugger needs the debug-support image`);
  const out = clone(d);
  const spec = out.spec!;
  const template = spec.template;
  const pod = podSpecOf(out);
  const c = containerOf(out, rw.container);
  const { image, ...original } = clone(c);
  const record: RestoreRecord = {
    runtime: rw.command.runtime,
    port: rw.command.port,
    container: rw.container,
    image: image ?? "",
    replicas: spec.replicas ?? null,
    original,
    initContainers: pod.initContainers ?? null,
    volumes: pod.volumes ?? null,
    templateAnnotations: template.metadata?.annotations ?? null,
    templateLabels: template.metadata?.labels ?? null,
    annotations: out.metadata?.annotations ?? null,
  };

  const mark: DebugMark = { runtime: rw.command.runtime, port: rw.command.port };
  if (rw.command.argv) {
    c.command = [...rw.command.argv];
    delete c.args;
  }
  for (const [name, value] of Object.entries(rw.command.env)) {
    const env = (c.env ?? []).filter((e) => e.name !== name);
    c.env = [...env, { name, value }];
  }
  c.ports = [
    ...(c.ports ?? []).filter((p) => p.containerPort !== rw.command.port),
    { name: DEBUG_PORT_NAME, containerPort: rw.command.port, protocol: "TCP" },
  ];
  delete c.livenessProbe;
  delete c.startupProbe;
  if (c.readinessProbe)
    c.readinessProbe = {
      ...c.readinessProbe,
      timeoutSeconds: Math.max(c.readinessProbe.timeoutSeconds ?? 1, PAUSED_PROBE_TIMEOUT_SECONDS),
    };
  if (rw.image) c.image = rw.image;
  if (rw.command.support) {
    const mount = { name: SUPPORT_VOLUME, mountPath: DEBUG_MOUNT };
    c.volumeMounts = [...(c.volumeMounts ?? []), mount];
    pod.volumes = [...(pod.volumes ?? []), { name: SUPPORT_VOLUME, emptyDir: {} }];
    pod.initContainers = [
      ...(pod.initContainers ?? []),
      {
        name: SUPPORT_CONTAINER,
        image: rw.supportImage,
        command: ["cp", "-R", `${SUPPORT_FILES}/.`, `${DEBUG_MOUNT}/`],
        volumeMounts: [mount],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
        ...(c.securityContext ? { securityContext: clone(c.securityContext) } : {}),
      },
    ];
  }
  spec.replicas = 1;
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [DEBUG_LABEL]: rw.command.runtime },
    annotations: { ...template.metadata?.annotations, [DEBUG_ANNOTATION]: JSON.stringify(mark) },
  };
  out.metadata = {
    ...out.metadata,
    annotations: { ...out.metadata?.annotations, [RESTORE_ANNOTATION]: JSON.stringify(record) },
  };
  return out;
}

function recordOf(d: K.V1Deployment): RestoreRecord | undefined {
  const text = d.metadata?.annotations?.[RESTORE_ANNOTATION];
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as RestoreRecord;
    return typeof r.container === "string" && r.original ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The debug session a Deployment holds (rewritten by {@link debugWorkload}), if any. */
export function debugRecord(
  d: K.V1Deployment,
): (DebugMark & { readonly container: string; readonly image: string }) | undefined {
  const r = recordOf(d);
  return r && { runtime: r.runtime, port: r.port, container: r.container, image: r.image };
}

/** What a pod's template mark says: it runs under a debugger. */
export function podDebugMark(p: K.V1Pod): DebugMark | undefined {
  const text = p.metadata?.annotations?.[DEBUG_ANNOTATION];
  if (!text) return undefined;
  try {
    const m = JSON.parse(text) as DebugMark;
    return typeof m.port === "number" ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Sets `key` of `o` to `value`, or removes it when `value` is null. */
function put<T extends object, Key extends keyof T>(o: T, key: Key, value: T[Key] | null): void {
  if (value === null) delete o[key];
  else o[key] = value;
}

/**
 * The Deployment as it was before {@link debugWorkload}, every changed field put back from the
 * record, with the container's `image` (a rebuild during the session) or the one it runs now.
 * Unchanged when it holds no session.
 */
export function restoreWorkload(d: K.V1Deployment, image?: string): K.V1Deployment {
  const r = recordOf(d);
  if (!r) return d;
  const out = clone(d);
  const pod = podSpecOf(out);
  const i = pod.containers.findIndex((c) => c.name === r.container);
  if (i < 0) throw new Error(`Deployment ${d.metadata?.name} has no container ${r.container}`);
  pod.containers[i] = { ...clone(r.original), image: image ?? pod.containers[i].image };
  put(pod, "initContainers", r.initContainers);
  put(pod, "volumes", r.volumes);
  put(out.spec!, "replicas", r.replicas);
  const template = out.spec!.template;
  if (template.metadata) {
    put(template.metadata, "annotations", r.templateAnnotations);
    put(template.metadata, "labels", r.templateLabels);
  }
  put(out.metadata!, "annotations", r.annotations);
  return out;
}
