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
