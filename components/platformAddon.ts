import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BUILT_IN_NAMESPACES } from "../catalog/parsePlatform";
import { AddonSpec } from "../catalog/types";
import { Connection } from "../kube/connection";
import {
  chartReleaseArgs,
  movedNamespace,
  renderedCrds,
  renderedWorkloads,
} from "../kube/manifests";
import { ConditionsReady } from "../providers/conditionsReady";
import { WorkloadsReady } from "../providers/manifestsReady";
import { ReadinessSettings } from "../providers/workloadReady";
import { appliedObjects } from "./manifestService";

/** Pulumi types of CustomResourceDefinitions (what `keepCrds` retains). */
const CRD_TYPES = [
  "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
  "kubernetes:apiextensions.k8s.io/v1beta1:CustomResourceDefinition",
];

/**
 * A transform that leaves the CustomResourceDefinitions among an add-on's objects in the cluster
 * when they are deleted (`retainOnDelete`): uninstalling the add-on, or removing it from the
 * catalog, then keeps its CRDs and every object of their kinds. Pulumi forgets them; a later
 * install applies them again over what is there (server-side apply).
 */
export function retainCrds(keep: boolean): pulumi.ResourceTransform {
  return ({ type, props, opts }) =>
    CRD_TYPES.includes(type)
      ? { props, opts: pulumi.mergeOptions(opts, { retainOnDelete: keep }) }
      : undefined;
}

export interface PlatformAddonArgs {
  /** The validated add-on of `platform:`. */
  readonly addon: AddonSpec;
  /** How its CRDs and workloads are awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** Labels of its namespace. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The provider's default namespace, where it puts namespaced objects of YAML files that name
   * none (the stack's); an add-on's go to its own instead. @default none moved
   */
  readonly providerNamespace?: string;
}

/**
 * A cluster-wide tool of the catalog's `platform:` list, installed unchanged from its chart (the
 * Kubernetes provider's `helm.v4.Chart`, release name = the add-on's name) or YAML files, in a
 * namespace of its own (created here unless it is one every cluster has). The provider applies its
 * CRDs before the objects of their kinds; a conditions gate then waits for each CRD to be
 * `Established` (and checks `crds:` against what was installed), and a workloads gate for its
 * Deployments, StatefulSets and Jobs, with the same diagnosis as any service. What depends on the
 * add-on waits for both. With `keepCrds` (the default) its CRDs stay when it is uninstalled.
 */
export class PlatformAddon extends pulumi.ComponentResource {
  readonly namespace?: k8s.core.v1.Namespace;
  readonly chart?: k8s.helm.v4.Chart;
  readonly configGroup?: k8s.yaml.v2.ConfigGroup;
  /** Completes when every CRD it installed is Established. */
  readonly crds: ConditionsReady;
  /** Completes when every workload it installed is ready. */
  readonly ready: WorkloadsReady;
  /** What dependents wait for (it offers no connection values). */
  readonly connection: Connection;

  constructor(name: string, args: PlatformAddonArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:PlatformAddon", name, {}, opts);
    const addon = args.addon;
    const source = addon.source;
    if (!BUILT_IN_NAMESPACES.includes(addon.namespace)) {
      this.namespace = new k8s.core.v1.Namespace(
        `${name}-namespace`,
        { metadata: { name: addon.namespace, labels: { ...(args.labels ?? {}) } } },
        { parent: this },
      );
    }
    const namespace = this.namespace?.metadata.name ?? pulumi.output(addon.namespace);
    const childOpts: pulumi.ComponentResourceOptions = {
      parent: this,
      dependsOn: this.namespace ? [this.namespace] : [],
      transforms: [retainCrds(addon.keepCrds)],
    };

    let resources: pulumi.Output<unknown[]>;
    if (source.kind === "chart") {
      this.chart = new k8s.helm.v4.Chart(
        `${name}-chart`,
        chartReleaseArgs(addon.name, namespace, source),
        childOpts,
      );
      resources = this.chart.resources;
    } else {
      // The provider puts namespaced objects that name no namespace in its default namespace,
      // the stack's, before any transform runs: those move to the add-on's. (Their Pulumi names,
      // which the provider makes first, keep the stack's namespace.)
      const from = args.providerNamespace;
      this.configGroup = new k8s.yaml.v2.ConfigGroup(
        `${name}-manifests`,
        { files: [...source.files], skipAwait: true },
        {
          ...childOpts,
          transforms: [
            ({ type, props, opts: o }) =>
              type.startsWith("kubernetes:") && from !== undefined
                ? { props: movedNamespace(props, from, addon.namespace), opts: o }
                : undefined,
            ...childOpts.transforms!,
          ],
        },
      );
      resources = this.configGroup.resources;
    }
    const installed = this.chart ?? this.configGroup!;
    const objects = appliedObjects(resources);

    this.crds = new ConditionsReady(
      `${name}-crds`,
      {
        ...args.readiness,
        subject: `add-on ${addon.name}`,
        objects: objects.apply(renderedCrds),
        listedCrds: addon.crds,
        listedIn: `\`platform.${addon.name}.crds\` of ${addon.file}`,
      },
      { parent: this, dependsOn: [installed] },
    );
    this.ready = new WorkloadsReady(
      `${name}-ready`,
      {
        ...args.readiness,
        workloads: objects.apply((o) => renderedWorkloads(o, addon.namespace)),
        service: `add-on ${addon.name}`,
        definedIn: addon.file,
      },
      { parent: this, dependsOn: [installed] },
    );
    this.connection = {
      name: addon.name,
      kind: "service",
      env: {},
      ready: [this.crds, this.ready],
    };
    this.registerOutputs({ crds: this.crds, ready: this.ready });
  }
}
