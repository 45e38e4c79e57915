import { createHash } from "crypto";
import { stringify } from "yaml";
import { CLUSTER_NAME } from "../catalog/patterns";
import { compareVersions } from "./nodeImages";
/** Node label carrying the hash of the rendered config, to recognise a cluster made from it. */
export const CONFIG_HASH_LABEL = "localkube.dev/config-hash";

export interface KindConfigInput {
  /** Cluster name (also the kube context `kind-<name>`). */
  readonly name: string;
  /** Node image, e.g. `kindest/node:v1.37.0@sha256:…`. */
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
   * More host ports of the control-plane node, each forwarded to a port of the node (a NodePort:
   * appliances reachable from the host). None: the config is exactly what it was without them.
   * @default none
   */
  readonly extraPortMappings?: readonly { readonly hostPort: number; readonly nodePort: number }[];
  /**
   * Add the containerd patch setting `config_path = "/etc/containerd/certs.d"`, needed by node
   * images older than kind 0.27 for registry `hosts.toml` files. @default false
   */
  readonly containerdConfigPath?: boolean;
  /**
   * cgroup version of the Docker host (`docker info`'s CgroupVersion). On cgroup v1, nodes of
   * Kubernetes 1.35 and newer get the kubelet setting `failCgroupV1: false` (see
   * {@link cgroupV1Workaround}). @default unknown: treated as cgroup v2 (nothing added)
   */
  readonly hostCgroupVersion?: 1 | 2;
}

/** First Kubernetes minor version whose kubelet refuses to start on a cgroup v1 host by default. */
export const KUBELET_REFUSES_CGROUP_V1_FROM = "1.35";

/**
 * The Kubernetes version a node image's tag names (`kindest/node:v1.37.0@sha256:…` → `1.37.0`,
 * `…/kind-node:v1.36` → `1.36`), or undefined when its tag is not `vX.Y` / `vX.Y.Z` (an image by
 * digest only, `latest`, a tag of one's own).
 */
export function kubernetesVersionOfImage(image: string): string | undefined {
  const name = image.split("@")[0];
  const colon = name.lastIndexOf(":");
  if (colon < 0 || colon < name.lastIndexOf("/")) return undefined;
  const m = /^v(\d+\.\d+(?:\.\d+)?)(?:[-+][0-9A-Za-z.-]*)?$/.exec(name.slice(colon + 1));
  return m?.[1];
}

/**
 * Whether the kubelets need `failCgroupV1: false`, and the one warning that says why. Needed on a
 * cgroup v1 Docker host when the node image's Kubernetes is 1.35 or newer — or unknown (a custom
 * image whose tag names no version): it is then taken as a current one, since every kubelet since
 * 1.31 knows the setting and only older ones would not need it. Undefined when nothing is needed
 * (cgroup v2 or an unknown host, Kubernetes ≤ 1.34).
 */
export function cgroupV1Workaround(
  input: Pick<KindConfigInput, "nodeImage" | "hostCgroupVersion">,
): { readonly warning: string } | undefined {
  if (input.hostCgroupVersion !== 1) return undefined;
  const version = kubernetesVersionOfImage(input.nodeImage);
  const minor = version?.split(".").slice(0, 2).join(".");
  if (minor !== undefined && compareVersions(minor, KUBELET_REFUSES_CGROUP_V1_FROM) < 0)
    return undefined;
  const kubernetes = version
    ? `Kubernetes ${version}`
    : `the node image ${input.nodeImage} (Kubernetes version not in its tag, taken as ≥ ${KUBELET_REFUSES_CGROUP_V1_FROM})`;
  return {
    warning:
      `this Docker host runs cgroup v1, which ${kubernetes} refuses by default: the kind config sets ` +
      "the kubelet's failCgroupV1: false. cgroup v1 is deprecated in Kubernetes and kind; move Docker to cgroup v2 " +
      "(e.g. boot with systemd.unified_cgroup_hierarchy=1) to drop this setting.",
  };
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
          ...(input.extraPortMappings ?? []).map((m) => ({
            containerPort: m.nodePort,
            hostPort: m.hostPort,
            listenAddress,
            protocol: "TCP",
          })),
        ],
      },
      ...Array.from({ length: workers }, () => ({ role: "worker", image: input.nodeImage })),
    ],
    ...(cgroupV1Workaround(input)
      ? { kubeadmConfigPatches: [stringify({ kind: "KubeletConfiguration", failCgroupV1: false })] }
      : {}),
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
 * cluster made from the same config is recognised and adopted. On a cgroup v1 host with Kubernetes
 * ≥ 1.35 every node's kubelet gets `failCgroupV1: false` and `warning` says so; otherwise the
 * config (and its hash) does not depend on the host.
 */
export function renderKindConfig(input: KindConfigInput): {
  yaml: string;
  hash: string;
  warning?: string;
} {
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
  const workaround = cgroupV1Workaround(input);
  return {
    yaml: stringify(kindConfigObject(input, hash)),
    hash,
    ...(workaround ? { warning: workaround.warning } : {}),
  };
}
