/**
 * Appliances reachable from the developer's machine: each is a NodePort Service on a fixed port of
 * the node, which the kind cluster publishes on 127.0.0.1 at the configured host port. Unlike a
 * port-forward, nothing runs on the laptop and nothing breaks when the pod restarts.
 */

/**
 * Node ports of the appliances. Both lie in the band Kubernetes keeps for fixed node ports
 * (30000–30085 of the default range), which random allocation only uses when the rest is full.
 */
export const APPLIANCE_NODE_PORTS = { postgres: 30032, kafka: 30082 } as const;

/** Default host ports: not 5432 and 9092, which a PostgreSQL or Kafka of your own may hold. */
export const DEFAULT_HOST_PORTS = { postgres: 15432, kafka: 19092 } as const;

/** Port of the Kafka listener that advertises itself as `localhost:<host port>`. */
export const KAFKA_HOST_LISTENER_PORT = 9094;

/** Host ports of the appliances; a missing one is not published. */
export interface ApplianceHostPorts {
  readonly postgres?: number;
  readonly kafka?: number;
}

/** The kind port mappings for these host ports, in a fixed order (postgres, kafka). */
export function applianceMappings(
  ports: ApplianceHostPorts,
): { hostPort: number; nodePort: number }[] {
  return (["postgres", "kafka"] as const).flatMap((a) =>
    ports[a] === undefined ? [] : [{ hostPort: ports[a]!, nodePort: APPLIANCE_NODE_PORTS[a] }],
  );
}
