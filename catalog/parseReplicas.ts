import { show } from "./problems";
import {
  AutoscaleSpec,
  DisruptionBudgetSpec,
  LifecycleSpec,
  PodCount,
  PreStopHook,
  ResourcesSpec,
  StrategySpec,
  TopologySpreadSpec,
} from "./types";
import { PathSegment, YamlFile } from "./yamlFile";

/* How a service's pods start, stop and scale: replicas, shutdown, rollouts, budgets, autoscaling. */

/** Top-level service fields read by {@link parseReplicas}, besides `replicas`. */
export const REPLICA_FIELDS = [
  "lifecycle",
  "terminationGracePeriodSeconds",
  "strategy",
  "disruptionBudget",
  "autoscale",
  "topologySpread",
] as const;

/** Kubernetes' `terminationGracePeriodSeconds` when a pod names none. */
export const DEFAULT_GRACE_SECONDS = 30;

const MAX_REPLICAS = 100;

/** The fields of {@link REPLICA_FIELDS} and `replicas`, as they go into the service's spec. */
export interface ReplicaParts {
  readonly replicas: number;
  readonly lifecycle?: LifecycleSpec;
  readonly terminationGracePeriodSeconds?: number;
  readonly strategy?: StrategySpec;
  readonly disruptionBudget?: DisruptionBudgetSpec;
  readonly autoscale?: AutoscaleSpec;
  readonly topologySpread?: TopologySpreadSpec;
}

/**
 * Reads `replicas`, `lifecycle`, `terminationGracePeriodSeconds`, `strategy`, `disruptionBudget`,
 * `autoscale` and `topologySpread`, and what Kubernetes would refuse or what would hang later: a
 * preStop sleep longer than the grace period, a rolling update that can neither add nor remove a
 * pod, a budget that lets no pod be evicted, autoscaling without a CPU request, `replicas` outside
 * the autoscaler's range. With `autoscale`, `replicas` defaults to `autoscale.min`.
 */
export function parseReplicas(
  y: YamlFile,
  doc: Readonly<Record<string, unknown>>,
  resources: ResourcesSpec | undefined,
): ReplicaParts {
  const autoscale =
    doc.autoscale === undefined ? undefined : parseAutoscale(y, doc.autoscale, resources);
  const given =
    doc.replicas === undefined ? undefined : y.integer(["replicas"], doc.replicas, 0, MAX_REPLICAS);
  if (autoscale && given !== undefined && (given < autoscale.min || given > autoscale.max)) {
    y.report(
      ["replicas"],
      `${given} is outside autoscale's range ${autoscale.min}–${autoscale.max}: with autoscale, replicas is only how many pods the first deploy starts; set it from ${autoscale.min} to ${autoscale.max}, or remove it (autoscale.min is used)`,
    );
  }
  const replicas = given ?? autoscale?.min ?? 1;
  const grace =
    doc.terminationGracePeriodSeconds === undefined
      ? undefined
      : y.integer(["terminationGracePeriodSeconds"], doc.terminationGracePeriodSeconds, 0, 3600);
  const lifecycle =
    doc.lifecycle === undefined ? undefined : parseLifecycle(y, doc.lifecycle, grace);
  const strategy = doc.strategy === undefined ? undefined : parseStrategy(y, doc.strategy);
  const disruptionBudget =
    doc.disruptionBudget === undefined
      ? undefined
      : parseBudget(y, doc.disruptionBudget, replicas, autoscale !== undefined);
  const topologySpread =
    doc.topologySpread === undefined ? undefined : parseSpread(y, doc.topologySpread);
  return {
    replicas,
    ...(lifecycle ? { lifecycle } : {}),
    ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
    ...(strategy ? { strategy } : {}),
    ...(disruptionBudget ? { disruptionBudget } : {}),
    ...(autoscale ? { autoscale } : {}),
    ...(topologySpread ? { topologySpread } : {}),
  };
}

const LIFECYCLE = ["lifecycle"];
const PRE_STOP = [...LIFECYCLE, "preStop"];

function parseLifecycle(
  y: YamlFile,
  value: unknown,
  grace: number | undefined,
): LifecycleSpec | undefined {
  const obj = y.object(LIFECYCLE, value, ["preStop"]);
  if (!obj) return undefined;
  if (obj.preStop === undefined)
    return y.report(
      LIFECYCLE,
      "needs preStop; e.g. lifecycle: { preStop: { sleep: { seconds: 5 } } }, or remove the section",
    );
  const preStop = parsePreStop(y, obj.preStop, grace);
  return preStop && { preStop };
}

function parsePreStop(
  y: YamlFile,
  value: unknown,
  grace: number | undefined,
): PreStopHook | undefined {
  const obj = y.object(PRE_STOP, value, ["sleep", "exec"]);
  if (!obj) return undefined;
  const given = (["sleep", "exec"] as const).filter((k) => obj[k] !== undefined);
  if (given.length !== 1)
    return y.report(
      PRE_STOP,
      `needs exactly one of sleep or exec, got ${given.length === 0 ? "none" : "sleep and exec"}; e.g. preStop: { sleep: { seconds: 5 } }`,
    );
  if (given[0] === "exec") {
    const p = [...PRE_STOP, "exec"];
    const exec = y.object(p, obj.exec, ["command"]);
    const command = exec && y.list([...p, "command"], exec.command, (q, v) => y.string(q, v));
    if (command && command.length === 0)
      return y.report([...p, "command"], "must not be empty; give the program and its arguments");
    return command ? { kind: "exec", command } : undefined;
  }
  const p = [...PRE_STOP, "sleep"];
  if (typeof obj.sleep === "number")
    return y.report(p, `write the seconds as sleep: { seconds: ${obj.sleep} }`);
  const sleep = y.object(p, obj.sleep, ["seconds"]);
  if (!sleep) return undefined;
  const seconds =
    sleep.seconds === undefined
      ? y.report([...p, "seconds"], "missing; e.g. sleep: { seconds: 5 }")
      : y.integer([...p, "seconds"], sleep.seconds, 1, 3600);
  if (seconds === undefined) return undefined;
  const limit = grace ?? DEFAULT_GRACE_SECONDS;
  if (seconds >= limit)
    return y.report(
      [...p, "seconds"],
      `the container is killed ${limit} s after its stop begins (terminationGracePeriodSeconds${grace === undefined ? ", Kubernetes' default" : ""}), before this ${seconds} s sleep ends; sleep less, or set terminationGracePeriodSeconds to more than ${seconds} (e.g. ${seconds + 10})`,
    );
  return { kind: "sleep", seconds };
}

const PERCENT = /^(\d{1,3})%$/;

/** A number of pods (0–1000) or a percentage (`"0%"`–`"100%"`). */
function podCount(y: YamlFile, p: readonly PathSegment[], value: unknown): PodCount | undefined {
  if (typeof value === "number") return y.integer(p, value, 0, 1000);
  const m = typeof value === "string" ? PERCENT.exec(value) : null;
  if (m && Number(m[1]) <= 100) return value as string;
  return y.report(
    p,
    `${show(value)} is neither a number of pods nor a percentage of the replicas; use e.g. 1 or "25%"`,
  );
}

const isZero = (c: PodCount | undefined) =>
  c === 0 || (typeof c === "string" && Number(c.slice(0, -1)) === 0);

const STRATEGY_TYPES = ["RollingUpdate", "Recreate"] as const;

function parseStrategy(y: YamlFile, value: unknown): StrategySpec | undefined {
  const obj = y.object(["strategy"], value, ["type", "maxSurge", "maxUnavailable"]);
  if (!obj) return undefined;
  const type =
    obj.type === undefined
      ? "RollingUpdate"
      : y.oneOf(["strategy", "type"], obj.type, STRATEGY_TYPES);
  if (type === undefined) return undefined;
  if (type === "Recreate") {
    for (const field of ["maxSurge", "maxUnavailable"])
      if (obj[field] !== undefined)
        y.report(
          ["strategy", field],
          `only a RollingUpdate has ${field}: Recreate stops every pod before it starts new ones; remove ${field}, or use type: RollingUpdate`,
        );
    return { type };
  }
  const count = (field: "maxSurge" | "maxUnavailable") =>
    obj[field] === undefined ? undefined : podCount(y, ["strategy", field], obj[field]);
  const maxSurge = count("maxSurge");
  const maxUnavailable = count("maxUnavailable");
  if (isZero(maxSurge) && isZero(maxUnavailable))
    return y.report(
      ["strategy"],
      "maxSurge and maxUnavailable are both 0: a rollout could neither add a pod nor remove one (Kubernetes refuses it); set maxSurge: 1 to start each new pod before an old one stops",
    );
  return {
    type,
    ...(maxSurge !== undefined ? { maxSurge } : {}),
    ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
  };
}

function parseBudget(
  y: YamlFile,
  value: unknown,
  replicas: number,
  autoscaled: boolean,
): DisruptionBudgetSpec | undefined {
  const p = ["disruptionBudget"];
  const obj = y.object(p, value, ["minAvailable", "maxUnavailable"]);
  if (!obj) return undefined;
  const given = (["minAvailable", "maxUnavailable"] as const).filter((k) => obj[k] !== undefined);
  if (given.length !== 1)
    return y.report(
      p,
      `needs exactly one of minAvailable or maxUnavailable, got ${given.length === 0 ? "none" : "both"}; e.g. disruptionBudget: { maxUnavailable: 1 }`,
    );
  const field = given[0];
  const count = podCount(y, [...p, field], obj[field]);
  if (count === undefined) return undefined;
  const stuck = "lets no pod be evicted: a node drain (or a cluster upgrade) would wait forever";
  if (field === "maxUnavailable" && isZero(count))
    return y.report([...p, field], `${show(count)} ${stuck}; allow at least 1`);
  if (field === "minAvailable" && count === "100%")
    return y.report([...p, field], `${show(count)} ${stuck}; use maxUnavailable: 1 instead`);
  if (field === "minAvailable" && typeof count === "number" && replicas > 0 && count >= replicas) {
    const running = autoscaled ? `autoscale.min ${replicas}` : `replicas ${replicas}`;
    const fix =
      replicas === 1
        ? "run replicas: 2 (or autoscale.min: 2), or use maxUnavailable: 1"
        : `lower it to ${replicas - 1}, or use maxUnavailable: 1`;
    return y.report([...p, field], `${count} with ${running} ${stuck}; ${fix}`);
  }
  return field === "minAvailable" ? { minAvailable: count } : { maxUnavailable: count };
}

const AUTOSCALE = ["autoscale"];
const AUTOSCALE_EXAMPLE = "autoscale: { min: 1, max: 4, cpu: 70 }";

function parseAutoscale(
  y: YamlFile,
  value: unknown,
  resources: ResourcesSpec | undefined,
): AutoscaleSpec | undefined {
  const obj = y.object(AUTOSCALE, value, ["min", "max", "cpu", "scaleDownWindowSeconds"]);
  if (!obj) return undefined;
  const required = (field: string, read: (v: unknown) => number | undefined) =>
    obj[field] === undefined
      ? y.report([...AUTOSCALE, field], `missing; e.g. ${AUTOSCALE_EXAMPLE}`)
      : read(obj[field]);
  const min = required("min", (v) => y.integer([...AUTOSCALE, "min"], v, 1, MAX_REPLICAS));
  const max = required("max", (v) => y.integer([...AUTOSCALE, "max"], v, 1, MAX_REPLICAS));
  // `cpu: 70` or `cpu: "70%"`: a percentage of the CPU request either way.
  const cpu = required("cpu", (v) =>
    y.integer(
      [...AUTOSCALE, "cpu"],
      typeof v === "string" && PERCENT.test(v) ? Number(v.slice(0, -1)) : v,
      1,
      1000,
    ),
  );
  const window =
    obj.scaleDownWindowSeconds === undefined
      ? undefined
      : y.integer([...AUTOSCALE, "scaleDownWindowSeconds"], obj.scaleDownWindowSeconds, 0, 3600);
  if (min !== undefined && max !== undefined && max < min)
    y.report(
      [...AUTOSCALE, "max"],
      `${max} is below min ${min}; max is the most pods the autoscaler may run: set it to ${min} or more`,
    );
  if (cpu !== undefined && resources?.requests?.cpu === undefined)
    y.report(
      [...AUTOSCALE, "cpu"],
      `is a percentage of the container's CPU request, and resources.requests.cpu is not set; add e.g. resources: { requests: { cpu: 100m } }`,
    );
  if (min === undefined || max === undefined || cpu === undefined || max < min) return undefined;
  return { min, max, cpu, ...(window !== undefined ? { scaleDownWindowSeconds: window } : {}) };
}

const SPREAD = ["topologySpread"];

function parseSpread(y: YamlFile, value: unknown): TopologySpreadSpec | undefined {
  const obj = y.object(SPREAD, value, ["across", "maxSkew", "whenUnsatisfiable"]);
  if (!obj) return undefined;
  const across =
    obj.across === undefined
      ? "node"
      : y.oneOf([...SPREAD, "across"], obj.across, ["node", "zone"] as const);
  const maxSkew =
    obj.maxSkew === undefined ? 1 : y.integer([...SPREAD, "maxSkew"], obj.maxSkew, 1, 100);
  const whenUnsatisfiable =
    obj.whenUnsatisfiable === undefined
      ? "DoNotSchedule"
      : y.oneOf([...SPREAD, "whenUnsatisfiable"], obj.whenUnsatisfiable, [
          "DoNotSchedule",
          "ScheduleAnyway",
        ] as const);
  return across && maxSkew !== undefined && whenUnsatisfiable
    ? { across, maxSkew, whenUnsatisfiable }
    : undefined;
}
