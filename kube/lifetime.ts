import * as pulumi from "@pulumi/pulumi";

/** The module of our dynamic resources' types. */
const MODULE = "localkube";

/** The last two arguments of `new pulumi.dynamic.Resource(…)` for one of our types. */
export const dynamicTypeArgs = (type: string): [string, string] => [MODULE, type];

/** The Pulumi type the SDK gives such a resource (`pulumi-nodejs:dynamic/localkube:<type>`). */
export const dynamicType = (type: string) => `pulumi-nodejs:dynamic/${MODULE}:${type}`;

/**
 * Options of an object that lives inside `holder` (the local kind cluster, a branch's namespace):
 * deleted with it, without a delete of its own, and replaced with it — a new cluster (another
 * Kubernetes version) is empty, so everything in it is created again rather than left as "same".
 */
export function livesIn(holder: pulumi.Resource): pulumi.CustomResourceOptions {
  return { deletedWith: holder, replaceWith: [holder] };
}

/** What an in-cluster object waits for and lives in (see {@link inClusterTransform}). */
export interface InCluster {
  /** Resources every in-cluster object must wait for (namespace, ingress controller, registry wiring). */
  readonly ready: readonly pulumi.Resource[];
  /** The cluster or namespace that everything in it is deleted and replaced with. @default none */
  readonly deletedWith?: pulumi.Resource;
}

/**
 * Transform for every Kubernetes object created under a component, and for its readiness gates
 * (`gateTypes`: the gates' own Pulumi types, which live as long as the workloads they wait for):
 * waits for the environment to be ready and, when the environment has one, {@link livesIn} the
 * cluster (a gate deletes nothing; without this, destroy sent one delete per gate to the dynamic
 * provider before the cluster's own).
 */
export function inClusterTransform(
  env: InCluster,
  gateTypes: readonly string[],
): pulumi.ResourceTransform {
  return ({ type, custom, props, opts }) => {
    if (!custom || !(type.startsWith("kubernetes:") || gateTypes.includes(type))) return undefined;
    return {
      props,
      opts: pulumi.mergeOptions(opts, {
        dependsOn: [...env.ready],
        ...(env.deletedWith ? livesIn(env.deletedWith) : {}),
      }),
    };
  };
}
