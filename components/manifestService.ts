import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec } from "../catalog/types";
import { Connection } from "../kube/connection";
import { chartReleaseArgs, renderedWorkloads, replaceImages } from "../kube/manifests";
import { ReadinessSettings } from "../providers/workloadReady";
import { WorkloadsReady } from "../providers/manifestsReady";
import type { ImageOrigin } from "../status/diagnose";
import { ServiceIngressSettings, servicePortNumber, serviceUrl } from "../kube/ingress";
import { serviceRoute } from "./serviceRoute";

/**
 * A transform for the objects of a chart or YAML files: every container image of `repository`
 * becomes `image` (a local build by digest), in the Kubernetes objects only.
 */
export function imageTransform(
  repository: string,
  image: pulumi.Input<string>,
): pulumi.ResourceTransform {
  return ({ type, props, opts }) =>
    type.startsWith("kubernetes:")
      ? { props: replaceImages(props, repository, image), opts }
      : undefined;
}

/** Kind and metadata of each object a chart or YAML files applied, once applied (uid, generation). */
export function appliedObjects(
  resources: pulumi.Output<unknown[]>,
): pulumi.Output<{ kind?: string; metadata?: Record<string, unknown> }[]> {
  return resources.apply((rs) =>
    pulumi.all(
      ((rs ?? []) as k8s.apps.v1.Deployment[]).map((r) =>
        pulumi
          .all([r.kind, r.metadata])
          .apply(([kind, metadata]) => ({ kind, metadata: metadata as Record<string, unknown> })),
      ),
    ),
  );
}

/** The ports of the Service named `name` among a chart's or YAML files' objects (none: not there). */
export function renderedServicePorts(
  resources: pulumi.Output<unknown[]>,
  name: string,
): pulumi.Output<{ name?: string; port?: number }[]> {
  return resources.apply((rs) =>
    pulumi
      .all(
        ((rs ?? []) as k8s.core.v1.Service[]).map((r) =>
          pulumi
            .all([r.kind, r.metadata, r.spec])
            .apply(([kind, metadata, spec]) =>
              kind === "Service" && metadata?.name === name ? (spec?.ports ?? []) : undefined,
            ),
        ),
      )
      .apply((found) => found.find((p) => p !== undefined) ?? []),
  );
}

export interface ManifestServiceArgs {
  /** The validated catalog entry, with `chart` or `manifests`. */
  readonly spec: ServiceSpec;
  /** Namespace the objects go to (those that name none; a chart's release namespace). */
  readonly namespace: pulumi.Input<string>;
  /** Connection info of the entry's direct dependencies: applied after they are ready. @default none */
  readonly dependencies?: readonly Connection[];
  /**
   * The image that replaces every container image of `spec.image.repository` in the rendered
   * objects (a local build, by digest, or `localkube:images.overrides`). @default the manifests' own
   */
  readonly image?: pulumi.Input<string>;
  /** Which config chose that image, named when it cannot be pulled. @default not named */
  readonly imageOrigin?: ImageOrigin;
  /** How its workloads are awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** Ingress settings; required when the spec has an `ingress` section. @default no Ingress */
  readonly ingress?: ServiceIngressSettings;
  /** Labels of the Ingress. @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A catalog entry deployed from the team's own manifests, unchanged: a Helm chart (the Kubernetes
 * provider's `helm.v4.Chart`) or YAML files (`yaml.v2.ConfigGroup`), applied after the entry's
 * dependencies are ready. A `transforms` entry replaces the image of `image.repository` in every
 * object (containers, init containers) when the entry runs a local build; objects that name no
 * namespace go to the environment's. The objects are applied without the provider's await and one
 * gate waits for all their Deployments, StatefulSets and Jobs, with the diagnosis of any other
 * workload. An `ingress` section routes `<host>.<domain>` to a Service of the manifests.
 */
export class ManifestService extends pulumi.ComponentResource {
  readonly chart?: k8s.helm.v4.Chart;
  readonly configGroup?: k8s.yaml.v2.ConfigGroup;
  /** Completes when every workload of the manifests is ready. */
  readonly ready: WorkloadsReady;
  /** Its Ingress, or its HTTPRoute (`ingress.api: gateway`). */
  readonly ingress?: k8s.networking.v1.Ingress | k8s.apiextensions.CustomResource;
  /** What dependents of this entry wait for (it offers no connection values). */
  readonly connection: Connection;
  /** Public URL through the ingress, when exposed. */
  readonly url?: string;

  constructor(name: string, args: ManifestServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:ManifestService", name, {}, opts);
    const spec = args.spec;
    const source = spec.manifests;
    if (!source) throw new Error(`${spec.file}: ${spec.name} has no chart or manifests`);
    if (spec.ingress && !args.ingress)
      throw new Error(
        `${spec.file}: service ${spec.name} has an ingress section but the environment gave no ingress settings`,
      );
    const repository = spec.image.repository;
    const transforms =
      args.image !== undefined && repository !== undefined
        ? [imageTransform(repository, args.image)]
        : [];
    const childOpts: pulumi.ComponentResourceOptions = {
      parent: this,
      dependsOn: (args.dependencies ?? []).flatMap((d) => d.ready),
      transforms,
    };

    let resources: pulumi.Output<unknown[]>;
    if (source.kind === "chart") {
      this.chart = new k8s.helm.v4.Chart(
        `${name}-chart`,
        chartReleaseArgs(spec.name, args.namespace, source),
        childOpts,
      );
      resources = this.chart.resources;
    } else {
      // Namespaced objects that name no namespace go to the provider's default namespace, which
      // the environment sets to its own (the provider knows each kind's scope, CRDs' included).
      this.configGroup = new k8s.yaml.v2.ConfigGroup(
        `${name}-manifests`,
        { files: [...source.files], skipAwait: true },
        childOpts,
      );
      resources = this.configGroup.resources;
    }

    // The workloads as applied (kind, name, uid, generation): a new spec is a new rollout to wait for.
    const workloads = pulumi
      .all([appliedObjects(resources), args.namespace])
      .apply(([objects, namespace]) => renderedWorkloads(objects, namespace));
    this.ready = new WorkloadsReady(
      `${name}-ready`,
      {
        ...args.readiness,
        workloads,
        service: spec.name,
        definedIn: spec.file,
        imageOrigins: args.imageOrigin ? { [spec.name]: args.imageOrigin } : undefined,
      },
      { parent: this, dependsOn: [this.chart ?? this.configGroup!] },
    );

    if (spec.ingress && args.ingress) {
      const ingress = spec.ingress;
      const service = ingress.service ?? spec.name;
      // A route's backend needs the port's number: a name is looked up in the rendered Service
      // (an Ingress takes the name as it is).
      const byName = (portName: string) =>
        renderedServicePorts(resources, service).apply((ports) => {
          const found = servicePortNumber(service, ports, portName);
          if (typeof found === "number") return found;
          throw new pulumi.ResourceError(`${spec.file}: \`ingress.port\`: ${found.problem}`, this);
        });
      const port =
        typeof ingress.port === "number"
          ? ingress.port
          : args.ingress.api === "gateway"
            ? byName(ingress.port)
            : 0;
      this.ingress = serviceRoute(
        name,
        { name: spec.name, ingress },
        args.ingress,
        {
          namespace: args.namespace,
          labels: args.labels ?? {},
          readiness: args.readiness,
          port,
        },
        { parent: this, dependsOn: [this.ready, ...(args.ingress.dependsOn ?? [])] },
      ).resource;
      this.url = serviceUrl(args.ingress, ingress.path);
    }

    this.connection = { name: spec.name, kind: "service", env: {}, ready: [this.ready] };
    this.registerOutputs({ ready: this.ready, ingress: this.ingress, url: this.url });
  }
}
