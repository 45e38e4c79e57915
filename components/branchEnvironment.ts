import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { egressPolicySpec, sharedApplianceEgress } from "../branch/egress";
import {
  BRANCH_LABELS,
  branchImageTag,
  branchNamespaceLabels,
  dockerConfigJson,
  isolationSpecs,
  podSecurityLabels,
  postgresKeys,
} from "../branch/sandbox";
import { APPLIANCE_CONNECTION_KEYS, APPLIANCES } from "../catalog/appliances";
import type { BranchSettings } from "../config/branchSettings";
import { Connection } from "../kube/connection";
import { labelValue } from "../kube/labels";
import { CreationTime } from "../providers/creationTime";
import { Environment } from "./environment";

/** Name of the imagePullSecret made from the registry login. */
export const PULL_SECRET_NAME = "registry-credentials";
/** Name of the namespace's Secret holding the shared PostgreSQL's connection keys. */
export const SHARED_POSTGRES_SECRET = "shared-postgres-connection";
/** The ServiceAccount every workload of a sandbox runs as: no token mounted, no RoleBindings. */
export const SANDBOX_SERVICE_ACCOUNT = "sandbox";

export interface BranchEnvironmentArgs {
  /** Stack name (`branch-<name>`), labelled on every workload. */
  readonly stack: string;
  /** The branch stack's validated settings (git facts resolved). */
  readonly settings: BranchSettings;
  /** Appliances the plan needs; shared connections are made only for these. @default all appliances */
  readonly appliances?: readonly string[];
}

/**
 * A branch sandbox in an existing cluster: a labelled namespace with quota, default limits, Pod
 * Security admission (`podSecurity.enforce`, warnings at `restricted`), a default-deny ingress
 * NetworkPolicy (traffic only from the namespace itself and the ingress controller's namespace),
 * an egress NetworkPolicy (only the namespace, cluster DNS, the ingress controller's namespace, the
 * shared appliances in use and `egress.allow`), its own ServiceAccount without a token or
 * RoleBindings, an image pull secret when the registry needs a login, and hostnames under
 * `<slug>.<baseDomain>`. Everything in the namespace is `deletedWith` it: destroy is one namespace
 * delete, and the provider's `deleteUnreachable` lets it finish when the cluster is already gone.
 */
export class BranchEnvironment extends pulumi.ComponentResource {
  /** What the platform deploys into. */
  readonly environment: Environment;
  readonly namespace: k8s.core.v1.Namespace;
  /** ISO time the sandbox was first created (recorded once). */
  readonly createdAt: pulumi.Output<string>;
  /** ISO time after which `npm run cleanup` destroys the sandbox: created-at + ttl. */
  readonly expiresAt: pulumi.Output<string>;

  constructor(name: string, args: BranchEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:BranchEnvironment", name, {}, opts);
    const s = args.settings;
    // Until this component existed these were root resources, and the namespace the parent of the
    // objects in it: the aliases keep existing sandboxes from being replaced.
    const root = (old: string) => ({
      parent: this,
      aliases: [{ name: old, parent: pulumi.rootStackResource }],
    });
    const oldNamespace = pulumi.createUrn("namespace", "kubernetes:core/v1:Namespace");
    const inNamespace = (old: string) => ({
      parent: this,
      aliases: [{ name: old, parent: oldNamespace }],
    });

    const provider = new k8s.Provider(
      `${name}-cluster`,
      {
        ...(s.cluster.kubeconfig ? { kubeconfig: s.cluster.kubeconfig } : {}),
        ...(s.cluster.context ? { context: s.cluster.context } : {}),
        // Destroy finishes when the cluster or the namespace is already gone.
        deleteUnreachable: true,
        // Namespaced objects of a team's YAML files that name no namespace go to the sandbox's.
        namespace: s.branch.namespace,
      },
      root("cluster"),
    );
    const created = new CreationTime(`${name}-created`, root("created"));
    const ns = s.branch.namespace;
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: ns,
          labels: created.epochMs.apply((ms) => ({
            ...branchNamespaceLabels(s, ms, s.ttlMs),
            ...podSecurityLabels(s.podSecurity.enforce),
          })),
        },
      },
      { ...root("namespace"), provider },
    );
    const inside = (old: string): pulumi.CustomResourceOptions => ({
      ...inNamespace(old),
      provider,
      deletedWith: this.namespace,
    });
    const specs = isolationSpecs(s);
    const quota = new k8s.core.v1.ResourceQuota(
      `${name}-quota`,
      { metadata: { name: "sandbox", namespace: ns }, spec: specs.quota },
      inside("quota"),
    );
    const limits = new k8s.core.v1.LimitRange(
      `${name}-limits`,
      { metadata: { name: "sandbox", namespace: ns }, spec: specs.limitRange },
      inside("limits"),
    );
    const policy = new k8s.networking.v1.NetworkPolicy(
      `${name}-isolation`,
      { metadata: { name: "sandbox-isolation", namespace: ns }, spec: specs.networkPolicy },
      inside("isolation"),
    );

    const fresh: pulumi.CustomResourceOptions = {
      parent: this,
      provider,
      deletedWith: this.namespace,
    };
    const needed = new Set(args.appliances ?? APPLIANCES);
    const shared = sharedApplianceEgress(
      {
        postgres: s.shared.postgresHost,
        kafka: s.shared.kafka,
        schemaRegistry: s.shared.schemaRegistry,
      },
      needed,
    );
    for (const { key, host } of shared.unresolved) {
      pulumi.log.warn(
        `localkube:${key}: ${host} is neither a Service DNS name (<service>.<namespace>.svc) nor an IP, so the sandbox's egress policy cannot open it by itself; add its address range to localkube:egress.allow (e.g. '["10.20.0.0/16"]')`,
        this,
      );
    }
    const egress = new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { name: "sandbox-egress", namespace: ns },
        spec: egressPolicySpec(s.ingress.namespace, [...shared.destinations, ...s.egress.allow]),
      },
      fresh,
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      {
        metadata: { name: SANDBOX_SERVICE_ACCOUNT, namespace: ns },
        automountServiceAccountToken: false,
      },
      fresh,
    );

    const ready: pulumi.Resource[] = [
      this.namespace,
      quota,
      limits,
      policy,
      egress,
      serviceAccount,
    ];
    const pullSecrets: string[] = [];
    const login =
      s.registry.address && s.registry.username && s.registry.password
        ? {
            address: s.registry.address,
            username: s.registry.username,
            password: s.registry.password,
          }
        : undefined;
    if (login) {
      const pull = new k8s.core.v1.Secret(
        `${name}-pull-secret`,
        {
          metadata: { name: PULL_SECRET_NAME, namespace: ns },
          type: "kubernetes.io/dockerconfigjson",
          // The password only ever travels inside a Pulumi secret: encrypted in the state, masked in output.
          stringData: {
            ".dockerconfigjson": pulumi
              .secret(login.password)
              .apply((p) => dockerConfigJson(login.address, login.username, p)),
          },
        },
        inside("pull-secret"),
      );
      ready.push(pull);
      pullSecrets.push(PULL_SECRET_NAME);
    }

    const connections = new Map<string, Connection>();
    if (s.shared.postgres && needed.has("postgres")) {
      const secret = new k8s.core.v1.Secret(
        `${name}-shared-postgres`,
        {
          metadata: { name: SHARED_POSTGRES_SECRET, namespace: ns },
          stringData: pulumi.secret(s.shared.postgres).apply(postgresKeys),
        },
        inside("shared-postgres"),
      );
      connections.set("postgres", {
        name: "postgres",
        kind: "appliance",
        env: Object.fromEntries(
          APPLIANCE_CONNECTION_KEYS.postgres.map((k) => [
            k,
            { secretName: SHARED_POSTGRES_SECRET, key: k },
          ]),
        ),
        ready: [secret],
      });
    }
    if (s.shared.kafka && needed.has("kafka")) {
      connections.set("kafka", {
        name: "kafka",
        kind: "appliance",
        env: { KAFKA_BOOTSTRAP_SERVERS: { value: s.shared.kafka } },
        ready: [],
      });
    }
    if (s.shared.schemaRegistry && needed.has("schema-registry")) {
      connections.set("schema-registry", {
        name: "schema-registry",
        kind: "appliance",
        env: { SCHEMA_REGISTRY_URL: { value: s.shared.schemaRegistry } },
        ready: [],
      });
    }

    this.environment = {
      stack: args.stack,
      namespace: this.namespace.metadata.name,
      provider,
      providerNamespace: ns,
      readiness: {
        access: { kubeconfig: s.cluster.kubeconfig, context: s.cluster.context },
        timeoutSeconds: s.readyTimeoutSeconds,
      },
      ingress: {
        api: s.ingress.api,
        gateway: s.ingress.gateway,
        domain: `${s.branch.slug}.${s.baseDomain}`,
        className: s.ingress.className,
        annotations: s.ingress.tlsIssuer
          ? { "cert-manager.io/cluster-issuer": s.ingress.tlsIssuer }
          : {},
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
        builder: s.images.builder,
        pushDependsOn: [],
      },
      labels: {
        "localkube.dev/stack": args.stack,
        [BRANCH_LABELS.branch]: labelValue(s.branch.name),
      },
      sharedAppliances: connections,
      imagePullSecrets: pullSecrets,
      serviceAccountName: SANDBOX_SERVICE_ACCOUNT,
      ready,
      deletedWith: this.namespace,
    };
    this.createdAt = created.epochMs.apply((ms) => new Date(ms).toISOString());
    this.expiresAt = created.epochMs.apply((ms) => new Date(ms + s.ttlMs).toISOString());
    this.registerOutputs({ namespace: ns, createdAt: this.createdAt, expiresAt: this.expiresAt });
  }
}
