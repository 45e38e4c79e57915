import {
  IMAGE_REF,
  IMAGE_TAG,
  POSTGRES_IDENTIFIER,
  REGISTRY_PREFIX,
  SIZE,
} from "../catalog/patterns";
import { ConfigReader, ConfigRule } from "./reader";

/** Settings both stack kinds share. */
export interface CommonSettings {
  /** Directory of the service catalog. */
  readonly catalogDir: string;
  /** Selected services/groups; undefined = the whole catalog. */
  readonly services?: readonly string[];
  /** Services built from local source. */
  readonly local: readonly string[];
  /** Build every deployed service that has a build section. */
  readonly buildAll: boolean;
  readonly images: {
    /** Prefix of published images for services without `image.repository`. */
    readonly registry?: string;
    /** Tag of published images. */
    readonly tag: string;
    /** Exact image per service. */
    readonly overrides: Readonly<Record<string, string>>;
  };
  readonly appliances: {
    readonly images: {
      readonly postgres?: string;
      readonly kafka?: string;
      readonly schemaRegistry?: string;
    };
    readonly postgres: {
      readonly storage: string;
      readonly database: string;
      readonly user: string;
    };
    readonly kafka: { readonly storage: string };
  };
}

export const IMAGE_REF_RULE: ConfigRule = {
  ...IMAGE_REF,
  example: "registry.example.com/mirror/image:1.2",
};
export const SIZE_RULE: ConfigRule = { ...SIZE, example: "2Gi" };
const PG_NAME: ConfigRule = { ...POSTGRES_IDENTIFIER, example: "app" };

/** Reads the keys both stack kinds share. */
export function readCommonSettings(r: ConfigReader): CommonSettings {
  return {
    catalogDir: r.string("catalogDir", "services"),
    services: r.names("services"),
    local: r.names("local") ?? [],
    buildAll: r.bool("buildAll", false),
    images: {
      registry: r.optionalString("images.registry", {
        ...REGISTRY_PREFIX,
        example: "ghcr.io/acme",
      }),
      tag: r.string("images.tag", "latest", { ...IMAGE_TAG, example: "latest" }),
      overrides: r.stringMap("images.overrides"),
    },
    appliances: {
      images: {
        postgres: r.optionalString("appliances.postgres.image", IMAGE_REF_RULE),
        kafka: r.optionalString("appliances.kafka.image", IMAGE_REF_RULE),
        schemaRegistry: r.optionalString("appliances.schemaRegistry.image", IMAGE_REF_RULE),
      },
      postgres: {
        storage: r.string("appliances.postgres.storage", "1Gi", SIZE_RULE),
        database: r.string("appliances.postgres.database", "app", PG_NAME),
        user: r.string("appliances.postgres.user", "app", PG_NAME),
      },
      kafka: { storage: r.string("appliances.kafka.storage", "2Gi", SIZE_RULE) },
    },
  };
}
