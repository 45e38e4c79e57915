import { createHash } from "crypto";
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
    ...(s.owner ? { [BRANCH_LABELS.owner]: ownerLabel(s.owner) } : {}),
    [BRANCH_LABELS.createdAt]: epochSeconds(new Date(createdMs)),
    [BRANCH_LABELS.expiresAt]: epochSeconds(new Date(createdMs + ttlMs)),
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "localkube",
  };
}

const EMAIL = /<?[^\s<>@]+@[^\s<>@]+>?/g;

/**
 * The owner label of a sandbox's namespace, which anyone who can list namespaces reads: a name as
 * it is (label-safe); an e-mail address is never written there — with no name beside it, a
 * hash of it (`email-<12 hex>`, the same for the same address, lowercased) stands in.
 */
export function ownerLabel(owner: string): string {
  const name = labelValue(owner.replace(EMAIL, " ").trim());
  if (name !== "") return name;
  const address = (owner.match(EMAIL)?.[0] ?? owner).replace(/[<>]/g, "").toLowerCase();
  return `email-${createHash("sha256").update(address).digest("hex").slice(0, 12)}`;
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

/** Pod Security admission levels, from the most open. */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/**
 * Pod Security admission labels of a sandbox namespace: pods that break `enforce` are refused;
 * what would break `restricted` is reported to the client applying it (warn) and in the audit log.
 */
export function podSecurityLabels(enforce: PodSecurityLevel): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
}

/**
 * What is wrong with a `shared.postgres` URL, in words that never repeat any part of it (it holds
 * a password); undefined when it is a usable `postgres://user:password@host:port/database`.
 */
export function postgresUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (!/^postgres(ql)?:$/.test(u.protocol))
    return "does not start with postgres:// or postgresql://";
  if (!u.hostname) return "names no host";
  if (!u.pathname.slice(1)) return "names no database after the host";
  if (!u.username) return "names no user";
  return undefined;
}

/** Host of a valid `shared.postgres` URL (an IPv6 address without its brackets). */
export function postgresHost(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, "");
}

/** Connection keys of a `postgres://user:password@host:port/database` URL. Pure. */
export function postgresKeys(url: string): Record<string, string> {
  const problem = postgresUrlProblem(url);
  if (problem !== undefined) {
    throw new Error(
      `localkube:shared.postgres: ${problem}; set a postgres://user:password@host:port/database URL with \`pulumi config set --secret localkube:shared.postgres …\``,
    );
  }
  const u = new URL(url);
  return {
    DATABASE_URL: url,
    PGHOST: u.hostname,
    PGPORT: u.port || "5432",
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
  };
}
