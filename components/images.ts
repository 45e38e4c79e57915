/**
 * Upstream images deployed by default, pinned by tag. Every one can be overridden by config
 * (companies use mirrors); see README "Configuration".
 */
export const DEFAULT_IMAGES = {
  postgres: "postgres:17.6",
  kafka: "apache/kafka:4.1.0",
  schemaRegistry: "ghcr.io/aiven-open/karapace:4.1.0",
  registry: "registry:2.8.3",
  traefik: "traefik:v3.5.3",
} as const;
