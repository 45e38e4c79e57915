import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec } from "../catalog/types";
import { Connection } from "../kube/connection";
import { workloadLabels, WORKLOAD_ANNOTATIONS } from "../kube/labels";
import { containerSecurityContext, podIdentity } from "../kube/security";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";
import { containerCommand, needsConfig, serviceEnv, toProbe } from "../kube/podSpec";
import { ServiceConfig } from "./serviceConfig";

/** A Job's own annotations: deleted with background propagation (see the Job below). */
export const JOB_ANNOTATIONS: Readonly<Record<string, string>> = {
  "pulumi.com/deletionPropagationPolicy": "background",
};

export interface BatchServiceArgs {
  /** The validated catalog entry, with `workload: job` or `workload: cronjob`. */
  readonly spec: ServiceSpec;
  /** Image reference to run, by tag or (for local builds) by digest. */
  readonly image: pulumi.Input<string>;
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /** Connection info of the entry's direct dependencies (groups expanded). @default none */
  readonly dependencies?: readonly Connection[];
  /** Labels added to every object (environment, branch). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Secrets used to pull the image. @default none */
  readonly imagePullSecrets?: readonly pulumi.Input<string>[];
  /** ServiceAccount the pods run as. @default the namespace's `default` */
  readonly serviceAccountName?: pulumi.Input<string>;
  /** How a job's completion is awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** Which config chose the image, named when it cannot be pulled. @default not named */
  readonly imageOrigin?: ImageOrigin;
  /** The stack's secrets by name (secret Outputs), for `{ secret: name }` env values. @default none */
  readonly secrets?: ReadonlyMap<string, pulumi.Input<string>>;
}

/**
 * A catalog entry that runs to completion: a Job, or a CronJob that starts one on its schedule.
 *
 * A Job is created after its dependencies are ready and its gate waits until it completed: a
 * dependency on a job means "it succeeded". A failed run fails `pulumi up` with its pod's last log
 * lines. Jobs are immutable, so a new spec or image replaces the Job (same name, the old one
 * deleted first) and it runs again; an unchanged one does not.
 *
 * A CronJob is ready when created: it runs on its schedule (or when a Job is created from it).
 */
export class BatchService extends pulumi.ComponentResource {
  readonly job?: k8s.batch.v1.Job;
  /** Completes when the Job succeeded; fails the update when it failed. */
  readonly ready?: WorkloadReady;
  readonly cronJob?: k8s.batch.v1.CronJob;
  /** What dependents of this entry wait for (it offers no connection values). */
  readonly connection: Connection;

  constructor(name: string, args: BatchServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:BatchService", name, {}, opts);
    const spec = args.spec;
    if (spec.workload !== "job" && spec.workload !== "cronjob")
      throw new Error(
        `${spec.file}: ${spec.name} is not a job or cronjob (workload: ${spec.workload ?? "deployment"})`,
      );
    if (spec.workload === "cronjob" && !spec.cron)
      throw new Error(`${spec.file}: ${spec.name} is a cronjob without a schedule`);
    const dependencies = args.dependencies ?? [];
    const labels = workloadLabels(spec.name, spec.workload, args.labels);
    const metadata = {
      name: spec.name,
      namespace: args.namespace,
      labels,
      annotations: WORKLOAD_ANNOTATIONS,
    };
    const config = needsConfig(spec)
      ? new ServiceConfig(
          `${name}-config`,
          { spec, namespace: args.namespace, labels, secrets: args.secrets },
          { parent: this },
        )
      : undefined;
    const jobSpec: k8s.types.input.batch.v1.JobSpec = {
      // A failed run fails `up` at once with its log; the next `up` runs it again.
      backoffLimit: 0,
      template: {
        metadata: { labels, annotations: config?.podAnnotations },
        spec: {
          restartPolicy: "Never",
          enableServiceLinks: false,
          imagePullSecrets: args.imagePullSecrets?.map((n) => ({ name: n })),
          ...podIdentity(spec.serviceAccount, args.serviceAccountName),
          volumes: config?.volumes,
          containers: [
            {
              name: spec.name,
              image: args.image,
              ...containerCommand(spec),
              env: serviceEnv(spec, dependencies),
              resources: spec.resources && {
                requests: spec.resources.requests && { ...spec.resources.requests },
                limits: spec.resources.limits && { ...spec.resources.limits },
              },
              livenessProbe: spec.probes.liveness && toProbe(spec.probes.liveness),
              startupProbe: spec.probes.startup && toProbe(spec.probes.startup),
              volumeMounts: config?.volumeMounts,
              securityContext: containerSecurityContext(spec.securityContext),
            },
          ],
        },
      },
    };
    const childOpts: pulumi.CustomResourceOptions = {
      parent: this,
      deleteBeforeReplace: true,
      dependsOn: [...dependencies.flatMap((d) => d.ready), ...(config?.ready ?? [])],
    };

    if (spec.workload === "job") {
      this.job = new k8s.batch.v1.Job(
        `${name}-job`,
        {
          // Deleted at once, its pods after it: its replacement (same name) can be created now.
          metadata: {
            ...metadata,
            annotations: { ...metadata.annotations, ...JOB_ANNOTATIONS },
          },
          spec: jobSpec,
        },
        // A Job's template cannot change: a new spec (or image) is a new run.
        { ...childOpts, replaceOnChanges: ["spec"] },
      );
      this.ready = new WorkloadReady(
        `${name}-ready`,
        {
          ...args.readiness,
          kind: "Job",
          workload: this.job,
          service: spec.name,
          definedIn: spec.file,
          imageOrigins: args.imageOrigin ? { [spec.name]: args.imageOrigin } : undefined,
        },
        { parent: this },
      );
    } else {
      const cron = spec.cron!;
      this.cronJob = new k8s.batch.v1.CronJob(
        `${name}-cronjob`,
        {
          metadata,
          spec: {
            schedule: cron.schedule,
            suspend: cron.suspend,
            concurrencyPolicy: cron.concurrencyPolicy,
            jobTemplate: { metadata: { labels }, spec: jobSpec },
          },
        },
        childOpts,
      );
    }

    this.connection = {
      name: spec.name,
      kind: "service",
      env: {},
      ready: [this.ready ?? this.cronJob!],
    };
    this.registerOutputs({ job: this.job, ready: this.ready, cronJob: this.cronJob });
  }
}
