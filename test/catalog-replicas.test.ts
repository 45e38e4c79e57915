import { parseServiceFile } from "../catalog/parseService";
import { formatInputProblem } from "../catalog/problems";

/** Parses `services/a.yaml` (a long-running service unless the text says otherwise). */
function parse(text: string) {
  const parsed = parseServiceFile("services/a.yaml", text, "/tmp/catalog");
  return { spec: parsed.spec, problems: parsed.problems.map(formatInputProblem) };
}
const problemsOf = (text: string) => parse(text).problems;

const CPU = "resources: { requests: { cpu: 100m } }\n";

describe("replicas, shutdown, rollouts and autoscaling in a service file", () => {
  test("every field, as the spec holds it", () => {
    const { spec, problems } = parse(
      [
        "replicas: 2",
        "lifecycle: { preStop: { sleep: { seconds: 5 } } }",
        "terminationGracePeriodSeconds: 20",
        "strategy: { type: RollingUpdate, maxSurge: 1, maxUnavailable: 0 }",
        "disruptionBudget: { minAvailable: 1 }",
        "autoscale: { min: 2, max: 5, cpu: 70, scaleDownWindowSeconds: 30 }",
        "topologySpread: { across: zone, maxSkew: 2, whenUnsatisfiable: ScheduleAnyway }",
        CPU,
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect({
      replicas: spec?.replicas,
      lifecycle: spec?.lifecycle,
      terminationGracePeriodSeconds: spec?.terminationGracePeriodSeconds,
      strategy: spec?.strategy,
      disruptionBudget: spec?.disruptionBudget,
      autoscale: spec?.autoscale,
      topologySpread: spec?.topologySpread,
    }).toEqual({
      replicas: 2,
      lifecycle: { preStop: { kind: "sleep", seconds: 5 } },
      terminationGracePeriodSeconds: 20,
      strategy: { type: "RollingUpdate", maxSurge: 1, maxUnavailable: 0 },
      disruptionBudget: { minAvailable: 1 },
      autoscale: { min: 2, max: 5, cpu: 70, scaleDownWindowSeconds: 30 },
      topologySpread: { across: "zone", maxSkew: 2, whenUnsatisfiable: "ScheduleAnyway" },
    });
  });

  test("none of them: one replica and no other field in the spec", () => {
    const { spec } = parse("image: ghcr.io/acme/a\n");
    expect(spec?.replicas).toBe(1);
    expect(
      Object.keys(spec ?? {}).filter((k) =>
        /lifecycle|Grace|strategy|disruption|autoscale|topology/.test(k),
      ),
    ).toEqual([]);
  });

  test("defaults: replicas start at autoscale.min; strategy type, spread axis, skew and rule", () => {
    const { spec, problems } = parse(
      `autoscale: { min: 3, max: 6, cpu: "80%" }\nstrategy: { maxSurge: "50%" }\ntopologySpread: {}\n${CPU}`,
    );
    expect(problems).toEqual([]);
    expect(spec?.replicas).toBe(3);
    expect(spec?.autoscale).toEqual({ min: 3, max: 6, cpu: 80 });
    expect(spec?.strategy).toEqual({ type: "RollingUpdate", maxSurge: "50%" });
    expect(spec?.topologySpread).toEqual({
      across: "node",
      maxSkew: 1,
      whenUnsatisfiable: "DoNotSchedule",
    });
  });

  test("a preStop exec hook and Recreate", () => {
    const { spec, problems } = parse(
      "lifecycle: { preStop: { exec: { command: [/bin/drain, --wait] } } }\nstrategy: { type: Recreate }\n",
    );
    expect(problems).toEqual([]);
    expect(spec?.lifecycle).toEqual({
      preStop: { kind: "exec", command: ["/bin/drain", "--wait"] },
    });
    expect(spec?.strategy).toEqual({ type: "Recreate" });
  });

  test.each([
    [
      "lifecycle: {}\n",
      "services/a.yaml:1: `lifecycle`: needs preStop; e.g. lifecycle: { preStop: { sleep: { seconds: 5 } } }, or remove the section",
    ],
    [
      "lifecycle: { preStop: {} }\n",
      "services/a.yaml:1: `lifecycle.preStop`: needs exactly one of sleep or exec, got none; e.g. preStop: { sleep: { seconds: 5 } }",
    ],
    [
      "lifecycle: { preStop: { sleep: { seconds: 1 }, exec: { command: [x] } } }\n",
      "services/a.yaml:1: `lifecycle.preStop`: needs exactly one of sleep or exec, got sleep and exec; e.g. preStop: { sleep: { seconds: 5 } }",
    ],
    [
      "lifecycle: { preStop: { sleep: 5 } }\n",
      "services/a.yaml:1: `lifecycle.preStop.sleep`: write the seconds as sleep: { seconds: 5 }",
    ],
    [
      "lifecycle: { preStop: { sleep: {} } }\n",
      "services/a.yaml:1: `lifecycle.preStop.sleep.seconds`: missing; e.g. sleep: { seconds: 5 }",
    ],
    [
      "lifecycle: { preStop: { exec: { command: [] } } }\n",
      "services/a.yaml:1: `lifecycle.preStop.exec.command`: must not be empty; give the program and its arguments",
    ],
    [
      "lifecycle: { preStop: { sleep: { seconds: 30 } } }\n",
      "services/a.yaml:1: `lifecycle.preStop.sleep.seconds`: the container is killed 30 s after its stop begins (terminationGracePeriodSeconds, Kubernetes' default), before this 30 s sleep ends; sleep less, or set terminationGracePeriodSeconds to more than 30 (e.g. 40)",
    ],
    [
      "terminationGracePeriodSeconds: 10\nlifecycle: { preStop: { sleep: { seconds: 12 } } }\n",
      "services/a.yaml:2: `lifecycle.preStop.sleep.seconds`: the container is killed 10 s after its stop begins (terminationGracePeriodSeconds), before this 12 s sleep ends; sleep less, or set terminationGracePeriodSeconds to more than 12 (e.g. 22)",
    ],
    [
      "terminationGracePeriodSeconds: -1\n",
      "services/a.yaml:1: `terminationGracePeriodSeconds`: expected a whole number from 0 to 3600, got -1",
    ],
    [
      "strategy: { type: Recreate, maxSurge: 1 }\n",
      "services/a.yaml:1: `strategy.maxSurge`: only a RollingUpdate has maxSurge: Recreate stops every pod before it starts new ones; remove maxSurge, or use type: RollingUpdate",
    ],
    [
      "strategy: { type: Rolling }\n",
      'services/a.yaml:1: `strategy.type`: "Rolling" is not allowed; use one of: RollingUpdate, Recreate',
    ],
    [
      'strategy: { maxSurge: 0, maxUnavailable: "0%" }\n',
      "services/a.yaml:1: `strategy`: maxSurge and maxUnavailable are both 0: a rollout could neither add a pod nor remove one (Kubernetes refuses it); set maxSurge: 1 to start each new pod before an old one stops",
    ],
    [
      'strategy: { maxSurge: "150%" }\n',
      'services/a.yaml:1: `strategy.maxSurge`: "150%" is neither a number of pods nor a percentage of the replicas; use e.g. 1 or "25%"',
    ],
    [
      "disruptionBudget: {}\n",
      "services/a.yaml:1: `disruptionBudget`: needs exactly one of minAvailable or maxUnavailable, got none; e.g. disruptionBudget: { maxUnavailable: 1 }",
    ],
    [
      "replicas: 3\ndisruptionBudget: { minAvailable: 1, maxUnavailable: 1 }\n",
      "services/a.yaml:2: `disruptionBudget`: needs exactly one of minAvailable or maxUnavailable, got both; e.g. disruptionBudget: { maxUnavailable: 1 }",
    ],
    [
      "disruptionBudget: { maxUnavailable: 0 }\n",
      "services/a.yaml:1: `disruptionBudget.maxUnavailable`: 0 lets no pod be evicted: a node drain (or a cluster upgrade) would wait forever; allow at least 1",
    ],
    [
      'replicas: 3\ndisruptionBudget: { minAvailable: "100%" }\n',
      'services/a.yaml:2: `disruptionBudget.minAvailable`: "100%" lets no pod be evicted: a node drain (or a cluster upgrade) would wait forever; use maxUnavailable: 1 instead',
    ],
    [
      "disruptionBudget: { minAvailable: 1 }\n",
      "services/a.yaml:1: `disruptionBudget.minAvailable`: 1 with replicas 1 lets no pod be evicted: a node drain (or a cluster upgrade) would wait forever; run replicas: 2 (or autoscale.min: 2), or use maxUnavailable: 1",
    ],
    [
      `autoscale: { min: 2, max: 4, cpu: 50 }\ndisruptionBudget: { minAvailable: 2 }\n${CPU}`,
      "services/a.yaml:2: `disruptionBudget.minAvailable`: 2 with autoscale.min 2 lets no pod be evicted: a node drain (or a cluster upgrade) would wait forever; lower it to 1, or use maxUnavailable: 1",
    ],
    [
      `autoscale: { max: 4, cpu: 50 }\n${CPU}`,
      "services/a.yaml:1: `autoscale.min`: missing; e.g. autoscale: { min: 1, max: 4, cpu: 70 }",
    ],
    [
      `autoscale: { min: 3, max: 2, cpu: 50 }\n${CPU}`,
      "services/a.yaml:1: `autoscale.max`: 2 is below min 3; max is the most pods the autoscaler may run: set it to 3 or more",
    ],
    [
      `autoscale: { min: 1, max: 2, cpu: 0 }\n${CPU}`,
      "services/a.yaml:1: `autoscale.cpu`: expected a whole number from 1 to 1000, got 0",
    ],
    [
      "autoscale: { min: 1, max: 2, cpu: 50 }\nresources: { requests: { memory: 64Mi } }\n",
      "services/a.yaml:1: `autoscale.cpu`: is a percentage of the container's CPU request, and resources.requests.cpu is not set; add e.g. resources: { requests: { cpu: 100m } }",
    ],
    [
      `replicas: 5\nautoscale: { min: 1, max: 4, cpu: 50 }\n${CPU}`,
      "services/a.yaml:1: `replicas`: 5 is outside autoscale's range 1–4: with autoscale, replicas is only how many pods the first deploy starts; set it from 1 to 4, or remove it (autoscale.min is used)",
    ],
    [
      "topologySpread: { across: host }\n",
      'services/a.yaml:1: `topologySpread.across`: "host" is not allowed; use one of: node, zone',
    ],
    [
      "topologySpread: { maxSkew: 0 }\n",
      "services/a.yaml:1: `topologySpread.maxSkew`: expected a whole number from 1 to 100, got 0",
    ],
  ])("%s", (text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  test("unknown fields are named with the closest known one", () => {
    expect(problemsOf("autoscale: { min: 1, max: 2, cpu: 50, maxx: 3 }\n" + CPU)).toEqual([
      'services/a.yaml:1: `autoscale.maxx`: unknown field (did you mean "max"?); allowed here: cpu, max, min, scaleDownWindowSeconds',
    ]);
  });

  test("a job refuses what only long-running pods use, with the reason", () => {
    expect(
      problemsOf(
        "workload: job\nstrategy: { type: Recreate }\nautoscale: { min: 1, max: 2, cpu: 50 }\ndisruptionBudget: { maxUnavailable: 1 }\n" +
          CPU,
      ),
    ).toEqual([
      "services/a.yaml:2: `strategy`: not used by a job (it has no rollouts); remove it, or use workload: deployment for a long-running service",
      "services/a.yaml:4: `disruptionBudget`: not used by a job (its pod runs to completion); remove it, or use workload: deployment for a long-running service",
      "services/a.yaml:3: `autoscale`: not used by a job (it runs one pod to completion); remove it, or use workload: deployment for a long-running service",
    ]);
  });

  test("an entry deployed from its own chart refuses them: the chart's values say so", () => {
    expect(
      problemsOf("chart: { path: charts/a }\nautoscale: { min: 1, max: 2, cpu: 50 }\n"),
    ).toContain(
      "services/a.yaml:2: `autoscale`: not used by an entry deployed from its own chart; set it in the chart's values, or remove chart to let localkube run the service",
    );
  });
});
