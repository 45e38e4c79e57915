import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "../kube/connection";
import { DEFAULT_IMAGES } from "../kube/images";
import {
  selectorLabels,
  workloadLabels,
  SERVICE_ANNOTATIONS,
  WORKLOAD_ANNOTATIONS,
} from "../kube/labels";
import { APPLIANCE_SECURITY, containerSecurityContext, podIdentity } from "../kube/security";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";

export interface SchemaRegistryArgs {
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /** The Kafka the registry stores its schemas in (its `_schemas` topic). */
  readonly kafka: Connection;
  /**
   * An Apicurio Registry 3 image (`quay.io/apicurio/apicurio-registry` or a mirror of it): REST on
   * port 8080 with the Confluent-compatible API under `/apis/ccompat/v7`, health on port 9000.
   * @default {@link DEFAULT_IMAGES.schemaRegistry}
   */
  readonly image?: string;
  /** Labels added to every object. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** How readiness is awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** ServiceAccount the pod runs as (no token is mounted). @default the namespace's `default` */
  readonly serviceAccountName?: string;
  /** Which config chose the image, named when it cannot be pulled. @default not named */
  readonly imageOrigin?: ImageOrigin;
}

export const SCHEMA_REGISTRY_NAME = "schema-registry";
const PORT = 8080;
const MANAGEMENT_PORT = 9000;
/** Path of the Confluent-compatible API: what `schema.registry.url` of Confluent clients points at. */
export const CCOMPAT_PATH = "/apis/ccompat/v7";

/** Apicurio's env for a Kafka at `bootstrap`: schemas live in Kafka (kafkasql), so they survive restarts. */
export function schemaRegistryEnv(bootstrap: string): Record<string, string> {
  return {
    APICURIO_STORAGE_KIND: "kafkasql",
    APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: bootstrap,
    APICURIO_KAFKASQL_TOPIC: "kafkasql-journal",
    QUARKUS_HTTP_PORT: String(PORT),
    JAVA_MAX_MEM_RATIO: "60",
  };
}

/** A Confluent-compatible Schema Registry (Apicurio Registry, ccompat API) backed by the stack's Kafka. */
export class SchemaRegistry extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  /** Completes when the Confluent-compatible API answers (its Deployment is rolled out). */
  readonly ready: WorkloadReady;
  readonly service: k8s.core.v1.Service;
  readonly connection: Connection;

  constructor(name: string, args: SchemaRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:SchemaRegistry", name, {}, opts);
    const bootstrap = args.kafka.env.KAFKA_BOOTSTRAP_SERVERS;
    if (!bootstrap || !("value" in bootstrap) || typeof bootstrap.value !== "string") {
      throw new Error(
        `SchemaRegistry ${name}: the kafka connection must offer KAFKA_BOOTSTRAP_SERVERS as a plain value`,
      );
    }
    const labels = workloadLabels(SCHEMA_REGISTRY_NAME, "schema-registry", args.labels);
    const metadata = { name: SCHEMA_REGISTRY_NAME, namespace: args.namespace, labels };

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { ...metadata, annotations: WORKLOAD_ANNOTATIONS },
        spec: {
          replicas: 1,
          selector: { matchLabels: selectorLabels(SCHEMA_REGISTRY_NAME) },
          template: {
            metadata: { labels },
            spec: {
              enableServiceLinks: false, // a Service named schema-registry would inject SCHEMA_REGISTRY_PORT=tcp://…
              ...podIdentity(undefined, args.serviceAccountName),
              containers: [
                {
                  name: SCHEMA_REGISTRY_NAME,
                  image: args.image ?? DEFAULT_IMAGES.schemaRegistry,
                  ports: [
                    { name: "http", containerPort: PORT },
                    { name: "management", containerPort: MANAGEMENT_PORT },
                  ],
                  env: Object.entries(schemaRegistryEnv(bootstrap.value)).map(([k, v]) => ({
                    name: k,
                    value: v,
                  })),
                  // Ready = the Confluent API answers (it reads from the Kafka journal, so Kafka is reachable).
                  readinessProbe: {
                    httpGet: { path: `${CCOMPAT_PATH}/subjects`, port: "http" },
                    periodSeconds: 3,
                    timeoutSeconds: 3,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    httpGet: { path: "/health/live", port: "management" },
                    initialDelaySeconds: 60,
                    periodSeconds: 20,
                    failureThreshold: 6,
                  },
                  resources: {
                    requests: { cpu: "100m", memory: "256Mi" },
                    limits: { memory: "768Mi" },
                  },
                  securityContext: containerSecurityContext(APPLIANCE_SECURITY.schemaRegistry),
                },
              ],
            },
          },
        },
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [...args.kafka.ready] },
    );
    this.ready = new WorkloadReady(
      `${name}-ready`,
      {
        ...args.readiness,
        kind: "Deployment",
        workload: this.deployment,
        service: SCHEMA_REGISTRY_NAME,
        definedIn: "localkube's Schema Registry appliance",
        imageOrigins: args.imageOrigin ? { [SCHEMA_REGISTRY_NAME]: args.imageOrigin } : undefined,
      },
      { parent: this },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { ...metadata, annotations: SERVICE_ANNOTATIONS },
        spec: {
          selector: selectorLabels(SCHEMA_REGISTRY_NAME),
          ports: [{ name: "http", port: PORT, targetPort: "http" }],
        },
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [this.deployment] },
    );

    this.connection = {
      name: SCHEMA_REGISTRY_NAME,
      kind: "appliance",
      env: {
        SCHEMA_REGISTRY_URL: { value: `http://${SCHEMA_REGISTRY_NAME}:${PORT}${CCOMPAT_PATH}` },
      },
      ready: [this.ready, this.service],
    };
    this.registerOutputs({
      deployment: this.deployment,
      ready: this.ready,
      service: this.service,
    });
  }
}
