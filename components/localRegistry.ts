import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGES, registryVolumeName } from "../kube/images";
import { KindClusterResource } from "../providers/kindCluster";
import {
  RegistryContainer,
  RegistryContainerSpec,
  RegistryVolume,
  RegistryWiring,
} from "../providers/registry";
import { CONTAINER_NAME } from "../catalog/patterns";
import { livesIn } from "../kube/lifetime";

export interface LocalRegistryArgs {
  /** Container name; nodes reach the registry as `<name>:5000`. @default "localkube-registry" */
  readonly name?: string;
  /** Host port the registry listens on (`localhost:<port>` is what users push to). @default 5001 */
  readonly port?: number;
  /** Image compatible with `registry:2`. @default {@link DEFAULT_IMAGES.registry} */
  readonly image?: string;
  /** Host address the port listens on. @default "127.0.0.1" */
  readonly listenAddress?: string;
}

/** Second stage: wires an existing registry into a kind cluster. */
export interface RegistryWiringArgs {
  /** kind cluster name, to list its nodes. */
  readonly clusterName: string;
  /** The cluster's lifecycle resource: the wiring is redone when it is recreated. */
  readonly cluster: KindClusterResource;
  /** Provider of the cluster, for the KEP-1755 ConfigMap. */
  readonly provider: k8s.Provider;
}

/**
 * A Docker registry container for locally built images, on 127.0.0.1:<port>, restarted with
 * the Docker engine. It starts before the cluster exists (so builds can push while the cluster
 * boots); {@link LocalRegistry.wire} then connects it to the cluster.
 */
export class LocalRegistry extends pulumi.ComponentResource {
  readonly container: RegistryContainer;
  /** The registry's data: images pushed into it are pushed again when it is replaced. */
  readonly volume: RegistryVolume;
  /** Address to push to from the host and to reference in pod specs: `localhost:<port>`. */
  readonly address: string;
  readonly containerName: string;
  readonly port: number;
  private readonly baseName: string;

  constructor(name: string, args: LocalRegistryArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:LocalRegistry", name, {}, opts);
    const containerName = args.name ?? "localkube-registry";
    const port = args.port ?? 5001;
    const listen = args.listenAddress ?? "127.0.0.1";
    if (!CONTAINER_NAME.pattern.test(containerName)) {
      throw new Error(
        `registry name ${JSON.stringify(containerName)} is not a valid container name: use ${CONTAINER_NAME.help}`,
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`registry port must be a whole number from 1 to 65535, got ${port}`);
    }
    const spec: RegistryContainerSpec = {
      name: containerName,
      image: args.image ?? DEFAULT_IMAGES.registry,
      port,
      listen,
      volume: registryVolumeName(containerName),
    };
    // Both are named (a replacement has the same name as what it replaces): the old one always goes
    // first, or deleting it would remove its replacement.
    this.volume = new RegistryVolume(`${name}-volume`, spec.volume, {
      parent: this,
      deleteBeforeReplace: true,
    });
    // A new (empty) volume needs a new container on it; a removed container is run again on the
    // volume it had (its provider's update), images kept.
    this.container = new RegistryContainer(`${name}-container`, spec, {
      parent: this,
      dependsOn: [this.volume],
      replaceWith: [this.volume],
      deleteBeforeReplace: true,
    });
    this.baseName = name;
    this.address = `localhost:${port}`;
    this.containerName = containerName;
    this.port = port;
    this.registerOutputs({ address: this.address });
  }

  /**
   * Connects the registry to the cluster: joins the `kind` network, writes hosts.toml on every
   * node, and publishes the KEP-1755 `local-registry-hosting` ConfigMap. Returns what workloads
   * pulling from the registry must wait for.
   */
  wire(args: RegistryWiringArgs): pulumi.Resource[] {
    const wiring = new RegistryWiring(
      `${this.baseName}-wiring`,
      {
        cluster: args.clusterName,
        container: this.containerName,
        port: this.port,
        clusterId: args.cluster.id,
        containerId: this.container.id,
      },
      // Nothing to undo when the cluster goes too: destroy does not wait for a disconnect.
      { parent: this, ...livesIn(args.cluster) },
    );
    const configMap = new k8s.core.v1.ConfigMap(
      `${this.baseName}-hosting`,
      {
        metadata: { name: "local-registry-hosting", namespace: "kube-public" },
        data: {
          "localRegistryHosting.v1": `host: "${this.address}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n`,
        },
      },
      {
        parent: this,
        provider: args.provider,
        ...livesIn(args.cluster),
        deleteBeforeReplace: true,
      },
    );
    return [wiring, configMap];
  }
}
