import {
  autoscalerSpec,
  containerLifecycle,
  deploymentStrategy,
  disruptionBudgetSpec,
  ignoredByUp,
  podTermination,
} from "../kube/replicas";

const SELECTOR = {
  matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
};

describe("kube/replicas: the catalog's fields as Kubernetes fields", () => {
  test.each([
    [{ preStop: { kind: "sleep" as const, seconds: 5 } }, { preStop: { sleep: { seconds: 5 } } }],
    [
      { preStop: { kind: "exec" as const, command: ["/bin/drain", "-w"] } },
      { preStop: { exec: { command: ["/bin/drain", "-w"] } } },
    ],
    [undefined, undefined],
    [{}, undefined],
  ])("lifecycle %j → %j", (lifecycle, expected) => {
    expect(containerLifecycle({ name: "web", lifecycle })).toEqual(expected);
  });

  test.each([
    [{ type: "Recreate" as const }, { type: "Recreate" }],
    [{ type: "RollingUpdate" as const }, { type: "RollingUpdate" }],
    [
      { type: "RollingUpdate" as const, maxSurge: "50%" },
      { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%" } },
    ],
    [
      { type: "RollingUpdate" as const, maxSurge: 1, maxUnavailable: 0 },
      { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    ],
    [undefined, undefined],
  ])("strategy %j → %j", (strategy, expected) => {
    expect(deploymentStrategy({ name: "web", strategy })).toEqual(expected);
  });

  test.each([
    [{ minAvailable: 1 }, { minAvailable: 1, selector: SELECTOR }],
    [{ maxUnavailable: "50%" }, { maxUnavailable: "50%", selector: SELECTOR }],
    [undefined, undefined],
  ])("disruption budget %j → %j", (disruptionBudget, expected) => {
    expect(disruptionBudgetSpec({ name: "web", disruptionBudget })).toEqual(expected);
  });

  test("autoscaler: Kubernetes' scale-down window unless the catalog sets one", () => {
    expect(autoscalerSpec({ name: "web", autoscale: { min: 1, max: 3, cpu: 50 } }, "web")).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
      ],
    });
    expect(
      autoscalerSpec(
        { name: "web", autoscale: { min: 1, max: 3, cpu: 50, scaleDownWindowSeconds: 0 } },
        "web",
      )?.behavior,
    ).toEqual({ scaleDown: { stabilizationWindowSeconds: 0 } });
    expect(autoscalerSpec({ name: "web" }, "web")).toBeUndefined();
  });

  test("pod fields: grace period and a zone spread; nothing when the catalog says nothing", () => {
    expect(
      podTermination({
        name: "web",
        terminationGracePeriodSeconds: 0,
        topologySpread: { across: "zone", maxSkew: 2, whenUnsatisfiable: "ScheduleAnyway" },
      }),
    ).toEqual({
      terminationGracePeriodSeconds: 0,
      topologySpreadConstraints: [
        {
          topologyKey: "topology.kubernetes.io/zone",
          maxSkew: 2,
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: SELECTOR,
          matchLabelKeys: ["pod-template-hash"],
          nodeTaintsPolicy: "Honor",
        },
      ],
    });
    expect(podTermination({ name: "web" })).toEqual({});
  });

  test("only an autoscaled Deployment leaves its replicas to someone else", () => {
    expect(ignoredByUp({ autoscale: { min: 1, max: 2, cpu: 50 } })).toEqual(["spec.replicas"]);
    expect(ignoredByUp({})).toBeUndefined();
  });
});
