import type {
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
  V1ResourceQuota,
  V1StatefulSet,
} from "@kubernetes/client-node";
import {
  controllerToWake,
  quotaSettled,
  podsToRestart,
  rolloutChanged,
  workloadReadyProvider,
  WorkloadReadyInputs,
} from "../providers/workloadReady";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { workloadsReadyProvider } from "../providers/manifestsReady";

describe("podsToRestart", () => {
  const pod = (name: string, created: string, reason?: string, deleting = false) =>
    ({
      metadata: {
        name,
        creationTimestamp: created,
        ...(deleting ? { deletionTimestamp: created } : {}),
      },
      status: {
        phase: "Pending",
        containerStatuses: [
          {
            name: "c",
            ready: false,
            restartCount: 0,
            state: reason ? { waiting: { reason } } : {},
          },
        ],
      },
    }) as unknown as V1Pod;

  test("pods an earlier attempt left in a back-off; not this rollout's own, not healthy or leaving ones", () => {
    const before = Date.parse("2026-11-24T12:00:00Z");
    const objects = {
      service: "bank",
      namespace: "localkube",
      pods: [
        pod("old-pull", "2026-11-24T11:50:00Z", "ImagePullBackOff"),
        pod("old-crash", "2026-11-24T11:50:00Z", "CrashLoopBackOff"),
        pod("old-config", "2026-11-24T11:50:00Z", "CreateContainerConfigError"),
        pod("old-starting", "2026-11-24T11:50:00Z", "ContainerCreating"),
        pod("old-leaving", "2026-11-24T11:50:00Z", "ErrImagePull", true),
        pod("new-pull", "2026-11-24T12:00:01Z", "ErrImagePull"),
      ],
    };
    expect(podsToRestart(objects, before)).toEqual(["old-pull", "old-crash", "old-config"]);
  });
});

describe("the gate's diff", () => {
  const inputs: WorkloadReadyInputs = {
    kind: "Deployment",
    namespace: "localkube",
    name: "bank",
    uid: "u1",
    generation: 3,
    service: "bank",
    timeoutSeconds: 120,
    kubeconfig: "apiVersion: v1",
  };

  test("a new spec (generation) or a new object (uid) is a new rollout to wait for", async () => {
    expect(rolloutChanged(inputs, { ...inputs, generation: 4 })).toBe(true);
    expect(rolloutChanged(inputs, { ...inputs, uid: "u2" })).toBe(true);
    expect(await workloadReadyProvider.diff!("id", inputs, { ...inputs, generation: 4 })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("no-op: another timeout, credentials or image origin alone waits for nothing (no diff)", async () => {
    const same = { ...inputs, timeoutSeconds: 600, kubeconfig: "rotated", definedIn: "x" };
    expect(rolloutChanged(inputs, same)).toBe(false);
    expect(await workloadReadyProvider.diff!("id", inputs, same)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("the gates' serialized providers", () => {
  // Kept in every gate's inputs and outputs in the state, and sent with each of its diffs.
  test.each([
    ["WorkloadReady", workloadReadyProvider],
    ["WorkloadsReady", workloadsReadyProvider],
  ])(
    "%s: a loader of the gate's module (a few KB), not the diagnosis itself",
    async (_name, provider) => {
      const { text } = await pulumi.runtime.serializeFunction(() => provider, {
        allowSecrets: true,
      });
      expect(text.length).toBeLessThan(6000);
      expect(text).toContain(
        JSON.stringify(path.resolve(__dirname, "../providers/workloadReady.ts")),
      );
      expect(text).toContain(JSON.stringify(path.resolve(__dirname, "../tsconfig.pulumi.json")));
      expect(text).not.toMatch(/function __(diagnose|rolloutStatus|observe)\b/);
    },
    60_000,
  );
});

describe("controllerToWake", () => {
  const deployment = {
    kind: "Deployment",
    metadata: {
      name: "price",
      uid: "d",
      annotations: { "deployment.kubernetes.io/revision": "2" },
    },
  } as unknown as V1Deployment;
  const rs = (revision: string, failed: boolean) =>
    ({
      metadata: {
        name: `price-${revision}`,
        annotations: { "deployment.kubernetes.io/revision": revision },
        ownerReferences: [{ uid: "d" }],
      },
      status: {
        conditions: failed
          ? [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota" }]
          : [],
      },
    }) as unknown as V1ReplicaSet;
  const objects = { service: "price", namespace: "branch-x", pods: [] as V1Pod[] };

  test("the current ReplicaSet whose pods were refused; not an older one, not a healthy one", () => {
    expect(
      controllerToWake({
        ...objects,
        workload: deployment,
        replicaSets: [rs("1", false), rs("2", true)],
      }),
    ).toEqual({ kind: "ReplicaSet", name: "price-2" });
    expect(
      controllerToWake({
        ...objects,
        workload: deployment,
        replicaSets: [rs("1", true), rs("2", false)],
      }),
    ).toBeUndefined();
  });

  test("a StatefulSet that was refused pods and still misses one", () => {
    const sts = {
      kind: "StatefulSet",
      metadata: { name: "postgres" },
      spec: { replicas: 1 },
    } as unknown as V1StatefulSet;
    const refused = {
      involvedObject: { kind: "StatefulSet", name: "postgres" },
      reason: "FailedCreate",
      message: "exceeded quota",
    };
    expect(controllerToWake({ ...objects, workload: sts, events: [refused] } as never)).toEqual({
      kind: "StatefulSet",
      name: "postgres",
    });
    expect(controllerToWake({ ...objects, workload: sts, events: [] })).toBeUndefined();
  });
});

describe("quotaSettled", () => {
  const quota = (spec: object, status: object) =>
    ({ spec: { hard: spec }, status: { hard: status } }) as unknown as V1ResourceQuota;

  test("settled when status.hard is spec.hard; a raised quota is not until its controller caught up", () => {
    expect(
      quotaSettled(quota({ "requests.cpu": "1", pods: "30" }, { pods: "30", "requests.cpu": "1" })),
    ).toBe(true);
    expect(quotaSettled(quota({ "requests.cpu": "1" }, { "requests.cpu": "10m" }))).toBe(false);
    expect(quotaSettled(quota({ "requests.cpu": "1" }, {}))).toBe(false);
  });
});
