/**
 * `kindest/node` images by Kubernetes minor version, pinned by digest, as published with the
 * kind release noted. `configPath` marks images older than kind 0.27 that need the containerd
 * `config_path` patch for registry hosts.toml files.
 */
export const KIND_NODE_IMAGES: Readonly<
  Record<string, { readonly image: string; readonly configPath: boolean }>
> = {
  "1.34": {
    image:
      "kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
    configPath: false,
  },
  "1.33": {
    image:
      "kindest/node:v1.33.4@sha256:25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2",
    configPath: false,
  },
  "1.32": {
    image:
      "kindest/node:v1.32.8@sha256:abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1",
    configPath: false,
  },
  "1.31": {
    image:
      "kindest/node:v1.31.12@sha256:0f5cc49c5e73c0c2bb6e2df56e7df189240d83cf94edfa30946482eb08ec57d2",
    configPath: false,
  },
};

/** Kubernetes version of the local cluster unless `localkube:kubernetesVersion` says otherwise: the newest pinned. */
export const DEFAULT_KUBERNETES_VERSION = Object.keys(KIND_NODE_IMAGES).sort((a, b) =>
  compareVersions(b, a),
)[0];

/** Orders `1.9` before `1.10`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export type NodeImageChoice =
  | { readonly ok: true; readonly image: string; readonly configPath: boolean }
  | { readonly ok: false; readonly message: string };

/**
 * The node image for a Kubernetes version (`1.34` or `1.34.0`): the pinned image of that minor
 * version; a patch version must match the pinned one. Otherwise says what is pinned.
 */
export function nodeImageFor(version: string): NodeImageChoice {
  const minor = version.split(".").slice(0, 2).join(".");
  const entry = KIND_NODE_IMAGES[minor];
  const pinnedOf = (e: { image: string }) => /:v(\d+\.\d+\.\d+)@/.exec(e.image)![1];
  if (!entry) {
    const supported = Object.keys(KIND_NODE_IMAGES)
      .sort(compareVersions)
      .map((m) => `${m} (${pinnedOf(KIND_NODE_IMAGES[m])})`)
      .join(", ");
    return {
      ok: false,
      message: `Kubernetes ${version} has no pinned kind node image; pinned: ${supported}`,
    };
  }
  const pinned = pinnedOf(entry);
  if (version.split(".").length === 3 && version !== pinned) {
    return {
      ok: false,
      message: `Kubernetes ${version} is not pinned; ${minor} is pinned at ${pinned}`,
    };
  }
  return { ok: true, ...entry };
}
