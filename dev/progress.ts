import type { EngineEvent } from "@pulumi/pulumi/automation";

/** A step of one service during an update. */
export type Step = "build" | "deploy" | "ready";

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

/**
 * The service a platform resource belongs to, from its name: `platform-<service>-…` for services,
 * `platform-appliances-<appliance>-…` for appliances (the longest known name wins: `bank-api`
 * before `bank`).
 */
export function serviceOf(resourceName: string, known: readonly string[]): string | undefined {
  const candidates = known.filter(
    (s) =>
      resourceName.startsWith(`platform-${s}-`) ||
      resourceName.startsWith(`platform-appliances-${s}-`),
  );
  return candidates.sort((a, b) => b.length - a.length)[0];
}

/**
 * Turns the engine's event stream of an update into per-service progress: when each service's
 * image build, rollout and readiness start and end, with durations. Unchanged resources say nothing.
 */
export class ProgressTracker {
  private readonly started = new Map<string, number>();
  private readonly errors = new Map<string, string>();

  constructor(private readonly known: readonly string[]) {}

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
    const step = stepOf(meta.type);
    const service = serviceOf(meta.urn.split("::").pop() ?? "", this.known);
    if (!step || !service) return [];
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

const DONE_WORD: Record<Step, string> = { build: "built", deploy: "deployed", ready: "ready" };
const START_WORD: Record<Step, string> = {
  build: "building",
  deploy: "deploying",
  ready: "waiting until ready",
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
