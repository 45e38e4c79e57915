import * as pulumi from "@pulumi/pulumi";
import type { ImageOrigin } from "../status/diagnose";
import { dynamicType, dynamicTypeArgs } from "../kube/lifetime";
import { CONDITIONS_READY_TYPE } from "./conditionsReady";
import {
  ClusterAccess,
  GatedKind,
  gateRuntime,
  ReadinessSettings,
  WORKLOAD_READY_TYPE,
} from "./workloadReady";

/** One workload to wait for, as applied. */
export interface RenderedWorkload {
  readonly kind: GatedKind;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
}

/** Inputs (and outputs) of a gate over the workloads of a chart or YAML files. */
export interface WorkloadsReadyInputs {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The workloads, with the uid and generation each had when applied. */
  readonly workloads: readonly RenderedWorkload[];
  /** Name shown in messages (the catalog entry). */
  readonly service: string;
  readonly timeoutSeconds: number;
  /** Where the entry is defined (`services/partner.yaml`), named in fixes. */
  readonly definedIn?: string;
  /** How a replaced image was chosen, by container name. */
  readonly imageOrigins?: Readonly<Record<string, ImageOrigin>>;
}

const key = (w: RenderedWorkload) => `${w.kind}/${w.namespace}/${w.name}/${w.uid}/${w.generation}`;

/** A new rollout to wait for: a workload added, removed, replaced or given a new spec. */
export function workloadsChanged(olds: WorkloadsReadyInputs, news: WorkloadsReadyInputs): boolean {
  const a = (olds.workloads ?? []).map(key).sort();
  const b = (news.workloads ?? []).map(key).sort();
  return a.length !== b.length || a.some((k, i) => k !== b[i]);
}

async function awaitAll(inputs: WorkloadsReadyInputs): Promise<void> {
  // One at a time, each with the gate of a single workload: the same diagnosis and timeout.
  const { awaitReady } = gateRuntime();
  for (const w of inputs.workloads) {
    await awaitReady({
      kubeconfig: inputs.kubeconfig,
      context: inputs.context,
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      uid: w.uid,
      generation: w.generation,
      service: `${inputs.service} (${w.kind} ${w.name})`,
      timeoutSeconds: inputs.timeoutSeconds,
      definedIn: inputs.definedIn,
      imageOrigins: inputs.imageOrigins,
    });
  }
}

/**
 * The readiness gate of an entry deployed from its own chart or YAML files: it waits for each of
 * their Deployments and StatefulSets to roll out and each Job to succeed, exactly as the gate of a
 * single workload does, and re-waits when one of them was added, replaced or given a new spec.
 */
export const workloadsReadyProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: WorkloadsReadyInputs) {
    await awaitAll(inputs);
    return { id: `manifests/${inputs.service}`, outs: inputs };
  },
  async diff(_id: string, olds: WorkloadsReadyInputs, news: WorkloadsReadyInputs) {
    return { changes: workloadsChanged(olds, news), replaces: [], deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: WorkloadsReadyInputs, news: WorkloadsReadyInputs) {
    await awaitAll(news);
    return { outs: news };
  },
};

export interface WorkloadsReadyArgs extends ReadinessSettings {
  /** The rendered workloads (applied with `pulumi.com/skipAwait`). */
  readonly workloads: pulumi.Input<RenderedWorkload[]>;
  /** Name shown in messages. */
  readonly service: string;
  /** Where the entry is defined, named in fixes. @default "the workload's spec" */
  readonly definedIn?: string;
  /** How a replaced image was chosen, by container name. @default none */
  readonly imageOrigins?: Readonly<Record<string, ImageOrigin>>;
}

/** The gate's Pulumi type. */
export const WORKLOADS_READY_TYPE = dynamicType("WorkloadsReady");

/** Every readiness gate's type: they live (and are deleted and replaced) with what they wait for. */
export const GATE_TYPES: readonly string[] = [
  WORKLOAD_READY_TYPE,
  WORKLOADS_READY_TYPE,
  CONDITIONS_READY_TYPE,
];

/** The gate as a Pulumi resource (see {@link workloadsReadyProvider}). */
export class WorkloadsReady extends pulumi.dynamic.Resource {
  constructor(name: string, args: WorkloadsReadyArgs, opts?: pulumi.CustomResourceOptions) {
    const access: ClusterAccess = args.access;
    super(
      workloadsReadyProvider,
      name,
      {
        kubeconfig: access.kubeconfig,
        context: access.context,
        workloads: args.workloads,
        service: args.service,
        timeoutSeconds: args.timeoutSeconds,
        definedIn: args.definedIn,
        imageOrigins: args.imageOrigins,
      },
      // The kubeconfig holds credentials: encrypted in state, never printed.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
      ...dynamicTypeArgs("WorkloadsReady"),
    );
  }
}
