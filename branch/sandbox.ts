import type { BranchSettings } from "../config/branchSettings";
import { labelValue } from "../kube/labels";
import { epochSeconds } from "./ttl";

/** Label keys on a branch namespace (read back by people and by `npm run cleanup`). */
export const BRANCH_LABELS = {
  branch: "localkube.dev/branch",
  gitSha: "localkube.dev/git-sha",
  owner: "localkube.dev/owner",
  createdAt: "localkube.dev/created-at",
  expiresAt: "localkube.dev/expires-at",
} as const;

/** Labels of the branch namespace. Pure: the clock and git facts come in. */
export function branchNamespaceLabels(
  s: Pick<BranchSettings, "branch" | "gitSha" | "owner">,
  createdMs: number,
  ttlMs: number,
): Record<string, string> {
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
    quota: {
      hard: {
        "requests.cpu": s.quota.cpu,
        "requests.memory": s.quota.memory,
        "limits.memory": s.quota.memory,
        pods: String(s.quota.pods),
      },
    },
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
      ingress: [
        { from: [{ podSelector: {} }] },
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": s.ingress.namespace },
              },
            },
          ],
        },
      ],
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
