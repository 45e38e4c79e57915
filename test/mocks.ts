import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "../config/source";
import type { OwnContainers } from "../host/preflight";

/** One resource the program registered, as the engine would see it. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
  /** URN the mock monitor gave it. */
  readonly urn: string;
  /** URN of its parent ("" for the stack's direct children). */
  readonly parent: string;
  /** URNs of its explicit dependencies (`dependsOn`), after the transforms of its ancestors ran. */
  dependsOn: string[];
  /** URN of the resource it is deleted with, after transforms ("" for none). */
  deletedWith: string;
  /** URNs of the resources it is replaced with (`replaceWith`), after transforms. */
  replaceWith: string[];
  /** Its aliases by name: the names and parent URNs it had before ("" parent: the stack). */
  readonly aliases: { readonly name: string; readonly parent: string }[];
  /** Properties whose change replaces it (`replaceOnChanges`). */
  readonly replaceOnChanges: string[];
  /** Deleted before its replacement is created (`deleteBeforeReplace`). */
  readonly deleteBeforeReplace: boolean;
  /** Properties `pulumi up` leaves as they are (`ignoreChanges`). */
  readonly ignoreChanges: string[];
}

/** Value the mocked GeneratedPassword returns; tests check it never leaks. */
export const MOCK_PASSWORD = "Mock-Pa55word-9f3b1c7e";
/** Creation time the mocked CreationTime records: 2026-11-24T12:00:00Z. */
export const MOCK_CREATED_MS = Date.UTC(2026, 10, 24, 12, 0, 0);
/** Value the mocked kind cluster command prints (its kubeconfig). */
export const MOCK_KUBECONFIG =
  "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {client-key-data: MOCKKEY}}]\n";

let lastRegistered: Registered[] = [];
const pending = new Set<Promise<unknown>>();

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings");
const resproto = require("@pulumi/pulumi/proto/resource_pb");

/**
 * Installs Pulumi mocks that record every resource with its options. Outputs echo the inputs, plus
 * what the program reads: a kubeconfig for the kind cluster, a password for GeneratedPassword, a
 * digest for images.
 *
 * The mock monitor neither records options nor runs transforms, which the engine applies to a
 * resource and all its descendants. This one wraps it: it keeps each registration's dependencies,
 * deletedWith, parent and aliases, and runs the transforms registered on the resource's ancestors
 * through the SDK's own callback server, exactly as the engine would call them.
 */
export function installMocks(): Registered[] {
  const registered: Registered[] = [];
  lastRegistered = registered;
  let current: any;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const req = current;
        const urn = newUrn(req.getParent(), args.type, args.name);
        const record: Registered = {
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          provider: args.provider,
          urn,
          parent: req.getParent(),
          dependsOn: req.getDependenciesList(),
          deletedWith: req.getDeletedwith(),
          replaceWith: req.getReplaceWithList(),
          // Aliases by name; the type-only ones the Kubernetes SDK adds (older API versions) are left out.
          aliases: req
            .getAliasesList()
            .filter((a: any) => a.getSpec()?.getName())
            .map((a: any) => ({ name: a.getSpec().getName(), parent: a.getSpec().getParenturn() })),
          replaceOnChanges: req.getReplaceonchangesList(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          ignoreChanges: req.getIgnorechangesList(),
        };
        registered.push(record);
        transforms.set(urn, { parent: req.getParent(), callbacks: req.getTransformsList() });
        track(applyTransforms(req, record));
        const state: Record<string, any> = { ...args.inputs };
        if (args.type === "pulumi-nodejs:dynamic/localkube:KindCluster")
          state.kubeconfig = MOCK_KUBECONFIG;
        if (args.type === "pulumi-nodejs:dynamic/localkube:GeneratedPassword")
          state.value = MOCK_PASSWORD;
        if (args.type === "pulumi-nodejs:dynamic/localkube:CreationTime")
          state.epochMs = MOCK_CREATED_MS;
        if (args.type === "pulumi-nodejs:dynamic/localkube:RegistryContainer")
          state.published = `${args.inputs.listen}:${args.inputs.port}`;
        if (args.type === "docker-build:index:Image") state.digest = "sha256:0123456789abcdef";
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    "localkube",
    "test",
    false,
  );
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  // newResource is called synchronously by registerResource, before its first await.
  monitor.registerResource = (req: any, callback: any) => {
    current = req;
    return register(req, callback);
  };
  // The mock monitor has no callback server of its own, and the SDK refuses transforms without
  // one; the SDK's server registers them, and applyTransforms calls them.
  require("@pulumi/pulumi/runtime/state").getStore().supportsTransforms = true;
  return registered;
}

/** Transforms registered by each resource, and its parent, by URN. */
const transforms = new Map<string, { parent: string; callbacks: any[] }>();

/** The mock monitor's URN scheme (the parent's own type, then the child's). */
function newUrn(parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

function track(p: Promise<unknown>) {
  pending.add(p);
  p.finally(() => pending.delete(p));
}

/** Runs the transforms of the resource and its ancestors (innermost last, as the engine does) on its options. */
async function applyTransforms(req: any, record: Registered): Promise<void> {
  const chain: any[] = [];
  for (let urn = record.urn; urn; urn = transforms.get(urn)?.parent ?? "")
    chain.unshift(...(transforms.get(urn)?.callbacks ?? []));
  if (chain.length === 0) return;
  const server = settings.getCallbacks();
  let deps: string[] = record.dependsOn;
  let deletedWith = record.deletedWith;
  let replaceWith = record.replaceWith;
  for (const cb of chain) {
    const options = new resproto.TransformResourceOptions();
    options.setDependsOnList(deps);
    options.setDeletedWith(deletedWith);
    options.setReplaceWithList(replaceWith);
    const request = new resproto.TransformRequest();
    request.setType(record.type);
    request.setName(record.name);
    request.setCustom(req.getCustom());
    request.setParent(record.parent);
    request.setProperties(req.getObject());
    request.setOptions(options);
    const bytes = await server._callbacks.get(cb.getToken())(request.serializeBinary());
    const out = resproto.TransformResponse.deserializeBinary(
      bytes.serializeBinary ? bytes.serializeBinary() : bytes,
    ).getOptions();
    if (out) {
      deps = out.getDependsOnList();
      deletedWith = out.getDeletedWith();
      replaceWith = out.getReplaceWithList();
    }
  }
  record.dependsOn = deps;
  record.deletedWith = deletedWith;
  record.replaceWith = replaceWith;
}

/** Resolves an Output (or plain value) under mocks. */
export function promiseOf<T>(value: pulumi.Input<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/**
 * Waits until the program has registered everything it will: every registration RPC it started
 * was answered (the SDK's own `waitForRPCs`, which also covers registrations started while
 * waiting) and our transforms ran, repeated until nothing new appears. No quiet-period guess: an
 * absence checked after this is a real absence, however busy the machine. Fails after 60 s.
 */
export async function settle(registered?: readonly unknown[]): Promise<void> {
  const list = registered ?? lastRegistered;
  const end = Date.now() + 60_000;
  for (;;) {
    const seen = list.length;
    await new Promise((r) => setImmediate(r));
    await settings.waitForRPCs();
    await Promise.all([...pending]);
    await new Promise((r) => setImmediate(r));
    if (list.length === seen && pending.size === 0) return;
    if (Date.now() > end)
      throw new Error(
        `settle: the program was still registering resources after 60 s (${list.length})`,
      );
  }
}

/** Registered resources of one type. */
export function ofType(registered: readonly Registered[], type: string): Registered[] {
  return registered.filter((r) => r.type === type);
}

/** The registered resource with this URN; throws when there is none. */
export function byUrn(registered: readonly Registered[], urn: string): Registered {
  const found = registered.find((r) => r.urn === urn);
  if (!found) throw new Error(`no resource ${urn} among ${registered.length}`);
  return found;
}

/**
 * A stack's `localkube:*` config as `pulumi config set localkube:<key>` holds it in `stackFile`:
 * `values` set in plaintext, `secrets` set with `--secret` (their plaintext, as Pulumi hands
 * decrypted config to the program; the reader makes it a secret Output).
 */
export function fakeConfig(
  values: Record<string, string>,
  secrets: Record<string, string> = {},
  stackFile = "Pulumi.local.yaml",
): ConfigSource {
  return {
    stackFile,
    get: (key) => (key in values ? { value: values[key], file: stackFile } : undefined),
    getSecret: (key) => secrets[key] ?? values[key],
    isSecret: (key) => key in secrets,
    keys: () => [...new Set([...Object.keys(values), ...Object.keys(secrets)])],
  };
}

/** The local stack's containers on a machine that has none yet (a first `up`). */
export function noContainers(cluster: string, registry: string, volume: string): OwnContainers {
  return { cluster, nodes: [], registry, registryState: "missing", volume, volumeExists: false };
}

/**
 * Waits (20 s at most) until resources of these names are registered, then settles: on a busy
 * machine the program may still be registering when settle() sees a quiet moment.
 */
export async function waitForRegistered(
  registered: readonly Registered[],
  names: readonly string[],
): Promise<void> {
  const end = Date.now() + 20_000;
  while (!names.every((n) => registered.some((r) => r.name === n)) && Date.now() < end)
    await new Promise((r) => setTimeout(r, 100));
  await settle();
}

/** The registered resource of this name; throws when there is none. */
export function registeredNamed(registered: readonly Registered[], name: string): Registered {
  const found = registered.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
}
