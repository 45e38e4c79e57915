import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderedCrds } from "../kube/manifests";
import { ConditionsReady } from "../providers/conditionsReady";
import { ReadinessSettings } from "../providers/workloadReady";
import { appliedObjects } from "./manifestService";
import { retainCrds } from "./platformAddon";

export interface GatewayApiArgs {
  /** The standard channel's CRD manifests: files or URLs (host/gatewayApi.ts chooses them). */
  readonly crdFiles: readonly string[];
  /** How the CRDs are awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
}

/**
 * The Gateway API in the local cluster: its CRDs (GatewayClass, Gateway, HTTPRoute, GRPCRoute,
 * ReferenceGrant, BackendTLSPolicy), applied from the upstream release's manifests, and a gate
 * that completes once each is Established — what the ingress controller's Gateway provider and
 * every route wait for. The CRDs stay in the cluster when the stack goes back to
 * `ingress.api: ingress` (routes someone made by hand survive); `pulumi destroy` removes them with
 * the cluster.
 */
export class GatewayApi extends pulumi.ComponentResource {
  readonly crds: k8s.yaml.v2.ConfigGroup;
  /** Completes when every Gateway API CRD is Established. */
  readonly ready: ConditionsReady;

  constructor(name: string, args: GatewayApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:GatewayApi", name, {}, opts);
    this.crds = new k8s.yaml.v2.ConfigGroup(
      `${name}-crds`,
      { files: [...args.crdFiles], skipAwait: true },
      { parent: this, transforms: [retainCrds(true)] },
    );
    this.ready = new ConditionsReady(
      `${name}-crds-ready`,
      {
        ...args.readiness,
        subject: "Gateway API",
        objects: appliedObjects(this.crds.resources).apply(renderedCrds),
      },
      { parent: this, dependsOn: [this.crds] },
    );
    this.registerOutputs({ ready: this.ready });
  }
}
