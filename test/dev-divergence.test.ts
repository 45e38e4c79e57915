import type * as K from "@kubernetes/client-node";
import { driftOf, replacedLiveServices } from "../dev/engine/divergence";

const pod = (service: string, containerID: string, ready = true): K.V1Pod => ({
  metadata: { name: `${service}-1`, labels: { "app.kubernetes.io/name": service } },
  status: {
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    containerStatuses: [
      { name: service, containerID, image: "", imageID: "", ready, restartCount: 0 },
    ],
  },
});

describe("replacedLiveServices", () => {
  const synced = new Map([["price", new Set(["c1"])]]);
  test("a live-updated container replaced, the replacement running: rebuild", () => {
    expect(replacedLiveServices(synced, [pod("price", "c2")], new Set())).toEqual(["price"]);
  });
  test.each([
    ["the same container", [pod("price", "c1")], new Set<string>()],
    ["a replacement not ready yet", [pod("price", "c2", false)], new Set<string>()],
    ["an update of the service's own running", [pod("price", "c2")], new Set(["price"])],
    ["another service's pods", [pod("bank", "c9")], new Set<string>()],
  ])("nothing for %s", (_what, pods, updating) => {
    expect(replacedLiveServices(synced, pods, updating)).toEqual([]);
  });
});

const SINCE = Date.parse("2026-12-04T10:00:00Z");
function deployment(
  name: string,
  managers: { manager: string; time: string; sub?: string }[] = [],
) {
  return {
    metadata: {
      name,
      labels: { "app.kubernetes.io/name": name },
      managedFields: managers.map((m) => ({
        manager: m.manager,
        operation: m.manager.startsWith("pulumi") ? "Apply" : "Update",
        time: new Date(m.time),
        ...(m.sub ? { subresource: m.sub } : {}),
      })),
    },
    spec: { selector: {}, template: {} },
  } as K.V1Deployment;
}

describe("driftOf: workloads deleted or changed outside localkube", () => {
  test("a workload seen before and gone now is drift; one never seen is not (not created yet)", () => {
    const r = driftOf(
      ["bank", "price"],
      [deployment("price")],
      new Set(["bank"]),
      SINCE,
      new Set(),
    );
    expect(r.drift).toEqual([
      { service: "bank", what: "bank's workload was deleted outside localkube" },
    ]);
    expect([...r.seen]).toEqual(["price"]);
    expect(driftOf(["bank"], [], new Set(), SINCE, new Set()).drift).toEqual([]);
  });

  test("a change by another client after the last converge is drift, named after that client", () => {
    const edited = deployment("bank", [
      { manager: "pulumi-kubernetes-abc123", time: "2026-12-04T09:00:00Z" },
      { manager: "kube-controller-manager", time: "2026-12-04T10:05:00Z" },
      { manager: "kube-controller-manager", time: "2026-12-04T10:05:00Z", sub: "status" },
      { manager: "kubectl-edit", time: "2026-12-04T10:06:00Z" },
    ]);
    expect(driftOf(["bank"], [edited], new Set(["bank"]), SINCE, new Set()).drift).toEqual([
      { service: "bank", what: "Deployment bank was changed outside localkube (by kubectl-edit)" },
    ]);
  });

  test.each([
    ["before the last converge", [{ manager: "kubectl-edit", time: "2026-12-04T09:59:00Z" }]],
    [
      "by Pulumi or the loop",
      [
        { manager: "pulumi-kubernetes-abc123", time: "2026-12-04T10:06:00Z" },
        { manager: "localkube-dev", time: "2026-12-04T10:06:00Z" },
      ],
    ],
  ])("no drift for a change %s", (_what, managers) => {
    expect(
      driftOf(["bank"], [deployment("bank", managers)], new Set(["bank"]), SINCE, new Set()).drift,
    ).toEqual([]);
  });

  test("a service being updated is not checked", () => {
    expect(driftOf(["bank"], [], new Set(["bank"]), SINCE, new Set(["bank"])).drift).toEqual([]);
  });
});
