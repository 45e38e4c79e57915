import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CPU_QUANTITY, DNS_LABEL_RULE, DOMAIN, REGISTRY_PREFIX, SIZE } from "../catalog/patterns";
import { InputError } from "../catalog/problems";
import { BRANCH_PREFIX, BranchIdentity, branchIdentity } from "../branch/identity";
import { EgressDestination, parseEgressAllow } from "../branch/egress";
import {
  POD_SECURITY_LEVELS,
  PodSecurityLevel,
  postgresHost,
  postgresUrlProblem,
} from "../branch/sandbox";
import { parseDuration } from "../catalog/durations";
import { GatewayRef, IngressApi, INGRESS_APIS } from "../kube/ingress";
import { CommonSettings, readCommonSettings } from "./commonSettings";
import { ConfigReader } from "./reader";

/** A branch sandbox's settings: `Pulumi.branch.yaml` defaults under the stack's own config. */
export interface BranchSettings extends CommonSettings {
  readonly mode: "branch";
  readonly branch: BranchIdentity;
  /** Cluster access: a kubeconfig (secret) or a context of the user's kubeconfig; neither = current context. */
  readonly cluster: { readonly kubeconfig?: pulumi.Output<string>; readonly context?: string };
  /** Hostnames are `<service>.<slug>.<baseDomain>`. */
  readonly baseDomain: string;
  readonly ingress: {
    /** Ingress objects, or HTTPRoutes attached to the cluster's Gateway (`gateway`). */
    readonly api: IngressApi;
    /** The cluster's Gateway that routes attach to; set exactly when `api` is gateway. */
    readonly gateway?: GatewayRef;
    /** `ingressClassName` of every Ingress. */
    readonly className: string;
    /** Namespace of the ingress controller: the only other namespace the NetworkPolicy admits. */
    readonly namespace: string;
    /** cert-manager ClusterIssuer; set = HTTPS from a `<service>-tls` Secret. */
    readonly tlsIssuer?: string;
  };
  /** Registry local builds are pushed to, e.g. `ghcr.io/acme/sandboxes`; credentials optional (both or neither). */
  readonly registry: {
    readonly address?: string;
    readonly username?: string;
    readonly password?: pulumi.Output<string>;
  };
  /** Lifetime in milliseconds: expires-at = created-at + ttlMs. */
  readonly ttlMs: number;
  /** Lifetime as written in config, e.g. `72h`. */
  readonly ttl: string;
  /** `localkube:gitSha`; unset = read from the checkout by the stack. */
  readonly gitSha?: string;
  /** `localkube:owner`; unset = `git config user.name`, read by the stack (labels: see `ownerLabel`). */
  readonly owner?: string;
  readonly quota: { readonly cpu: string; readonly memory: string; readonly pods: number };
  /**
   * Appliances shared by every sandbox instead of per-branch ones: Postgres as a `DATABASE_URL`
   * (secret), Kafka as bootstrap servers, the Schema Registry as its Confluent-compatible URL.
   */
  readonly shared: {
    readonly postgres?: pulumi.Output<string>;
    /** Host of `shared.postgres` (not a secret: the egress policy names it). */
    readonly postgresHost?: string;
    readonly kafka?: string;
    readonly schemaRegistry?: string;
  };
  /** Pod Security admission level enforced in the namespace (`warn` and `audit` are `restricted`). */
  readonly podSecurity: { readonly enforce: PodSecurityLevel };
  /**
   * Egress besides the namespace itself, cluster DNS, the ingress controller's namespace and the
   * shared appliances in use: `localkube:egress.allow`.
   */
  readonly egress: { readonly allow: readonly EgressDestination[] };
  readonly limits: {
    readonly defaultCpu: string;
    readonly defaultMemory: string;
    readonly requestCpu: string;
    readonly requestMemory: string;
  };
}

const CPU = { ...CPU_QUANTITY, example: "4" };
const MEMORY = { ...SIZE, example: "8Gi" };
const SHA = { pattern: /^[0-9a-f]{7,40}$/, help: "a git commit sha", example: "3f2a1c9" };
const LABEL = { ...DNS_LABEL_RULE, example: "nginx" };
const REGISTRY = { ...REGISTRY_PREFIX, example: "ghcr.io/acme/sandboxes" };
const ISSUER = {
  pattern: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
  help: "the name of a cert-manager ClusterIssuer",
  example: "letsencrypt",
};
const USERNAME = {
  pattern: /^[^\s:]{1,255}$/,
  help: "a user name without spaces or ':'",
  example: "ci-bot",
};
const OWNER = {
  pattern: /^[^\u0000-\u001f\u007f]{1,255}$/,
  help: "a name or email without control characters",
  example: "dev@acme.example",
};

/** Reads a branch stack's settings; the branch is `localkube:branch`, else the stack name after `branch-`. */
export function readBranchSettings(r: ConfigReader, stack: string): BranchSettings {
  // A shared cluster may have to add a node (autoscaler) and pull from a remote registry.
  const common = readCommonSettings(r, { readyTimeout: "600s" });
  const explicit = r.optionalString("branch");
  const branch = readBranchIdentity(
    r,
    explicit ?? stack.slice(BRANCH_PREFIX.length),
    explicit ? "localkube:branch" : `the stack name "${stack}"`,
  );
  const ttl = r.string("ttl", "72h");
  const ttlMs =
    parseDuration(ttl) ??
    (r.report(
      "ttl",
      `${JSON.stringify(ttl)} is not a duration: use a whole number with s, m, h, d or w`,
      "72h",
    ),
    72 * 3_600_000);
  const registry = {
    address: r.optionalString("registry.address", REGISTRY),
    username: r.optionalString("registry.username", USERNAME),
    password: r.secret("registry.password"),
  };
  if (registry.username !== undefined && registry.password === undefined) {
    r.report(
      "registry.username",
      "is set but localkube:registry.password is not; set both, or neither for an anonymous registry",
    );
  }
  if (registry.password !== undefined && registry.username === undefined) {
    r.report(
      "registry.password",
      "is set but localkube:registry.username is not; set both, or neither for an anonymous registry",
    );
  }
  if (registry.username !== undefined && registry.address === undefined) {
    r.report(
      "registry.address",
      "is not set, but registry credentials are; name the registry they log in to",
      REGISTRY.example,
    );
  }
  const sharedPostgres = r.secret("shared.postgres", postgresUrlProblem, POSTGRES_EXAMPLE);
  const kubeconfig = r.secret("kubeconfig", kubeconfigProblem, '"$(cat kubeconfig)"');
  const context = r.optionalString("kubeContext", CONTEXT);
  checkContext(r, context);
  const settings: BranchSettings = {
    ...common,
    mode: "branch",
    branch,
    cluster: { kubeconfig, context },
    baseDomain: r.string("baseDomain", "sandbox.localhost", {
      ...DOMAIN,
      example: "sandbox.acme.dev",
    }),
    ingress: {
      ...readGateway(r),
      className: r.string("ingress.className", "nginx", LABEL),
      namespace: r.string("ingress.namespace", "ingress-nginx", {
        ...LABEL,
        example: "ingress-nginx",
      }),
      tlsIssuer: r.optionalString("ingress.tlsIssuer", ISSUER),
    },
    registry,
    ttl,
    ttlMs,
    gitSha: r.optionalString("gitSha", SHA),
    owner: r.optionalString("owner", OWNER),
    quota: {
      cpu: r.string("quota.cpu", "4", CPU),
      memory: r.string("quota.memory", "8Gi", MEMORY),
      pods: r.int("quota.pods", 30, 1, 1000),
    },
    shared: {
      postgres: sharedPostgres,
      postgresHost: validSecretText(r, "shared.postgres", postgresUrlProblem, postgresHost),
      kafka: r.optionalString("shared.kafka", {
        pattern: /^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/,
        help: "host:port[,host:port…]",
        example: "kafka.shared.svc:9092",
      }),
      schemaRegistry: r.optionalString("shared.schemaRegistry", {
        pattern: /^https?:\/\/[^\s"'`$;]+$/,
        help: "an http(s) URL",
        example: "http://schema-registry.shared.svc:8080/apis/ccompat/v7",
      }),
    },
    limits: {
      defaultCpu: r.string("limits.defaultCpu", "500m", CPU),
      defaultMemory: r.string("limits.defaultMemory", "512Mi", MEMORY),
      requestCpu: r.string("limits.requestCpu", "50m", CPU),
      requestMemory: r.string("limits.requestMemory", "64Mi", MEMORY),
    },
    podSecurity: {
      enforce: r.oneOf("podSecurity.enforce", "baseline", POD_SECURITY_LEVELS),
    },
    egress: { allow: readEgressAllow(r) },
  };
  r.checkUnknownKeys("a branch stack");
  return settings;
}

/**
 * `ingress.api` and, with `gateway`, the cluster's Gateway (`gateway.name`, `gateway.namespace`:
 * required then, refused otherwise). TLS is then the Gateway's listeners' business.
 */
function readGateway(r: ConfigReader): { api: IngressApi; gateway?: GatewayRef } {
  const api = r.oneOf("ingress.api", "ingress", INGRESS_APIS);
  const name = r.optionalString("gateway.name", { ...LABEL, example: "shared" });
  const namespace = r.optionalString("gateway.namespace", { ...LABEL, example: "gateways" });
  if (api !== "gateway") {
    for (const [key, value] of [
      ["gateway.name", name],
      ["gateway.namespace", namespace],
    ] as const)
      if (value !== undefined)
        r.report(
          key,
          "is set, but localkube:ingress.api is not gateway, so services get Ingresses and no route attaches to a Gateway; remove it or set localkube:ingress.api gateway",
        );
    return { api };
  }
  for (const [key, value, example] of [
    ["gateway.name", name, "shared"],
    ["gateway.namespace", namespace, "gateways"],
  ] as const)
    if (value === undefined)
      r.report(
        key,
        "is required with localkube:ingress.api gateway: the sandbox's routes attach to the cluster's Gateway of this name and namespace (`kubectl get gateways -A` lists them)",
        example,
      );
  if (r.raw("ingress.tlsIssuer") !== undefined)
    r.report(
      "ingress.tlsIssuer",
      "is set, but with localkube:ingress.api gateway TLS is served by the Gateway's listeners (their certificates), not per route; remove it, or use localkube:ingress.api ingress",
    );
  return name && namespace ? { api, gateway: { name, namespace } } : { api };
}

/** The branch's identity; a name that cannot become a namespace is one more config problem. */
function readBranchIdentity(r: ConfigReader, name: string, source: string): BranchIdentity {
  try {
    return branchIdentity(name, source);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    r.problems.push(...err.problems);
    return { name, slug: "invalid", namespace: `${BRANCH_PREFIX}invalid`, changed: false };
  }
}

const POSTGRES_EXAMPLE = "'postgres://user:password@host:5432/database'";
const CONTEXT = {
  pattern: /^[^\u0000-\u001f\u007f]{1,253}$/,
  help: "the name of a context of your kubeconfig",
  example: "sandboxes",
};

/** The plaintext of a set secret that passed `problem`, turned into what the settings keep. */
function validSecretText<T>(
  r: ConfigReader,
  key: string,
  problem: (text: string) => string | undefined,
  keep: (text: string) => T,
): T | undefined {
  const text = r.source.getSecret(key);
  return text === undefined || text === "" || problem(text) !== undefined ? undefined : keep(text);
}

/** What is wrong with a kubeconfig, never quoting it (it holds credentials). */
export function kubeconfigProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return "is not a kubeconfig: not YAML";
  }
  const clusters = (doc as { clusters?: unknown } | null)?.clusters;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    return "is not a kubeconfig: not a YAML mapping";
  if (!Array.isArray(clusters) || clusters.length === 0)
    return "is not a kubeconfig: it lists no clusters";
  return undefined;
}

/** Context names of a kubeconfig that parses; undefined otherwise. */
function contextNames(text: string): string[] | undefined {
  try {
    const contexts = (parseYaml(text) as { contexts?: unknown } | null)?.contexts;
    if (!Array.isArray(contexts)) return [];
    return contexts
      .map((c) => (c as { name?: unknown } | null)?.name)
      .filter((n): n is string => typeof n === "string");
  } catch {
    return undefined;
  }
}

/** With both a kubeconfig secret and a kubeContext, the context must be one of the kubeconfig's. */
function checkContext(r: ConfigReader, context: string | undefined): void {
  const text = r.source.getSecret("kubeconfig");
  if (context === undefined || text === undefined || kubeconfigProblem(text) !== undefined) return;
  const names = contextNames(text) ?? [];
  if (names.includes(context)) return;
  r.report(
    "kubeContext",
    `${JSON.stringify(context)} is not a context of localkube:kubeconfig (it has ${names.length === 0 ? "none" : names.map((n) => JSON.stringify(n)).join(", ")}); name one of those, or remove localkube:kubeContext to use its current context`,
  );
}

/** `localkube:egress.allow`: each bad entry reported at its index, in the file that set it. */
function readEgressAllow(r: ConfigReader): EgressDestination[] {
  const raw = r.raw("egress.allow");
  if (raw === undefined) return [];
  const { destinations, problems } = parseEgressAllow(raw);
  const file = r.source.get("egress.allow")?.file ?? r.source.stackFile;
  for (const p of problems) {
    r.problems.push({
      file,
      path: `localkube:egress.allow${p.index === undefined ? "" : `[${p.index}]`}`,
      message: p.message,
    });
  }
  return destinations;
}
