import * as semver from "semver";
/**
 * `kindest/node` images by Kubernetes minor version, pinned by digest: the images published with
 * kind v0.33.0 (its release notes, "Images pre-built for this release"). kind supports an image only
 * with the release that built it, so the table holds exactly what kind v0.33.0 built; older minors
 * need `localkube:cluster.nodeImage` and the kind release that built that image. `configPath` marks
 * images older than kind 0.27 that need the containerd `config_path` patch for registry hosts.toml
 * files (none of these).
 */
/** The kind release that made the pinned images: an older kind cannot create their clusters. */
export const PINNED_BY_KIND = "v0.33.0";

export const KIND_NODE_IMAGES: Readonly<
  Record<string, { readonly image: string; readonly configPath: boolean }>
> = {
  "1.37": {
    image:
      "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    configPath: false,
  },
  "1.36": {
    image:
      "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
    configPath: false,
  },
  "1.35": {
    image:
      "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
    configPath: false,
  },
  "1.34": {
    image:
      "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
    configPath: false,
  },
};

/** Kubernetes version of the local cluster unless `localkube:kubernetesVersion` says otherwise: the newest pinned. */
export const DEFAULT_KUBERNETES_VERSION = Object.keys(KIND_NODE_IMAGES).sort((a, b) =>
  compareVersions(b, a),
)[0];

/** Orders `1.9` before `1.10`, and `1.34` before `1.34.1` (semver, missing parts read as 0). */
export function compareVersions(a: string, b: string): number {
  const full = (v: string) => semver.coerce(v)?.version ?? "0.0.0";
  return semver.compare(full(a), full(b)) || a.split(".").length - b.split(".").length;
}

export type NodeImageChoice =
  | { readonly ok: true; readonly image: string; readonly configPath: boolean }
  | { readonly ok: false; readonly message: string };

/**
 * The node image for a Kubernetes version (`1.37` or `1.37.0`): the pinned image of that minor
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
