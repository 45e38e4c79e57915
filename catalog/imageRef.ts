/**
 * Pure: an image reference taken apart — `registry/path/name:tag@sha256:…` — the one splitter
 * every part of localkube uses (the catalog's shorthand, chart values, manifests' images, status).
 * The tag is what follows the last `:` after the last `/` (a registry's `host:port` is no tag).
 */
export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:…` */
  readonly digest?: string;
}

export function splitImageRef(ref: string): ImageRef {
  const at = ref.indexOf("@");
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const colon = name.lastIndexOf(":");
  const [repository, tag] =
    colon > name.lastIndexOf("/")
      ? [name.slice(0, colon), name.slice(colon + 1)]
      : [name, undefined];
  return {
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
