import { Document, LineCounter, parseDocument } from "yaml";
import { didYouMean, listNames, InputProblem, show } from "./problems";

/** A path inside a YAML document: object keys and array indexes. */
export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`))
    .join("");
}

/**
 * One parsed YAML file plus typed readers that record a located {@link InputProblem} for every
 * value that does not fit, so that all problems of a file are reported at once.
 */
export class YamlFile {
  readonly problems: InputProblem[] = [];
  readonly root: unknown;
  private readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    for (const err of this.doc.errors) {
      // prettyErrors is off, so `linePos` is unset: locate the error from its offset.
      const line = err.linePos?.[0]?.line ?? this.lines.linePos(err.pos[0]).line;
      this.problems.push({
        file,
        line,
        path: "",
        message: `not valid YAML: ${err.message.split("\n")[0]}; fix the syntax at that line`,
      });
    }
    this.root = this.doc.errors.length > 0 ? undefined : this.doc.toJS();
  }

  /** 1-based line of the node at `path`, or of its closest located ancestor. */
  lineOf(path: readonly PathSegment[]): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === "object" && node.range)
        return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  report(path: readonly PathSegment[], message: string): undefined {
    this.problems.push({
      file: this.file,
      line: this.lineOf(path),
      path: formatPath(path),
      message,
    });
    return undefined;
  }

  /** A mapping with only `allowed` keys (unknown keys are reported, with a suggestion). */
  object(
    path: readonly PathSegment[],
    value: unknown,
    allowed: readonly string[],
  ): Record<string, unknown> | undefined {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return this.report(path, `expected a mapping, got ${show(value)}`);
    }
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.report(
          [...path, key],
          `unknown field${didYouMean(key, allowed)}; allowed here: ${listNames(allowed, 30)}`,
        );
      }
    }
    return obj;
  }

  string(
    path: readonly PathSegment[],
    value: unknown,
    rule?: { pattern: RegExp; help: string; maxLength?: number },
  ): string | undefined {
    if (typeof value !== "string" || value === "") {
      return this.report(path, `expected a non-empty string, got ${show(value)}`);
    }
    if (rule && (!rule.pattern.test(value) || value.length > (rule.maxLength ?? Infinity))) {
      return this.report(path, `${show(value)} is not allowed: use ${rule.help}`);
    }
    return value;
  }

  /** A scalar turned into a string (YAML `8080` and `true` are common in env maps). */
  scalar(path: readonly PathSegment[], value: unknown): string | undefined {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return this.report(path, `expected a string, number or boolean, got ${show(value)}`);
  }

  integer(
    path: readonly PathSegment[],
    value: unknown,
    min: number,
    max: number,
  ): number | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      return this.report(path, `expected a whole number from ${min} to ${max}, got ${show(value)}`);
    }
    return value;
  }

  boolean(path: readonly PathSegment[], value: unknown): boolean | undefined {
    if (typeof value !== "boolean")
      return this.report(path, `expected true or false, got ${show(value)}`);
    return value;
  }

  /** A list whose items are read by `item`; items that fail are dropped (and reported). */
  list<T>(
    path: readonly PathSegment[],
    value: unknown,
    item: (path: readonly PathSegment[], value: unknown) => T | undefined,
  ): T[] | undefined {
    if (!Array.isArray(value)) return this.report(path, `expected a list, got ${show(value)}`);
    const out: T[] = [];
    value.forEach((v, i) => {
      const parsed = item([...path, i], v);
      if (parsed !== undefined) out.push(parsed);
    });
    return out;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(
    path: readonly PathSegment[],
    value: unknown,
    allowed: readonly T[],
  ): T | undefined {
    if (typeof value !== "string" || !allowed.includes(value as T)) {
      const hint = typeof value === "string" ? didYouMean(value, allowed) : "";
      return this.report(
        path,
        `${show(value)} is not allowed${hint}; use one of: ${allowed.join(", ")}`,
      );
    }
    return value as T;
  }
}
