import * as pulumi from "@pulumi/pulumi";
import { BRANCH_PREFIX, BranchIdentity, branchIdentity, parseTtl } from "./branch";
import { ConfigReader } from "./reader";
import { CommonSettings, DOMAIN, readCommonSettings } from "./settings";

/** A branch sandbox's settings: `Pulumi.branch.yaml` defaults under the stack's own config. */
export interface BranchSettings extends CommonSettings {
  readonly mode: "branch";
  readonly branch: BranchIdentity;
  /** Cluster access: a kubeconfig (secret) or a context of the user's kubeconfig; neither = current context. */
  readonly cluster: { readonly kubeconfig?: pulumi.Output<string>; readonly context?: string };
  /** Hostnames are `<service>.<slug>.<baseDomain>`. */
  readonly baseDomain: string;
  readonly ingress: { readonly className: string; readonly namespace: string; readonly tlsIssuer?: string };
  /** Registry local builds are pushed to, e.g. `ghcr.io/acme/sandboxes`; credentials optional. */
  readonly registry: { readonly address?: string; readonly username?: string; readonly password?: pulumi.Output<string> };
  readonly ttlMs: number;
  readonly ttl: string;
  readonly gitSha?: string;
  readonly owner?: string;
  readonly quota: { readonly cpu: string; readonly memory: string; readonly pods: number };
  readonly limits: { readonly defaultCpu: string; readonly defaultMemory: string; readonly requestCpu: string; readonly requestMemory: string };
}

const CPU = { pattern: /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/, help: "a CPU quantity such as 500m or 2", example: "4" };
const MEMORY = { pattern: /^[0-9]+(Ki|Mi|Gi|Ti)$/, help: "a memory quantity such as 512Mi or 8Gi", example: "8Gi" };
const SHA = { pattern: /^[0-9a-f]{7,40}$/, help: "a git commit sha", example: "3f2a1c9" };

/** Reads a branch stack's settings; the branch is `localkube:branch`, else the stack name after `branch-`. */
export function readBranchSettings(r: ConfigReader, stack: string): BranchSettings {
  const common = readCommonSettings(r);
  const explicit = r.optionalString("branch");
  const branch = branchIdentity(explicit ?? stack.slice(BRANCH_PREFIX.length), explicit ? "localkube:branch" : `the stack name "${stack}"`);
  const ttl = r.string("ttl", "72h");
  const ttlMs = parseTtl(ttl) ?? (r.report("ttl", `${JSON.stringify(ttl)} is not a duration: use a number with s, m, h, d or w`, "72h"), 72 * 3_600_000);
  return {
    ...common,
    mode: "branch",
    branch,
    cluster: { kubeconfig: r.secret("kubeconfig"), context: r.optionalString("kubeContext") },
    baseDomain: r.string("baseDomain", "sandbox.localhost", DOMAIN),
    ingress: {
      className: r.string("ingress.className", "nginx"),
      namespace: r.string("ingress.namespace", "ingress-nginx"),
      tlsIssuer: r.optionalString("ingress.tlsIssuer"),
    },
    registry: { address: r.optionalString("registry.address"), username: r.optionalString("registry.username"), password: r.secret("registry.password") },
    ttl,
    ttlMs,
    gitSha: r.optionalString("gitSha", SHA),
    owner: r.optionalString("owner"),
    quota: { cpu: r.string("quota.cpu", "4", CPU), memory: r.string("quota.memory", "8Gi", MEMORY), pods: r.int("quota.pods", 30, 1, 1000) },
    limits: {
      defaultCpu: r.string("limits.defaultCpu", "500m", CPU),
      defaultMemory: r.string("limits.defaultMemory", "512Mi", MEMORY),
      requestCpu: r.string("limits.requestCpu", "50m", CPU),
      requestMemory: r.string("limits.requestMemory", "64Mi", MEMORY),
    },
  };
}
