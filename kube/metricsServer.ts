/**
 * Pure: what the local cluster's metrics-server runs. kind has none, and an autoscaler without
 * one never scales (its status says `FailedGetResourceMetric`). Upstream's manifest
 * (`manifests/base` of kubernetes-sigs/metrics-server), with the two settings kind needs.
 */

/** The upstream image localkube deploys by default, pinned (`localkube:metricsServer.image` replaces it). */
export const METRICS_SERVER_IMAGE = "registry.k8s.io/metrics-server/metrics-server:v0.9.0";

/** Where it runs: the APIService and the authentication reader's RoleBinding name this namespace. */
export const METRICS_SERVER_NAMESPACE = "kube-system";

/**
 * Its arguments. kind's kubelets serve self-signed certificates without IP addresses in them, so
 * the kubelets' TLS is not verified (`--kubelet-insecure-tls`) and each node is reached at its
 * InternalIP first (the node names are not resolvable from pods).
 */
export function metricsServerArgs(resolutionSeconds = 15): string[] {
  return [
    "--cert-dir=/tmp",
    "--secure-port=10250",
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    "--kubelet-use-node-status-port",
    "--kubelet-insecure-tls",
    `--metric-resolution=${resolutionSeconds}s`,
  ];
}

/** Whether a stack needs one: a service it deploys autoscales. */
export function needsMetricsServer(services: readonly { readonly autoscale?: unknown }[]): boolean {
  return services.some((s) => s.autoscale !== undefined);
}
