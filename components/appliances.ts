import * as pulumi from "@pulumi/pulumi";
import { ApplianceName } from "../catalog/appliances";
import { Connection } from "../kube/connection";
import { ReadinessSettings } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";
import { Kafka } from "./kafka";
import { Postgres } from "./postgres";
import { SchemaRegistry } from "./schemaRegistry";

export interface AppliancesArgs {
  /** Which appliances to run; only these are created. */
  readonly include: readonly ApplianceName[];
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /** Image overrides (mirrors). @default the pinned upstream images of DEFAULT_IMAGES */
  readonly images?: {
    readonly postgres?: string;
    readonly kafka?: string;
    readonly schemaRegistry?: string;
  };
  /**
   * Postgres database, user, volume size, and the node port that publishes it to the host.
   * @default app / app / 1Gi, not published
   */
  readonly postgres?: {
    readonly database?: string;
    readonly user?: string;
    readonly storage?: string;
    readonly nodePort?: number;
  };
  /** Kafka volume size, and how the host reaches it. @default 2Gi, not published */
  readonly kafka?: {
    readonly storage?: string;
    readonly hostAccess?: { readonly hostPort: number; readonly nodePort: number };
  };
  /** Seed for stable generated identifiers (e.g. the Kafka cluster id). @default the component name */
  readonly seed?: string;
  /** Labels added to every object. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** A Kafka running elsewhere, for a schema registry deployed without its own Kafka. @default none */
  readonly externalKafka?: Connection;
  /** How readiness is awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** ServiceAccount the appliances run as (never with a token). @default the namespace's `default` */
  readonly serviceAccountName?: string;
  /** Which config chose each image, named when it cannot be pulled. @default not named */
  readonly imageOrigins?: {
    readonly postgres?: ImageOrigin;
    readonly kafka?: ImageOrigin;
    readonly schemaRegistry?: ImageOrigin;
  };
}

/** The shared infrastructure bundle: PostgreSQL, Kafka and Schema Registry, as selected. */
export class Appliances extends pulumi.ComponentResource {
  readonly postgres?: Postgres;
  readonly kafka?: Kafka;
  readonly schemaRegistry?: SchemaRegistry;
  /** Connection info of every created appliance, by name. */
  readonly connections: ReadonlyMap<ApplianceName, Connection>;

  constructor(name: string, args: AppliancesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:Appliances", name, {}, opts);
    const wants = new Set(args.include);
    if (wants.has("schema-registry") && !wants.has("kafka") && !args.externalKafka) {
      throw new Error(
        `Appliances ${name}: schema-registry needs kafka; include both, or pass externalKafka`,
      );
    }
    const common = {
      namespace: args.namespace,
      labels: args.labels,
      readiness: args.readiness,
      serviceAccountName: args.serviceAccountName,
    };
    const connections = new Map<ApplianceName, Connection>();
    if (wants.has("postgres")) {
      this.postgres = new Postgres(
        `${name}-postgres`,
        {
          ...common,
          ...args.postgres,
          image: args.images?.postgres,
          imageOrigin: args.imageOrigins?.postgres,
        },
        { parent: this },
      );
      connections.set("postgres", this.postgres.connection);
    }
    if (wants.has("kafka")) {
      this.kafka = new Kafka(
        `${name}-kafka`,
        {
          ...common,
          ...args.kafka,
          image: args.images?.kafka,
          imageOrigin: args.imageOrigins?.kafka,
          clusterIdSeed: args.seed ?? name,
        },
        { parent: this },
      );
      connections.set("kafka", this.kafka.connection);
    }
    const kafka = this.kafka?.connection ?? args.externalKafka;
    if (wants.has("schema-registry") && kafka) {
      this.schemaRegistry = new SchemaRegistry(
        `${name}-schema-registry`,
        {
          ...common,
          kafka,
          image: args.images?.schemaRegistry,
          imageOrigin: args.imageOrigins?.schemaRegistry,
        },
        { parent: this },
      );
      connections.set("schema-registry", this.schemaRegistry.connection);
    }
    this.connections = connections;
    this.registerOutputs({});
  }
}
