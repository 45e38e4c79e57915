import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { expandDependencies } from "../catalog/validate";
import type { Catalog } from "../catalog/types";
import type { StackFacts } from "../status/model";

/**
 * The catalog directory of a stack, read from its stack file before anything runs (the command
 * line is checked against this catalog): `localkube:catalogDir`, else `services`.
 */
export function catalogDirOf(projectDir: string, stack: string): string {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  const doc = fs.existsSync(file)
    ? (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)
    : null;
  const dir = doc?.config?.["localkube:catalogDir"];
  return path.resolve(projectDir, typeof dir === "string" && dir !== "" ? dir : "services");
}

/** The group a service is shown under: the first catalog group (nested groups expanded) that holds it. */
export function groupOf(service: string, groups: ReadonlyMap<string, readonly string[]>): string {
  for (const [name, members] of groups) {
    if (name === "appliances") continue;
    if (expandDependencies(members, groups).includes(service)) return name;
  }
  return "";
}

/** What the status rows are built from: the stack's outputs and its catalog. Services grouped, groups in catalog order. */
export function stackFacts(
  outputs: { namespace?: unknown; services?: unknown; appliances?: unknown; urls?: unknown },
  catalog: Pick<Catalog, "groups">,
): StackFacts {
  const services = Array.isArray(outputs.services) ? (outputs.services as string[]) : [];
  const urls = (outputs.urls ?? {}) as Record<string, string>;
  const groupOrder = [...catalog.groups.keys(), ""];
  const rows = services
    .map((name) => ({ name, group: groupOf(name, catalog.groups), url: urls[name] }))
    .sort(
      (a, b) =>
        groupOrder.indexOf(a.group) - groupOrder.indexOf(b.group) ||
        services.indexOf(a.name) - services.indexOf(b.name),
    );
  return {
    namespace: typeof outputs.namespace === "string" ? outputs.namespace : "",
    services: rows,
    appliances: Array.isArray(outputs.appliances) ? (outputs.appliances as string[]) : [],
  };
}

/** The URL table printed after a converge. */
export function urlTable(facts: StackFacts): string[] {
  const width = Math.max(7, ...facts.services.map((s) => s.name.length));
  return facts.services.filter((s) => s.url).map((s) => `  ${s.name.padEnd(width)}  ${s.url}`);
}
