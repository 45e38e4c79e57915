import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_IDENTIFIER } from "../catalog/patterns";
import { Connection } from "../kube/connection";
import { DEFAULT_IMAGES } from "../kube/images";
import {
  selectorLabels,
  workloadLabels,
  SERVICE_ANNOTATIONS,
  WORKLOAD_ANNOTATIONS,
} from "../kube/labels";
import { APPLIANCE_SECURITY, containerSecurityContext } from "../kube/security";
import { volumeStatefulSet } from "../kube/statefulSet";
import { GeneratedPassword } from "../providers/generatedPassword";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";

export interface PostgresArgs {
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /** Image honouring the official `postgres` image contract. @default {@link DEFAULT_IMAGES.postgres} */
  readonly image?: string;
  /** Size of the data volume. @default "1Gi" */
  readonly storage?: string;
  /** Database created at first start. @default "app" */
  readonly database?: string;
  /** Owner of the database. @default "app" */
  readonly user?: string;
  /** Password; when omitted one is generated once and kept as a stack secret. @default generated */
  readonly password?: pulumi.Input<string>;
  /** StorageClass of the data volume. @default the cluster's default class */
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
   * A fixed node port for a NodePort Service `postgres-host`, which the kind cluster publishes on
   * the host (tools on the laptop reach the database). @default none: in-cluster only
   */
  readonly nodePort?: number;
}

/** Object name of the database (Service, StatefulSet) and its DNS name inside the namespace. */
export const POSTGRES_NAME = "postgres";
const PORT = 5432;

/** PostgreSQL: StatefulSet with a volume, a Service, and a Secret with the connection info. */
export class Postgres extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** Completes when the database answers (its StatefulSet is rolled out). */
  readonly ready: WorkloadReady;
  readonly service: k8s.core.v1.Service;
  /** Secret holding `DATABASE_URL`, `PGPASSWORD` and the other `PG*` keys. */
  readonly secret: k8s.core.v1.Secret;
  readonly connection: Connection;
  /** The NodePort Service the host reaches the database through, when `nodePort` is set. */
  readonly hostService?: k8s.core.v1.Service;
  /** The password of `user` (a secret). */
  readonly password: pulumi.Output<string>;
  readonly user: string;
  readonly database: string;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:Postgres", name, {}, opts);
    const database = args.database ?? "app";
    const user = args.user ?? "app";
    for (const [field, value] of [
      ["database", database],
      ["user", user],
    ] as const) {
      if (!POSTGRES_IDENTIFIER.pattern.test(value)) {
        throw new Error(
          `Postgres ${name}: ${field} ${JSON.stringify(value)} is not allowed; use ${POSTGRES_IDENTIFIER.help}`,
        );
      }
    }
    const storage = args.storage ?? "1Gi";
    const labels = workloadLabels(POSTGRES_NAME, "database", args.labels);
    const metadata = { name: POSTGRES_NAME, namespace: args.namespace, labels };
    const password =
      args.password ?? new GeneratedPassword(`${name}-password`, {}, { parent: this }).value;
    const secretName = `${POSTGRES_NAME}-connection`;

    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { ...metadata, name: secretName },
        stringData: {
          PGPASSWORD: pulumi.secret(password),
          DATABASE_URL: pulumi.secret(
            pulumi.interpolate`postgresql://${user}:${password}@${POSTGRES_NAME}:${PORT}/${database}?sslmode=disable`,
          ),
        },
      },
      { parent: this, deleteBeforeReplace: true },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { ...metadata, annotations: SERVICE_ANNOTATIONS },
        spec: {
          selector: selectorLabels(POSTGRES_NAME),
          ports: [{ name: "postgres", port: PORT, targetPort: "postgres" }],
        },
      },
      { parent: this, deleteBeforeReplace: true },
    );

    const isReady = [
      "pg_isready",
      "-h",
      "127.0.0.1",
      "-p",
      String(PORT),
      "-U",
      user,
      "-d",
      database,
    ];
    const statefulSet = volumeStatefulSet({
      name: POSTGRES_NAME,
      namespace: args.namespace,
      labels,
      fsGroup: 999,
      mountPath: "/var/lib/postgresql/data",
      storage,
      storageClassName: args.storageClassName,
      serviceAccountName: args.serviceAccountName,
      container: {
        name: "postgres",
        image: args.image ?? DEFAULT_IMAGES.postgres,
        ports: [{ name: "postgres", containerPort: PORT }],
        env: [
          { name: "POSTGRES_USER", value: user },
          { name: "POSTGRES_DB", value: database },
          {
            name: "POSTGRES_PASSWORD",
            valueFrom: { secretKeyRef: { name: secretName, key: "PGPASSWORD" } },
          },
          // A subdirectory: a fresh volume may hold lost+found, which initdb refuses.
          { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        readinessProbe: {
          exec: { command: isReady },
          periodSeconds: 3,
          timeoutSeconds: 3,
          failureThreshold: 3,
        },
        livenessProbe: {
          exec: { command: isReady },
          initialDelaySeconds: 30,
          periodSeconds: 20,
          timeoutSeconds: 5,
          failureThreshold: 6,
        },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } },
        securityContext: containerSecurityContext(APPLIANCE_SECURITY.postgres),
      },
    });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      { ...statefulSet, metadata: { ...statefulSet.metadata, annotations: WORKLOAD_ANNOTATIONS } },
      { parent: this, deleteBeforeReplace: true, dependsOn: [this.secret, this.service] },
    );
    this.ready = new WorkloadReady(
      `${name}-ready`,
      {
        ...args.readiness,
        kind: "StatefulSet",
        workload: this.statefulSet,
        service: POSTGRES_NAME,
        definedIn: "localkube's PostgreSQL appliance",
        imageOrigins: args.imageOrigin ? { postgres: args.imageOrigin } : undefined,
      },
      { parent: this },
    );

    if (args.nodePort !== undefined) {
      this.hostService = new k8s.core.v1.Service(
        `${name}-host-service`,
        {
          metadata: {
            ...metadata,
            name: `${POSTGRES_NAME}-host`,
            annotations: SERVICE_ANNOTATIONS,
          },
          spec: {
            type: "NodePort",
            selector: selectorLabels(POSTGRES_NAME),
            ports: [
              { name: "postgres", port: PORT, targetPort: "postgres", nodePort: args.nodePort },
            ],
          },
        },
        { parent: this, deleteBeforeReplace: true },
      );
    }
    this.password = pulumi.secret(password);
    this.user = user;
    this.database = database;

    this.connection = {
      name: POSTGRES_NAME,
      kind: "appliance",
      env: {
        DATABASE_URL: { secretName, key: "DATABASE_URL" },
        PGHOST: { value: POSTGRES_NAME },
        PGPORT: { value: String(PORT) },
        PGDATABASE: { value: database },
        PGUSER: { value: user },
        PGPASSWORD: { secretName, key: "PGPASSWORD" },
      },
      ready: [this.ready, this.service, this.secret],
    };
    this.registerOutputs({
      statefulSet: this.statefulSet,
      ready: this.ready,
      service: this.service,
      secret: this.secret,
    });
  }
}
