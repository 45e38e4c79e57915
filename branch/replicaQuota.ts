import { quantityValue } from "../catalog/parseContainer";
import type { ServiceSpec } from "../catalog/types";
import type { BranchSettings } from "../config/branchSettings";

/**
 * Pure: whether a sandbox's quota leaves room for its services at their largest — every
 * autoscaled service at `autoscale.max`, the others at `replicas`, each with the extra pods a
 * rollout starts (`maxSurge`, 25% by default) — and for the appliances it runs (one pod each).
 * Pods the quota has no room for are refused by the API server: an autoscaler stops below its
 * maximum, a rollout waits. The branch stack warns about it before anything is created.
 */

type Service = Pick<
  ServiceSpec,
  "name" | "workload" | "manifests" | "replicas" | "autoscale" | "strategy" | "resources"
>;

/** Extra pods a rollout of `replicas` pods starts (Kubernetes rounds a percentage up). */
export function surgePods(service: Pick<ServiceSpec, "strategy">, replicas: number): number {
  const s = service.strategy;
  if (s?.type === "Recreate") return 0;
  const surge = s?.maxSurge ?? "25%";
  return typeof surge === "number"
    ? surge
    : Math.ceil((replicas * Number(surge.slice(0, -1))) / 100);
}

/** The most pods a long-running service may run at once, and why (for messages). */
function peak(s: Service): { pods: number; why: string } {
  const replicas = s.autoscale?.max ?? s.replicas;
  const surge = surgePods(s, replicas);
  const base = s.autoscale
    ? `autoscale.max ${replicas}`
    : `${replicas} replica${replicas === 1 ? "" : "s"}`;
  return { pods: replicas + surge, why: surge > 0 ? `${base} + ${surge} during a rollout` : base };
}

/** Warnings, in words with the config key to raise; none when everything fits. */
export function quotaWarnings(
  services: readonly Service[],
  appliances: number,
  settings: Pick<BranchSettings, "quota" | "limits">,
): string[] {
  const running = services.filter(
    (s) => !s.manifests && (s.workload === undefined || s.workload === "deployment"),
  );
  const peaks = running.map((s) => ({ s, ...peak(s) }));
  const pods = peaks.reduce((n, p) => n + p.pods, 0) + appliances;
  const cpu = peaks.reduce(
    (n, p) =>
      n + p.pods * quantityValue(p.s.resources?.requests?.cpu ?? settings.limits.requestCpu),
    0,
  );
  const autoscaled = peaks.filter((p) => p.s.autoscale);
  const largest = [...peaks]
    .sort((a, b) => b.pods - a.pods)
    .slice(0, 3)
    .map((p) => `${p.s.name} (${p.why})`)
    .join(", ");
  const fix = autoscaled.length > 0 ? ", or lower autoscale.max" : ", or run fewer replicas";
  const out: string[] = [];
  if (pods > settings.quota.pods)
    out.push(
      `the services may run up to ${pods} pods at once (${largest}${appliances > 0 ? `; ${appliances} appliance pod${appliances === 1 ? "" : "s"}` : ""}), more than the sandbox's quota of ${settings.quota.pods}: pods above it are refused, so ${autoscaled.length > 0 ? "autoscalers stop short of their max and " : ""}rollouts wait; raise localkube:quota.pods${fix}`,
    );
  const quotaCpu = quantityValue(settings.quota.cpu);
  if (cpu > quotaCpu)
    out.push(
      `the services' pods may request up to ${formatCores(cpu)} CPU at once (the most pods of ${largest}), more than the sandbox's quota of ${settings.quota.cpu} (localkube:quota.cpu): pods above it are refused; raise localkube:quota.cpu${fix}`,
    );
  return out;
}

const formatCores = (cores: number) =>
  Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
