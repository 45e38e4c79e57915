import { CatalogError } from "../catalog/problems";
import { ServiceSpec } from "../catalog/types";

/**
 * Upstream images deployed by default, pinned by tag. Every one can be overridden by config
 * (companies use mirrors); see README "Configuration".
 */
export const DEFAULT_IMAGES = {
  postgres: "postgres:15",
  kafka: "apache/kafka:4.3.1",
  schemaRegistry: "quay.io/apicurio/apicurio-registry:3.3.3",
  registry: "registry:2",
  traefik: "traefik:v3.6.12",
} as const;

/** How published images are named: config's registry, tag and per-service overrides. */
export interface PublishedImages {
  /** Registry/prefix of published images for services without `image.repository`. */
  readonly publishedRegistry?: string;
  /** Tag of published images when a service names none. */
  readonly publishedTag: string;
  /** Exact image per service, winning over everything else (mirrors, e2e). */
  readonly overrides: Readonly<Record<string, string>>;
}

/** Published image of a service: override, else its repository (or `<registry>/<name>`) and tag. */
export function publishedImage(spec: ServiceSpec, images: PublishedImages): string {
  const override = images.overrides[spec.name];
  if (override) return override;
  const repository =
    spec.image.repository ??
    (images.publishedRegistry && `${images.publishedRegistry}/${spec.name}`);
  if (!repository) {
    throw new CatalogError(
      [
        {
          file: spec.file,
          path: "image.repository",
          message:
            "not set, and no localkube:images.registry to derive it from; set image.repository in the file or `pulumi config set localkube:images.registry ghcr.io/<org>`",
        },
      ],
      "no published image",
    );
  }
  return `${repository}:${spec.image.tag ?? images.publishedTag}`;
}

/** How the stack builds one service's image: what it gives docker-build, exported by the stack. */
export interface ImageBuild {
  /** Absolute build context. */
  readonly context: string;
  /** Absolute Dockerfile. */
  readonly dockerfile: string;
  /** Build args, SOURCE_DATE_EPOCH included (reproducible images). */
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  /** Image labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Repository pushed to, as pods pull it: `localhost:5001/bank`. */
  readonly repository: string;
  /** Tag pushed beside the digest. */
  readonly tag: string;
  /** The buildx builder the stack names; undefined: docker-build's choice (see {@link pickBuilder}). */
  readonly builder?: string;
  /** The push needs the stack's registry login (which only the engine holds). */
  readonly login: boolean;
}

/**
 * Build args of every image built from source: the catalog's, and `SOURCE_DATE_EPOCH=0` unless it
 * sets one — BuildKit then stamps the image config with that time instead of the build's, so the
 * same sources give the same digest whoever builds them (the engine, or the dev loop's fast path),
 * and an engine build after fast saves changes nothing in the cluster.
 */
export function reproducibleBuildArgs(
  args: Readonly<Record<string, string>>,
): Record<string, string> {
  return { SOURCE_DATE_EPOCH: "0", ...args };
}

/** The local registry's volume: `<container>-data`. */
export const registryVolumeName = (container: string) => `${container}-data`;

/** The one image-reference splitter (catalog/imageRef.ts), for status/ and the rest of kube/. */
export { splitImageRef } from "../catalog/imageRef";
