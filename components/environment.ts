import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "../kube/connection";
import { PublishedImages } from "../kube/images";
import type { GatewayRef, IngressApi } from "../kube/ingress";
import { ReadinessSettings } from "../providers/workloadReady";
import { RegistryLogin } from "./serviceImage";

/** How services are exposed: `<host>.<domain>` through an Ingress of `className`, or a Gateway. */
export interface IngressPolicy {
  /** An Ingress per service, or an HTTPRoute attached to `gateway`. @default "ingress" */
  readonly api?: IngressApi;
  /** The Gateway routes attach to; set when `api` is gateway. */
  readonly gateway?: GatewayRef;
  /** Domain appended to each service's host prefix, e.g. `localhost`, `feat-x.sandbox.acme.dev`. */
  readonly domain: string;
  /** `ingressClassName` of every Ingress. */
  readonly className: string;
  /** Annotations on every Ingress (e.g. `cert-manager.io/cluster-issuer`). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Serve TLS from a per-service Secret `<service>-tls` (filled by cert-manager). */
  readonly tls: boolean;
  /** Wait for the controller to publish an address (false when there is no controller). */
  readonly await: boolean;
  /** What Ingress objects must wait for (the controller, its admission webhook). */
  readonly ready: readonly pulumi.Resource[];
}

/** Where images come from: published ones by tag, local builds pushed to `push.registry`. */
export interface ImagePolicy extends PublishedImages {
  /** Registry that local builds are pushed to and pulled from, e.g. `localhost:5001`. */
  readonly pushRegistry: string;
  /** Tag of local builds (they are deployed by digest). */
  readonly pushTag: string;
  /** Login for pushes. @default anonymous */
  readonly login?: RegistryLogin;
  /** The buildx builder images are built with. @default docker-build's choice */
  readonly builder?: string;
  /** What must exist before a push (e.g. the local registry container). */
  readonly pushDependsOn: readonly pulumi.Resource[];
  /**
   * The resource whose deletion removes every pushed image (the local registry's container, with
   * its volume): images are deleted with it, without a delete of their own (docker-build's takes
   * ~3 s and held back the cluster's). @default none: a remote registry keeps its images
   */
  readonly deletedWith?: pulumi.Resource;
  /**
   * The resource holding the registry's data (the local registry's volume): images are built and
   * pushed again when it is replaced (a new, empty volume). @default none: a remote registry
   */
  readonly storedIn?: pulumi.Resource;
}

/**
 * Everything components need to know about where they run, the same shape for the local stack
 * and branch sandboxes, so that no component asks which stack it is in.
 */
export interface Environment {
  /** Stack name, e.g. `local` or `branch-feat-x`. */
  readonly stack: string;
  /** Namespace all workloads go to. */
  readonly namespace: pulumi.Input<string>;
  /**
   * The provider's default namespace, where it puts the namespaced objects of a team's YAML files
   * that name none (the workloads' namespace, by name). @default the kubeconfig's
   */
  readonly providerNamespace?: string;
  /** Provider of the target cluster. */
  readonly provider: k8s.Provider;
  /**
   * How workloads are awaited: the cluster access the provider was built from (its kubeconfig
   * stays a secret) and `localkube:readyTimeout`.
   */
  readonly readiness: ReadinessSettings;
  readonly ingress: IngressPolicy;
  readonly images: ImagePolicy;
  /** Labels on every workload (e.g. branch, owner). */
  readonly labels: Readonly<Record<string, string>>;
  /** Secrets used to pull images. */
  readonly imagePullSecrets: readonly pulumi.Input<string>[];
  /**
   * ServiceAccount every workload runs as (a branch sandbox's own, which has no RoleBindings).
   * @default the namespace's `default`; either way no token is mounted unless a service asks
   */
  readonly serviceAccountName?: string;
  /** Resources every in-cluster object must wait for (namespace, ingress controller, registry wiring). */
  readonly ready: readonly pulumi.Resource[];
  /**
   * Appliances that already run elsewhere (e.g. shared by all branch sandboxes): services get these
   * connections and the appliance is not deployed. @default none: every needed appliance is deployed
   */
  readonly sharedAppliances?: ReadonlyMap<string, Connection>;
  /**
   * Whether the stack installs the platform add-ons its plan needs (`install`: the laptop's own
   * cluster) or finds them there (`present`: a shared cluster's owners install them; the stack
   * checked their CRDs before creating anything). @default "present"
   */
  readonly platformAddons?: "install" | "present";
  /**
   * The resource whose deletion removes everything the stack made in the cluster (the local kind
   * cluster, a branch's namespace): in-cluster objects are `deletedWith` it, so destroy is one
   * `kind delete cluster` or one namespace delete.
   */
  readonly deletedWith?: pulumi.Resource;
}
