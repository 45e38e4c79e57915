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
