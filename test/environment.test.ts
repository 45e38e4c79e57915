import { dynamicType, inClusterTransform } from "../kube/lifetime";
import { GATE_TYPES, WORKLOADS_READY_TYPE } from "../providers/manifestsReady";
import { WORKLOAD_READY_TYPE } from "../providers/workloadReady";

describe("inClusterTransform", () => {
  test("Kubernetes objects and readiness gates wait for the environment and are deleted and replaced with the cluster; others are untouched", () => {
    const ready = [{ urn: "ready" }] as any[];
    const cluster = { urn: "cluster" } as any;
    const t = inClusterTransform({ ready, deletedWith: cluster }, GATE_TYPES);
    const out = t({
      type: "kubernetes:apps/v1:Deployment",
      name: "d",
      custom: true,
      props: { a: 1 },
      opts: {},
    } as any) as any;
    expect(out.props).toEqual({ a: 1 });
    expect(out.opts.dependsOn).toEqual(ready);
    expect(out.opts.deletedWith).toBe(cluster);
    expect(out.opts.replaceWith).toEqual([cluster]);
    // Both kinds of gate: a service's (WorkloadReady) and a chart's or manifests' (WorkloadsReady).
    expect([WORKLOAD_READY_TYPE, WORKLOADS_READY_TYPE]).toEqual([
      "pulumi-nodejs:dynamic/localkube:WorkloadReady",
      "pulumi-nodejs:dynamic/localkube:WorkloadsReady",
    ]);
    for (const type of [WORKLOAD_READY_TYPE, WORKLOADS_READY_TYPE]) {
      const gate = t({ type, name: "g", custom: true, props: { b: 2 }, opts: {} } as any) as any;
      expect([
        gate.props,
        gate.opts.dependsOn,
        gate.opts.deletedWith,
        gate.opts.replaceWith,
      ]).toEqual([{ b: 2 }, ready, cluster, [cluster]]);
    }
    // Our other dynamic resources (the kind cluster, passwords) are not in the cluster.
    expect(
      t({ type: dynamicType("KindCluster"), name: "k", custom: true, props: {}, opts: {} } as any),
    ).toBeUndefined();
    expect(
      t({ type: "docker-build:index:Image", name: "i", custom: true, props: {}, opts: {} } as any),
    ).toBeUndefined();
    expect(
      t({
        type: "kubernetes:helm.sh/v4:Chart",
        name: "c",
        custom: false,
        props: {},
        opts: {},
      } as any),
    ).toBeUndefined();
  });
});
