import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
 * (created-at, expires-at) do not change on every `up`. A dynamic resource: no plugin needed.
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

export interface BranchEnvironment {
  readonly environment: Environment;
  readonly namespace: k8s.core.v1.Namespace;
  readonly expiresAt: pulumi.Output<string>;
}

/**
 * A branch sandbox in an existing cluster: a labelled namespace with quota, default limits and a
 * default-deny NetworkPolicy (traffic only from the namespace itself and the ingress controller's
 * namespace), an image pull secret when the registry needs a login, and hostnames under
 * `<slug>.<baseDomain>`.
 */
export function createBranchEnvironment(stack: string, s: BranchSettings): BranchEnvironment {
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
  const opts = { provider, parent: namespace };
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
        metadata: { name: "registry-credentials", namespace: ns },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": pulumi.secret(login.password).apply((p) => dockerConfigJson(login.address, login.username, p)) },
      },
      opts,
    );
    ready.push(pull);
    pullSecrets.push("registry-credentials");
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
    imagePullSecrets: pullSecrets,
    ready,
  };
  const expiresAt = created.epochMs.apply((ms) => new Date(ms + s.ttlMs).toISOString());
  return { environment, namespace, expiresAt };
}
