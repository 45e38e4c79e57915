import { show } from "../catalog/problems";
import type { SelectionSource } from "../catalog/plan";
import { ConfigError } from "./errors";

/**
 * Reads a list of names from config: a YAML/JSON list, or a string separated by commas and/or
 * spaces (so `-c localkube:services=appliances,bank` works). Returns undefined when unset/empty.
 */
export function parseNameList(raw: unknown, source: SelectionSource): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  let items: unknown[];
  if (Array.isArray(raw)) {
    items = raw;
  } else if (typeof raw === "string") {
    const trimmed = raw.trim();
    if (trimmed.startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (!Array.isArray(parsed)) throw new Error("not a list");
        items = parsed;
      } catch {
        throw new ConfigError([
          {
            file: source.file,
            path: source.key,
            message: `${show(raw)} is not a list; write names separated by commas, e.g. appliances,bank`,
          },
        ]);
      }
    } else {
      items = trimmed.split(/[\s,]+/).filter((s) => s !== "");
    }
  } else {
    throw new ConfigError([
      {
        file: source.file,
        path: source.key,
        message: `expected a list of names or a comma separated string, got ${show(raw)}`,
      },
    ]);
  }
  const names = items.map((item, i) => {
    if (typeof item !== "string" || item.trim() === "") {
      throw new ConfigError([
        {
          file: source.file,
          path: `${source.key}[${i}]`,
          message: `expected a service name, got ${show(item)}`,
        },
      ]);
    }
    return item.trim();
  });
  return names.length === 0 ? undefined : [...new Set(names)];
}
