import * as pulumiType from "@pulumi/pulumi";
import type { ServiceSpec } from "../catalog/types";
import { byUrn, installMocks, ofType, promiseOf, Registered, settle } from "./mocks";

const registered: Registered[] = installMocks();
jest.setTimeout(30_000);
let batch: typeof import("../components/batchService");
let micro: typeof import("../components/microservice");
let own: typeof import("../components/manifestService");
let pulumi: typeof pulumiType;

beforeAll(async () => {
  batch = await import("../components/batchService");
  micro = await import("../components/microservice");
  own = await import("../components/manifestService");
  pulumi = await import("@pulumi/pulumi");
}, 60_000);
beforeEach(() => registered.splice(0));

const GATE = "pulumi-nodejs:dynamic/localkube:WorkloadReady";
const GATES = "pulumi-nodejs:dynamic/localkube:WorkloadsReady";
/** Pulumi's marker of a secret value in serialized inputs (what the state encrypts). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const readiness = { access: { context: "kind-localkube" }, timeoutSeconds: 120 };
const LABELS = (name: string, component: string) => ({
  "localkube.dev/stack": "local",
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/instance": name,
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/part-of": "localkube",
  "app.kubernetes.io/managed-by": "pulumi",
});

const migrate: ServiceSpec = {
  name: "bank-migrate",
  file: "services/bank-migrate.yaml",
  image: { from: "bank" },
  workload: "job",
  command: ["python3", "-u", "/app/migrate.py"],
  ports: [],
  env: { ACCOUNT_ID: { kind: "literal", value: "demo" } },
  replicas: 1,
  resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  probes: {},
  dependsOn: ["postgres"],
};

const postgres = {
  name: "postgres",
  kind: "appliance" as const,
  env: { DATABASE_URL: { secretName: "postgres-connection", key: "DATABASE_URL" } },
  ready: [] as pulumiType.Resource[],
};

/** Whether `text` appears in `value` anywhere but inside a secret (Pulumi's wrapped values). */
function plaintextOutsideSecrets(value: unknown, text: string): boolean {
  if (typeof value === "string") return value.includes(text);
  if (value === null || typeof value !== "object") return false;
  if (SECRET_SIG in (value as object)) return false;
  return Object.values(value as object).some((v) => plaintextOutsideSecrets(v, text));
}

/** A resource standing for a dependency's readiness. */
function ready(name: string): pulumiType.CustomResource {
  class Ready extends pulumi.CustomResource {
    constructor() {
      super("test:index:Ready", name, {});
    }
  }
  return new Ready();
}

const sorted = () =>
  registered.map((r) => [r.type, r.name]).sort((a, b) => a[1].localeCompare(b[1]));

describe("BatchService: a job", () => {
  test("a Job run to completion, replaced when its spec changes, and its gate", async () => {
    const pgReady = ready("postgres-ready");
    const svc = new batch.BatchService("platform-bank-migrate", {
      spec: migrate,
      image: "localhost:5001/bank@sha256:abc",
      namespace: "localkube",
      dependencies: [{ ...postgres, ready: [pgReady] }],
      labels: { "localkube.dev/stack": "local" },
      readiness,
    });
    await settle();
    expect(sorted()).toEqual([
      ["localkube:index:BatchService", "platform-bank-migrate"],
      ["kubernetes:batch/v1:Job", "platform-bank-migrate-job"],
      [GATE, "platform-bank-migrate-ready"],
      ["test:index:Ready", "postgres-ready"],
    ]);
    const [job] = ofType(registered, "kubernetes:batch/v1:Job");
    expect(job.inputs).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "bank-migrate",
        namespace: "localkube",
        labels: LABELS("bank-migrate", "job"),
        // Awaited by its gate; deleted at once when replaced, so the new Job (same name) can be created.
        annotations: {
          "pulumi.com/skipAwait": "true",
          "pulumi.com/deletionPropagationPolicy": "background",
        },
      },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: LABELS("bank-migrate", "job") },
          spec: {
            restartPolicy: "Never",
            enableServiceLinks: false,
            // Like every container localkube runs: no token, the default securityContext.
            automountServiceAccountToken: false,
            containers: [
              {
                name: "bank-migrate",
                image: "localhost:5001/bank@sha256:abc",
                command: ["python3", "-u", "/app/migrate.py"],
                env: [
                  { name: "ACCOUNT_ID", value: "demo" },
                  {
                    name: "DATABASE_URL",
                    valueFrom: {
                      secretKeyRef: { name: "postgres-connection", key: "DATABASE_URL" },
                    },
                  },
                ],
                resources: {
                  requests: { cpu: "20m", memory: "32Mi" },
                  limits: { memory: "128Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: { type: "RuntimeDefault" },
                },
              },
            ],
          },
        },
      },
    });
    // Created after its dependencies are ready; a new spec is a new Job of the same name (a new run).
    expect(job.dependsOn).toEqual([byUrn(registered, (await promiseOf(pgReady.urn))!).urn]);
    const [gate] = ofType(registered, GATE);
    expect(gate.inputs.kind).toBe("Job");
    expect(gate.inputs.name).toBe("bank-migrate");
    expect(gate.inputs.service).toBe("bank-migrate");
    expect(gate.inputs.definedIn).toBe("services/bank-migrate.yaml");
    expect(gate.dependsOn).toEqual([job.urn]);
    // Dependents wait for the gate: for the job to have succeeded.
    expect(svc.connection.ready).toEqual([svc.ready]);
    expect(svc.connection.env).toEqual({});
  });

  test("the Job is replaced (deleted first) when its spec changes", async () => {
    new batch.BatchService("platform-bank-migrate", {
      spec: migrate,
      image: "bank:1",
      namespace: "localkube",
      readiness,
    });
    await settle();
    const [job] = ofType(registered, "kubernetes:batch/v1:Job");
    expect(job.replaceOnChanges).toEqual(["spec"]);
    expect(job.deleteBeforeReplace).toBe(true);
  });
});

describe("BatchService: a cron job", () => {
  const settlement: ServiceSpec = {
    ...migrate,
    name: "settlement",
    file: "services/settlement.yaml",
    workload: "cronjob",
    cron: { schedule: "0 2 * * *", suspend: true, concurrencyPolicy: "Forbid" },
    command: ["python3", "-u", "/app/settle.py"],
    env: { SETTLEMENT_KEY: { kind: "secret", name: "settlementKey" } },
    dependsOn: ["bank"],
  };

  test("a CronJob with the job's pod, its Secret, no gate: dependents wait for it to exist", async () => {
    const svc = new batch.BatchService("platform-settlement", {
      spec: settlement,
      image: "bank:1",
      namespace: "localkube",
      labels: { "localkube.dev/stack": "local" },
      readiness,
      secrets: new Map([["settlementKey", pulumi.secret("s3cr3t-Value")]]),
    });
    await settle();
    expect(sorted()).toEqual([
      ["localkube:index:BatchService", "platform-settlement"],
      ["localkube:index:ServiceConfig", "platform-settlement-config"],
      ["kubernetes:core/v1:Secret", "platform-settlement-config-secrets"],
      ["kubernetes:batch/v1:CronJob", "platform-settlement-cronjob"],
    ]);
    const [cron] = ofType(registered, "kubernetes:batch/v1:CronJob");
    expect(cron.inputs.spec.schedule).toBe("0 2 * * *");
    expect(cron.inputs.spec.suspend).toBe(true);
    expect(cron.inputs.spec.concurrencyPolicy).toBe("Forbid");
    expect(cron.inputs.spec.jobTemplate.metadata).toEqual({
      labels: LABELS("settlement", "cronjob"),
    });
    const jobSpec = cron.inputs.spec.jobTemplate.spec;
    expect(jobSpec.backoffLimit).toBe(0);
    expect(jobSpec.template.spec.restartPolicy).toBe("Never");
    expect(jobSpec.template.spec.containers[0].env).toEqual([
      {
        name: "SETTLEMENT_KEY",
        valueFrom: { secretKeyRef: { name: "settlement-secrets", key: "settlementKey" } },
      },
    ]);
    const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
    expect(secret.inputs.metadata.name).toBe("settlement-secrets");
    expect(cron.dependsOn).toEqual([secret.urn]);
    expect(svc.connection.ready).toEqual([svc.cronJob]);
  });

  test("the secret's value is a secret wherever it goes: never plaintext in any input", async () => {
    new batch.BatchService("platform-settlement", {
      spec: settlement,
      image: "bank:1",
      namespace: "localkube",
      readiness,
      secrets: new Map([["settlementKey", pulumi.secret("s3cr3t-Value")]]),
    });
    await settle();
    const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
    // The mock monitor sees serialized inputs: a secret arrives wrapped with Pulumi's signature.
    expect(JSON.stringify(secret.inputs.stringData)).toContain(SECRET_SIG);
    for (const r of registered)
      expect(plaintextOutsideSecrets(r.inputs, "s3cr3t-Value")).toBe(false);
  });

  test("a secret the stack did not read is an internal error, not an empty value", () => {
    expect(
      () =>
        new batch.BatchService("platform-settlement", {
          spec: settlement,
          image: "bank:1",
          namespace: "localkube",
          readiness,
        }),
    ).toThrow(
      "internal: services/settlement.yaml refers to the secret settlementKey, which the stack did not read",
    );
  });

  test("a deployment is not a batch service", () => {
    expect(
      () =>
        new batch.BatchService("platform-x", {
          spec: { ...migrate, workload: undefined },
          image: "x",
          namespace: "n",
          readiness,
        }),
    ).toThrow(
      "services/bank-migrate.yaml: bank-migrate is not a job or cronjob (workload: deployment)",
    );
  });
});

describe("Microservice: files and secrets", () => {
  const bank: ServiceSpec = {
    name: "bank",
    file: "services/bank.yaml",
    image: { repository: "ghcr.io/acme/bank" },
    ports: [{ name: "http", containerPort: 8080, servicePort: 80, protocol: "TCP" }],
    env: { API_KEY: { kind: "secret", name: "bankApiKey" } },
    files: [
      {
        source: "config/bank.json",
        from: "/repo/services/config/bank.json",
        to: "/etc/bank/config.json",
      },
    ],
    replicas: 1,
    probes: {},
    dependsOn: [],
  };

  test("a ConfigMap of the files, mounted read-only; a Secret; the pods roll when either changes", async () => {
    const config = await import("../components/serviceConfig");
    // The component reads the repository's file: here through the real file system, from a fixture.
    const fs = await import("fs");
    const os = await import("os");
    const path = await import("path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-files-"));
    fs.writeFileSync(path.join(dir, "bank.json"), '{"displayName": "demo"}\n');
    const spec = { ...bank, files: [{ ...bank.files![0], from: path.join(dir, "bank.json") }] };
    new micro.Microservice("platform-bank", {
      spec,
      image: "bank:1",
      namespace: "localkube",
      readiness,
      secrets: new Map([["bankApiKey", pulumi.secret("k-123")]]),
    });
    await settle();
    fs.rmSync(dir, { recursive: true, force: true });
    void config;
    const [configMap] = ofType(registered, "kubernetes:core/v1:ConfigMap");
    expect(configMap.name).toBe("platform-bank-config-files");
    expect(configMap.inputs.metadata.name).toBe("bank-files");
    expect(configMap.inputs.data).toEqual({ "0-config.json": '{"displayName": "demo"}\n' });
    const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
    expect(secret.inputs.metadata.name).toBe("bank-secrets");
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    const template = deployment.inputs.spec.template;
    expect(Object.keys(template.metadata.annotations)).toEqual(["localkube.dev/files-hash"]);
    expect(template.metadata.annotations["localkube.dev/files-hash"]).toMatch(/^[0-9a-f]{16}$/);
    expect(template.spec.volumes).toEqual([
      {
        name: "localkube-files",
        configMap: { name: "bank-files", items: [{ key: "0-config.json", path: "0-config.json" }] },
      },
    ]);
    const container = template.spec.containers[0];
    expect(container.volumeMounts).toEqual([
      {
        name: "localkube-files",
        mountPath: "/etc/bank/config.json",
        subPath: "0-config.json",
        readOnly: true,
      },
    ]);
    expect(container.env).toEqual([
      { name: "API_KEY", valueFrom: { secretKeyRef: { name: "bank-secrets", key: "bankApiKey" } } },
    ]);
    expect(deployment.dependsOn.sort()).toEqual([configMap.urn, secret.urn].sort());
  });

  test("a service without files or secrets has no ServiceConfig, and its pod template is unchanged", async () => {
    new micro.Microservice("platform-bank", {
      spec: { ...bank, env: {}, files: undefined },
      image: "bank:1",
      namespace: "localkube",
      labels: { "localkube.dev/stack": "local" },
      readiness,
    });
    await settle();
    expect(ofType(registered, "localkube:index:ServiceConfig")).toEqual([]);
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    expect(deployment.inputs.spec.template.metadata).toEqual({ labels: LABELS("bank", "service") });
    expect(deployment.inputs.spec.template.spec.volumes).toBeUndefined();
  });
});

describe("ManifestService: the team's own chart or YAML files", () => {
  const partner: ServiceSpec = {
    name: "partner",
    file: "services/partner.yaml",
    image: { repository: "ghcr.io/acme/partner" },
    manifests: {
      kind: "chart",
      path: "/repo/services/charts/partner",
      values: { replicaCount: 1 },
    },
    ports: [],
    env: {},
    replicas: 1,
    probes: {},
    ingress: { host: "partner", path: "/", port: "http", service: "partner" },
    dependsOn: ["price"],
  };
  const ingress = { host: "partner.localhost", className: "nginx" };

  test("a chart of the repository: its values, the namespace, no await of its own; one gate; the Ingress", async () => {
    const priceReady = ready("price-ready");
    const svc = new own.ManifestService("platform-partner", {
      spec: partner,
      namespace: "localkube",
      dependencies: [{ name: "price", kind: "service", env: {}, ready: [priceReady] }],
      image: "localhost:5001/partner@sha256:abc",
      readiness,
      ingress,
      labels: { "localkube.dev/stack": "local" },
    });
    await settle();
    expect(sorted()).toEqual([
      ["localkube:index:ManifestService", "platform-partner"],
      ["kubernetes:helm.sh/v4:Chart", "platform-partner-chart"],
      ["kubernetes:networking.k8s.io/v1:Ingress", "platform-partner-ingress"],
      [GATES, "platform-partner-ready"],
      ["test:index:Ready", "price-ready"],
    ]);
    const [chart] = ofType(registered, "kubernetes:helm.sh/v4:Chart");
    expect(chart.inputs).toEqual({
      name: "partner",
      namespace: "localkube",
      chart: "/repo/services/charts/partner",
      values: { replicaCount: 1 },
      skipAwait: true,
    });
    expect(chart.dependsOn).toEqual([(await promiseOf(priceReady.urn))!]);
    const [gate] = ofType(registered, GATES);
    expect(gate.inputs.service).toBe("partner");
    expect(gate.inputs.definedIn).toBe("services/partner.yaml");
    expect(gate.dependsOn).toEqual([chart.urn]);
    const [ing] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ing.inputs.spec.rules[0]).toEqual({
      host: "partner.localhost",
      http: {
        paths: [
          {
            path: "/",
            pathType: "Prefix",
            backend: { service: { name: "partner", port: { name: "http" } } },
          },
        ],
      },
    });
    expect(ing.dependsOn).toEqual([gate.urn]);
    expect(svc.url).toBe("http://partner.localhost");
    expect(svc.connection.ready).toEqual([svc.ready]);
  });

  test("a chart of a repository, and an OCI chart", async () => {
    new own.ManifestService("platform-info", {
      spec: {
        ...partner,
        ingress: undefined,
        manifests: {
          kind: "chart",
          repo: "https://charts.example.com",
          name: "podinfo",
          version: "6.7.0",
          values: {},
        },
      },
      namespace: "localkube",
      readiness,
    });
    new own.ManifestService("platform-oci", {
      spec: {
        ...partner,
        name: "oci",
        ingress: undefined,
        manifests: {
          kind: "chart",
          repo: "oci://ghcr.io/acme/charts",
          name: "podinfo",
          version: "6.7.0",
          values: {},
        },
      },
      namespace: "localkube",
      readiness,
    });
    await settle();
    const charts = ofType(registered, "kubernetes:helm.sh/v4:Chart")
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => c.inputs);
    expect(charts).toEqual([
      {
        name: "partner",
        namespace: "localkube",
        chart: "podinfo",
        version: "6.7.0",
        repositoryOpts: { repo: "https://charts.example.com" },
        values: {},
        skipAwait: true,
      },
      {
        name: "oci",
        namespace: "localkube",
        chart: "oci://ghcr.io/acme/charts/podinfo",
        version: "6.7.0",
        values: {},
        skipAwait: true,
      },
    ]);
  });

  test("YAML files: a ConfigGroup without the provider's await", async () => {
    new own.ManifestService("platform-partner", {
      spec: {
        ...partner,
        ingress: undefined,
        manifests: { kind: "yaml", files: ["/repo/services/partner/k8s/deployment.yaml"] },
      },
      namespace: "localkube",
      readiness,
    });
    await settle();
    const [group] = ofType(registered, "kubernetes:yaml/v2:ConfigGroup");
    expect(group.inputs).toEqual({
      files: ["/repo/services/partner/k8s/deployment.yaml"],
      skipAwait: true,
    });
  });

  test("the image transform: the local build in place of the repository's image, in Kubernetes objects only", async () => {
    const transform = own.imageTransform(
      "ghcr.io/acme/partner",
      "localhost:5001/partner@sha256:abc",
    );
    const props = {
      kind: "Deployment",
      spec: {
        template: {
          spec: { containers: [{ name: "partner", image: "ghcr.io/acme/partner:1.0.0" }] },
        },
      },
    };
    const opts = { parent: undefined };
    const args = {
      type: "kubernetes:apps/v1:Deployment",
      name: "partner",
      custom: true,
      props,
      opts,
    };
    expect(await transform(args)).toEqual({
      props: {
        kind: "Deployment",
        spec: {
          template: {
            spec: { containers: [{ name: "partner", image: "localhost:5001/partner@sha256:abc" }] },
          },
        },
      },
      opts,
    });
    expect(await transform({ ...args, type: "test:index:Other" })).toBeUndefined();
  });
});
