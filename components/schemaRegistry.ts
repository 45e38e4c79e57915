import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./connection";
import { DEFAULT_IMAGES } from "./images";
import { selectorLabels, workloadLabels } from "./labels";

export interface SchemaRegistryArgs {
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /** The Kafka the registry stores its schemas in (its `_schemas` topic). */
  readonly kafka: Connection;
  /**
   * Image serving the Confluent Schema Registry API on port 8081. The default (Karapace) and
   * `confluentinc/cp-schema-registry` both work: each reads its own env vars.
   * @default {@link DEFAULT_IMAGES.schemaRegistry}
   */
  readonly image?: string;
  /** Labels added to every object. @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

export const SCHEMA_REGISTRY_NAME = "schema-registry";
const PORT = 8081;

/** The env both supported registries read, for a Kafka at `bootstrap`. */
export function schemaRegistryEnv(bootstrap: string): Record<string, string> {
  return {
    // Karapace
    KARAPACE_BOOTSTRAP_URI: bootstrap,
    KARAPACE_HOST: "0.0.0.0",
    KARAPACE_PORT: String(PORT),
    KARAPACE_ADVERTISED_HOSTNAME: SCHEMA_REGISTRY_NAME,
    KARAPACE_REGISTRY_HOST: "0.0.0.0",
    KARAPACE_REGISTRY_PORT: String(PORT),
    KARAPACE_TOPIC_NAME: "_schemas",
    KARAPACE_COMPATIBILITY: "BACKWARD",
    KARAPACE_LOG_LEVEL: "WARNING",
    // Confluent
    SCHEMA_REGISTRY_HOST_NAME: SCHEMA_REGISTRY_NAME,
    SCHEMA_REGISTRY_LISTENERS: `http://0.0.0.0:${PORT}`,
    SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: `PLAINTEXT://${bootstrap}`,
    SCHEMA_REGISTRY_KAFKASTORE_TOPIC: "_schemas",
  };
}

/** A Confluent-compatible Schema Registry backed by the stack's Kafka. */
export class SchemaRegistry extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly connection: Connection;

  constructor(name: string, args: SchemaRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:SchemaRegistry", name, {}, opts);
    const bootstrap = args.kafka.env.KAFKA_BOOTSTRAP_SERVERS;
    if (!bootstrap || !("value" in bootstrap) || typeof bootstrap.value !== "string") {
      throw new Error(`SchemaRegistry ${name}: the kafka connection must offer KAFKA_BOOTSTRAP_SERVERS as a plain value`);
    }
    const labels = workloadLabels(SCHEMA_REGISTRY_NAME, "schema-registry", args.labels);
    const metadata = { name: SCHEMA_REGISTRY_NAME, namespace: args.namespace, labels };

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata,
        spec: {
          replicas: 1,
          selector: { matchLabels: selectorLabels(SCHEMA_REGISTRY_NAME) },
          template: {
            metadata: { labels },
            spec: {
              enableServiceLinks: false, // a Service named schema-registry would inject SCHEMA_REGISTRY_PORT=tcp://…
              containers: [
                {
                  name: SCHEMA_REGISTRY_NAME,
                  image: args.image ?? DEFAULT_IMAGES.schemaRegistry,
                  ports: [{ name: "http", containerPort: PORT }],
                  env: Object.entries(schemaRegistryEnv(bootstrap.value)).map(([k, v]) => ({ name: k, value: v })),
                  readinessProbe: { httpGet: { path: "/subjects", port: "http" }, periodSeconds: 3, timeoutSeconds: 3, failureThreshold: 3 },
                  livenessProbe: { httpGet: { path: "/subjects", port: "http" }, initialDelaySeconds: 60, periodSeconds: 20, failureThreshold: 6 },
                  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "768Mi" } },
                },
              ],
            },
          },
        },
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [...args.kafka.ready] },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata,
        spec: { selector: selectorLabels(SCHEMA_REGISTRY_NAME), ports: [{ name: "http", port: PORT, targetPort: "http" }] },
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [this.deployment] },
    );

    this.connection = {
      name: SCHEMA_REGISTRY_NAME,
      kind: "appliance",
      env: { SCHEMA_REGISTRY_URL: { value: `http://${SCHEMA_REGISTRY_NAME}:${PORT}` } },
      ready: [this.deployment, this.service],
    };
    this.registerOutputs({ deployment: this.deployment, service: this.service });
  }
}
