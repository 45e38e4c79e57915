import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeArgs } from "../kube/lifetime";
import {
  apiReadyCall,
  dockerCalls,
  kindCalls,
  mustRun,
  nodeLabelCall,
  removeKindNetworkIfUnused,
  runTool,
} from "../host/tools";
import { CONFIG_HASH_LABEL } from "../kind/config";

/** Inputs of the cluster's dynamic resource. */
export interface ClusterInputs {
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

/** The cluster's node containers that exist but do not run (Docker stopped them, a bad sleep). */
async function stoppedNodes(cluster: string): Promise<string[]> {
  const listed = await runTool(kindCalls.nodes(cluster));
  if (listed.code !== 0) return [];
  const nodes = listed.stdout.split("\n").filter(Boolean);
  const stopped: string[] = [];
  for (const node of nodes) {
    const r = await runTool(dockerCalls.containerRunning(node));
    if (r.code === 0 && r.stdout.trim() !== "true") stopped.push(node);
  }
  return stopped;
}

/** How long a started node's API server may take to answer before `up` gives up. */
const API_READY_MS = 180_000;

/**
 * Starts stopped nodes (the control plane first) and waits until the API server answers
 * `/readyz`; fails naming the cluster and what to run when it does not within {@link API_READY_MS}.
 */
async function startNodes(cluster: string, stopped: readonly string[]): Promise<void> {
  const order = [...stopped].sort(
    (a, b) => Number(b.endsWith("-control-plane")) - Number(a.endsWith("-control-plane")),
  );
  for (const node of order)
    await mustRun(dockerCalls.start(node), `starting node "${node}" of kind cluster "${cluster}"`);
  const deadline = Date.now() + API_READY_MS;
  for (;;) {
    const r = await runTool(apiReadyCall(cluster));
    if (r.code === 0 && r.stdout.trim() === "ok") return;
    if (Date.now() > deadline)
      throw new Error(
        `kind cluster "${cluster}": its nodes were started (${order.join(", ")}) but the API server did not answer within ${API_READY_MS / 1000} s ` +
          `(${(r.stderr || r.stdout).trim().split("\n").pop() ?? ""}). Look at \`docker logs ${cluster}-control-plane\`; ` +
          `\`kind delete cluster --name ${cluster}\` and \`pulumi up\` create it afresh.`,
      );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * Lifecycle of a kind cluster through the `kind` CLI (no shell):
 * - create: adopts a cluster of that name made from the same config (recognised by the config
 *   hash label of its control-plane node), refuses one made from another, else creates it from the
 *   config on stdin;
 * - diff: replaced when the rendered config changed (the old one deleted first: same name), or
 *   when the cluster is gone (deleted out of band: the new one is created first, so everything in
 *   it is recreated before the old records are dropped); updated when its nodes were stopped
 *   (update starts them and waits for the API server) or it was recreated behind our back (new
 *   kubeconfig);
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
      await mustRun(
        kindCalls.create(inputs.name, inputs.configYaml),
        `creating kind cluster "${inputs.name}"`,
      );
    }
    const kubeconfig = await mustRun(
      kindCalls.kubeconfig(inputs.name),
      `reading the kubeconfig of "${inputs.name}"`,
    );
    const outs: ClusterOutputs = {
      ...inputs,
      kubeconfig,
      adopted,
      nodeId: await controlPlaneId(inputs.name),
    };
    return { id: `${inputs.name}-${randomUUID().slice(0, 8)}`, outs };
  },
  async diff(_id: string, olds: ClusterOutputs, news: ClusterInputs) {
    if (olds.name !== news.name || olds.configHash !== news.configHash) {
      return {
        changes: true,
        replaces: olds.name !== news.name ? ["name"] : ["configHash"],
        deleteBeforeReplace: true,
      };
    }
    const clusters = (await mustRun(kindCalls.listClusters(), "listing kind clusters")).split("\n");
    // Gone, or recreated behind our back: everything in it has to be created again.
    const recreated =
      olds.nodeId !== undefined && (await controlPlaneId(news.name)) !== olds.nodeId;
    if (!clusters.includes(news.name) || recreated)
      return { changes: true, replaces: ["name"], deleteBeforeReplace: false };
    if ((await stoppedNodes(news.name)).length > 0)
      return { changes: true, replaces: [], deleteBeforeReplace: true };
    const current = await runTool(kindCalls.kubeconfig(news.name));
    return {
      changes: current.code === 0 && current.stdout !== olds.kubeconfig,
      replaces: [],
      deleteBeforeReplace: true,
    };
  },
  async update(_id: string, olds: ClusterOutputs, news: ClusterInputs) {
    const stopped = await stoppedNodes(news.name);
    if (stopped.length > 0) await startNodes(news.name, stopped);
    const kubeconfig = await mustRun(
      kindCalls.kubeconfig(news.name),
      `reading the kubeconfig of "${news.name}"`,
    );
    const outs: ClusterOutputs = {
      ...news,
      kubeconfig,
      adopted: olds.adopted,
      nodeId: await controlPlaneId(news.name),
    };
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
      ...dynamicTypeArgs("KindCluster"),
    );
  }
}
