import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import type * as K from "@kubernetes/client-node";
import {
  conditionsGateStep,
  describeObject,
  unlistedCrds,
  verdictOf,
  WatchedObject,
} from "../status/conditions";
import { dynamicType, dynamicTypeArgs } from "../kube/lifetime";
import type { ClusterAccess } from "./workloadReady";

/** Inputs (and outputs) of a conditions gate. */
export interface ConditionsReadyInputs {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Who waits, named in messages: `add-on greeter`, `bank`. */
  readonly subject: string;
  /** The objects, each with a revision (uid/generation) when known: a new one is waited for again. */
  readonly objects: readonly (WatchedObject & { readonly revision?: string })[];
  readonly timeoutSeconds: number;
  /**
   * CRDs a catalog list promises (an add-on's `crds:`), checked against `rendered` before any
   * wait: a listed CRD that was not installed fails at once. @default nothing checked
   */
  readonly listedCrds?: readonly string[];
  /** Where that list is written, for the fix: `platform.greeter.crds of services/_catalog.yaml`. */
  readonly listedIn?: string;
}

const POLL_MS = 1000;
/** The cluster may be unreachable this long (an API server restart) before the gate gives up. */
const UNREACHABLE_MS = 30_000;

/** A new wait: other objects, or a new revision of one. */
export function conditionsChanged(
  olds: ConditionsReadyInputs,
  news: ConditionsReadyInputs,
): boolean {
  const key = (i: ConditionsReadyInputs) =>
    JSON.stringify([
      (i.objects ?? []).map((o) => [o.kind, o.namespace, o.name, o.parent, o.revision]),
      i.listedCrds ?? [],
    ]);
  return key(olds) !== key(news);
}

/** The message of a listed CRD that was not installed, or undefined. */
export function listedButNotInstalled(inputs: ConditionsReadyInputs): string | undefined {
  if (!inputs.listedCrds) return undefined;
  const rendered = inputs.objects
    .filter((o) => o.kind === "CustomResourceDefinition")
    .map((o) => o.name);
  const missing = unlistedCrds(inputs.listedCrds, rendered);
  if (missing.length === 0) return undefined;
  return (
    `${inputs.subject}: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} listed in ${inputs.listedIn ?? "its crds"} but not among the CRDs it installed (${rendered.join(", ") || "none"})\n` +
    "fix: list exactly the CRDs it installs: branch stacks check those in their cluster"
  );
}

/** Waits until every object is ready (see {@link conditionsGateStep}); throws its failure in words. */
export async function awaitConditions(inputs: ConditionsReadyInputs): Promise<void> {
  const wrong = listedButNotInstalled(inputs);
  if (wrong) throw new Error(wrong);
  // An ES module: loaded here, in the provider's own process, never by the program or by Jest.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const client = require("@kubernetes/client-node") as typeof K;
  const config = new client.KubeConfig();
  if (inputs.kubeconfig) config.loadFromString(inputs.kubeconfig);
  else config.loadFromDefault();
  if (inputs.context) config.setCurrentContext(inputs.context);
  const api = config.makeApiClient(client.CustomObjectsApi);
  const read = async (o: WatchedObject): Promise<unknown> => {
    try {
      return o.namespace
        ? await api.getNamespacedCustomObject({ ...o, namespace: o.namespace })
        : await api.getClusterCustomObject(o);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };
  const started = Date.now();
  let unreachableSince: number | undefined;
  for (;;) {
    let looks;
    try {
      looks = await Promise.all(
        inputs.objects.map(async (object) => ({
          object,
          verdict: verdictOf(object, await read(object)),
        })),
      );
      unreachableSince = undefined;
    } catch (err) {
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > UNREACHABLE_MS)
        throw new Error(
          `${inputs.subject}: cannot read ${inputs.objects.map(describeObject).join(", ")} from the cluster: ${(err as Error).message}`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
      continue;
    }
    const step = conditionsGateStep({
      subject: inputs.subject,
      looks,
      elapsedMs: Date.now() - started,
      timeoutSeconds: inputs.timeoutSeconds,
    });
    if (step.outcome === "ready") return;
    if (step.outcome === "fail") throw new Error(step.message);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** This file, the project's ts-node and the program's tsconfig (see {@link conditionsRuntime}). */
const GATE_MODULE = __filename;
const TS_NODE = require.resolve("ts-node");
const TSCONFIG = path.resolve(__dirname, "../tsconfig.pulumi.json");

/**
 * The gate's code, loaded in the dynamic provider's own process from this file (as the workload
 * gate's is: providers/workloadReady.ts, `gateRuntime`), not serialized into every gate's state.
 */
export function conditionsRuntime(): { readonly awaitConditions: typeof awaitConditions } {
  if (!require.extensions[".ts"]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(TS_NODE).register({ transpileOnly: true, project: TSCONFIG });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(GATE_MODULE);
}

/**
 * A conditions gate: created (or updated) after its objects were applied, it returns once each
 * reports ready through its conditions — a CRD `Established`, a route accepted by its Gateway —
 * and fails as soon as one cannot become ready by itself, or after the timeout, in words. Objects
 * of a CRD's kind, and what depends on a route, wait for it. Deleting it deletes nothing.
 */
export const conditionsReadyProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ConditionsReadyInputs) {
    await conditionsRuntime().awaitConditions(inputs);
    return { id: `conditions/${inputs.subject}`, outs: inputs };
  },
  async diff(_id: string, olds: ConditionsReadyInputs, news: ConditionsReadyInputs) {
    return { changes: conditionsChanged(olds, news), replaces: [], deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: ConditionsReadyInputs, news: ConditionsReadyInputs) {
    await conditionsRuntime().awaitConditions(news);
    return { outs: news };
  },
};

export interface ConditionsReadyArgs {
  readonly access: ClusterAccess;
  readonly timeoutSeconds: number;
  readonly subject: string;
  readonly objects: pulumi.Input<pulumi.Input<WatchedObject & { readonly revision?: string }>[]>;
  /** CRDs a catalog list promises, checked against the CRDs among `objects`. @default none */
  readonly listedCrds?: readonly string[];
  /** Where that list is written. @default "its crds" */
  readonly listedIn?: string;
}

/** The gate's Pulumi type: in-cluster transforms recognize it by this (kube/lifetime.ts). */
export const CONDITIONS_READY_TYPE = dynamicType("ConditionsReady");

/** The gate as a Pulumi resource (see {@link conditionsReadyProvider}). */
export class ConditionsReady extends pulumi.dynamic.Resource {
  constructor(name: string, args: ConditionsReadyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      conditionsReadyProvider,
      name,
      {
        kubeconfig: args.access.kubeconfig,
        context: args.access.context,
        subject: args.subject,
        objects: args.objects,
        timeoutSeconds: args.timeoutSeconds,
        listedCrds: args.listedCrds,
        listedIn: args.listedIn,
      },
      // The kubeconfig holds credentials: encrypted in state, never printed.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
      ...dynamicTypeArgs("ConditionsReady"),
    );
  }
}
