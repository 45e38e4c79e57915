import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APPLIANCES } from "../catalog/types";
import { Connection } from "../components/connection";
import { Environment } from "../components/environment";
import { epochSeconds, labelValue } from "../config/branch";
import { BranchSettings } from "../config/branchSettings";

/** Label keys on a branch namespace (read back by people and by `npm run cleanup`). */
export const BRANCH_LABELS = {
  branch: "localkube.dev/branch",
  gitSha: "localkube.dev/git-sha",
  owner: "localkube.dev/owner",
  createdAt: "localkube.dev/created-at",
  expiresAt: "localkube.dev/expires-at",
} as const;

/**
 * The moment a sandbox was first created, recorded once in the state so that labels derived from it
 * (created-at, expires-at) do not change on every `up`: `create` reads the clock, `diff` never
 * reports a change, so later runs keep the stored value (and `pulumi up` shows no diff). A dynamic
 * resource: no plugin and no cluster round trip, so it behaves the same under real Pulumi, in
 * previews (unknown until the first create) and under mocks (which return a fixed time). Reading
 * the namespace's existing label back instead would need the cluster at program time and would
 * drift if someone relabelled the namespace.
 */
const creationTimeProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    const now = new Date();
    return { id: String(now.getTime()), outs: { epochMs: now.getTime() } };
  },
  async diff() {
    return { changes: false };
  },
};

export class CreationTime extends pulumi.dynamic.Resource {
  /** Milliseconds since the epoch at creation. */
  declare readonly epochMs: pulumi.Output<number>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(creationTimeProvider, name, { epochMs: undefined }, opts, "localkube", "CreationTime");
  }
}

/** Labels of the branch namespace. Pure: the clock and git facts come in. */
export function branchNamespaceLabels(s: Pick<BranchSettings, "branch" | "gitSha" | "owner">, createdMs: number, ttlMs: number): Record<string, string> {
  return {
    [BRANCH_LABELS.branch]: labelValue(s.branch.name),
    ...(s.gitSha ? { [BRANCH_LABELS.gitSha]: s.gitSha } : {}),
    ...(s.owner ? { [BRANCH_LABELS.owner]: labelValue(s.owner) } : {}),
    [BRANCH_LABELS.createdAt]: epochSeconds(new Date(createdMs)),
    [BRANCH_LABELS.expiresAt]: epochSeconds(new Date(createdMs + ttlMs)),
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "localkube",
  };
}

/** Tag of images built for a branch: `<slug>-<short sha>` (or `<slug>` without a sha). */
export function branchImageTag(slug: string, gitSha?: string): string {
  return gitSha ? `${slug}-${gitSha.slice(0, 7)}` : slug;
}

/** `.dockerconfigjson` for a registry login. */
export function dockerConfigJson(address: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [address.split("/")[0]]: { username, password, auth } } });
}

/** The isolation objects' specs, pure for direct tests. */
export function isolationSpecs(s: Pick<BranchSettings, "quota" | "limits" | "ingress">) {
  return {
    quota: { hard: { "requests.cpu": s.quota.cpu, "requests.memory": s.quota.memory, "limits.memory": s.quota.memory, pods: String(s.quota.pods) } },
    limitRange: {
      limits: [
        {
          type: "Container",
          default: { cpu: s.limits.defaultCpu, memory: s.limits.defaultMemory },
          defaultRequest: { cpu: s.limits.requestCpu, memory: s.limits.requestMemory },
        },
      ],
    },
    networkPolicy: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }, { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.ingress.namespace } } }] }],
    },
  };
}

/** Connection keys of a `postgres://user:password@host:port/database` URL. Pure. */
export function postgresKeys(url: string): Record<string, string> {
  const u = new URL(url);
  if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname || !u.pathname.slice(1)) {
    throw new Error(
      "localkube:shared.postgres: not a postgres://user:password@host:port/database URL; set it with `pulumi config set --secret localkube:shared.postgres …`",
    );
  }
  return {
    DATABASE_URL: url,
    PGHOST: u.hostname,
    PGPORT: u.port || "5432",
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
  };
}

/**
 * Connections to the shared appliances named in config (of those in `needed`); Postgres' go through
 * a Secret in the namespace, so the URL with its password stays a secret reference in pod specs.
 */
function sharedAppliances(s: BranchSettings, ns: string, needed: ReadonlySet<string>, opts: pulumi.CustomResourceOptions): Map<string, Connection> {
  const shared = new Map<string, Connection>();
  if (s.shared.postgres && needed.has("postgres")) {
    const keys = ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"];
    const secret = new k8s.core.v1.Secret(
      "shared-postgres",
      { metadata: { name: "shared-postgres-connection", namespace: ns }, stringData: pulumi.secret(s.shared.postgres).apply(postgresKeys) },
      opts,
    );
    shared.set("postgres", {
      name: "postgres",
      kind: "appliance",
      env: Object.fromEntries(keys.map((k) => [k, { secretName: "shared-postgres-connection", key: k }])),
      ready: [secret],
    });
  }
  if (s.shared.kafka && needed.has("kafka")) {
    shared.set("kafka", { name: "kafka", kind: "appliance", env: { KAFKA_BOOTSTRAP_SERVERS: { value: s.shared.kafka } }, ready: [] });
  }
  if (s.shared.schemaRegistry && needed.has("schema-registry")) {
    shared.set("schema-registry", { name: "schema-registry", kind: "appliance", env: { SCHEMA_REGISTRY_URL: { value: s.shared.schemaRegistry } }, ready: [] });
  }
  return shared;
}

export interface BranchEnvironment {
  readonly environment: Environment;
  readonly namespace: k8s.core.v1.Namespace;
  /** ISO time the sandbox was first created (recorded once). */
  readonly createdAt: pulumi.Output<string>;
  /** ISO time after which `npm run cleanup` destroys the sandbox: created-at + ttl. */
  readonly expiresAt: pulumi.Output<string>;
}

/** Name of the imagePullSecret made from the registry login. */
export const PULL_SECRET_NAME = "registry-credentials";

/**
 * A branch sandbox in an existing cluster: a labelled namespace with quota, default limits and a
 * default-deny NetworkPolicy (traffic only from the namespace itself and the ingress controller's
 * namespace), an image pull secret when the registry needs a login, and hostnames under
 * `<slug>.<baseDomain>`. Everything in the namespace is `deletedWith` it: destroy is one namespace
 * delete, and the provider's `deleteUnreachable` lets it finish when the cluster is already gone.
 * `appliances`: those the plan needs; shared connections are made only for these. @default all
 */
export function createBranchEnvironment(stack: string, s: BranchSettings, appliances: readonly string[] = APPLIANCES): BranchEnvironment {
  const provider = new k8s.Provider("cluster", {
    ...(s.cluster.kubeconfig ? { kubeconfig: s.cluster.kubeconfig } : {}),
    ...(s.cluster.context ? { context: s.cluster.context } : {}),
    // Destroy finishes when the cluster or the namespace is already gone.
    deleteUnreachable: true,
  });
  const created = new CreationTime("created");
  const ns = s.branch.namespace;
  const namespace = new k8s.core.v1.Namespace(
    "namespace",
    { metadata: { name: ns, labels: created.epochMs.apply((ms) => branchNamespaceLabels(s, ms, s.ttlMs)) } },
    { provider },
  );
  const opts: pulumi.CustomResourceOptions = { provider, parent: namespace, deletedWith: namespace };
  const specs = isolationSpecs(s);
  const quota = new k8s.core.v1.ResourceQuota("quota", { metadata: { name: "sandbox", namespace: ns }, spec: specs.quota }, opts);
  const limits = new k8s.core.v1.LimitRange("limits", { metadata: { name: "sandbox", namespace: ns }, spec: specs.limitRange }, opts);
  const policy = new k8s.networking.v1.NetworkPolicy("isolation", { metadata: { name: "sandbox-isolation", namespace: ns }, spec: specs.networkPolicy }, opts);

  const ready: pulumi.Resource[] = [namespace, quota, limits, policy];
  const pullSecrets: string[] = [];
  const login =
    s.registry.address && s.registry.username && s.registry.password
      ? { address: s.registry.address, username: s.registry.username, password: s.registry.password }
      : undefined;
  if (login) {
    const pull = new k8s.core.v1.Secret(
      "pull-secret",
      {
        metadata: { name: PULL_SECRET_NAME, namespace: ns },
        type: "kubernetes.io/dockerconfigjson",
        // The password only ever travels inside a Pulumi secret: encrypted in the state, masked in output.
        stringData: { ".dockerconfigjson": pulumi.secret(login.password).apply((p) => dockerConfigJson(login.address, login.username, p)) },
      },
      opts,
    );
    ready.push(pull);
    pullSecrets.push(PULL_SECRET_NAME);
  }

  const environment: Environment = {
    stack,
    namespace: namespace.metadata.name,
    provider,
    ingress: {
      domain: `${s.branch.slug}.${s.baseDomain}`,
      className: s.ingress.className,
      annotations: s.ingress.tlsIssuer ? { "cert-manager.io/cluster-issuer": s.ingress.tlsIssuer } : {},
      tls: s.ingress.tlsIssuer !== undefined,
      await: true,
      ready: [],
    },
    images: {
      publishedRegistry: s.images.registry,
      publishedTag: s.images.tag,
      overrides: s.images.overrides,
      pushRegistry: s.registry.address ?? "",
      pushTag: branchImageTag(s.branch.slug, s.gitSha),
      login,
      pushDependsOn: [],
    },
    labels: { "localkube.dev/stack": stack, [BRANCH_LABELS.branch]: labelValue(s.branch.name) },
    sharedAppliances: sharedAppliances(s, ns, new Set(appliances), opts),
    imagePullSecrets: pullSecrets,
    ready,
    deletedWith: namespace,
  };
  const createdAt = created.epochMs.apply((ms) => new Date(ms).toISOString());
  const expiresAt = created.epochMs.apply((ms) => new Date(ms + s.ttlMs).toISOString());
  return { environment, namespace, createdAt, expiresAt };
}
