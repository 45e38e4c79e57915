import type * as pulumi from "@pulumi/pulumi";
import {
  IMAGE_REF,
  IMAGE_TAG,
  POSTGRES_IDENTIFIER,
  REGISTRY_PREFIX,
  SIZE,
} from "../catalog/patterns";
import { parseDuration } from "../catalog/durations";
import { ConfigReader, ConfigRule } from "./reader";
import { readSecrets } from "./secrets";

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
  /**
   * Seconds a workload may take to become ready before `pulumi up` fails with what it still waits
   * for (`localkube:readyTimeout`); a terminal problem fails it at once.
   */
  readonly readyTimeoutSeconds: number;
  readonly images: {
    /** Prefix of published images for services without `image.repository`. */
    readonly registry?: string;
    /** Tag of published images. */
    readonly tag: string;
    /** Exact image per service. */
    readonly overrides: Readonly<Record<string, string>>;
    /**
     * The buildx builder that builds images from source (`localkube:build.builder`); undefined:
     * docker-build's choice (the current buildx builder, else the first BuildKit one).
     */
    readonly builder?: string;
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
  /**
   * The services' secrets (`localkube:secrets.<name>`), by name, as secret Outputs; checked
   * against the catalog once it is loaded. @default none
   */
  readonly secrets?: ReadonlyMap<string, pulumi.Output<string>>;
}

export const IMAGE_REF_RULE: ConfigRule = {
  ...IMAGE_REF,
  example: "registry.example.com/mirror/image:1.2",
};
export const SIZE_RULE: ConfigRule = { ...SIZE, example: "2Gi" };
const PG_NAME: ConfigRule = { ...POSTGRES_IDENTIFIER, example: "app" };

/** Bounds of `localkube:readyTimeout`, in seconds. */
export const READY_TIMEOUT_RANGE = { min: 10, max: 6 * 3600 } as const;

/** Defaults that differ by stack kind. */
export interface CommonDefaults {
  /** `localkube:readyTimeout` when unset, e.g. `120s`. */
  readonly readyTimeout: string;
}

/** `localkube:readyTimeout` in seconds: a duration such as `120s` or `10m`, from 10 s to 6 h. */
function readReadyTimeout(r: ConfigReader, fallback: string): number {
  const text = r.string("readyTimeout", fallback);
  const ms = parseDuration(text);
  const { min, max } = READY_TIMEOUT_RANGE;
  if (ms !== undefined && ms >= min * 1000 && ms <= max * 1000) return ms / 1000;
  r.report(
    "readyTimeout",
    `${JSON.stringify(text)} is not a duration from ${min}s to ${max / 3600}h: use a whole number with s, m or h, e.g. 120s or 10m`,
    fallback,
  );
  return (parseDuration(fallback) ?? 120_000) / 1000;
}

/** Reads the keys both stack kinds share; `defaults` holds those that differ by stack kind. */
export function readCommonSettings(r: ConfigReader, defaults: CommonDefaults): CommonSettings {
  return {
    catalogDir: r.string("catalogDir", "services"),
    services: r.names("services"),
    local: r.names("local") ?? [],
    buildAll: r.bool("buildAll", false),
    readyTimeoutSeconds: readReadyTimeout(r, defaults.readyTimeout),
    images: {
      registry: r.optionalString("images.registry", {
        ...REGISTRY_PREFIX,
        example: "ghcr.io/acme",
      }),
      tag: r.string("images.tag", "latest", { ...IMAGE_TAG, example: "latest" }),
      overrides: r.stringMap("images.overrides"),
      builder: r.optionalString("build.builder", {
        pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
        help: "a buildx builder name (letters, digits, '_', '.', '-')",
        example: "localkube",
      }),
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
    secrets: readSecrets(r),
  };
}
