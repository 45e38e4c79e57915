import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGES } from "./images";
import { dockerCalls, KIND_NETWORK, kindCalls, mustRun, RegistryContainerSpec, registryHostsToml, removeKindNetworkIfUnused, runTool } from "./hostTools";
import { KindClusterResource } from "./kindCluster";

/** Docker container names: what `docker run --name` accepts, minus leading punctuation. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** Outputs of the registry container resource. */
interface ContainerState extends RegistryContainerSpec {
  /** `<listen>:<port>` as Docker publishes it. */
  readonly published: string;
}

/** Starts the container (or reuses one of that name) and checks it publishes the expected port. */
async function ensureRegistry(spec: RegistryContainerSpec): Promise<ContainerState> {
  const state = await runTool(dockerCalls.containerRunning(spec.name));
  if (state.code !== 0) await mustRun(dockerCalls.runRegistry(spec), `starting registry container "${spec.name}"`);
  else if (state.stdout.trim() !== "true") await mustRun(dockerCalls.start(spec.name), `starting registry container "${spec.name}"`);
  const published = (await runTool(dockerCalls.publishedPort(spec.name))).stdout.split("\n").map((l) => l.trim());
  const expected = `${spec.listen}:${spec.port}`;
  if (!published.includes(expected)) {
    throw new Error(
      `container "${spec.name}" exists but does not publish registry port 5000 on ${expected} ` +
        `(it publishes: ${published.filter(Boolean).join(", ") || "nothing"}). Remove it with ` +
        `\`docker rm -f ${spec.name}\`, or choose another name: pulumi config set localkube:registry.name <name>`,
    );
  }
  return { ...spec, published: expected };
}

/**
 * The registry container through the `docker` CLI (no shell). An existing container of that name
 * is reused; replaced when its settings change or it was removed out of band; delete removes it
 * and its volume.
 */
export const registryContainerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: RegistryContainerSpec) {
    return { id: inputs.name, outs: await ensureRegistry(inputs) };
  },
  async diff(_id: string, olds: ContainerState, news: RegistryContainerSpec) {
    const changed = (["name", "image", "port", "listen", "volume"] as const).filter((k) => olds[k] !== news[k]);
    if (changed.length > 0) return { changes: true, replaces: [...changed], deleteBeforeReplace: true };
    const state = await runTool(dockerCalls.containerRunning(news.name));
    if (state.code !== 0) return { changes: true, replaces: ["name"], deleteBeforeReplace: true };
    return { changes: state.stdout.trim() !== "true", replaces: [], deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: ContainerState, news: RegistryContainerSpec) {
    return { outs: await ensureRegistry(news) };
  },
  async delete(_id: string, props: ContainerState) {
    await runTool(dockerCalls.removeContainer(props.name));
    await runTool(dockerCalls.removeVolume(props.volume));
    // Deleted in parallel with the cluster: whichever finishes last removes the kind network.
    await removeKindNetworkIfUnused();
  },
};

/** Inputs of the wiring: what it connects, and the identities that make it redo its work. */
interface WiringInputs {
  readonly cluster: string;
  readonly container: string;
  readonly port: number;
  /** Id of the cluster resource: a recreated cluster gets a new one. */
  readonly clusterId: string;
  /** Id of the container resource. */
  readonly containerId: string;
}

/** Joins the container to the kind network and writes hosts.toml on every node. */
async function wireRegistry(w: WiringInputs): Promise<WiringInputs> {
  const networks = (await mustRun(dockerCalls.networksOf(w.container), `inspecting container "${w.container}"`)).split("\n");
  if (!networks.includes(KIND_NETWORK)) await mustRun(dockerCalls.connect(KIND_NETWORK, w.container), `joining "${w.container}" to the kind network`);
  const nodes = (await mustRun(kindCalls.nodes(w.cluster), `listing the nodes of kind cluster "${w.cluster}"`)).split("\n").filter(Boolean);
  if (nodes.length === 0) throw new Error(`kind cluster "${w.cluster}" has no nodes`);
  for (const node of nodes) {
    for (const host of [`localhost:${w.port}`, `${w.container}:5000`]) {
      await mustRun(dockerCalls.writeHostsToml(node, host, registryHostsToml(w.container)), `writing the registry hosts.toml on node "${node}"`);
    }
  }
  return w;
}

/** Registry ⇄ cluster wiring; redone when either side is recreated, undone (network) on delete. */
export const registryWiringProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: WiringInputs) {
    return { id: `${inputs.container}@${inputs.cluster}`, outs: await wireRegistry(inputs) };
  },
  async diff(_id: string, olds: WiringInputs, news: WiringInputs) {
    const changed = JSON.stringify(olds) !== JSON.stringify(news);
    if (changed) return { changes: true };
    const networks = await runTool(dockerCalls.networksOf(news.container));
    return { changes: networks.code === 0 && !networks.stdout.split("\n").includes(KIND_NETWORK) };
  },
  async update(_id: string, _olds: WiringInputs, news: WiringInputs) {
    return { outs: await wireRegistry(news) };
  },
  async delete(_id: string, props: WiringInputs) {
    await runTool(dockerCalls.disconnect(KIND_NETWORK, props.container));
  },
};

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

/** The registry container as a Pulumi resource (see {@link registryContainerProvider}). */
export class RegistryContainer extends pulumi.dynamic.Resource {
  declare readonly published: pulumi.Output<string>;

  constructor(name: string, spec: RegistryContainerSpec, opts?: pulumi.CustomResourceOptions) {
    super(registryContainerProvider, name, { ...spec, published: undefined }, opts, "localkube", "RegistryContainer");
  }
}

/** The registry ⇄ cluster wiring as a Pulumi resource (see {@link registryWiringProvider}). */
export class RegistryWiring extends pulumi.dynamic.Resource {
  constructor(name: string, inputs: { [K in keyof WiringInputs]: pulumi.Input<WiringInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
    super(registryWiringProvider, name, inputs, opts, "localkube", "RegistryWiring");
  }
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
    if (!CONTAINER_NAME.test(containerName)) {
      throw new Error(`registry name ${JSON.stringify(containerName)} is not a valid container name: use letters, digits, '_', '.', '-' (at most 63)`);
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`registry port must be a whole number from 1 to 65535, got ${port}`);
    }
    const spec: RegistryContainerSpec = { name: containerName, image: args.image ?? DEFAULT_IMAGES.registry, port, listen, volume: `${containerName}-data` };
    this.container = new RegistryContainer(`${name}-container`, spec, { parent: this });
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
      { cluster: args.clusterName, container: this.containerName, port: this.port, clusterId: args.cluster.id, containerId: this.container.id },
      // Nothing to undo when the cluster goes too: destroy does not wait for a disconnect.
      { parent: this, deletedWith: args.cluster },
    );
    const configMap = new k8s.core.v1.ConfigMap(
      `${this.baseName}-hosting`,
      {
        metadata: { name: "local-registry-hosting", namespace: "kube-public" },
        data: { "localRegistryHosting.v1": `host: "${this.address}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n` },
      },
      { parent: this, provider: args.provider, deletedWith: args.cluster, deleteBeforeReplace: true },
    );
    return [wiring, configMap];
  }
}
