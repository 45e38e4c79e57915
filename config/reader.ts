import * as pulumi from "@pulumi/pulumi";
import { ValueRule } from "../catalog/patterns";
import { closest, didYouMean, InputProblem, show } from "../catalog/problems";
import { ConfigError } from "./errors";
import { parseNameList } from "./nameList";
import { ConfigSource, NAMESPACE } from "./source";

/** A value rule with a value to show in the ready-to-run fix. */
export type ConfigRule = ValueRule & { readonly example: string };

/**
 * Typed reads of `localkube:*` keys. Every bad value is recorded (file, key, value, allowed,
 * fix) and {@link ConfigReader.done} throws them all at once, before anything is created. The keys
 * read are the keys this stack kind knows: a key that is set but never read is reported as unknown
 * (a typo such as `ingres.domain` must not be silently ignored).
 */
export class ConfigReader {
  readonly problems: InputProblem[] = [];
  private readonly known = new Set<string>();

  constructor(readonly source: ConfigSource) {}

  private where(key: string) {
    return {
      file: this.source.get(key)?.file ?? this.source.stackFile,
      path: `${NAMESPACE}:${key}`,
    };
  }

  /** Records a problem; `example` makes the fix a ready-to-run command. */
  report(key: string, message: string, example?: string): undefined {
    const fix =
      example === undefined ? "" : `; fix: pulumi config set ${NAMESPACE}:${key} ${example}`;
    this.problems.push({ ...this.where(key), message: `${message}${fix}` });
    return undefined;
  }

  raw(key: string): string | undefined {
    this.known.add(key);
    return this.source.get(key)?.value;
  }

  string(key: string, fallback: string, rule?: ConfigRule): string {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (v === "" || (rule && !rule.pattern.test(v))) {
      return (
        this.report(
          key,
          `${show(v)} is not allowed: use ${rule?.help ?? "a non-empty value"}`,
          rule?.example,
        ) ?? fallback
      );
    }
    return v;
  }

  optionalString(key: string, rule?: ConfigRule): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    return this.string(key, v, rule);
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) {
      return (
        this.report(
          key,
          `${show(v)} is not a whole number from ${min} to ${max}`,
          String(fallback),
        ) ?? fallback
      );
    }
    return n;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (v !== "true" && v !== "false")
      return this.report(key, `${show(v)} is not true or false`, String(!fallback)) ?? fallback;
    return v === "true";
  }

  oneOf<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) {
      // The ready-to-run fix sets the closest value, never merely the first allowed one (which
      // may be the unsafe choice, e.g. Pod Security `privileged`); with none close, no fix picks.
      const guess = closest(v, allowed);
      return (
        this.report(
          key,
          `${show(v)} is not allowed${didYouMean(v, allowed)}; use one of: ${allowed.join(", ")}`,
          guess,
        ) ?? fallback
      );
    }
    return v as T;
  }

  /** A list of names (YAML list or "a,b c"); undefined when unset. */
  names(key: string): string[] | undefined {
    this.known.add(key);
    const v = this.source.get(key);
    if (v === undefined) return undefined;
    try {
      return parseNameList(v.value, { file: v.file, key: `${NAMESPACE}:${key}` });
    } catch (err) {
      if (err instanceof ConfigError) this.problems.push(...err.problems);
      else throw err;
      return undefined;
    }
  }

  /** A JSON/YAML object whose values are strings (e.g. image overrides); {} when unset. */
  stringMap(key: string): Record<string, string> {
    const v = this.raw(key);
    if (v === undefined) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    if (
      parsed === null ||
      typeof parsed !== "object" ||
      Array.isArray(parsed) ||
      Object.values(parsed).some((x) => typeof x !== "string")
    ) {
      return (
        this.report(
          key,
          `${show(v)} is not a mapping of names to strings`,
          `'{"bank":"ghcr.io/acme/bank:1.2"}'`,
        ) ?? {}
      );
    }
    return parsed as Record<string, string>;
  }

  /**
   * A secret, as a secret Output. `problem` checks its plaintext now, before anything is created,
   * and says what is wrong without repeating the value; the report adds how to set it.
   */
  secret(
    key: string,
    problem?: (text: string) => string | undefined,
    example = "…",
  ): pulumi.Output<string> | undefined {
    this.known.add(key);
    const text = this.source.getSecret(key);
    if (text === undefined) return undefined;
    if (!this.source.isSecret(key)) {
      // Never repeated here: it already sits in plaintext in the stack file.
      this.report(
        key,
        `is set in plaintext, but it is a secret (its value is not shown here); encrypt it: \`pulumi config set --secret ${NAMESPACE}:${key} ${example}\``,
      );
      // Read on (as a secret Output) so that checks of other keys do not report it as missing.
      return pulumi.secret(text);
    }
    const wrong = text === "" ? "is empty" : problem?.(text);
    if (wrong !== undefined) {
      this.report(
        key,
        `${wrong} (its value is a secret: not shown here); set it with \`pulumi config set --secret ${NAMESPACE}:${key} ${example}\``,
      );
    }
    return pulumi.secret(text);
  }

  /**
   * Reports every set key that nothing read, with the closest known key. Call after all reads;
   * `kind` names the stack kind in the message ("a local stack").
   */
  checkUnknownKeys(kind: string): void {
    for (const key of this.source.keys().sort()) {
      if (this.known.has(key)) continue;
      const guess = didYouMean(key, this.known);
      const known =
        guess === "" ? `; the README's "Configuration" section lists the keys of ${kind}` : "";
      const fix = `pulumi config rm ${NAMESPACE}:${key}`;
      this.problems.push({
        ...this.where(key),
        message: `unknown key for ${kind}${guess}${known}; remove it (\`${fix}\`) or correct its name`,
      });
    }
  }

  /** The keys read so far (without `localkube:`): what this stack kind knows. */
  knownKeys(): string[] {
    return [...this.known].sort();
  }

  /** Throws every recorded problem at once. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
