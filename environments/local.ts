import * as k8s from "@pulumi/kubernetes";
import { Environment, inClusterTransform } from "../components/environment";
import { IngressController } from "../components/ingressController";
import { KindCluster, nodeImageFor } from "../components/kindCluster";
import { LocalRegistry } from "../components/localRegistry";
import { LocalSettings } from "../config/settings";
import { gatherPreflightFacts, PortNeed, preflightFailures, PreflightFacts } from "./preflight";

export interface LocalStack {
  readonly environment: Environment;
  readonly cluster: KindCluster;
  readonly registry: LocalRegistry;
}

/** Ports the local stack publishes on 127.0.0.1, and which of its containers holds each. */
export function localPortNeeds(s: LocalSettings): PortNeed[] {
  const controlPlane = `${s.cluster.name}-control-plane`;
  return [
    { port: s.cluster.httpPort, key: "cluster.httpPort", owner: controlPlane, purpose: "ingress HTTP" },
    { port: s.cluster.httpsPort, key: "cluster.httpsPort", owner: controlPlane, purpose: "ingress HTTPS" },
    { port: s.registry.port, key: "registry.port", owner: s.registry.name, purpose: "local registry" },
  ];
}

/**
 * The laptop environment: pre-flight checks, then a local registry (started first, so image
 * builds overlap the cluster's boot), a kind cluster wired to it, an ingress controller and the
 * workload namespace. Everything in the cluster is deleted with the cluster.
 */
export async function createLocalEnvironment(
  stack: string,
  s: LocalSettings,
  preflight: (needs: readonly PortNeed[]) => Promise<PreflightFacts> = gatherPreflightFacts,
): Promise<LocalStack> {
  const needs = localPortNeeds(s);
  preflightFailures(await preflight(needs), needs);

  const pinned = s.cluster.nodeImage ? undefined : nodeImageFor(s.cluster.kubernetesVersion);
  const registry = new LocalRegistry("registry", { name: s.registry.name, port: s.registry.port, image: s.registry.image });
  const cluster = new KindCluster("kind", {
    name: s.cluster.name,
    nodeImage: s.cluster.nodeImage ?? pinned!.image,
    containerdConfigPath: pinned?.configPath ?? false,
    workers: s.cluster.workers,
    httpPort: s.cluster.httpPort,
    httpsPort: s.cluster.httpsPort,
  });
  const wiring = registry.wire({ clusterName: s.cluster.name, cluster: cluster.cluster, provider: cluster.provider });
  const inCluster = { providers: [cluster.provider], transforms: [inClusterTransform({ ready: [], deletedWith: cluster.cluster })] };
  const ingress = new IngressController(
    "ingress",
    {
      controller: s.ingress.controller,
      className: s.ingress.className,
      nginx: { chartVersion: s.ingress.nginxChartVersion, chartRepo: s.ingress.nginxChartRepo, image: s.ingress.nginxImage },
      traefikImage: s.ingress.traefikImage,
    },
    inCluster,
  );
  const namespace = new k8s.core.v1.Namespace("namespace", { metadata: { name: s.namespace } }, { provider: cluster.provider, deletedWith: cluster.cluster });

  const environment: Environment = {
    stack,
    namespace: namespace.metadata.name,
    provider: cluster.provider,
    ingress: {
      domain: s.ingress.domain,
      className: s.ingress.className,
      annotations: {},
      tls: false,
      await: s.ingress.controller !== "none",
      ready: ingress.ready,
    },
    images: {
      publishedRegistry: s.images.registry,
      publishedTag: s.images.tag,
      overrides: s.images.overrides,
      pushRegistry: registry.address,
      pushTag: "localkube",
      pushDependsOn: [registry.container],
    },
    labels: { "localkube.dev/stack": stack },
    imagePullSecrets: [],
    ready: [namespace, ...wiring],
    deletedWith: cluster.cluster,
  };
  return { environment, cluster, registry };
}
