import { fakeConfig, installMocks, ofType, Registered, settle } from "./mocks";
import { tempCatalogs } from "./tempCatalog";

const registered: Registered[] = installMocks();
jest.setTimeout(60_000);
let stacks: typeof import("../stacks/localStack");

beforeAll(async () => {
  stacks = await import("../stacks/localStack");
}, 60_000);
beforeEach(() => registered.splice(0));

const catalogDir = tempCatalogs("lk-metrics-");

const STEADY = [
  "image: ghcr.io/acme/steady",
  "ports: [{ name: http, containerPort: 8080 }]",
  "resources: { requests: { cpu: 20m } }",
  "",
].join("\n");
const BUSY = `${STEADY}autoscale: { min: 1, max: 3, cpu: 50 }\n`;

const source = (values: Record<string, string>) => fakeConfig(values);

async function runLocal(files: Record<string, string>, values: Record<string, string> = {}) {
  await stacks.localStack("local", source({ catalogDir: catalogDir(files), ...values }), {
    preflight: async () => ({ docker: { ok: true }, kind: { ok: true }, ports: new Map() }) as any,
  });
  await settle();
}

const metricsObjects = () =>
  registered
    .filter((r) => r.name.startsWith("local-metrics-server"))
    .map((r) => [r.type, r.name])
    .sort((a, b) => a[1].localeCompare(b[1]));

describe("metrics-server in the local cluster", () => {
  test("installed when a selected service autoscales: upstream's objects, kind's settings, the pinned image, its own gate, in the cluster", async () => {
    await runLocal({ "busy.yaml": BUSY, "steady.yaml": STEADY });
    expect(metricsObjects()).toEqual([
      ["localkube:index:MetricsServer", "local-metrics-server"],
      ["kubernetes:core/v1:ServiceAccount", "local-metrics-server-account"],
      [
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "local-metrics-server-aggregated-reader",
      ],
      ["kubernetes:apiregistration.k8s.io/v1:APIService", "local-metrics-server-api"],
      [
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "local-metrics-server-auth-delegator",
      ],
      ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "local-metrics-server-auth-reader"],
      [
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "local-metrics-server-binding",
      ],
      ["kubernetes:apps/v1:Deployment", "local-metrics-server-deployment"],
      ["pulumi-nodejs:dynamic/localkube:WorkloadReady", "local-metrics-server-ready"],
      ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "local-metrics-server-role"],
      ["kubernetes:core/v1:Service", "local-metrics-server-service"],
    ]);
    const deployment = registered.find((r) => r.name === "local-metrics-server-deployment")!;
    expect(deployment.inputs.metadata.namespace).toBe("kube-system");
    const container = deployment.inputs.spec.template.spec.containers[0];
    expect(container.image).toBe("registry.k8s.io/metrics-server/metrics-server:v0.9.0");
    expect(container.args).toEqual([
      "--cert-dir=/tmp",
      "--secure-port=10250",
      "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
      "--kubelet-use-node-status-port",
      "--kubelet-insecure-tls",
      "--metric-resolution=15s",
    ]);
    const api = registered.find((r) => r.name === "local-metrics-server-api")!;
    expect(api.inputs.spec.service).toEqual({ name: "metrics-server", namespace: "kube-system" });
    // Deleted with the cluster, like everything in it; nothing of the platform waits for it.
    const cluster = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster")[0].urn;
    for (const r of registered.filter(
      (x) =>
        x.name.startsWith("local-metrics-server-") && x.type !== "localkube:index:MetricsServer",
    ))
      expect([r.name, r.deletedWith]).toEqual([r.name, cluster]);
    const gate = registered.find((r) => r.name === "local-metrics-server-ready")!;
    for (const r of registered.filter((x) => x.name.startsWith("platform-")))
      expect(r.dependsOn).not.toContain(gate.urn);
    expect(
      ofType(registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map((r) => r.name),
    ).toEqual(["platform-busy-autoscaler"]);
  });

  test("`localkube:metricsServer.image` replaces the image", async () => {
    await runLocal(
      { "busy.yaml": BUSY },
      { "metricsServer.image": "localhost:5001/mirror/metrics-server:v0.9.0" },
    );
    const deployment = registered.find((r) => r.name === "local-metrics-server-deployment")!;
    expect(deployment.inputs.spec.template.spec.containers[0].image).toBe(
      "localhost:5001/mirror/metrics-server:v0.9.0",
    );
  });

  test("not installed when no selected service autoscales (one in the catalog does)", async () => {
    await runLocal({ "busy.yaml": BUSY, "steady.yaml": STEADY }, { services: "steady" });
    expect(metricsObjects()).toEqual([]);
    expect(ofType(registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toEqual([]);
  });
});
