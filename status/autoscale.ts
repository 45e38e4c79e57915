/**
 * Pure: what a service's HorizontalPodAutoscaler says — how many pods it runs and wants, within
 * which range, at what CPU use, and why (its last decision, or why it cannot decide) — from the
 * autoscaler's own status. Every view shows the same words.
 */
import type { V2HorizontalPodAutoscaler } from "@kubernetes/client-node";

export interface AutoscaleStatus {
  /** Pods the autoscaler last saw running. */
  readonly current: number;
  /** Pods it wants. */
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  /** Average CPU use in percent of the CPU request (unknown without metrics) and the target. */
  readonly cpu?: { readonly current?: number; readonly target: number };
  /** Its reason and message: the last decision, a limit it hit, or why it cannot scale. */
  readonly reason?: string;
  /** It cannot scale now: no metrics (no metrics-server, or not yet), or the scale call fails. */
  readonly stuck: boolean;
}

type Condition = NonNullable<
  NonNullable<V2HorizontalPodAutoscaler["status"]>["conditions"]
>[number];

const said = (c: Condition) => [c.reason, c.message].filter(Boolean).join(": ");

/**
 * The autoscaler's status. The reason shown is, in this order: why it cannot scale
 * (`ScalingActive` or `AbleToScale` false: e.g. `FailedGetResourceMetric`), a limit it hit
 * (`ScalingLimited`: `TooManyReplicas`), else its last decision (`AbleToScale`: `SucceededRescale`,
 * `ScaleDownStabilized`, `ReadyForNewScale`).
 */
export function autoscaleStatus(hpa: V2HorizontalPodAutoscaler): AutoscaleStatus {
  const spec = hpa.spec;
  const status = hpa.status;
  const conditions = status?.conditions ?? [];
  const find = (type: string) => conditions.find((c) => c.type === type);
  const active = find("ScalingActive");
  const able = find("AbleToScale");
  const limited = find("ScalingLimited");
  const blocked = [active, able].find((c) => c?.status === "False");
  const shown = blocked ?? (limited?.status === "True" ? limited : undefined) ?? able;
  const target = spec?.metrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu")
    ?.resource?.target.averageUtilization;
  const current = status?.currentMetrics?.find(
    (m) => m.type === "Resource" && m.resource?.name === "cpu",
  )?.resource?.current.averageUtilization;
  return {
    current: status?.currentReplicas ?? 0,
    desired: status?.desiredReplicas ?? 0,
    min: spec?.minReplicas ?? 1,
    max: spec?.maxReplicas ?? 0,
    ...(target !== undefined
      ? { cpu: { ...(current !== undefined ? { current } : {}), target } }
      : {}),
    ...(shown && said(shown) ? { reason: said(shown) } : {}),
    stuck: blocked !== undefined,
  };
}

/** `2 pods` or `2 → 3 pods` (running, and wanted when it differs). */
function podsText(a: AutoscaleStatus): string {
  return a.desired !== a.current && a.desired > 0
    ? `${a.current} → ${a.desired} pods`
    : `${a.current} pod${a.current === 1 ? "" : "s"}`;
}

/** `autoscaled 2 → 3 pods (1–4)`: what the dashboard's table and a CI log line show. */
export function autoscaleSummary(a: AutoscaleStatus): string {
  return `autoscaled ${podsText(a)} (${a.min}–${a.max})`;
}

/**
 * The whole sentence: `autoscaled 2 → 3 pods (1–4), CPU 85% of 50%: SucceededRescale: New size:
 * 3; …`. `cpu: false` leaves the CPU use out (a line printed per change would repeat every
 * time the use moves).
 */
export function autoscaleText(a: AutoscaleStatus, opts: { cpu: boolean } = { cpu: true }): string {
  const cpu =
    opts.cpu && a.cpu
      ? `, CPU ${a.cpu.current === undefined ? "unknown" : `${a.cpu.current}%`} of ${a.cpu.target}%`
      : "";
  return `${autoscaleSummary(a)}${cpu}${a.reason ? `: ${a.reason}` : ""}`;
}
