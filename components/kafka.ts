import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { Connection } from "../kube/connection";
import { KAFKA_HOST_LISTENER_PORT } from "../kube/hostAccess";
import { DEFAULT_IMAGES } from "../kube/images";
import {
  selectorLabels,
  workloadLabels,
  SERVICE_ANNOTATIONS,
  WORKLOAD_ANNOTATIONS,
} from "../kube/labels";
import { APPLIANCE_SECURITY, containerSecurityContext } from "../kube/security";
import { volumeStatefulSet } from "../kube/statefulSet";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";

export interface KafkaArgs {
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /** Image honouring the `apache/kafka` image contract (KAFKA_* env). @default {@link DEFAULT_IMAGES.kafka} */
  readonly image?: string;
  /** Size of the log volume. @default "2Gi" */
  readonly storage?: string;
  /** Seed of the KRaft cluster id; the same seed gives the same id. @default the component name */
  readonly clusterIdSeed?: string;
  /** JVM heap options. @default "-Xms256m -Xmx512m" */
  readonly heapOptions?: string;
  /** StorageClass of the log volume. @default the cluster's default class */
  readonly storageClassName?: string;
  /** Labels added to every object. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** How readiness is awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** ServiceAccount the pod runs as (no token is mounted). @default the namespace's `default` */
  readonly serviceAccountName?: string;
  /** Which config chose the image, named when it cannot be pulled. @default not named */
  readonly imageOrigin?: ImageOrigin;
  /**
   * Reach the broker from the host: an extra listener advertised as `localhost:<hostPort>`, behind
   * a NodePort Service `kafka-host` on `nodePort`, which the kind cluster publishes on the host at
   * `hostPort`. @default none: in-cluster only
   */
  readonly hostAccess?: { readonly hostPort: number; readonly nodePort: number };
}

export const KAFKA_NAME = "kafka";
const PORT = 9092;
const CONTROLLER_PORT = 9093;

/** A KRaft cluster id (22 characters of base64url), stable for a given seed. */
export function kraftClusterId(seed: string): string {
  return createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64url");
}

/**
 * Readiness that means "the broker answers its API": an ApiVersions v0 request (key 18,
 * correlation id 7) sent with bash's /dev/tcp, passing when the reply has that correlation id
 * and error code 0. No JVM is started per probe.
 */
export const BROKER_API_PROBE = [
  "bash",
  "-c",
  `exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf '\\0\\0\\0\\x0a\\0\\x12\\0\\0\\0\\0\\0\\x07\\0\\0' >&3 && [[ "$(head -c 10 <&3 | od -An -tx1 | tr -d ' \\n')" == ????????000000070000 ]]`,
];

/** Single-broker Kafka in KRaft mode (combined broker + controller, no ZooKeeper). */
export class Kafka extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** Completes when the broker answers its API (its StatefulSet is rolled out). */
  readonly ready: WorkloadReady;
  readonly service: k8s.core.v1.Service;
  readonly connection: Connection;
  /** The NodePort Service the host reaches the broker through, when `hostAccess` is set. */
  readonly hostService?: k8s.core.v1.Service;

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:Kafka", name, {}, opts);
    const labels = workloadLabels(KAFKA_NAME, "broker", args.labels);
    const metadata = { name: KAFKA_NAME, namespace: args.namespace, labels };

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { ...metadata, annotations: SERVICE_ANNOTATIONS },
        spec: {
          selector: selectorLabels(KAFKA_NAME),
          ports: [{ name: "kafka", port: PORT, targetPort: "kafka" }],
        },
      },
      { parent: this, deleteBeforeReplace: true },
    );

    const env: Record<string, string> = {
      CLUSTER_ID: kraftClusterId(args.clusterIdSeed ?? name),
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_LISTENERS: `PLAINTEXT://:${PORT},CONTROLLER://:${CONTROLLER_PORT}`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${KAFKA_NAME}:${PORT}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${CONTROLLER_PORT}`,
      KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
      KAFKA_NUM_PARTITIONS: "1",
      KAFKA_LOG_DIRS: "/var/lib/kafka/data/logs",
      KAFKA_HEAP_OPTS: args.heapOptions ?? "-Xms256m -Xmx512m",
    };
    const host = args.hostAccess;
    if (host) {
      // Clients on the host connect to localhost:<hostPort> and are told to come back there.
      env.KAFKA_LISTENERS += `,HOST://:${KAFKA_HOST_LISTENER_PORT}`;
      env.KAFKA_ADVERTISED_LISTENERS += `,HOST://localhost:${host.hostPort}`;
      env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP += ",HOST:PLAINTEXT";
    }

    const statefulSet = volumeStatefulSet({
      name: KAFKA_NAME,
      namespace: args.namespace,
      labels,
      fsGroup: 1000,
      mountPath: "/var/lib/kafka/data",
      storage: args.storage ?? "2Gi",
      storageClassName: args.storageClassName,
      serviceAccountName: args.serviceAccountName,
      container: {
        name: "kafka",
        image: args.image ?? DEFAULT_IMAGES.kafka,
        ports: [
          { name: "kafka", containerPort: PORT },
          { name: "controller", containerPort: CONTROLLER_PORT },
          ...(host ? [{ name: "host", containerPort: KAFKA_HOST_LISTENER_PORT }] : []),
        ],
        env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
        readinessProbe: {
          exec: { command: BROKER_API_PROBE },
          periodSeconds: 3,
          timeoutSeconds: 5,
          failureThreshold: 3,
        },
        livenessProbe: {
          tcpSocket: { port: "kafka" },
          initialDelaySeconds: 60,
          periodSeconds: 20,
          failureThreshold: 6,
        },
        resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } },
        securityContext: containerSecurityContext(APPLIANCE_SECURITY.kafka),
      },
    });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      { ...statefulSet, metadata: { ...statefulSet.metadata, annotations: WORKLOAD_ANNOTATIONS } },
      { parent: this, deleteBeforeReplace: true, dependsOn: [this.service] },
    );
    this.ready = new WorkloadReady(
      `${name}-ready`,
      {
        ...args.readiness,
        kind: "StatefulSet",
        workload: this.statefulSet,
        service: KAFKA_NAME,
        definedIn: "localkube's Kafka appliance",
        imageOrigins: args.imageOrigin ? { kafka: args.imageOrigin } : undefined,
      },
      { parent: this },
    );

    if (host) {
      this.hostService = new k8s.core.v1.Service(
        `${name}-host-service`,
        {
          metadata: { ...metadata, name: `${KAFKA_NAME}-host`, annotations: SERVICE_ANNOTATIONS },
          spec: {
            type: "NodePort",
            selector: selectorLabels(KAFKA_NAME),
            ports: [
              {
                name: "kafka",
                port: KAFKA_HOST_LISTENER_PORT,
                targetPort: "host",
                nodePort: host.nodePort,
              },
            ],
          },
        },
        { parent: this, deleteBeforeReplace: true },
      );
    }

    this.connection = {
      name: KAFKA_NAME,
      kind: "appliance",
      env: { KAFKA_BOOTSTRAP_SERVERS: { value: `${KAFKA_NAME}:${PORT}` } },
      ready: [this.ready, this.service],
    };
    this.registerOutputs({
      statefulSet: this.statefulSet,
      ready: this.ready,
      service: this.service,
    });
  }
}
