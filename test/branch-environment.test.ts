import type * as pulumiType from "@pulumi/pulumi";
import type { BranchSettings } from "../config/branchSettings";
import { createHash } from "crypto";
import { branchIdentity } from "../branch/identity";
import {
  branchImageTag,
  branchNamespaceLabels,
  dockerConfigJson,
  ownerLabel,
  postgresKeys,
} from "../branch/sandbox";
import { installMocks, MOCK_CREATED_MS, ofType, promiseOf, Registered, settle } from "./mocks";

const sha12 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 12);

const registered: Registered[] = installMocks();
let branch: typeof import("../components/branchEnvironment");
let pulumi: typeof pulumiType;
beforeAll(async () => {
  pulumi = await import("@pulumi/pulumi");
  branch = await import("../components/branchEnvironment");
});
beforeEach(() => registered.splice(0));

/** Pulumi's marker of a secret value in serialized inputs (what the state encrypts). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const PASSWORD = "registry-Pa55-7d1e";
const CREATED_S = MOCK_CREATED_MS / 1000;

/** Settings as readBranchSettings returns them with nothing configured, plus `over`. */
function settings(over: Partial<BranchSettings> = {}): BranchSettings {
  return {
    mode: "branch",
    catalogDir: "services",
    local: [],
    buildAll: false,
    readyTimeoutSeconds: 600,
    images: { tag: "latest", overrides: {} },
    appliances: {
      images: {},
      postgres: { storage: "1Gi", database: "app", user: "app" },
      kafka: { storage: "2Gi" },
    },
    branch: branchIdentity("feature-login"),
    cluster: {},
    baseDomain: "sandbox.acme.dev",
    ingress: { api: "ingress", className: "nginx", namespace: "ingress-nginx" },
    registry: {},
    ttl: "72h",
    ttlMs: 72 * 3_600_000,
    gitSha: "3f2a1c9",
    owner: "Dev Person <dev@acme.example>",
    quota: { cpu: "4", memory: "8Gi", pods: 30 },
    shared: {},
    podSecurity: { enforce: "baseline" },
    egress: { allow: [] },
    limits: {
      defaultCpu: "500m",
      defaultMemory: "512Mi",
      requestCpu: "50m",
      requestMemory: "64Mi",
    },
    ...over,
  };
}

async function create(over: Partial<BranchSettings> = {}, appliances?: readonly string[]) {
  const env = new branch.BranchEnvironment("sandbox", {
    stack: "branch-feature-login",
    settings: settings(over),
    appliances,
  });
  await settle(registered);
  return env;
}

const one = (type: string) => {
  const found = ofType(registered, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const byName = (name: string) => {
  const found = registered.filter((r) => r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("BranchEnvironment: isolation objects", () => {
  test("exactly a provider, the creation time, a namespace, a quota, a limit range, ingress and egress policies and a service account, children of the component", async () => {
    await create();
    expect(
      registered.map((r) => [r.type, r.name]).sort((a, b) => a[1].localeCompare(b[1])),
    ).toEqual([
      ["localkube:index:BranchEnvironment", "sandbox"],
      ["pulumi:providers:kubernetes", "sandbox-cluster"],
      ["pulumi-nodejs:dynamic/localkube:CreationTime", "sandbox-created"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "sandbox-egress"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "sandbox-isolation"],
      ["kubernetes:core/v1:LimitRange", "sandbox-limits"],
      ["kubernetes:core/v1:Namespace", "sandbox-namespace"],
      ["kubernetes:core/v1:ResourceQuota", "sandbox-quota"],
      ["kubernetes:core/v1:ServiceAccount", "sandbox-service-account"],
    ]);
    const component = registered[0].urn;
    expect(registered[0].type).toBe("localkube:index:BranchEnvironment");
    expect(registered.slice(1).map((r) => r.parent)).toEqual(Array(8).fill(component));
  });

  test("aliases name where each object lived before the component existed, so existing sandboxes are not replaced", async () => {
    await create();
    const oldNamespace = "urn:pulumi:test::localkube::kubernetes:core/v1:Namespace::namespace";
    const aliases = registered.slice(1).map((r) => [r.name, r.aliases]);
    expect(aliases.sort()).toEqual([
      ["sandbox-cluster", [{ name: "cluster", parent: "" }]],
      ["sandbox-created", [{ name: "created", parent: "" }]],
      // Objects that came with the component have no earlier name.
      ["sandbox-egress", []],
      ["sandbox-isolation", [{ name: "isolation", parent: oldNamespace }]],
      ["sandbox-limits", [{ name: "limits", parent: oldNamespace }]],
      ["sandbox-namespace", [{ name: "namespace", parent: "" }]],
      ["sandbox-quota", [{ name: "quota", parent: oldNamespace }]],
      ["sandbox-service-account", []],
    ]);
  });

  test("the objects inside the namespace are deleted with it: destroy is one namespace delete", async () => {
    await create();
    const namespace = one("kubernetes:core/v1:Namespace").urn;
    expect(
      registered
        .filter((r) => r.inputs.metadata?.namespace)
        .map((r) => [r.name, r.deletedWith])
        .sort(),
    ).toEqual([
      ["sandbox-egress", namespace],
      ["sandbox-isolation", namespace],
      ["sandbox-limits", namespace],
      ["sandbox-quota", namespace],
      ["sandbox-service-account", namespace],
    ]);
  });

  test("the namespace carries branch, git sha, owner, created-at and expires-at (created-at + ttl), and Pod Security admission: enforce baseline, warn and audit restricted", async () => {
    await create({ ttlMs: 48 * 3_600_000 });
    expect(one("kubernetes:core/v1:Namespace").inputs.metadata).toEqual({
      name: "branch-feature-login",
      labels: {
        "localkube.dev/branch": "feature-login",
        "localkube.dev/git-sha": "3f2a1c9",
        "localkube.dev/owner": "Dev_Person",
        "localkube.dev/created-at": String(CREATED_S),
        "localkube.dev/expires-at": String(CREATED_S + 48 * 3600),
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "localkube",
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    });
  });

  test("the enforced Pod Security level comes from localkube:podSecurity.enforce; warn and audit stay restricted", async () => {
    await create({ podSecurity: { enforce: "restricted" } });
    const labels = one("kubernetes:core/v1:Namespace").inputs.metadata.labels;
    expect(
      Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith("pod-security."))),
    ).toEqual({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    });
  });

  test("without git facts the namespace has no git-sha or owner label, and built images are tagged <slug>", async () => {
    const env = await create({ gitSha: undefined, owner: undefined });
    expect(Object.keys(one("kubernetes:core/v1:Namespace").inputs.metadata.labels).sort()).toEqual([
      "app.kubernetes.io/managed-by",
      "app.kubernetes.io/part-of",
      "localkube.dev/branch",
      "localkube.dev/created-at",
      "localkube.dev/expires-at",
      "pod-security.kubernetes.io/audit",
      "pod-security.kubernetes.io/enforce",
      "pod-security.kubernetes.io/enforce-version",
      "pod-security.kubernetes.io/warn",
    ]);
    expect(env.environment.images.pushTag).toBe("feature-login");
  });

  test("ResourceQuota and LimitRange from config, named sandbox in the branch namespace", async () => {
    await create({
      quota: { cpu: "2500m", memory: "6Gi", pods: 12 },
      limits: { defaultCpu: "1", defaultMemory: "1Gi", requestCpu: "100m", requestMemory: "128Mi" },
    });
    const quota = one("kubernetes:core/v1:ResourceQuota");
    expect({ metadata: quota.inputs.metadata, spec: quota.inputs.spec }).toEqual({
      metadata: { name: "sandbox", namespace: "branch-feature-login" },
      spec: {
        hard: {
          "requests.cpu": "2500m",
          "requests.memory": "6Gi",
          "limits.memory": "6Gi",
          pods: "12",
        },
      },
    });
    const limits = one("kubernetes:core/v1:LimitRange");
    expect({ metadata: limits.inputs.metadata, spec: limits.inputs.spec }).toEqual({
      metadata: { name: "sandbox", namespace: "branch-feature-login" },
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "1", memory: "1Gi" },
            defaultRequest: { cpu: "100m", memory: "128Mi" },
          },
        ],
      },
    });
  });

  test("default-deny NetworkPolicy: every pod, ingress only from the namespace itself and the ingress controller's namespace", async () => {
    await create({ ingress: { api: "ingress", className: "traefik", namespace: "traefik" } });
    const policy = byName("sandbox-isolation");
    expect({ metadata: policy.inputs.metadata, spec: policy.inputs.spec }).toEqual({
      metadata: { name: "sandbox-isolation", namespace: "branch-feature-login" },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          { from: [{ podSelector: {} }] },
          {
            from: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
            ],
          },
        ],
      },
    });
  });

  test("the environment: namespace, labels, everything waits for the isolation objects and is deleted with the namespace", async () => {
    const env = await create();
    const e = env.environment;
    expect(e.stack).toBe("branch-feature-login");
    expect(await promiseOf(e.namespace)).toBe("branch-feature-login");
    expect(e.labels).toEqual({
      "localkube.dev/stack": "branch-feature-login",
      "localkube.dev/branch": "feature-login",
    });
    expect(e.ready[0]).toBe(env.namespace);
    expect(e.ready.map((r) => (r as unknown as { __name: string }).__name)).toEqual([
      "sandbox-namespace",
      "sandbox-quota",
      "sandbox-limits",
      "sandbox-isolation",
      "sandbox-egress",
      "sandbox-service-account",
    ]);
    expect(e.deletedWith).toBe(env.namespace);
    expect(e.serviceAccountName).toBe("sandbox");
    expect(e.imagePullSecrets).toEqual([]);
    expect(e.sharedAppliances).toEqual(new Map());
    expect(await promiseOf(env.createdAt)).toBe("2026-11-24T12:00:00.000Z");
    expect(await promiseOf(env.expiresAt)).toBe("2026-11-27T12:00:00.000Z");
  });
});

describe("BranchEnvironment: cluster access", () => {
  test("a named context of the user's kubeconfig; deleteUnreachable so destroy finishes without the cluster", async () => {
    const env = await create({ cluster: { context: "sandboxes" } });
    expect(one("pulumi:providers:kubernetes").inputs).toEqual({
      context: "sandboxes",
      deleteUnreachable: "true",
      namespace: "branch-feature-login",
    });
    // Readiness gates reach the cluster the same way, and wait readyTimeout.
    expect(env.environment.readiness).toEqual({
      access: { kubeconfig: undefined, context: "sandboxes" },
      timeoutSeconds: 600,
    });
  });

  test("a kubeconfig from a config secret stays a secret", async () => {
    const kubeconfig = pulumi.secret("apiVersion: v1\nkind: Config\n");
    const env = await create({ cluster: { kubeconfig }, readyTimeoutSeconds: 90 });
    const inputs = one("pulumi:providers:kubernetes").inputs;
    expect(inputs.deleteUnreachable).toBe("true");
    expect(JSON.stringify(inputs.kubeconfig)).toContain(SECRET_SIG);
    expect(env.environment.readiness).toEqual({
      access: { kubeconfig, context: undefined },
      timeoutSeconds: 90,
    });
  });

  test("neither: the current context of the user's kubeconfig", async () => {
    const env = await create();
    expect(one("pulumi:providers:kubernetes").inputs).toEqual({
      deleteUnreachable: "true",
      namespace: "branch-feature-login",
    });
    expect(env.environment.readiness.access).toEqual({ kubeconfig: undefined, context: undefined });
  });
});

describe("BranchEnvironment: hostnames and images", () => {
  test("ingress policy: <slug>.<baseDomain>, the configured class, plain HTTP without an issuer", async () => {
    const env = await create({
      branch: branchIdentity("Feature/Login"),
      ingress: { api: "ingress", className: "public", namespace: "ingress-nginx" },
    });
    expect(env.environment.ingress).toEqual({
      api: "ingress",
      domain: "feature-login-1ce277.sandbox.acme.dev",
      className: "public",
      annotations: {},
      tls: false,
      await: true,
      ready: [],
    });
  });

  test("a cert-manager issuer adds its annotation and TLS", async () => {
    const env = await create({
      ingress: {
        api: "ingress",
        className: "nginx",
        namespace: "ingress-nginx",
        tlsIssuer: "letsencrypt",
      },
    });
    expect(env.environment.ingress.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
    });
    expect(env.environment.ingress.tls).toBe(true);
  });

  test("image policy: pushed to the registry as <slug>-<sha7>, published images otherwise", async () => {
    const env = await create({
      gitSha: "3f2a1c9d0e4b",
      registry: { address: "ghcr.io/acme/sandboxes" },
      images: { registry: "ghcr.io/acme", tag: "main", overrides: { web: "mirror/web:1" } },
    });
    expect(env.environment.images).toEqual({
      publishedRegistry: "ghcr.io/acme",
      publishedTag: "main",
      overrides: { web: "mirror/web:1" },
      pushRegistry: "ghcr.io/acme/sandboxes",
      pushTag: "feature-login-3f2a1c9",
      login: undefined,
      pushDependsOn: [],
    });
    expect(ofType(registered, "kubernetes:core/v1:Secret")).toEqual([]);
  });

  test("registry login: a dockerconfigjson pull secret whose content is a Pulumi secret, used by every workload", async () => {
    const password = pulumi.secret(PASSWORD);
    const env = await create({
      registry: { address: "ghcr.io/acme/sandboxes", username: "bot", password },
    });
    const pull = one("kubernetes:core/v1:Secret");
    expect(pull.name).toBe("sandbox-pull-secret");
    expect(pull.inputs.metadata).toEqual({
      name: "registry-credentials",
      namespace: "branch-feature-login",
    });
    expect(pull.inputs.type).toBe("kubernetes.io/dockerconfigjson");
    // The whole stringData travels as a Pulumi secret (the SDK's secret marker wraps it): encrypted in state.
    expect(Object.keys(pull.inputs.stringData).sort()).toEqual([SECRET_SIG, "value"]);
    expect(Object.keys(pull.inputs.stringData.value)).toEqual([".dockerconfigjson"]);
    expect(JSON.parse(pull.inputs.stringData.value[".dockerconfigjson"])).toEqual({
      auths: {
        "ghcr.io": {
          username: "bot",
          password: PASSWORD,
          auth: Buffer.from(`bot:${PASSWORD}`).toString("base64"),
        },
      },
    });
    expect(env.environment.imagePullSecrets).toEqual(["registry-credentials"]);
    expect(env.environment.images.login).toEqual({
      address: "ghcr.io/acme/sandboxes",
      username: "bot",
      password,
    });
    expect(env.environment.ready.map((r) => (r as unknown as { __name: string }).__name)).toEqual([
      "sandbox-namespace",
      "sandbox-quota",
      "sandbox-limits",
      "sandbox-isolation",
      "sandbox-egress",
      "sandbox-service-account",
      "sandbox-pull-secret",
    ]);
    // Nothing else the program registered holds the password in the clear.
    const others = registered.filter((r) => r !== pull);
    expect(JSON.stringify(others.map((r) => r.inputs))).not.toContain(PASSWORD);
  });
});

describe("BranchEnvironment: shared appliances", () => {
  const url = "postgres://app:Sh4red-pw@pg.shared.svc:5432/bank";

  test("only the appliances the plan needs; Postgres through a secret Secret in the namespace", async () => {
    const env = await create(
      {
        shared: {
          postgres: pulumi.secret(url),
          kafka: "kafka.shared.svc:9092",
          schemaRegistry: "http://sr.shared.svc/apis/ccompat/v7",
        },
      },
      ["postgres", "kafka"],
    );
    const shared = env.environment.sharedAppliances!;
    expect([...shared.keys()]).toEqual(["postgres", "kafka"]);
    expect(shared.get("kafka")!.env).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: { value: "kafka.shared.svc:9092" },
    });
    expect(shared.get("postgres")!.env).toEqual(
      Object.fromEntries(
        ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"].map((k) => [
          k,
          { secretName: "shared-postgres-connection", key: k },
        ]),
      ),
    );
    const secret = one("kubernetes:core/v1:Secret");
    expect(secret.inputs.metadata).toEqual({
      name: "shared-postgres-connection",
      namespace: "branch-feature-login",
    });
    expect(secret.inputs.stringData).toEqual({
      [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
      value: {
        DATABASE_URL: url,
        PGHOST: "pg.shared.svc",
        PGPORT: "5432",
        PGDATABASE: "bank",
        PGUSER: "app",
        PGPASSWORD: "Sh4red-pw",
      },
    });
  });

  test("shared appliances the plan does not need create nothing", async () => {
    const env = await create({ shared: { postgres: pulumi.secret(url) } }, ["kafka"]);
    expect(env.environment.sharedAppliances).toEqual(new Map());
    expect(ofType(registered, "kubernetes:core/v1:Secret")).toEqual([]);
  });
});

const DNS_RULE = {
  to: [
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
  ],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};
const inNamespace = (name: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
});

describe("BranchEnvironment: egress", () => {
  test("by default pods reach only their namespace, cluster DNS and the ingress controller's namespace", async () => {
    await create();
    const policy = byName("sandbox-egress");
    expect({ metadata: policy.inputs.metadata, spec: policy.inputs.spec }).toEqual({
      metadata: { name: "sandbox-egress", namespace: "branch-feature-login" },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: {} }] }, DNS_RULE, { to: [inNamespace("ingress-nginx")] }],
      },
    });
  });

  test("the shared appliances in use open their namespace (a Service DNS name) or their address (an IP); config adds CIDRs and namespace selectors, each peer once", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue();
    try {
      await create(
        {
          shared: {
            postgres: pulumi.secret("postgres://app:pw@10.20.30.40:5432/bank"),
            postgresHost: "10.20.30.40",
            kafka:
              "kafka-0.kafka.streaming.svc.cluster.local:9092,kafka-1.kafka.streaming.svc:9092",
            schemaRegistry: "http://schema-registry.shared-data.svc:8080/apis/ccompat/v7",
          },
          egress: {
            allow: [
              { kind: "cidr", cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] },
              { kind: "namespace", name: "streaming" },
              { kind: "namespaces", labels: { team: "data" } },
            ],
          },
        },
        ["postgres", "kafka", "schema-registry"],
      );
      expect(byName("sandbox-egress").inputs.spec.egress).toEqual([
        { to: [{ podSelector: {} }] },
        DNS_RULE,
        {
          to: [
            inNamespace("ingress-nginx"),
            { ipBlock: { cidr: "10.20.30.40/32" } },
            inNamespace("streaming"),
            inNamespace("shared-data"),
            { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } },
            { namespaceSelector: { matchLabels: { team: "data" } } },
          ],
        },
      ]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test("a shared appliance the plan does not use opens nothing; a host that is neither a Service name nor an IP is a warning naming the key to set", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue();
    try {
      await create(
        {
          shared: {
            postgres: pulumi.secret("postgres://app:pw@db.acme.internal:5432/bank"),
            postgresHost: "db.acme.internal",
            kafka: "kafka.streaming.svc:9092",
          },
        },
        ["postgres"],
      );
      expect(byName("sandbox-egress").inputs.spec.egress[2]).toEqual({
        to: [inNamespace("ingress-nginx")],
      });
      expect(warn.mock.calls.map((c) => c[0])).toEqual([
        `localkube:shared.postgres: db.acme.internal is neither a Service DNS name (<service>.<namespace>.svc) nor an IP, so the sandbox's egress policy cannot open it by itself; add its address range to localkube:egress.allow (e.g. '["10.20.0.0/16"]')`,
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("BranchEnvironment: identity", () => {
  test("one ServiceAccount for the sandbox, without a token, and no RBAC objects at all", async () => {
    const env = await create();
    expect(one("kubernetes:core/v1:ServiceAccount").inputs).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "sandbox", namespace: "branch-feature-login" },
      automountServiceAccountToken: false,
    });
    expect(registered.filter((r) => r.type.includes("rbac"))).toEqual([]);
    expect(env.environment.serviceAccountName).toBe("sandbox");
  });
});

describe("pure helpers", () => {
  test.each([
    ["Dev Person", "Dev_Person"],
    ["Dev Person <dev@acme.example>", "Dev_Person"],
    ["dev@acme.example", `email-${sha12("dev@acme.example")}`],
    ["<Dev@Acme.Example>", `email-${sha12("dev@acme.example")}`],
  ])("ownerLabel(%j) is %j: no e-mail address in a label anyone can list", (owner, label) => {
    expect(ownerLabel(owner)).toBe(label);
  });

  test("branchNamespaceLabels: label-safe values, Unix seconds", () => {
    expect(
      branchNamespaceLabels(
        { branch: branchIdentity(`$(rm -rf /); "x"`, "t"), gitSha: undefined, owner: "a b@c" },
        Date.UTC(2026, 0, 1),
        3_600_000,
      ),
    ).toEqual({
      "localkube.dev/branch": "rm_-rf_x",
      "localkube.dev/owner": "a",
      "localkube.dev/created-at": "1767225600",
      "localkube.dev/expires-at": "1767229200",
      "app.kubernetes.io/managed-by": "pulumi",
      "app.kubernetes.io/part-of": "localkube",
    });
  });

  test("branchImageTag: <slug>-<first 7 of the sha>, or the slug alone", () => {
    expect(branchImageTag("feat-x", "3f2a1c9d0e")).toBe("feat-x-3f2a1c9");
    expect(branchImageTag("feat-x")).toBe("feat-x");
  });

  test("dockerConfigJson: keyed by the registry host", () => {
    expect(JSON.parse(dockerConfigJson("ghcr.io/acme/sandboxes", "bot", "pw"))).toEqual({
      auths: { "ghcr.io": { username: "bot", password: "pw", auth: "Ym90OnB3" } },
    });
  });

  test("postgresKeys: decodes the URL; anything else is refused", () => {
    expect(postgresKeys("postgresql://u%40x:p%2Fw@db:6543/my%20db")).toEqual({
      DATABASE_URL: "postgresql://u%40x:p%2Fw@db:6543/my%20db",
      PGHOST: "db",
      PGPORT: "6543",
      PGDATABASE: "my db",
      PGUSER: "u@x",
      PGPASSWORD: "p/w",
    });
    expect(() => postgresKeys("mysql://u:p@db/x")).toThrow(
      "localkube:shared.postgres: does not start with postgres:// or postgresql://; set a postgres://user:password@host:port/database URL with `pulumi config set --secret localkube:shared.postgres …`",
    );
  });
});
