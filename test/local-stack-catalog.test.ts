import * as path from "path";
import {
  installMocks,
  MOCK_PASSWORD,
  ofType,
  promiseOf,
  Registered,
  settle,
  fakeConfig,
  noContainers,
} from "./mocks";
import type { PortNeed, PreflightFacts } from "../host/preflight";

const registered: Registered[] = installMocks();
jest.setTimeout(60_000);
let stacks: typeof import("../stacks/localStack");
let settingsMod: typeof import("../config/localSettings");
let readerMod: typeof import("../config/reader");
let preflight: typeof import("../host/preflight");

beforeAll(async () => {
  stacks = await import("../stacks/localStack");
  settingsMod = await import("../config/localSettings");
  readerMod = await import("../config/reader");
  preflight = await import("../host/preflight");
}, 60_000);
beforeEach(() => registered.splice(0));

const REPO = path.resolve(__dirname, "..");
const STACK_FILE = "Pulumi.local.yaml";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const KEY = "Settle-K3y-5c1f";

/** The stack's config, as `pulumi config set [--secret] localkube:<key>` would hold it. */
const source = (values: Record<string, string>, secrets: Record<string, string> = {}) =>
  fakeConfig(values, secrets, STACK_FILE);

let needsSeen: readonly PortNeed[] = [];
const freePorts = async (needs: readonly PortNeed[]) => {
  needsSeen = needs;
  return { docker: { ok: true }, kind: { ok: true }, ports: new Map() } as PreflightFacts;
};

async function runLocal(values: Record<string, string>, secrets: Record<string, string> = {}) {
  const outputs = await stacks.localStack(
    "local",
    source({ catalogDir: path.join(REPO, "services"), ...values }, secrets),
    { preflight: freePorts, containers: noContainers },
  );
  await settle();
  return outputs;
}

const names = (type: string) =>
  ofType(registered, type)
    .map((r) => r.name)
    .sort();

describe("jobs, cron jobs, charts and secrets of the example catalog", () => {
  test("settlement and partner: bank's migration Job, the CronJob with its Secret, the chart", async () => {
    const out = await runLocal(
      { services: "settlement,partner", local: "bank,partner", "ingress.controller": "traefik" },
      { "secrets.settlementKey": KEY },
    );
    expect(out.services).toEqual(["price", "bank", "partner"]);
    expect(out.jobs).toEqual(["bank-migrate", "settlement"]);
    expect(out.builtFromSource).toEqual(["bank", "partner"]);
    expect(await promiseOf(out.urls)).toEqual({
      bank: "http://bank.localhost",
      partner: "http://partner.localhost",
      price: "http://price.localhost",
    });
    expect(names("kubernetes:batch/v1:Job")).toEqual(["platform-bank-migrate-job"]);
    expect(names("kubernetes:batch/v1:CronJob")).toEqual(["platform-settlement-cronjob"]);
    expect(names("kubernetes:helm.sh/v4:Chart")).toEqual(["platform-partner-chart"]);
    expect(names("docker-build:index:Image")).toEqual([
      "platform-bank-image-image",
      "platform-partner-image-image",
    ]);
    // bank-migrate and settlement run bank's local build.
    const bankImage = ofType(registered, "kubernetes:apps/v1:Deployment").find(
      (d) => d.name === "platform-bank-deployment",
    )!.inputs.spec.template.spec.containers[0].image;
    expect(bankImage).toBe("localhost:5001/bank@sha256:0123456789abcdef");
    const [job] = ofType(registered, "kubernetes:batch/v1:Job");
    expect(job.inputs.spec.template.spec.containers[0].image).toBe(bankImage);
    const [cron] = ofType(registered, "kubernetes:batch/v1:CronJob");
    expect(cron.inputs.spec.jobTemplate.spec.template.spec.containers[0].image).toBe(bankImage);
    // The CronJob waits for bank's gate, which waits for the migration's.
    const gate = (name: string) => registered.find((r) => r.name === name)!.urn;
    expect(cron.dependsOn).toEqual(expect.arrayContaining([gate("platform-bank-ready")]));
    // The chart: in the namespace, after price is ready.
    const [chart] = ofType(registered, "kubernetes:helm.sh/v4:Chart");
    expect(chart.inputs).toEqual({
      name: "partner",
      namespace: "localkube",
      chart: path.join(REPO, "services/charts/partner"),
      values: { replicaCount: 1, priceUrl: "http://price" },
      skipAwait: true,
    });
    expect(chart.dependsOn).toEqual(expect.arrayContaining([gate("platform-price-ready")]));
    // The settlement key: a Secret whose data is a Pulumi secret; nowhere else in plaintext.
    const [secret] = ofType(registered, "kubernetes:core/v1:Secret").filter(
      (s) => s.name === "platform-settlement-config-secrets",
    );
    expect(JSON.stringify(secret.inputs.stringData)).toContain(SECRET_SIG);
    const inside = (v: unknown): boolean =>
      typeof v === "string"
        ? v.includes(KEY)
        : v !== null && typeof v === "object" && !(SECRET_SIG in v)
          ? Object.values(v).some(inside)
          : false;
    expect(registered.filter((r) => inside(r.inputs)).map((r) => r.name)).toEqual([]);
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) resolved[k] = await promiseOf(v as never);
    expect(JSON.stringify(resolved)).not.toContain(KEY);
  });

  test("a secret the selection needs and the stack does not set: the command that sets it, nothing created", async () => {
    await expect(runLocal({ services: "settlement" })).rejects.toThrow(
      "invalid configuration: Pulumi.local.yaml: `localkube:secrets.settlementKey`: not set, and services/settlement.yaml (`env.SETTLEMENT_KEY`) needs it; set it with `pulumi config set --secret localkube:secrets.settlementKey <value>`",
    );
    await settle();
    expect(registered).toEqual([]);
  });

  test("a secret set for no service of the catalog is refused", async () => {
    await expect(runLocal({ services: "price" }, { "secrets.settlementKye": KEY })).rejects.toThrow(
      'invalid configuration: Pulumi.local.yaml: `localkube:secrets.settlementKye`: no service of the catalog refers to this secret (did you mean "settlementKey"?)',
    );
  });
});

describe("PostgreSQL and Kafka on the host", () => {
  test("by default on 15432 and 19092: kind publishes the node ports, NodePort Services, Kafka's host listener", async () => {
    const out = await runLocal({ services: "ledger,bank", local: "bank" });
    const [cluster] = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster");
    expect(cluster.inputs.configYaml).toContain(
      [
        "      - containerPort: 30032",
        "        hostPort: 15432",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "      - containerPort: 30082",
        "        hostPort: 19092",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
      ].join("\n"),
    );
    const services = Object.fromEntries(
      ofType(registered, "kubernetes:core/v1:Service").map((s) => [
        s.inputs.metadata.name,
        s.inputs.spec,
      ]),
    );
    expect(services["postgres-host"]).toEqual({
      type: "NodePort",
      selector: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/instance": "postgres" },
      ports: [{ name: "postgres", port: 5432, targetPort: "postgres", nodePort: 30032 }],
    });
    expect(services["kafka-host"]).toEqual({
      type: "NodePort",
      selector: { "app.kubernetes.io/name": "kafka", "app.kubernetes.io/instance": "kafka" },
      ports: [{ name: "kafka", port: 9094, targetPort: "host", nodePort: 30082 }],
    });
    const kafka = ofType(registered, "kubernetes:apps/v1:StatefulSet").find(
      (s) => s.inputs.metadata.name === "kafka",
    )!.inputs.spec.template.spec.containers[0];
    const env = Object.fromEntries(
      kafka.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env.KAFKA_LISTENERS).toBe("PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:9094");
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe("PLAINTEXT://kafka:9092,HOST://localhost:19092");
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe(
      "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT",
    );
    expect(kafka.ports).toEqual([
      { name: "kafka", containerPort: 9092 },
      { name: "controller", containerPort: 9093 },
      { name: "host", containerPort: 9094 },
    ]);
    expect(out.hostAccess).toEqual({ postgres: "127.0.0.1:15432", kafka: "localhost:19092" });
    expect(await promiseOf(out.postgresUrl)).toBe(
      `postgresql://app:${MOCK_PASSWORD}@127.0.0.1:15432/app?sslmode=disable`,
    );
    expect(await (out.postgresUrl as never as { isSecret: Promise<boolean> }).isSecret).toBe(true);
    // Pre-flight checks them like the ingress ports, saying why they are not 5432 and 9092.
    expect(needsSeen.slice(3)).toEqual([
      {
        port: 15432,
        key: "appliances.postgres.hostPort",
        owner: "localkube-control-plane",
        purpose:
          "PostgreSQL for tools on this machine, localkube's default, not 5432, so that a PostgreSQL of your own keeps its port; 0 turns it off",
      },
      {
        port: 19092,
        key: "appliances.kafka.hostPort",
        owner: "localkube-control-plane",
        purpose:
          "Kafka for tools on this machine, localkube's default, not 9092, so that a Kafka of your own keeps its port; 0 turns it off",
      },
    ]);
    expect(
      preflight.preflightProblems(
        {
          docker: { ok: true },
          kind: { ok: true },
          ports: new Map([[15432, { free: false, holders: [] }]]),
        },
        needsSeen,
      ),
    ).toEqual([
      "port 15432 on 127.0.0.1 (PostgreSQL for tools on this machine, localkube's default, not 5432, so that a PostgreSQL of your own keeps its port; 0 turns it off) is already in use by another process. Stop it (`sudo ss -ltnp 'sport = :15432'` shows the process) or choose another port: `pulumi config set localkube:appliances.postgres.hostPort <port>`.",
    ]);
  });

  test("0 turns one off: no mapping, no NodePort, no listener; both off: the cluster's config of before", async () => {
    await runLocal({ services: "ledger", "appliances.kafka.hostPort": "0" });
    expect(
      ofType(registered, "kubernetes:core/v1:Service")
        .map((s) => s.inputs.metadata.name)
        .filter((n: string) => n.endsWith("-host")),
    ).toEqual([]);
    const [cluster] = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster");
    expect(cluster.inputs.configYaml).toContain("containerPort: 30032");
    expect(cluster.inputs.configYaml).not.toContain("containerPort: 30082");
    expect(needsSeen.map((n) => n.key)).toEqual([
      "cluster.httpPort",
      "cluster.httpsPort",
      "registry.port",
      "appliances.postgres.hostPort",
    ]);

    registered.splice(0);
    const out = await runLocal({
      services: "price",
      "appliances.postgres.hostPort": "0",
      "appliances.kafka.hostPort": "0",
    });
    const { renderKindConfig } = await import("../kind/config");
    const [plain] = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster");
    expect(plain.inputs.configHash).toBe(
      renderKindConfig({
        name: "localkube",
        nodeImage:
          "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
        workers: 0,
        httpPort: 80,
        httpsPort: 443,
      }).hash,
    );
    expect(out.hostAccess).toEqual({});
    expect("postgresUrl" in out).toBe(false);
  });

  test("config: other ports, a port out of range, two settings on the same port", () => {
    const read = (values: Record<string, string>) => {
      const r = new readerMod.ConfigReader(source(values));
      const s = settingsMod.readLocalSettings(r);
      return { s, problems: r.problems.map((p) => `${p.path}: ${p.message}`) };
    };
    expect(
      read({ "appliances.postgres.hostPort": "25432", "appliances.kafka.hostPort": "29092" }).s
        .applianceHostPorts,
    ).toEqual({ postgres: 25432, kafka: 29092 });
    expect(read({ "appliances.kafka.hostPort": "70000" }).problems).toEqual([
      'localkube:appliances.kafka.hostPort: "70000" is not a whole number from 0 to 65535; fix: pulumi config set localkube:appliances.kafka.hostPort 19092',
    ]);
    expect(read({ "appliances.postgres.hostPort": "5001" }).problems).toEqual([
      "localkube:appliances.postgres.hostPort: port 5001 is also used by localkube:registry.port; each needs its own port; fix: pulumi config set localkube:appliances.postgres.hostPort 13001",
    ]);
  });
});
