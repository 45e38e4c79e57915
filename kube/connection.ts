import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** One environment variable a dependency offers: a plain value or a key of a Secret. */
export type ConnectionValue =
  | { readonly value: pulumi.Input<string> }
  | { readonly secretName: pulumi.Input<string>; readonly key: string };

/**
 * How to reach a dependency (an appliance or a service): the env vars it offers its dependents,
 * and the resources that must be ready before a dependent starts.
 */
export interface Connection {
  /** Name of the dependency in the catalog (`postgres`, `price`). */
  readonly name: string;
  /**
   * `appliance`: dependents receive every key as is (`DATABASE_URL`, `PGHOST`…).
   * `service`: dependents receive its `URL` as `<NAME>_URL`; other keys only by reference.
   */
  readonly kind: "appliance" | "service";
  /** Offered variables by key, e.g. `DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`, `URL`. */
  readonly env: Readonly<Record<string, ConnectionValue>>;
  /** Resources whose readiness means the dependency is usable. */
  readonly ready: readonly pulumi.Resource[];
}

/** A container env var from a connection value (secrets stay references, never literals). */
export function toEnvVar(name: string, value: ConnectionValue): k8s.types.input.core.v1.EnvVar {
  return "value" in value
    ? { name, value: value.value }
    : { name, valueFrom: { secretKeyRef: { name: value.secretName, key: value.key } } };
}
