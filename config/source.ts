import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { InputProblem, show } from "../catalog/problems";
import { ConfigError } from "./errors";

/** A config value and the file it was set in (for messages). */
export interface ConfigValue {
  readonly value: string;
  readonly file: string;
}

/** Read access to `localkube:*` config, layered (stack file over branch defaults). */
export interface ConfigSource {
  /** Plain value of `localkube:<key>`; undefined when unset everywhere. */
  get(key: string): ConfigValue | undefined;
  /**
   * Plaintext of the secret `localkube:<key>` (Pulumi decrypts config before the program runs);
   * undefined when unset. Only the stack file holds secrets. {@link ConfigReader.secret} checks it
   * and wraps it in `pulumi.secret` at once: nothing else may hold it.
   */
  getSecret(key: string): string | undefined;
  /** Whether `localkube:<key>` was set encrypted (`pulumi config set --secret`). */
  isSecret(key: string): boolean;
  /** Every `localkube:*` key that is set, without the namespace (to find misspelt keys). */
  keys(): string[];
  /** File new values should be written to (named in fixes). */
  readonly stackFile: string;
}

export const NAMESPACE = "localkube";

/**
 * Whether the engine handed the program this key as a secret (`PULUMI_CONFIG_SECRET_KEYS`): the
 * SDK's own check, which `Config.get` uses to warn about secrets read in plaintext. It is marked
 * internal in the SDK's types, hence the typed require; test/config.test.ts pins its behaviour.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
  isConfigSecret(fullKey: string): boolean;
};

/** The stack's own Pulumi config (`Pulumi.<stack>.yaml` and `-c` flags). */
export function pulumiConfigSource(stack: string): ConfigSource {
  const config = new pulumi.Config(NAMESPACE);
  const stackFile = `Pulumi.${stack}.yaml`;
  return {
    stackFile,
    get: (key) => {
      const value = config.get(key);
      return value === undefined ? undefined : { value, file: stackFile };
    },
    // What `config.getSecret` wraps: the reader validates it before making it a secret Output.
    getSecret: (key) => config.get(key),
    isSecret: (key) => isConfigSecret(`${NAMESPACE}:${key}`),
    keys: () =>
      Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(`${NAMESPACE}:`))
        .map((k) => k.slice(NAMESPACE.length + 1)),
  };
}

/**
 * Plain `localkube:*` values of a defaults file in stack-file format (`config:` mapping),
 * e.g. `Pulumi.branch.yaml`. Encrypted values are refused: they belong to one stack's key.
 */
export function readDefaultsFile(file: string, text: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(
      [{ file, path: "", message: `not valid YAML: ${(err as Error).message.split("\n")[0]}` }],
      "invalid defaults file",
    );
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(
      [
        {
          file,
          path: "config",
          message: `expected a mapping of keys to values, got ${show(config)}`,
        },
      ],
      "invalid defaults file",
    );
  }
  const out: Record<string, string> = {};
  const problems: InputProblem[] = [];
  for (const [fullKey, value] of Object.entries(config as Record<string, unknown>)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) {
      problems.push({
        file,
        path: `config.${fullKey}`,
        message: `only ${NAMESPACE}:* keys are read from this file; move it to the stack file`,
      });
      continue;
    }
    if (value !== null && typeof value === "object" && "secure" in (value as object)) {
      problems.push({
        file,
        path: `config.${fullKey}`,
        message: `encrypted values cannot be shared defaults (each stack has its own key); set it per stack with \`pulumi config set --secret ${fullKey} …\``,
      });
      continue;
    }
    out[fullKey.slice(NAMESPACE.length + 1)] =
      typeof value === "string" ? value : JSON.stringify(value);
  }
  if (problems.length > 0) throw new ConfigError(problems, "invalid defaults file");
  return out;
}

/** `primary` wins; keys it lacks come from `defaults` (read from `defaultsFile`). */
export function layeredSource(
  primary: ConfigSource,
  defaults: Readonly<Record<string, string>>,
  defaultsFile: string,
): ConfigSource {
  return {
    stackFile: primary.stackFile,
    get: (key) =>
      primary.get(key) ??
      (key in defaults ? { value: defaults[key], file: defaultsFile } : undefined),
    getSecret: (key) => primary.getSecret(key),
    isSecret: (key) => primary.isSecret(key),
    keys: () => [...new Set([...primary.keys(), ...Object.keys(defaults)])],
  };
}

/** Reads a defaults file from disk; a missing file means no defaults. */
export function loadDefaultsFile(file: string): Record<string, string> {
  return fs.existsSync(file) ? readDefaultsFile(file, fs.readFileSync(file, "utf8")) : {};
}
