/**
 * An image's ENTRYPOINT, CMD and ENV, read from its registry (the Distribution API: the manifest,
 * the platform's manifest of an index, then the config blob) — what the runtime detection reads
 * when the catalog gives a service no `command`. Anonymous reads only: the stack's own registry
 * (`localhost:<port>`, plain HTTP) answers them; a registry that wants a login gives no config,
 * and the catalog's `command:` or `build.debug.runtime` must tell.
 */

/** What the detection reads of an image's configuration. */
export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** An image reference's registry, repository and tag or digest: `localhost:5001/fx@sha256:…`. Pure. */
export function parseImageRef(
  ref: string,
): { registry: string; repository: string; reference: string } | undefined {
  const at = ref.indexOf("@");
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const slash = name.indexOf("/");
  if (slash < 0) return undefined;
  const host = name.slice(0, slash);
  if (!/[.:]/.test(host) && host !== "localhost") return undefined; // Docker Hub's short names
  let repository = name.slice(slash + 1);
  let reference = at >= 0 ? ref.slice(at + 1) : "latest";
  const colon = repository.lastIndexOf(":");
  if (at < 0 && colon >= 0) {
    reference = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  return { registry: host, repository, reference };
}

/** The registry's base URL: plain HTTP on this machine (the stack's registry), HTTPS elsewhere. */
export function registryUrl(registry: string): string {
  const [host, port] = registry.split(":");
  const local = host === "localhost" || host === "127.0.0.1";
  return local ? `http://127.0.0.1${port ? `:${port}` : ""}` : `https://${registry}`;
}

const MANIFESTS = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Docker's name of this machine's architecture (what an index lists). */
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", s390x: "s390x" };

/** `KEY=value` strings into a map. */
export function envMap(env: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/**
 * The image's configuration, or why its registry does not give it (see the module's comment): the
 * reason ends up in the message that asks for `command:` or `build.debug.runtime`.
 */
export async function readImageConfig(
  ref: string,
  fetchImpl: typeof fetch = fetch,
): Promise<{ readonly config: ImageConfig } | { readonly unreadable: string }> {
  const parsed = parseImageRef(ref);
  if (!parsed) return { unreadable: `${ref} names no registry localkube can ask` };
  const base = `${registryUrl(parsed.registry)}/v2/${parsed.repository}`;
  const get = async (url: string, accept?: string) => {
    const res = await fetchImpl(url, {
      headers: accept ? { Accept: accept } : {},
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return (await res.json()) as Record<string, any>;
  };
  try {
    let manifest = await get(`${base}/manifests/${parsed.reference}`, MANIFESTS);
    if (Array.isArray(manifest.manifests)) {
      const arch = ARCH[process.arch] ?? process.arch;
      const chosen = (manifest.manifests as any[]).find(
        (m) => m.platform?.os === "linux" && m.platform?.architecture === arch,
      );
      if (!chosen) return { unreadable: `${ref} has no image for linux/${arch}` };
      manifest = await get(`${base}/manifests/${chosen.digest}`, MANIFESTS);
    }
    const digest = manifest.config?.digest;
    if (typeof digest !== "string") return { unreadable: `${ref}'s manifest names no config` };
    const config = (await get(`${base}/blobs/${digest}`)).config ?? {};
    return {
      config: {
        ...(Array.isArray(config.Entrypoint) ? { entrypoint: config.Entrypoint } : {}),
        ...(Array.isArray(config.Cmd) ? { cmd: config.Cmd } : {}),
        env: envMap(config.Env),
      },
    };
  } catch (err) {
    return { unreadable: (err as Error).message };
  }
}
