/** The appliances (shared infrastructure): their names, what they offer their dependents, what they need. */
/** The shared infrastructure every environment can run, selectable like services. */
export const APPLIANCES = ["postgres", "kafka", "schema-registry"] as const;
export type ApplianceName = (typeof APPLIANCES)[number];

/** The built-in group that names all appliances at once. */
export const APPLIANCES_GROUP = "appliances";

/** Connection keys each appliance offers to its dependents (as env vars and `env.*.key`). */
export const APPLIANCE_CONNECTION_KEYS: Readonly<Record<ApplianceName, readonly string[]>> = {
  postgres: ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"],
  kafka: ["KAFKA_BOOTSTRAP_SERVERS"],
  "schema-registry": ["SCHEMA_REGISTRY_URL"],
};

/** Keys a service offers to the services that depend on it (`env: {X: {from: bank, key: URL}}`). */
export const SERVICE_CONNECTION_KEYS: readonly string[] = ["URL", "HOST", "PORT"];

/** Appliances that need other appliances. */
export const APPLIANCE_DEPENDENCIES: Readonly<Record<ApplianceName, readonly ApplianceName[]>> = {
  postgres: [],
  kafka: [],
  "schema-registry": ["kafka"],
};

export function isAppliance(name: string): name is ApplianceName {
  return (APPLIANCES as readonly string[]).includes(name);
}

/** Env var prefix for a service's connection info: `price-api` → `PRICE_API`. */
export function envPrefix(service: string): string {
  return service.toUpperCase().replace(/-/g, "_");
}
