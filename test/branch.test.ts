import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installMocks, MOCK_CREATED_MS, ofType, promiseOf, Registered, settle } from "./mocks";
import type { ConfigSource } from "../config/source";
import { parseCleanupArgs, selectExpired } from "../cli/cleanup";
import { branchIdentity } from "../config/branch";
import { branchImageTag, dockerConfigJson } from "../environments/branch";

const registered: Registered[] = installMocks();
let stacks: typeof import("../environments/branchStack");
beforeAll(async () => {
  stacks = await import("../environments/branchStack");
});
beforeEach(() => registered.splice(0));

const REPO = path.resolve(__dirname, "..");
const SECRET = "registry-Pa55-7d1e";

function source(values: Record<string, string>, secrets: Record<string, string> = {}): ConfigSource {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  return {
    stackFile: "Pulumi.branch-foo.yaml",
    get: (key) => (key in values ? { value: values[key], file: "Pulumi.branch-foo.yaml" } : undefined),
    getSecret: (key) => (key in secrets ? pulumi.secret(secrets[key]) : undefined),
  };
}

/** A defaults file like Pulumi.branch.yaml, in a temp dir. */
function defaults(config: Record<string, string>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lk-branch-")), "Pulumi.branch.yaml");
  fs.writeFileSync(
    file,
    `config:\n${Object.entries(config)
      .map(([k, v]) => `  localkube:${k}: ${JSON.stringify(v)}`)
      .join("\n")}\n`,
  );
  return file;
}

const git = (args: readonly string[]) => (args[0] === "rev-parse" ? "3f2a1c9" : "dev@acme.example");

async function run(stack: string, values: Record<string, string>, defaultsConfig: Record<string, string> = {}, secrets: Record<string, string> = {}) {
  const out = await stacks.branchStack(stack, source({ catalogDir: path.join(REPO, "services"), ...values }, secrets), {
    git,
    defaultsFile: defaults(defaultsConfig),
    log: () => undefined,
  });
  await settle();
  return out;
}

describe("branch sandbox stack", () => {
  test("isolation objects: labelled namespace, quota, limit range, default-deny network policy", async () => {
    const out = await run("branch-feature-login", { services: "price", ttl: "48h" });
    const [ns] = ofType(registered, "kubernetes:core/v1:Namespace");
    expect(ns.inputs.metadata).toEqual({
      name: "branch-feature-login",
      labels: {
        "localkube.dev/branch": "feature-login",
        "localkube.dev/git-sha": "3f2a1c9",
        "localkube.dev/owner": "dev_acme.example",
        "localkube.dev/created-at": String(MOCK_CREATED_MS / 1000),
        "localkube.dev/expires-at": String(MOCK_CREATED_MS / 1000 + 48 * 3600),
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "localkube",
      },
    });
    expect(ofType(registered, "kubernetes:core/v1:ResourceQuota")[0].inputs.spec).toEqual({
      hard: { "requests.cpu": "4", "requests.memory": "8Gi", "limits.memory": "8Gi", pods: "30" },
    });
    expect(ofType(registered, "kubernetes:core/v1:LimitRange")[0].inputs.spec).toEqual({
      limits: [{ type: "Container", default: { cpu: "500m", memory: "512Mi" }, defaultRequest: { cpu: "50m", memory: "64Mi" } }],
    });
    expect(ofType(registered, "kubernetes:networking.k8s.io/v1:NetworkPolicy")[0].inputs.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }, { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }] }],
    });
    const [provider] = ofType(registered, "pulumi:providers:kubernetes");
    expect(provider.inputs.deleteUnreachable).toBe("true");
    expect(await promiseOf(out.expiresAt)).toBe("2026-11-26T12:00:00.000Z");
    expect(out.namespace).toBe("branch-feature-login");
  });

  test("hostnames <service>.<slug>.<baseDomain>, TLS through a cert-manager issuer", async () => {
    const out = await run("branch-feat", { services: "price", baseDomain: "sandbox.acme.dev", "ingress.tlsIssuer": "letsencrypt" });
    expect(await promiseOf(out.urls)).toEqual({ price: "https://price.feat.sandbox.acme.dev" });
    const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress.inputs.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
    expect(ingress.inputs.spec.tls).toEqual([{ hosts: ["price.feat.sandbox.acme.dev"], secretName: "price-tls" }]);
  });

  test("local builds are pushed as <registry>/<service>:<slug>-<sha7>; the login becomes a pull secret, never plaintext", async () => {
    const out = await run(
      "branch-Feature/X",
      { services: "price", local: "price", "registry.address": "ghcr.io/acme/sandboxes", "registry.username": "bot" },
      {},
      { "registry.password": SECRET },
    );
    const slug = branchIdentity("Feature/X").slug;
    expect(out.imageTag).toBe(`${slug}-3f2a1c9`);
    const [image] = ofType(registered, "docker-build:index:Image");
    expect(image.inputs.tags).toEqual([`ghcr.io/acme/sandboxes/price:${slug}-3f2a1c9`]);
    const [pull] = ofType(registered, "kubernetes:core/v1:Secret").filter((r) => r.name === "pull-secret");
    expect(pull.inputs.type).toBe("kubernetes.io/dockerconfigjson");
    const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
    expect(deployment.inputs.spec.template.spec.imagePullSecrets).toEqual([{ name: "registry-credentials" }]);
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) resolved[k] = await promiseOf(v as any);
    expect(JSON.stringify(resolved)).not.toContain(SECRET);
  });

  test("config precedence: the stack's own values win over Pulumi.branch.yaml, which wins over built-in defaults", async () => {
    await run("branch-p", { services: "price", "quota.cpu": "2" }, { "quota.cpu": "6", "quota.memory": "4Gi", services: "bank" });
    expect(ofType(registered, "kubernetes:core/v1:ResourceQuota")[0].inputs.spec.hard).toEqual({
      "requests.cpu": "2",
      "requests.memory": "4Gi",
      "limits.memory": "4Gi",
      pods: "30",
    });
    expect(ofType(registered, "kubernetes:apps/v1:Deployment").map((d) => d.name)).toEqual(["platform-price-deployment"]);
  });

  test("a build without a registry is refused before anything is created", async () => {
    await expect(run("branch-x", { services: "price", local: "price" })).rejects.toThrow(
      "invalid configuration: Pulumi.branch-foo.yaml: `localkube:registry.address`: price must be built, but no registry to push to is set; `pulumi config set localkube:registry.address ghcr.io/<org>/sandboxes`",
    );
    expect(registered).toEqual([]);
  });

  test("hostile branch names are slugged with a hash, never passed anywhere raw", async () => {
    const hostile = `$(touch /tmp/x); rm -rf / "a" 'b'`;
    const out = await run("branch-ok", { services: "price", branch: hostile });
    expect(out.namespace).toMatch(/^branch-touch-tmp-x-rm-rf-a-b-[0-9a-f]{6}$/);
    expect(JSON.stringify(registered.map((r) => r.inputs.metadata ?? {}))).not.toContain("$(");
  });

  test("shared appliances: not deployed per branch; services reach them through the namespace's own Secret", async () => {
    const url = "postgres://app:Sh4red-pw@pg.shared.svc:5432/bank";
    const out = await run("branch-shared", { services: "bank,ledger", "shared.kafka": "kafka.shared.svc:9092" }, {}, { "shared.postgres": url });
    expect(out.appliances).toEqual(["schema-registry"]);
    expect(out.sharedAppliances).toEqual(["postgres", "kafka"]);
    expect(ofType(registered, "kubernetes:apps/v1:StatefulSet").map((r) => r.name)).toEqual([]);
    expect(
      ofType(registered, "kubernetes:apps/v1:Deployment")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["platform-appliances-schema-registry-deployment", "platform-bank-deployment", "platform-ledger-deployment", "platform-price-deployment"]);
    const [secret] = ofType(registered, "kubernetes:core/v1:Secret").filter((r) => r.name === "shared-postgres");
    // The whole stringData travels as a Pulumi secret (the SDK's secret signature wraps it).
    expect(secret.inputs.stringData).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { DATABASE_URL: url, PGHOST: "pg.shared.svc", PGPORT: "5432", PGDATABASE: "bank", PGUSER: "app", PGPASSWORD: "Sh4red-pw" },
    });
    const bank = ofType(registered, "kubernetes:apps/v1:Deployment").find((r) => r.name === "platform-bank-deployment")!;
    expect(bank.inputs.spec.template.spec.containers[0].env).toContainEqual({
      name: "DATABASE_URL",
      valueFrom: { secretKeyRef: { name: "shared-postgres-connection", key: "DATABASE_URL" } },
    });
    const ledger = ofType(registered, "kubernetes:apps/v1:Deployment").find((r) => r.name === "platform-ledger-deployment")!;
    expect(ledger.inputs.spec.template.spec.containers[0].env).toContainEqual({ name: "KAFKA_BOOTSTRAP_SERVERS", value: "kafka.shared.svc:9092" });
    const registry = ofType(registered, "kubernetes:apps/v1:Deployment").find((r) => r.name === "platform-appliances-schema-registry-deployment")!;
    expect(registry.inputs.spec.template.spec.containers[0].env).toContainEqual({
      name: "APICURIO_KAFKASQL_BOOTSTRAP_SERVERS",
      value: "kafka.shared.svc:9092",
    });
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) resolved[k] = await promiseOf(v as any);
    expect(JSON.stringify(resolved)).not.toContain("Sh4red-pw");
  });
});

describe("helpers", () => {
  test("branchImageTag", () => {
    expect(branchImageTag("feat-x", "3f2a1c9d0e")).toBe("feat-x-3f2a1c9");
    expect(branchImageTag("feat-x")).toBe("feat-x");
  });
  test("dockerConfigJson", () => {
    expect(JSON.parse(dockerConfigJson("ghcr.io/acme/sandboxes", "bot", "pw"))).toEqual({
      auths: { "ghcr.io": { username: "bot", password: "pw", auth: "Ym90OnB3" } },
    });
  });
});

describe("cleanup selection (fake clock)", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  test("only branch-* stacks whose expiry has passed, oldest first", () => {
    expect(
      selectExpired(
        [
          { name: "local", expiresAt: "2020-01-01T00:00:00Z" },
          { name: "branch-new", expiresAt: "2026-11-25T00:00:00Z" },
          { name: "branch-b", expiresAt: "2026-11-24T12:00:00Z" },
          { name: "branch-a", expiresAt: "2026-11-20T00:00:00Z" },
          { name: "branch-never-deployed" },
          { name: "branch-garbled", expiresAt: "soon" },
        ],
        now,
      ).map((s) => s.name),
    ).toEqual(["branch-a", "branch-b"]);
  });
  test("arguments", () => {
    expect(parseCleanupArgs([], () => now)).toEqual({ dryRun: false, now });
    expect(parseCleanupArgs(["--dry-run", "--now", "2030-01-01T00:00:00Z"])).toEqual({ dryRun: true, now: new Date("2030-01-01T00:00:00Z") });
    expect(() => parseCleanupArgs(["--now", "$(date)"])).toThrow('unknown argument "--now"; usage: npm run cleanup -- [--dry-run] [--now <ISO time>]');
  });
});
