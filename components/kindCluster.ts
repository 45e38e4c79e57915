import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { stringify } from "yaml";
import { dockerCalls, kindCalls, mustRun, nodeLabelCall, removeKindNetworkIfUnused, runTool } from "./hostTools";

/** Node label carrying the hash of the rendered config, to recognise a cluster made from it. */
export const CONFIG_HASH_LABEL = "localkube.dev/config-hash";

/** kind cluster names end up in container and context names: keep them plain. */
export const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export interface KindConfigInput {
  /** Cluster name (also the kube context `kind-<name>`). */
  readonly name: string;
  /** Node image, e.g. `kindest/node:v1.34.0@sha256:…`. */
  readonly nodeImage: string;
  /** Worker nodes besides the control plane. @default 0 */
  readonly workers?: number;
  /** Host port mapped to the ingress controller's port 80. @default 80 */
  readonly httpPort?: number;
  /** Host port mapped to the ingress controller's port 443. @default 443 */
  readonly httpsPort?: number;
  /** Host address the ports listen on. @default "127.0.0.1" */
  readonly listenAddress?: string;
  /**
   * Add the containerd patch setting `config_path = "/etc/containerd/certs.d"`, needed by node
   * images older than kind 0.27 for registry `hosts.toml` files. @default false
   */
  readonly containerdConfigPath?: boolean;
}

function kindConfigObject(input: KindConfigInput, hash?: string) {
  const workers = input.workers ?? 0;
  const listenAddress = input.listenAddress ?? "127.0.0.1";
  const nodeLabels = ["ingress-ready=true", ...(hash ? [`${CONFIG_HASH_LABEL}=${hash}`] : [])].join(",");
  return {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    name: input.name,
    nodes: [
      {
        role: "control-plane",
        image: input.nodeImage,
        kubeadmConfigPatches: [stringify({ kind: "InitConfiguration", nodeRegistration: { kubeletExtraArgs: { "node-labels": nodeLabels } } })],
        extraPortMappings: [
          { containerPort: 80, hostPort: input.httpPort ?? 80, listenAddress, protocol: "TCP" },
          { containerPort: 443, hostPort: input.httpsPort ?? 443, listenAddress, protocol: "TCP" },
        ],
      },
      ...Array.from({ length: workers }, () => ({ role: "worker", image: input.nodeImage })),
    ],
    ...(input.containerdConfigPath
      ? { containerdConfigPatches: ['[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n'] }
      : {}),
  };
}

/**
 * Renders the kind cluster config. The control-plane node carries the label `ingress-ready=true`
 * (where ingress controllers are scheduled) and a hash of the rest of the config, so an existing
 * cluster made from the same config is recognised and adopted.
 */
export function renderKindConfig(input: KindConfigInput): { yaml: string; hash: string } {
  if (!CLUSTER_NAME.test(input.name)) {
    throw new Error(`kind cluster name ${JSON.stringify(input.name)} is not allowed: use lowercase letters, digits and '-' (at most 40)`);
  }
  const workers = input.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 10) {
    throw new Error(`kind workers must be a whole number from 0 to 10, got ${workers}`);
  }
  const hash = createHash("sha256")
    .update(stringify(kindConfigObject(input)))
    .digest("hex")
    .slice(0, 16);
  return { yaml: stringify(kindConfigObject(input, hash)), hash };
}

/** Inputs of the cluster's dynamic resource. */
interface ClusterInputs {
  readonly name: string;
  readonly configYaml: string;
  readonly configHash: string;
}

/** Outputs: the inputs plus the admin kubeconfig (a secret) and whether it was adopted. */
interface ClusterOutputs extends ClusterInputs {
  readonly kubeconfig: string;
  readonly adopted: boolean;
  /** Docker id of the control-plane container: tells this cluster from a later one of the same name. */
  readonly nodeId: string;
}

/** Docker id of the cluster's control-plane container, or "" when there is none. */
async function controlPlaneId(cluster: string): Promise<string> {
  const r = await runTool(dockerCalls.containerId(`${cluster}-control-plane`));
  return r.code === 0 ? r.stdout.trim() : "";
}

/**
 * Lifecycle of a kind cluster through the `kind` CLI (no shell):
 * - create: adopts a cluster of that name made from the same config (recognised by the config
 *   hash label of its control-plane node), refuses one made from another, else creates it from the
 *   config on stdin;
 * - diff: replaced when the rendered config changed (the old one deleted first: same name), or
 *   when the cluster is gone (deleted out of band: the new one is created first, so everything in
 *   it is recreated before the old records are dropped); refreshed when it was recreated behind
 *   our back (new kubeconfig);
 * - delete: `kind delete cluster` — only of the cluster this resource made (a later cluster of the
 *   same name is left alone) — then the `kind` Docker network when nothing else uses it.
 */
export const kindClusterProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ClusterInputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { randomUUID } = require("crypto") as typeof import("crypto");
    const clusters = (await mustRun(kindCalls.listClusters(), "listing kind clusters")).split("\n");
    let adopted = false;
    if (clusters.includes(inputs.name)) {
      const found = (await runTool(nodeLabelCall(inputs.name, CONFIG_HASH_LABEL))).stdout.trim();
      if (found !== inputs.configHash) {
        throw new Error(
          `kind cluster "${inputs.name}" already exists but was not made from this configuration ` +
            `(config hash "${found || "none"}", expected "${inputs.configHash}"). Delete it with ` +
            `\`kind delete cluster --name ${inputs.name}\`, or use another name: pulumi config set localkube:cluster.name <name>`,
        );
      }
      adopted = true;
    } else {
      await mustRun(kindCalls.create(inputs.name, inputs.configYaml), `creating kind cluster "${inputs.name}"`);
    }
    const kubeconfig = await mustRun(kindCalls.kubeconfig(inputs.name), `reading the kubeconfig of "${inputs.name}"`);
    const outs: ClusterOutputs = { ...inputs, kubeconfig, adopted, nodeId: await controlPlaneId(inputs.name) };
    return { id: `${inputs.name}-${randomUUID().slice(0, 8)}`, outs };
  },
  async diff(_id: string, olds: ClusterOutputs, news: ClusterInputs) {
    if (olds.name !== news.name || olds.configHash !== news.configHash) {
      return { changes: true, replaces: olds.name !== news.name ? ["name"] : ["configHash"], deleteBeforeReplace: true };
    }
    const clusters = (await mustRun(kindCalls.listClusters(), "listing kind clusters")).split("\n");
    // Gone, or recreated behind our back: everything in it has to be created again.
    const recreated = olds.nodeId !== undefined && (await controlPlaneId(news.name)) !== olds.nodeId;
    if (!clusters.includes(news.name) || recreated) return { changes: true, replaces: ["name"], deleteBeforeReplace: false };
    const current = await runTool(kindCalls.kubeconfig(news.name));
    return { changes: current.code === 0 && current.stdout !== olds.kubeconfig, replaces: [], deleteBeforeReplace: true };
  },
  async update(_id: string, olds: ClusterOutputs, news: ClusterInputs) {
    const kubeconfig = await mustRun(kindCalls.kubeconfig(news.name), `reading the kubeconfig of "${news.name}"`);
    const outs: ClusterOutputs = { ...news, kubeconfig, adopted: olds.adopted, nodeId: await controlPlaneId(news.name) };
    return { outs };
  },
  async delete(_id: string, props: ClusterOutputs) {
    const current = await controlPlaneId(props.name);
    if (current !== "" && props.nodeId && current !== props.nodeId) return; // a newer cluster of that name
    await mustRun(kindCalls.delete(props.name), `deleting kind cluster "${props.name}"`);
    await removeKindNetworkIfUnused();
  },
};

/** The cluster as a Pulumi resource (see {@link kindClusterProvider}). */
export class KindClusterResource extends pulumi.dynamic.Resource {
  /** Admin kubeconfig; a secret. */
  declare readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, inputs: ClusterInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      kindClusterProvider,
      name,
      { ...inputs, kubeconfig: undefined, adopted: undefined, nodeId: undefined },
      // The kubeconfig holds the cluster's admin key: encrypted in state, never printed.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
      "localkube",
      "KindCluster",
    );
  }
}

export interface KindClusterArgs extends KindConfigInput {}

/**
 * A local kind cluster. Replaced when its rendered config changes, recreated by the next `up` when
 * it was deleted out of band, adopted when an identical one already exists. Exposes the
 * kubeconfig (secret) and a provider for it.
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
    this.cluster = new KindClusterResource(`${name}-cluster`, { name: args.name, configYaml: config.yaml, configHash: config.hash }, { parent: this });
    this.name = args.name;
    this.configHash = config.hash;
    this.context = `kind-${args.name}`;
    this.kubeconfig = pulumi.secret(this.cluster.kubeconfig);
    this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, deleteUnreachable: true }, { parent: this });
    this.registerOutputs({ kubeconfig: this.kubeconfig, context: this.context });
  }
}

/**
 * `kindest/node` images by Kubernetes minor version, pinned by digest, as published with the
 * kind release noted. `configPath` marks images older than kind 0.27 that need the containerd
 * `config_path` patch for registry hosts.toml files.
 */
export const KIND_NODE_IMAGES: Readonly<Record<string, { readonly image: string; readonly configPath: boolean }>> = {
  "1.34": { image: "kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a", configPath: false },
  "1.33": { image: "kindest/node:v1.33.4@sha256:25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2", configPath: false },
  "1.32": { image: "kindest/node:v1.32.8@sha256:abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1", configPath: false },
  "1.31": { image: "kindest/node:v1.31.12@sha256:0f5cc49c5e73c0c2bb6e2df56e7df189240d83cf94edfa30946482eb08ec57d2", configPath: false },
};

/**
 * The node image for a Kubernetes version (`1.34` or `1.34.0`): the pinned image of that minor
 * version; a patch version must match the pinned one. Throws with the supported list otherwise.
 */
export function nodeImageFor(version: string): { image: string; configPath: boolean } {
  const minor = version.split(".").slice(0, 2).join(".");
  const entry = KIND_NODE_IMAGES[minor];
  const supported = Object.keys(KIND_NODE_IMAGES).join(", ");
  if (!entry) {
    throw new Error(
      `Kubernetes ${version} has no pinned kind node image (supported: ${supported}); set localkube:kubernetesVersion to one of those, or localkube:cluster.nodeImage to an image of your own`,
    );
  }
  const pinned = /:v(\d+\.\d+\.\d+)@/.exec(entry.image)![1];
  if (version.split(".").length === 3 && version !== pinned) {
    throw new Error(
      `Kubernetes ${version} is not pinned; ${minor} is pinned at ${pinned}: set localkube:kubernetesVersion to ${minor} or ${pinned}, or localkube:cluster.nodeImage to an image of your own`,
    );
  }
  return entry;
}
