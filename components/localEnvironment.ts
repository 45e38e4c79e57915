import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LocalSettings } from "../config/localSettings";
import { applianceMappings } from "../kube/hostAccess";
import { LOCAL_GATEWAY_NAME } from "../kube/ingress";
import { inClusterTransform, livesIn } from "../kube/lifetime";
import { GATE_TYPES } from "../providers/manifestsReady";
import { Environment } from "./environment";
import { GatewayApi } from "./gatewayApi";
import { IngressController } from "./ingressController";
import { KindCluster } from "./kindCluster";
import { LocalRegistry } from "./localRegistry";
import { MetricsServer } from "./metricsServer";

export interface LocalEnvironmentArgs {
  /** Stack name, labelled on every workload. */
  readonly stack: string;
  /** The local stack's validated settings (pre-flight already passed). */
  readonly settings: LocalSettings;
  /**
   * cgroup version of the Docker host, from pre-flight; v1 hosts get the kubelet setting that
   * Kubernetes ≥ 1.35 needs there. @default unknown (nothing added)
   */
  readonly hostCgroupVersion?: 1 | 2;
  /**
   * With `ingress.api: gateway`: the Gateway API CRD manifests to install (files or URLs, chosen
   * by host/gatewayApi.ts). @default none: the stack must not route through a Gateway
   */
  readonly gatewayApiCrds?: readonly string[];
  /**
   * Install metrics-server (kind has none): a deployed service autoscales, and an autoscaler
   * without metrics never scales. @default not installed
   */
  readonly metricsServer?: boolean;
}

/**
 * The laptop environment: a local registry (started first, so image builds overlap the cluster's
 * boot), a kind cluster wired to it, an ingress controller and the workload namespace. Everything
 * in the cluster is deleted with the cluster.
 */
export class LocalEnvironment extends pulumi.ComponentResource {
  /** What the platform deploys into. */
  readonly environment: Environment;
  readonly cluster: KindCluster;
  readonly registry: LocalRegistry;
  readonly ingress: IngressController;
  /** The Gateway API's CRDs, with `ingress.api: gateway`. */
  readonly gatewayApi?: GatewayApi;
  /** metrics-server, when a deployed service autoscales. */
  readonly metricsServer?: MetricsServer;

  constructor(name: string, args: LocalEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:LocalEnvironment", name, {}, opts);
    const s = args.settings;
    // Until this component existed these were root resources: the aliases keep existing stacks
    // (and their clusters) from being replaced.
    const was = (old: string) => ({
      parent: this,
      aliases: [{ name: old, parent: pulumi.rootStackResource }],
    });

    this.registry = new LocalRegistry(
      `${name}-registry`,
      { name: s.registry.name, port: s.registry.port, image: s.registry.image },
      was("registry"),
    );
    this.cluster = new KindCluster(
      `${name}-kind`,
      {
        name: s.cluster.name,
        nodeImage: s.cluster.nodeImage,
        containerdConfigPath: s.cluster.containerdConfigPath,
        workers: s.cluster.workers,
        httpPort: s.cluster.httpPort,
        httpsPort: s.cluster.httpsPort,
        extraPortMappings: applianceMappings(s.applianceHostPorts),
        hostCgroupVersion: args.hostCgroupVersion,
        defaultNamespace: s.namespace,
        // After the registry container: both use Docker's `kind` network, and whichever of them
        // is deleted last removes it. Ordered, a registry replaced while the cluster is recreated
        // cannot remove the network between kind creating it and starting the node on it, and a
        // destroy removes the cluster first, then the registry and the network.
        after: [this.registry.container],
      },
      was("kind"),
    );
    const wiring = this.registry.wire({
      clusterName: s.cluster.name,
      cluster: this.cluster.cluster,
      provider: this.cluster.provider,
    });
    const inCluster = {
      providers: [this.cluster.provider],
      transforms: [
        inClusterTransform({ ready: [], deletedWith: this.cluster.cluster }, GATE_TYPES),
      ],
    };
    const readiness = {
      access: { kubeconfig: this.cluster.kubeconfig },
      timeoutSeconds: s.readyTimeoutSeconds,
    };
    const gateway = s.ingress.api === "gateway";
    if (gateway && !args.gatewayApiCrds)
      throw new Error("internal: ingress.api is gateway, but no Gateway API CRDs were given");
    this.gatewayApi = gateway
      ? new GatewayApi(
          `${name}-gateway-api`,
          { crdFiles: args.gatewayApiCrds!, readiness },
          { parent: this, ...inCluster },
        )
      : undefined;
    this.ingress = new IngressController(
      `${name}-ingress`,
      {
        controller: s.ingress.controller,
        className: s.ingress.className,
        nginx: {
          chartVersion: s.ingress.nginxChartVersion,
          chartRepo: s.ingress.nginxChartRepo,
          image: s.ingress.nginxImage,
        },
        traefikImage: s.ingress.traefikImage,
        gatewayApi: this.gatewayApi && {
          crdsReady: this.gatewayApi.ready,
          timeoutSeconds: s.readyTimeoutSeconds,
        },
      },
      { ...was("ingress"), ...inCluster },
    );
    if (args.metricsServer) {
      this.metricsServer = new MetricsServer(
        `${name}-metrics-server`,
        { image: s.metricsServer.image, readiness },
        { parent: this, ...inCluster },
      );
    }
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: s.namespace } },
      { ...was("namespace"), provider: this.cluster.provider, ...livesIn(this.cluster.cluster) },
    );

    this.environment = {
      stack: args.stack,
      namespace: namespace.metadata.name,
      provider: this.cluster.provider,
      providerNamespace: s.namespace,
      readiness,
      ingress: {
        api: s.ingress.api,
        gateway:
          gateway && this.ingress.namespace
            ? { name: LOCAL_GATEWAY_NAME, namespace: this.ingress.namespace }
            : undefined,
        domain: s.ingress.domain,
        className: s.ingress.className,
        annotations: {},
        tls: false,
        await: s.ingress.controller !== "none",
        ready: this.ingress.ready,
      },
      images: {
        publishedRegistry: s.images.registry,
        publishedTag: s.images.tag,
        overrides: s.images.overrides,
        pushRegistry: this.registry.address,
        pushTag: "localkube",
        builder: s.images.builder,
        pushDependsOn: [this.registry.container],
        deletedWith: this.registry.container,
        storedIn: this.registry.volume,
      },
      labels: { "localkube.dev/stack": args.stack },
      imagePullSecrets: [],
      ready: [namespace, ...wiring],
      platformAddons: "install",
      deletedWith: this.cluster.cluster,
    };
    this.registerOutputs({ registry: this.registry.address, kubeContext: this.cluster.context });
  }
}
