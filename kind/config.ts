import { createHash } from "crypto";
import { stringify } from "yaml";
import { CLUSTER_NAME } from "../catalog/patterns";
/** Node label carrying the hash of the rendered config, to recognise a cluster made from it. */
export const CONFIG_HASH_LABEL = "localkube.dev/config-hash";

export interface KindConfigInput {
  /** Cluster name (also the kube context `kind-<name>`). */
  readonly name: string;
  /** Node image, e.g. `kindest/node:v1.34.0@sha256:…`. */
  readonly nodeImage: string;
  /** Worker nodes besides the control plane. @default 0 */
  readonly workers?: number;
  /** Host port mapped to the ingress controller's port 80. @default 80 */
  readonly httpPort?: number;
  /** Host port mapped to the ingress controller's port 443. @default 443 */
  readonly httpsPort?: number;
  /** Host address the ports listen on. @default "127.0.0.1" */
  readonly listenAddress?: string;
  /**
   * Add the containerd patch setting `config_path = "/etc/containerd/certs.d"`, needed by node
   * images older than kind 0.27 for registry `hosts.toml` files. @default false
   */
  readonly containerdConfigPath?: boolean;
}

function kindConfigObject(input: KindConfigInput, hash?: string) {
  const workers = input.workers ?? 0;
  const listenAddress = input.listenAddress ?? "127.0.0.1";
  const nodeLabels = ["ingress-ready=true", ...(hash ? [`${CONFIG_HASH_LABEL}=${hash}`] : [])].join(
    ",",
  );
  return {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    name: input.name,
    nodes: [
      {
        role: "control-plane",
        image: input.nodeImage,
        kubeadmConfigPatches: [
          stringify({
            kind: "InitConfiguration",
            nodeRegistration: { kubeletExtraArgs: { "node-labels": nodeLabels } },
          }),
        ],
        extraPortMappings: [
          { containerPort: 80, hostPort: input.httpPort ?? 80, listenAddress, protocol: "TCP" },
          { containerPort: 443, hostPort: input.httpsPort ?? 443, listenAddress, protocol: "TCP" },
        ],
      },
      ...Array.from({ length: workers }, () => ({ role: "worker", image: input.nodeImage })),
    ],
    ...(input.containerdConfigPath
      ? {
          containerdConfigPatches: [
            '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n',
          ],
        }
      : {}),
  };
}

/**
 * Renders the kind cluster config. The control-plane node carries the label `ingress-ready=true`
 * (where ingress controllers are scheduled) and a hash of the rest of the config, so an existing
 * cluster made from the same config is recognised and adopted.
 */
export function renderKindConfig(input: KindConfigInput): { yaml: string; hash: string } {
  if (!CLUSTER_NAME.pattern.test(input.name)) {
    throw new Error(
      `kind cluster name ${JSON.stringify(input.name)} is not allowed: use ${CLUSTER_NAME.help}`,
    );
  }
  const workers = input.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 10) {
    throw new Error(`kind workers must be a whole number from 0 to 10, got ${workers}`);
  }
  const hash = createHash("sha256")
    .update(stringify(kindConfigObject(input)))
    .digest("hex")
    .slice(0, 16);
  return { yaml: stringify(kindConfigObject(input, hash)), hash };
}
