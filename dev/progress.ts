import type { EngineEvent } from "@pulumi/pulumi/automation";
import { LABELS } from "../kube/labels";

/** A step of one service during an update; `remove` is the deletion of its workload. */
export type Step = "build" | "deploy" | "ready" | "remove";

/** A line of progress: a service started or finished a step, or failed. */
export interface ProgressEvent {
  readonly service: string;
  readonly step: Step;
  readonly phase: "started" | "done" | "failed";
  /** Seconds the step took (done, failed). */
  readonly seconds?: number;
  /** Built image digest (build done), or the engine's error message (failed). */
  readonly detail?: string;
}

/** Which step a resource of the platform is: the image build, the workload, or its readiness. */
export function stepOf(type: string): Step | undefined {
  if (type === "docker-build:index:Image") return "build";
  if (type === "kubernetes:apps/v1:Deployment" || type === "kubernetes:apps/v1:StatefulSet")
    return "deploy";
  if (/Ready$/.test(type)) return "ready";
  return undefined;
}

/** Where localkube writes which catalog service (or appliance) a resource belongs to. */
export const SERVICE_LABEL = "localkube.dev/service";

/**
 * The service (or appliance) a resource of the stack belongs to, read from its own inputs: the
 * `app.kubernetes.io/name` label of a Kubernetes object, the `localkube.dev/service` label of an
 * image built from source, the `service` of a readiness gate. Undefined for the rest (cluster,
 * registry, namespace…). Pure: no resource name is parsed.
 */
export function ownerOf(type: string, inputs: Record<string, any> | undefined): string | undefined {
  if (!inputs) return undefined;
  if (type === "docker-build:index:Image") return text(inputs.labels?.[SERVICE_LABEL]);
  if (type.startsWith("kubernetes:")) return text(inputs.metadata?.labels?.[LABELS.name]);
  if (/Ready$/.test(type)) return text(inputs.service);
  return undefined;
}

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Turns the engine's event stream of an update into per-service progress: when each service's
 * image build, rollout and readiness start and end, with durations. Unchanged resources say nothing.
 */
export class ProgressTracker {
  private readonly started = new Map<string, number>();
  private readonly errors = new Map<string, string>();

  /** @param known the catalog's services and the appliances: resources of others say nothing */
  constructor(private readonly known: ReadonlySet<string>) {}

  onEvent(e: EngineEvent): ProgressEvent[] {
    const meta =
      e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
    if (e.diagnosticEvent?.urn && e.diagnosticEvent.severity === "error") {
      this.errors.set(e.diagnosticEvent.urn, e.diagnosticEvent.message.trim());
    }
    if (
      !meta ||
      meta.op === "same" ||
      meta.op === "read" ||
      e.resourcePreEvent?.planning ||
      e.resOutputsEvent?.planning
    )
      return [];
    // A service leaving the stack: its workload is removed; its image and gate say nothing (no
    // "waiting until ready" for what goes away). The old half of a replacement says nothing either.
    if (meta.op === "delete-replaced" || meta.op === "discard-replaced") return [];
    const removing = meta.op === "delete" || meta.op === "discard";
    const kind = stepOf(meta.type);
    const step = removing ? (kind === "deploy" ? "remove" : undefined) : kind;
    const service = ownerOf(meta.type, meta.new?.inputs ?? meta.old?.inputs);
    if (!step || !service || !this.known.has(service)) return [];
    const at = e.timestamp * 1000;
    if (e.resourcePreEvent) {
      this.started.set(meta.urn, at);
      return [{ service, step, phase: "started" }];
    }
    const seconds = this.started.has(meta.urn)
      ? Math.max(0, (at - this.started.get(meta.urn)!) / 1000)
      : undefined;
    if (e.resOpFailedEvent)
      return [{ service, step, phase: "failed", seconds, detail: this.errors.get(meta.urn) }];
    const digest = step === "build" ? String(meta.new?.outputs?.digest ?? "") : "";
    return [{ service, step, phase: "done", seconds, detail: digest || undefined }];
  }
}

const DONE_WORD: Record<Step, string> = {
  build: "built",
  deploy: "deployed",
  ready: "ready",
  remove: "removed",
};
const START_WORD: Record<Step, string> = {
  build: "building",
  deploy: "deploying",
  ready: "waiting until ready",
  remove: "removing",
};

/** The progress line printed for an event: `bank      built      sha256:1a2b3c4d5e6f  12.3 s`. */
export function progressLine(e: ProgressEvent, nameWidth: number): string {
  const word =
    e.phase === "started"
      ? START_WORD[e.step]
      : e.phase === "failed"
        ? "failed"
        : DONE_WORD[e.step];
  const detail = e.detail
    ? e.step === "build" && e.phase === "done"
      ? e.detail.replace(/^(sha256:[0-9a-f]{12}).*/, "$1")
      : e.detail
    : "";
  const time = e.seconds === undefined ? "" : `${e.seconds.toFixed(1)} s`;
  return [e.service.padEnd(nameWidth), word.padEnd(20), detail, time]
    .filter((x) => x !== "")
    .join("  ")
    .trimEnd();
}
