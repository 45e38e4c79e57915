import { quotaWarnings, surgePods } from "../branch/replicaQuota";
import type { ServiceSpec } from "../catalog/types";

const settings = {
  quota: { cpu: "2", memory: "8Gi", pods: 10 },
  limits: { defaultCpu: "500m", defaultMemory: "512Mi", requestCpu: "50m", requestMemory: "64Mi" },
};

const service = (name: string, extra: Partial<ServiceSpec> = {}) =>
  ({ name, replicas: 1, resources: { requests: { cpu: "100m" } }, ...extra }) as ServiceSpec;

describe("branch sandbox quota and replicas", () => {
  test.each([
    [undefined, 4, 1],
    [undefined, 1, 1],
    [{ type: "RollingUpdate" as const, maxSurge: "50%" }, 3, 2],
    [{ type: "RollingUpdate" as const, maxSurge: 0 }, 3, 0],
    [{ type: "RollingUpdate" as const, maxSurge: 2 }, 3, 2],
    [{ type: "Recreate" as const }, 3, 0],
  ])("strategy %j with %d replicas: %d extra pods in a rollout", (strategy, replicas, surge) => {
    expect(surgePods({ strategy }, replicas)).toBe(surge);
  });

  test("everything fits: no warning; jobs and an entry's own manifests are not counted", () => {
    expect(
      quotaWarnings(
        [
          service("web", { autoscale: { min: 1, max: 3, cpu: 50 } }),
          service("migrate", { workload: "job", replicas: 1 }),
          service("partner", { manifests: { kind: "yaml", files: [] }, replicas: 50 }),
        ],
        2,
        settings,
      ),
    ).toEqual([]);
  });

  test("an autoscaler's max past the pods quota: the count, the largest services, the keys to change", () => {
    expect(
      quotaWarnings(
        [
          service("web", { autoscale: { min: 2, max: 6, cpu: 50 } }),
          service("api", { replicas: 2 }),
        ],
        1,
        settings,
      ),
    ).toEqual([
      "the services may run up to 12 pods at once (web (autoscale.max 6 + 2 during a rollout), api (2 replicas + 1 during a rollout); 1 appliance pod), more than the sandbox's quota of 10: pods above it are refused, so autoscalers stop short of their max and rollouts wait; raise localkube:quota.pods, or lower autoscale.max",
    ]);
  });

  test("CPU requests past the quota, with the LimitRange's default request for a container without one", () => {
    expect(
      quotaWarnings(
        [
          service("heavy", { replicas: 2, resources: { requests: { cpu: "1" } } }),
          service("bare", { replicas: 1, resources: undefined }),
        ],
        0,
        settings,
      ),
    ).toEqual([
      "the services' pods may request up to 3100m CPU at once (the most pods of heavy (2 replicas + 1 during a rollout), bare (1 replica + 1 during a rollout)), more than the sandbox's quota of 2 (localkube:quota.cpu): pods above it are refused; raise localkube:quota.cpu, or run fewer replicas",
    ]);
  });
});
