import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KindConfigInput, renderKindConfig } from "../kind/config";
import { KindClusterResource } from "../providers/kindCluster";

export interface KindClusterArgs extends KindConfigInput {
  /**
   * Namespace the provider gives namespaced objects that name none (a team's YAML files, which
   * `yaml.v2.ConfigGroup` places before any transform sees them). @default the kubeconfig's: `default`
   */
  readonly defaultNamespace?: string;
  /**
   * What the cluster's node is created after (and deleted before): the registry container, which
   * shares Docker's `kind` network with it (the last of them deleted removes the network).
   * @default nothing
   */
  readonly after?: readonly pulumi.Resource[];
}

/**
 * A local kind cluster. Replaced when its rendered config changes (another Kubernetes version or
 * node image, ports, workers: an upgrade is a new cluster), recreated by the next `up` when it was
 * deleted out of band, adopted when an identical one already exists. Exposes the kubeconfig
 * (secret) and a provider for it. On a cgroup v1 host with Kubernetes ≥ 1.35 it warns once that the
 * kubelets run with `failCgroupV1: false`.
 */
export class KindCluster extends pulumi.ComponentResource {
  /** The resource owning the cluster's lifecycle; delete everything in the cluster with it. */
  readonly cluster: KindClusterResource;
  /** Admin kubeconfig (a secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** Kube context name `kind-<name>` written to the user's kubeconfig. */
  readonly context: string;
  readonly provider: k8s.Provider;
  readonly name: string;
  /** Hash of the rendered config: changes exactly when the cluster is replaced for a config change. */
  readonly configHash: string;

  constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:KindCluster", name, {}, opts);
    const config = renderKindConfig(args);
    if (config.warning) pulumi.log.warn(config.warning, this);
    this.cluster = new KindClusterResource(
      `${name}-cluster`,
      { name: args.name, configYaml: config.yaml, configHash: config.hash },
      { parent: this, dependsOn: [...(args.after ?? [])] },
    );
    this.name = args.name;
    this.configHash = config.hash;
    this.context = `kind-${args.name}`;
    this.kubeconfig = pulumi.secret(this.cluster.kubeconfig);
    this.provider = new k8s.Provider(
      `${name}-provider`,
      {
        kubeconfig: this.kubeconfig,
        deleteUnreachable: true,
        // The same provider across a replacement of the cluster (an upgrade): without an identifier
        // the provider is replaced whenever the kubeconfig is not known yet, and Pulumi unloads the
        // old one before the objects in the old cluster are deleted ("grpc: the client connection
        // is closing"). Those objects are replaced with the cluster instead (see livesIn).
        clusterIdentifier: this.context,
        ...(args.defaultNamespace ? { namespace: args.defaultNamespace } : {}),
      },
      { parent: this },
    );
    this.registerOutputs({ kubeconfig: this.kubeconfig, context: this.context });
  }
}
