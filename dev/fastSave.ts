/**
 * The fast save path: a save that calls for new images of some services (the catalog, stack files
 * and program unchanged) is carried out without the Pulumi engine — the image is built by the
 * stack's own builder from the stack's own build inputs and pushed, then every workload Pulumi
 * deployed with the service's image is set to the new digest through the Kubernetes API, applied
 * by server-side apply as the very field manager the Kubernetes provider uses on that object, with
 * exactly the fields that manager owns (so the next `pulumi up` applies without a conflict, and
 * since the images are reproducible it computes the same digest and restarts nothing). Jobs that
 * run the image (`image.from`) run again before the service's new pods, as `pulumi up` orders them.
 *
 * This module holds the pure decisions: which workloads run a service's image, whether the fast
 * path can carry a save (or why the engine must), and the objects to apply.
 */
import type * as K from "@kubernetes/client-node";
import type { ImageBuild } from "../kube/images";
import { ownedFields, pulumiManager } from "../kube/ownedFields";

/** The workloads of a namespace the fast path may change. */
export interface Workloads {
  readonly deployments: readonly K.V1Deployment[];
  readonly statefulSets: readonly K.V1StatefulSet[];
  readonly jobs: readonly K.V1Job[];
  readonly cronJobs: readonly K.V1CronJob[];
}

export type WorkloadKind = "Deployment" | "StatefulSet" | "Job" | "CronJob";

/** One workload to set to a new image: what Pulumi's manager applied, ready to apply again. */
export interface WorkloadChange {
  readonly kind: WorkloadKind;
  readonly name: string;
  /** The Kubernetes provider's field manager of this object. */
  readonly manager: string;
  /** The fields that manager owns, with the image of the service's containers replaced. */
  readonly applied: K.KubernetesObject;
}

/** What one service's fast save does, in order: Jobs run first, then CronJobs, then rollouts. */
export interface FastSave {
  readonly service: string;
  readonly build: ImageBuild;
  /** The BuildKit daemon that builds it (the stack's builder). */
  readonly endpoint: string;
  /** Every workload that runs the service's image now (names, for messages). */
  readonly users: readonly { readonly kind: WorkloadKind; readonly name: string }[];
}

/** A service's save: the fast path, or the engine with the reason in words. */
export type SaveRoute =
  | { readonly path: "fast"; readonly save: FastSave }
  | { readonly path: "engine"; readonly service: string; readonly reason: string };

type PodTemplated = { metadata?: K.V1ObjectMeta; spec?: { template?: K.V1PodTemplateSpec } };

/** The pod template of a workload (a CronJob's is one level deeper). */
function templateOf(kind: WorkloadKind, o: K.KubernetesObject): K.V1PodTemplateSpec | undefined {
  if (kind === "CronJob") return (o as K.V1CronJob).spec?.jobTemplate?.spec?.template;
  return (o as PodTemplated).spec?.template;
}

/** Whether an image reference is the repository's, pinned by digest: `localhost:5001/bank@sha256:…`. */
export const isBuiltImage = (image: string | undefined, repository: string) =>
  image !== undefined && image.startsWith(`${repository}@sha256:`);

function eachWorkload(w: Workloads): [WorkloadKind, K.KubernetesObject][] {
  return [
    ...w.jobs.map((o) => ["Job", o] as [WorkloadKind, K.KubernetesObject]),
    ...w.cronJobs.map((o) => ["CronJob", o] as [WorkloadKind, K.KubernetesObject]),
    ...w.deployments.map((o) => ["Deployment", o] as [WorkloadKind, K.KubernetesObject]),
    ...w.statefulSets.map((o) => ["StatefulSet", o] as [WorkloadKind, K.KubernetesObject]),
  ];
}

/** Workloads with a container (or init container) running the repository's built image; Jobs first. */
export function imageUsers(
  repository: string,
  w: Workloads,
): { kind: WorkloadKind; object: K.KubernetesObject }[] {
  return eachWorkload(w)
    .filter(([kind, o]) => {
      const spec = templateOf(kind, o)?.spec;
      return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].some((c) =>
        isBuiltImage(c.image, repository),
      );
    })
    .filter(([, o]) => !o.metadata?.deletionTimestamp)
    .map(([kind, object]) => ({ kind, object }));
}

/**
 * The object to apply to set a workload to `image`: the fields Pulumi's field manager owns (as
 * it applied them), every container and init container that ran the repository's image now
 * running `image`. Undefined when Pulumi's manager does not own the object (it was created or
 * replaced outside Pulumi), or does not own those images (someone else set them).
 */
export function imageChange(
  kind: WorkloadKind,
  object: K.KubernetesObject,
  repository: string,
  image: string,
): WorkloadChange | undefined {
  const owner = pulumiManager(object.metadata?.managedFields);
  if (!owner) return undefined;
  const applied = ownedFields({ ...object, kind, apiVersion: apiVersionOf(kind) }, owner.fields);
  const spec = templateOf(kind, applied)?.spec;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const ours = containers.filter((c) => isBuiltImage(c.image, repository));
  if (ours.length === 0) return undefined;
  for (const c of ours) c.image = image;
  return { kind, name: object.metadata?.name ?? "", manager: owner.manager, applied };
}

export function apiVersionOf(kind: WorkloadKind): string {
  return kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1";
}

/** What the loop knows when it routes a save. */
export interface RouteInputs {
  /** How the stack builds each service built from source (its `builds` output). */
  readonly builds: Readonly<Record<string, ImageBuild>>;
  /** The namespace's workloads, from the loop's watch. */
  readonly workloads: Workloads;
  /** The builder endpoint a build's image is built with, or why none can be driven directly. */
  builder(build: ImageBuild): { readonly endpoint: string } | { readonly missing: string };
}

/**
 * Whether each service's save can take the fast path, or why the engine must carry it. Pure.
 * The engine is needed when the stack did not build the service from source in its last
 * converge, nothing runs its image yet, the push needs the stack's registry login, a workload
 * running the image was not applied by Pulumi, or no builder can be driven directly.
 */
export function routeSaves(services: readonly string[], inputs: RouteInputs): SaveRoute[] {
  return services.map((service): SaveRoute => {
    const engine = (reason: string): SaveRoute => ({ path: "engine", service, reason });
    const build = inputs.builds[service];
    if (!build) return engine(`the stack's last converge did not build ${service} from source`);
    const builder = inputs.builder(build);
    if ("missing" in builder) return engine(builder.missing);
    if (build.login)
      return engine(`pushing to ${build.repository} needs the stack's registry login`);
    const users = imageUsers(build.repository, inputs.workloads);
    if (users.length === 0) return engine(`nothing runs ${service}'s image yet`);
    for (const u of users) {
      if (!imageChange(u.kind, u.object, build.repository, `${build.repository}@sha256:0`))
        return engine(
          `${u.kind} ${u.object.metadata?.name} was not applied by Pulumi (changed outside localkube?)`,
        );
    }
    return {
      path: "fast",
      save: {
        service,
        build,
        endpoint: builder.endpoint,
        users: users.map((u) => ({ kind: u.kind, name: u.object.metadata?.name ?? "" })),
      },
    };
  });
}
