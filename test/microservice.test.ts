import type { ServiceSpec } from "../catalog/types";
import { installMocks, ofType, promiseOf, Registered, settle } from "./mocks";

const registered: Registered[] = installMocks();
let mod: typeof import("../components/microservice");

beforeAll(async () => {
  mod = await import("../components/microservice");
});
beforeEach(() => registered.splice(0));

const bank: ServiceSpec = {
  name: "bank",
  file: "services/bank.yaml",
  image: { repository: "ghcr.io/acme/bank" },
  ports: [{ name: "http", containerPort: 8080, servicePort: 80, protocol: "TCP" }],
  env: {
    ACCOUNT_ID: { kind: "literal", value: "demo" },
    DB: { kind: "ref", from: "postgres", key: "DATABASE_URL" },
  },
  replicas: 2,
  resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { memory: "192Mi" } },
  probes: {
    readiness: { handler: { kind: "httpGet", path: "/healthz", port: "http" }, periodSeconds: 2 },
  },
  ingress: { host: "bank", path: "/", port: "http" },
  dependsOn: ["postgres", "price"],
};

const postgres = {
  name: "postgres",
  kind: "appliance" as const,
  env: {
    DATABASE_URL: { secretName: "postgres-connection", key: "DATABASE_URL" },
    PGHOST: { value: "postgres" },
  },
  ready: [],
};
const price = {
  name: "price",
  kind: "service" as const,
  env: { URL: { value: "http://price:80" }, HOST: { value: "price" } },
  ready: [],
};

const readiness = { access: { context: "kind-localkube" }, timeoutSeconds: 120 };
const GATE = "pulumi-nodejs:dynamic/localkube:WorkloadReady";

describe("Microservice", () => {
  test("creates exactly a Deployment, its readiness gate, a Service and an Ingress named after the service", async () => {
    const svc = new mod.Microservice("platform-bank", {
      spec: bank,
      image: "localhost:5001/bank@sha256:abc",
      namespace: "localkube",
      dependencies: [postgres, price],
      labels: { "localkube.dev/stack": "local" },
      ingress: { host: "bank.localhost", className: "nginx" },
      readiness,
    });
    await settle();
    // The gate registers once its provider is serialized: compare in name order.
    expect(
      registered.map((r) => [r.type, r.name]).sort((a, b) => a[1].localeCompare(b[1])),
    ).toEqual([
      ["localkube:index:Microservice", "platform-bank"],
      ["kubernetes:apps/v1:Deployment", "platform-bank-deployment"],
      ["kubernetes:networking.k8s.io/v1:Ingress", "platform-bank-ingress"],
      [GATE, "platform-bank-ready"],
      ["kubernetes:core/v1:Service", "platform-bank-service"],
    ]);
    expect(svc.url).toBe("http://bank.localhost");
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    expect(deployment.inputs.metadata).toEqual({
      name: "bank",
      namespace: "localkube",
      // Awaited by its gate, not by the provider (whose await only ends at its timeout); the
      // catalog's values win over another client's.
      annotations: { "pulumi.com/skipAwait": "true", "pulumi.com/patchForce": "true" },
      labels: {
        "localkube.dev/stack": "local",
        "app.kubernetes.io/name": "bank",
        "app.kubernetes.io/instance": "bank",
        "app.kubernetes.io/component": "service",
        "app.kubernetes.io/part-of": "localkube",
        "app.kubernetes.io/managed-by": "pulumi",
      },
    });
    expect(deployment.inputs.spec.replicas).toBe(2);
    const container = deployment.inputs.spec.template.spec.containers[0];
    expect(container.image).toBe("localhost:5001/bank@sha256:abc");
    expect(container.env).toEqual([
      { name: "ACCOUNT_ID", value: "demo" },
      {
        name: "DATABASE_URL",
        valueFrom: { secretKeyRef: { name: "postgres-connection", key: "DATABASE_URL" } },
      },
      {
        name: "DB",
        valueFrom: { secretKeyRef: { name: "postgres-connection", key: "DATABASE_URL" } },
      },
      { name: "PGHOST", value: "postgres" },
      { name: "PRICE_URL", value: "http://price:80" },
    ]);
    expect(container.readinessProbe).toEqual({
      httpGet: { path: "/healthz", port: "http" },
      periodSeconds: 2,
    });
    expect(container.resources).toEqual({
      requests: { cpu: "20m", memory: "48Mi" },
      limits: { memory: "192Mi" },
    });
    const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress.inputs.metadata.annotations).toEqual({ "pulumi.com/timeoutSeconds": "120" });
    expect(ingress.inputs.spec).toEqual({
      ingressClassName: "nginx",
      rules: [
        {
          host: "bank.localhost",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "bank", port: { name: "http" } } },
              },
            ],
          },
        },
      ],
    });
    expect(
      await promiseOf(
        svc.connection.env.URL && "value" in svc.connection.env.URL
          ? svc.connection.env.URL.value
          : undefined,
      ),
    ).toBe("http://bank:80");
  });

  test("the gate waits for the Deployment's rollout; the Ingress and dependents wait for the gate", async () => {
    const origin = { chosenBy: '`localkube:images.overrides` (entry "bank")', fix: "correct it" };
    const svc = new mod.Microservice("platform-bank", {
      spec: bank,
      image: "ghcr.io/acme/bank:1",
      namespace: "localkube",
      dependencies: [postgres, price],
      ingress: { host: "bank.localhost", className: "nginx" },
      readiness,
      imageOrigin: origin,
    });
    await settle();
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    const [gate] = ofType(registered, GATE);
    const { __provider, ...inputs } = gate.inputs;
    expect(__provider).toEqual(expect.any(String));
    expect(inputs).toEqual({
      context: "kind-localkube",
      kind: "Deployment",
      namespace: "localkube",
      name: "bank",
      service: "bank",
      timeoutSeconds: 120,
      definedIn: "services/bank.yaml",
      imageOrigins: { bank: origin },
    });
    expect(gate.dependsOn).toEqual([deployment.urn]);
    expect(gate.parent).toBe(registered[0].urn);
    const [service] = ofType(registered, "kubernetes:core/v1:Service");
    const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress.dependsOn).toEqual([service.urn, gate.urn]);
    expect(svc.connection.ready).toEqual([svc.ready, svc.service]);
  });

  test("without an ingress controller the Ingress is not awaited at all", async () => {
    new mod.Microservice("platform-bank", {
      spec: bank,
      image: "i",
      namespace: "localkube",
      dependencies: [postgres, price],
      ingress: { host: "bank.localhost", className: "nginx", await: false },
      readiness,
    });
    await settle();
    const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
  });

  test.each([["grpc" as const], ["h2c" as const]])(
    "ingress.protocol %s: GRPC backend protocol on the Ingress, the h2c scheme and appProtocol on the Service's ingress port only",
    async (protocol) => {
      new mod.Microservice("platform-greeter", {
        spec: {
          ...bank,
          name: "greeter",
          ports: [
            { name: "grpc", containerPort: 50051, servicePort: 50051, protocol: "TCP" },
            { name: "metrics", containerPort: 9100, servicePort: 9100, protocol: "TCP" },
          ],
          env: {},
          probes: {},
          ingress: { host: "greeter", path: "/", port: "grpc", protocol },
        },
        image: "i",
        namespace: "localkube",
        ingress: { host: "greeter.localhost", className: "nginx" },
        readiness,
      });
      await settle();
      const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
      expect(ingress.inputs.metadata.annotations).toEqual({
        "pulumi.com/timeoutSeconds": "120",
        "nginx.ingress.kubernetes.io/backend-protocol": "GRPC",
      });
      const [service] = ofType(registered, "kubernetes:core/v1:Service");
      expect(service.inputs.metadata.annotations).toEqual({
        "pulumi.com/skipAwait": "true",
        "traefik.ingress.kubernetes.io/service.serversscheme": "h2c",
      });
      expect(service.inputs.spec.ports).toEqual([
        {
          name: "grpc",
          port: 50051,
          targetPort: "grpc",
          protocol: "TCP",
          appProtocol: "kubernetes.io/h2c",
        },
        { name: "metrics", port: 9100, targetPort: "metrics", protocol: "TCP" },
      ]);
    },
  );

  test("ingress.protocol http (the default) adds nothing to the Ingress or the Service", async () => {
    new mod.Microservice("platform-bank", {
      spec: { ...bank, ingress: { ...bank.ingress!, protocol: "http" } },
      image: "i",
      namespace: "localkube",
      dependencies: [postgres, price],
      ingress: { host: "bank.localhost", className: "nginx" },
      readiness,
    });
    await settle();
    const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress.inputs.metadata.annotations).toEqual({ "pulumi.com/timeoutSeconds": "120" });
    const [service] = ofType(registered, "kubernetes:core/v1:Service");
    expect(service.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(service.inputs.spec.ports).toEqual([
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
    ]);
  });

  test("rejects an ingress section without ingress settings", () => {
    expect(
      () =>
        new mod.Microservice("x", {
          spec: bank,
          image: "i",
          namespace: "n",
          dependencies: [postgres, price],
          readiness,
        }),
    ).toThrow(
      "services/bank.yaml: service bank has an ingress section but the environment gave no ingress settings",
    );
  });

  test("replicas, shutdown, rollout, budget and autoscaler: the Deployment's fields, a PDB and an HPA that wait for it; up leaves replicas to the HPA", async () => {
    const svc = new mod.Microservice("platform-bank", {
      spec: {
        ...bank,
        ingress: undefined,
        replicas: 2,
        lifecycle: { preStop: { kind: "sleep", seconds: 5 } },
        terminationGracePeriodSeconds: 20,
        strategy: { type: "RollingUpdate", maxSurge: 1, maxUnavailable: 0 },
        disruptionBudget: { maxUnavailable: 1 },
        autoscale: { min: 2, max: 4, cpu: 60, scaleDownWindowSeconds: 30 },
        topologySpread: { across: "node", maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" },
      },
      image: "i",
      namespace: "localkube",
      dependencies: [postgres, price],
      readiness,
    });
    await settle();
    expect(
      registered.map((r) => [r.type, r.name]).sort((a, b) => a[1].localeCompare(b[1])),
    ).toEqual([
      ["localkube:index:Microservice", "platform-bank"],
      ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "platform-bank-autoscaler"],
      ["kubernetes:apps/v1:Deployment", "platform-bank-deployment"],
      ["kubernetes:policy/v1:PodDisruptionBudget", "platform-bank-disruption-budget"],
      [GATE, "platform-bank-ready"],
      ["kubernetes:core/v1:Service", "platform-bank-service"],
    ]);
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    expect(deployment.ignoreChanges).toEqual(["spec.replicas"]);
    expect(deployment.inputs.spec.replicas).toBe(2);
    expect(deployment.inputs.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const pod = deployment.inputs.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(20);
    expect(pod.topologySpreadConstraints).toEqual([
      {
        topologyKey: "kubernetes.io/hostname",
        maxSkew: 1,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: {
          matchLabels: { "app.kubernetes.io/name": "bank", "app.kubernetes.io/instance": "bank" },
        },
        matchLabelKeys: ["pod-template-hash"],
        nodeTaintsPolicy: "Honor",
      },
    ]);
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    const [pdb] = ofType(registered, "kubernetes:policy/v1:PodDisruptionBudget");
    expect(pdb.inputs.metadata.name).toBe("bank");
    expect(pdb.inputs.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: { "app.kubernetes.io/name": "bank", "app.kubernetes.io/instance": "bank" },
      },
    });
    expect(pdb.dependsOn).toEqual([deployment.urn]);
    const [hpa] = ofType(registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    expect(hpa.inputs.metadata.name).toBe("bank");
    expect(hpa.inputs.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "bank" },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
    });
    expect(hpa.dependsOn).toEqual([deployment.urn]);
    expect(svc.autoscaler).toBeDefined();
  });

  test("without those fields: Kubernetes' defaults, no PDB, no HPA, replicas set by every up", async () => {
    new mod.Microservice("platform-bank", {
      spec: { ...bank, ingress: undefined },
      image: "i",
      namespace: "localkube",
      dependencies: [postgres, price],
      readiness,
    });
    await settle();
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    expect(deployment.ignoreChanges).toEqual([]);
    expect(deployment.inputs.spec.strategy).toBeUndefined();
    const pod = deployment.inputs.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBeUndefined();
    expect(pod.topologySpreadConstraints).toBeUndefined();
    expect(pod.containers[0].lifecycle).toBeUndefined();
    expect(ofType(registered, "kubernetes:policy/v1:PodDisruptionBudget")).toEqual([]);
    expect(ofType(registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toEqual([]);
  });
});
