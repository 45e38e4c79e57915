import * as pulumi from "@pulumi/pulumi";
import {
  dockerCalls,
  ensureKindNetwork,
  KIND_NETWORK,
  kindCalls,
  mustRun,
  RegistryContainerSpec,
  registryHostsToml,
  removeKindNetworkIfUnused,
  runTool,
} from "../host/tools";
import { dynamicTypeArgs } from "../kube/lifetime";

/** Outputs of the registry container resource. */
interface ContainerState extends RegistryContainerSpec {
  /** `<listen>:<port>` as Docker publishes it. */
  readonly published: string;
}

/** Starts the container (or reuses one of that name) and checks it publishes the expected port. */
async function ensureRegistry(spec: RegistryContainerSpec): Promise<ContainerState> {
  const state = await runTool(dockerCalls.containerRunning(spec.name));
  if (state.code !== 0) {
    await ensureKindNetwork();
    await mustRun(dockerCalls.runRegistry(spec), `starting registry container "${spec.name}"`);
  } else if (state.stdout.trim() !== "true")
    await mustRun(dockerCalls.start(spec.name), `starting registry container "${spec.name}"`);
  const published = (await runTool(dockerCalls.publishedPort(spec.name))).stdout
    .split("\n")
    .map((l) => l.trim());
  const expected = `${spec.listen}:${spec.port}`;
  if (!published.includes(expected)) {
    throw new Error(
      `container "${spec.name}" exists but does not publish registry port 5000 on ${expected} ` +
        `(it publishes: ${published.filter(Boolean).join(", ") || "nothing"}). Remove it with ` +
        `\`docker rm -f ${spec.name}\`, or choose another name: pulumi config set localkube:registry.name <name>`,
    );
  }
  await registryAnswers(spec, 30_000);
  return { ...spec, published: expected };
}

/**
 * Waits until the registry answers its API (`GET /v2/`) on the published port: a container just
 * started takes a moment to listen, and a push in that moment is refused.
 */
export async function registryAnswers(
  spec: RegistryContainerSpec,
  withinMs: number,
): Promise<void> {
  const url = `http://${spec.listen}:${spec.port}/v2/`;
  const deadline = Date.now() + withinMs;
  let last = "";
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = String((err as Error).cause ?? (err as Error).message);
    }
    if (Date.now() > deadline)
      throw new Error(
        `registry container "${spec.name}" runs but ${url} did not answer within ${withinMs / 1000} s (${last}); look at \`docker logs ${spec.name}\``,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The registry container through the `docker` CLI (no shell). An existing container of that name
 * is reused; replaced when its settings change; started again when it was stopped, and run again
 * on the same volume — images kept — when it was removed out of band (`docker rm -f`). Delete
 * removes the container only: the volume is a resource of its own ({@link registryVolumeProvider}).
 */
export const registryContainerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: RegistryContainerSpec) {
    return { id: inputs.name, outs: await ensureRegistry(inputs) };
  },
  async diff(_id: string, olds: ContainerState, news: RegistryContainerSpec) {
    const changed = (["name", "image", "port", "listen", "volume"] as const).filter(
      (k) => olds[k] !== news[k],
    );
    if (changed.length > 0)
      return { changes: true, replaces: [...changed], deleteBeforeReplace: true };
    const state = await runTool(dockerCalls.containerRunning(news.name));
    // Gone or stopped: an update runs or starts it again (on its volume).
    return { changes: state.code !== 0 || state.stdout.trim() !== "true", replaces: [] };
  },
  async update(_id: string, _olds: ContainerState, news: RegistryContainerSpec) {
    return { outs: await ensureRegistry(news) };
  },
  async delete(_id: string, props: ContainerState) {
    await runTool(dockerCalls.removeContainer(props.name));
    // Deleted in parallel with the cluster: whichever finishes last removes the kind network.
    await removeKindNetworkIfUnused();
  },
};

/**
 * Outputs of the registry's volume: its name and identity (the uid label it was created with; ""
 * for a volume adopted without one). State written before uids has `createdAt` instead.
 */
interface VolumeState {
  readonly name: string;
  readonly uid?: string;
}

async function ensureVolume(name: string): Promise<VolumeState> {
  await mustRun(
    dockerCalls.createVolume(name, globalThis.crypto.randomUUID()),
    `creating volume "${name}"`,
  );
  const uid = (await mustRun(dockerCalls.volumeUid(name), `inspecting volume "${name}"`)).trim();
  return { name, uid };
}

/**
 * The registry's data: a named Docker volume. Replaced (delete first: the new one has the same
 * name) when it is gone — removed out of band, or never there — or is another volume of the same
 * name (its uid label differs), and with it every image pushed into it (ServiceImage's
 * `storedIn`), so that a new, empty volume gets the images again.
 */
export const registryVolumeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { name: string }) {
    return { id: inputs.name, outs: await ensureVolume(inputs.name) };
  },
  async diff(_id: string, olds: VolumeState, news: { name: string }) {
    if (olds.name !== news.name)
      return { changes: true, replaces: ["name"], deleteBeforeReplace: true };
    const now = await runTool(dockerCalls.volumeUid(news.name));
    const same = now.code === 0 && (olds.uid === undefined || now.stdout.trim() === olds.uid);
    return same
      ? { changes: false }
      : { changes: true, replaces: ["uid"], deleteBeforeReplace: true };
  },
  async delete(_id: string, props: VolumeState) {
    await runTool(dockerCalls.removeVolume(props.name));
  },
};

/** Inputs of the wiring: what it connects, and the identities that make it redo its work. */
export interface WiringInputs {
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
  const networks = (
    await mustRun(dockerCalls.networksOf(w.container), `inspecting container "${w.container}"`)
  ).split("\n");
  if (!networks.includes(KIND_NETWORK))
    await mustRun(
      dockerCalls.connect(KIND_NETWORK, w.container),
      `joining "${w.container}" to the kind network`,
    );
  const nodes = (
    await mustRun(kindCalls.nodes(w.cluster), `listing the nodes of kind cluster "${w.cluster}"`)
  )
    .split("\n")
    .filter(Boolean);
  if (nodes.length === 0) throw new Error(`kind cluster "${w.cluster}" has no nodes`);
  for (const node of nodes) {
    for (const host of [`localhost:${w.port}`, `${w.container}:5000`]) {
      await mustRun(
        dockerCalls.writeHostsToml(node, host, registryHostsToml(w.container)),
        `writing the registry hosts.toml on node "${node}"`,
      );
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

/** The registry container as a Pulumi resource (see {@link registryContainerProvider}). */
export class RegistryContainer extends pulumi.dynamic.Resource {
  declare readonly published: pulumi.Output<string>;

  constructor(name: string, spec: RegistryContainerSpec, opts?: pulumi.CustomResourceOptions) {
    super(
      registryContainerProvider,
      name,
      { ...spec, published: undefined },
      opts,
      ...dynamicTypeArgs("RegistryContainer"),
    );
  }
}

/** The registry's volume as a Pulumi resource (see {@link registryVolumeProvider}). */
export class RegistryVolume extends pulumi.dynamic.Resource {
  declare readonly uid: pulumi.Output<string>;

  constructor(name: string, volume: string, opts?: pulumi.CustomResourceOptions) {
    super(
      registryVolumeProvider,
      name,
      { name: volume, uid: undefined },
      opts,
      ...dynamicTypeArgs("RegistryVolume"),
    );
  }
}

/** The registry ⇄ cluster wiring as a Pulumi resource (see {@link registryWiringProvider}). */
export class RegistryWiring extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    inputs: { [K in keyof WiringInputs]: pulumi.Input<WiringInputs[K]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(registryWiringProvider, name, inputs, opts, ...dynamicTypeArgs("RegistryWiring"));
  }
}

/** What the registry container is made from: the resource's inputs. */
export type { RegistryContainerSpec };
