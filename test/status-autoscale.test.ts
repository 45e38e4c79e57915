import { autoscaleStatus, autoscaleSummary, autoscaleText } from "../status/autoscale";

const cond = (type: string, status: string, reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
});

/** An autoscaler of 1–4 pods at 50% CPU, with the status given. */
const hpa = (status: Record<string, unknown>) =>
  ({
    spec: {
      scaleTargetRef: { kind: "Deployment", name: "busy" },
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
      ],
    },
    status,
  }) as any;

const cpuNow = (percent: number) => [
  { type: "Resource", resource: { name: "cpu", current: { averageUtilization: percent } } },
];

describe("status/autoscale: what an HPA says, in words", () => {
  test.each([
    [
      "just created: no status yet",
      {},
      { current: 0, desired: 0, min: 1, max: 4, cpu: { target: 50 }, stuck: false },
      "autoscaled 0 pods (1–4), CPU unknown of 50%",
    ],
    [
      "no metrics (metrics-server missing or starting): stuck, with the HPA's reason",
      {
        currentReplicas: 1,
        desiredReplicas: 0,
        conditions: [
          cond(
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
          ),
          cond(
            "ScalingActive",
            "False",
            "FailedGetResourceMetric",
            "the HPA was unable to compute the replica count: failed to get cpu utilization",
          ),
        ],
      },
      {
        current: 1,
        desired: 0,
        min: 1,
        max: 4,
        cpu: { target: 50 },
        reason:
          "FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization",
        stuck: true,
      },
      "autoscaled 1 pod (1–4), CPU unknown of 50%: FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization",
    ],
    [
      "scaling up: running and wanted pods, CPU use, its last decision",
      {
        currentReplicas: 2,
        desiredReplicas: 3,
        currentMetrics: cpuNow(140),
        conditions: [
          cond(
            "AbleToScale",
            "True",
            "SucceededRescale",
            "the HPA controller was able to update the target scale to 3",
          ),
          cond(
            "ScalingActive",
            "True",
            "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
          ),
          cond(
            "ScalingLimited",
            "False",
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
          ),
        ],
      },
      {
        current: 2,
        desired: 3,
        min: 1,
        max: 4,
        cpu: { current: 140, target: 50 },
        reason: "SucceededRescale: the HPA controller was able to update the target scale to 3",
        stuck: false,
      },
      "autoscaled 2 → 3 pods (1–4), CPU 140% of 50%: SucceededRescale: the HPA controller was able to update the target scale to 3",
    ],
    [
      "at its maximum: the limit wins over the last decision",
      {
        currentReplicas: 4,
        desiredReplicas: 4,
        currentMetrics: cpuNow(300),
        conditions: [
          cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
          cond("ScalingActive", "True", "ValidMetricFound", "ok"),
          cond(
            "ScalingLimited",
            "True",
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
          ),
        ],
      },
      {
        current: 4,
        desired: 4,
        min: 1,
        max: 4,
        cpu: { current: 300, target: 50 },
        reason: "TooManyReplicas: the desired replica count is more than the maximum replica count",
        stuck: false,
      },
      "autoscaled 4 pods (1–4), CPU 300% of 50%: TooManyReplicas: the desired replica count is more than the maximum replica count",
    ],
    [
      "load gone, waiting out the scale-down window",
      {
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: cpuNow(2),
        conditions: [
          cond(
            "AbleToScale",
            "True",
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
          ),
          cond("ScalingActive", "True", "ValidMetricFound", "ok"),
        ],
      },
      {
        current: 3,
        desired: 3,
        min: 1,
        max: 4,
        cpu: { current: 2, target: 50 },
        reason:
          "ScaleDownStabilized: recent recommendations were higher than current one, applying the highest recent recommendation",
        stuck: false,
      },
      "autoscaled 3 pods (1–4), CPU 2% of 50%: ScaleDownStabilized: recent recommendations were higher than current one, applying the highest recent recommendation",
    ],
  ])("%s", (_what, status, expected, text) => {
    const a = autoscaleStatus(hpa(status));
    expect(a).toEqual(expected);
    expect(autoscaleText(a)).toBe(text);
  });

  test("the summary and the text without CPU (for lines printed per change)", () => {
    const a = autoscaleStatus(
      hpa({ currentReplicas: 2, desiredReplicas: 1, currentMetrics: cpuNow(3) }),
    );
    expect(autoscaleSummary(a)).toBe("autoscaled 2 → 1 pods (1–4)");
    expect(autoscaleText(a, { cpu: false })).toBe("autoscaled 2 → 1 pods (1–4)");
  });
});
