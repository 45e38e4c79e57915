import * as path from "path";
import {
  APPLIANCE_CONNECTION_KEYS,
  APPLIANCES,
  APPLIANCES_GROUP,
  isAppliance,
  SERVICE_CONNECTION_KEYS,
} from "./appliances";
import { parseServiceFile } from "./parseService";
import { DEFAULT_POLICY, parseSettingsFile, SETTINGS_FILE } from "./parseSettings";
import { CatalogError, didYouMean, listNames, InputProblem, show, sortProblems } from "./problems";
import { AddonSpec, Catalog, ServiceSpec } from "./types";
import { formatPath, PathSegment } from "./yamlFile";

type Locator = (
  svc: ServiceSpec,
  p: readonly PathSegment[],
) => Pick<InputProblem, "file" | "line" | "path">;

/** One catalog file as read from disk. */
export interface CatalogFile {
  /** Path shown in messages, e.g. `services/bank.yaml`. */
  readonly file: string;
  readonly text: string;
}

/**
 * Builds a validated {@link Catalog} from the files of a catalog directory, or throws a
 * {@link CatalogError} listing every problem of every file.
 *
 * @param dir catalog directory as shown in messages (e.g. `services`)
 * @param absDir absolute catalog directory; build contexts are resolved against it
 */
export function buildCatalog(dir: string, absDir: string, files: readonly CatalogFile[]): Catalog {
  const problems: InputProblem[] = [];
  const settingsFile = files.find((f) => path.basename(f.file) === SETTINGS_FILE);
  const settings = settingsFile
    ? parseSettingsFile(settingsFile.file, settingsFile.text, absDir)
    : undefined;
  problems.push(...(settings?.problems ?? []));

  const services = new Map<string, ServiceSpec>();
  const lineFinders = new Map<string, (p: readonly PathSegment[]) => number | undefined>();
  const at: Locator = (svc, p) => ({
    file: svc.file,
    line: lineFinders.get(svc.file)?.(p),
    path: formatPath(p),
  });
  for (const f of files) {
    if (f === settingsFile) continue;
    const parsed = parseServiceFile(f.file, f.text, absDir);
    problems.push(...parsed.problems);
    lineFinders.set(f.file, parsed.lineOf);
    const spec = parsed.spec;
    if (!spec) continue;
    const existing = services.get(spec.name);
    if (existing) {
      problems.push({
        ...at(spec, ["name"]),
        message: `service ${show(spec.name)} is also defined in ${existing.file}; keep one of the two files`,
      });
      continue;
    }
    if (isAppliance(spec.name) || spec.name === APPLIANCES_GROUP) {
      problems.push({
        ...at(spec, ["name"]),
        message: `${show(spec.name)} is a built-in appliance or group name; rename the service`,
      });
      continue;
    }
    services.set(spec.name, spec);
  }

  const groups = new Map<string, readonly string[]>([[APPLIANCES_GROUP, APPLIANCES]]);
  for (const [name, members] of settings?.groups ?? []) {
    const where = {
      file: settingsFile!.file,
      line: settings!.lineOf(["groups", name]),
      path: `groups.${name}`,
    };
    if (groups.has(name) || services.has(name) || isAppliance(name)) {
      problems.push({
        ...where,
        message: `${show(name)} is already the name of a ${services.has(name) ? "service" : "built-in group or appliance"}; rename the group`,
      });
      continue;
    }
    groups.set(name, members);
  }

  const addons = platformAddons(settings?.addons, services, groups, settings?.lineOf, problems);
  const known = [...services.keys(), ...APPLIANCES, ...groups.keys(), ...addons.keys()];
  const knownText = listNames(known);
  for (const [name, members] of settings?.groups ?? []) {
    members.forEach((m, i) => {
      if (!known.includes(m)) {
        problems.push({
          file: settingsFile!.file,
          line: settings!.lineOf(["groups", name, i]),
          path: `groups.${name}[${i}]`,
          message: `unknown service ${show(m)}${didYouMean(m, known)}; known: ${knownText}`,
        });
      }
    });
  }
  problems.push(...groupCycles(groups, settingsFile?.file, settings?.lineOf));

  for (const svc of services.values()) {
    problems.push(...checkReferences(svc, services, groups, addons, known, knownText, at));
  }
  problems.push(...dependencyCycles(services, groups, at));
  problems.push(...hostCollisions(services, at));
  problems.push(...forwardCollisions(services, at));
  const policy = settings?.policy ?? DEFAULT_POLICY;
  for (const svc of services.values())
    problems.push(
      ...policyViolations(svc, policy, settingsFile?.file ?? `${dir}/${SETTINGS_FILE}`, at),
    );

  if (problems.length > 0)
    throw new CatalogError(sortProblems(problems), `invalid service catalog in ${dir}/`);
  return { dir, services, groups, addons, policy };
}

/** The add-ons of `platform:` whose names no service, appliance or group already has. */
function platformAddons(
  parsed: ReadonlyMap<string, AddonSpec> | undefined,
  services: ReadonlyMap<string, ServiceSpec>,
  groups: ReadonlyMap<string, readonly string[]>,
  lineOf: ((p: (string | number)[]) => number | undefined) | undefined,
  problems: InputProblem[],
): Map<string, AddonSpec> {
  const addons = new Map<string, AddonSpec>();
  for (const [name, addon] of parsed ?? []) {
    const taken = services.has(name)
      ? `a service (${services.get(name)!.file})`
      : groups.has(name)
        ? name === APPLIANCES_GROUP
          ? "a built-in group"
          : "a group"
        : isAppliance(name)
          ? "a built-in appliance"
          : undefined;
    if (taken) {
      problems.push({
        file: addon.file,
        line: lineOf?.(["platform", name]),
        path: `platform.${name}`,
        message: `${show(name)} is already the name of ${taken}; rename the add-on`,
      });
      continue;
    }
    addons.set(name, addon);
  }
  return addons;
}

function checkReferences(
  svc: ServiceSpec,
  services: ReadonlyMap<string, ServiceSpec>,
  groups: ReadonlyMap<string, readonly string[]>,
  addons: ReadonlyMap<string, AddonSpec>,
  known: readonly string[],
  knownText: string,
  at: Locator,
): InputProblem[] {
  const out: InputProblem[] = [];
  svc.dependsOn.forEach((dep, i) => {
    if (dep !== svc.name && !known.includes(dep)) {
      out.push({
        ...at(svc, ["dependsOn", i]),
        message: `unknown service ${show(dep)}${didYouMean(dep, known)}; known: ${knownText}`,
      });
    }
  });
  for (const [key, value] of Object.entries(svc.env)) {
    if (value.kind !== "ref") continue;
    const p = ["env", key, "from"];
    // A dependency reached through a group (`dependsOn: [appliances]`) is as good as a direct one.
    if (
      !svc.dependsOn.includes(value.from) &&
      !expandDependencies(svc.dependsOn, groups).includes(value.from)
    ) {
      out.push({
        ...at(svc, p),
        message: `${show(value.from)} is not in dependsOn (${svc.dependsOn.join(", ") || "empty"}); add it to dependsOn or reference one of those`,
      });
      continue;
    }
    if (groups.has(value.from)) {
      out.push({
        ...at(svc, p),
        message: `${show(value.from)} is a group; reference one service or appliance of it`,
      });
      continue;
    }
    if (addons.has(value.from)) {
      out.push({
        ...at(svc, p),
        message: `${show(value.from)} is a platform add-on and offers no connection values; remove this reference (the dependency alone makes ${svc.name} wait for it)`,
      });
      continue;
    }
    const target = services.get(value.from);
    const offersNothing = target && kindOfEntry(target) !== "deployment";
    if (offersNothing) {
      out.push({
        ...at(svc, p),
        message: `${show(value.from)} is ${kindOfEntry(target)} and offers no connection values; remove this reference (the dependency alone makes ${svc.name} wait for it)`,
      });
      continue;
    }
    const keys = isAppliance(value.from)
      ? APPLIANCE_CONNECTION_KEYS[value.from]
      : target
        ? SERVICE_CONNECTION_KEYS
        : undefined;
    if (keys && !keys.includes(value.key)) {
      out.push({
        ...at(svc, ["env", key, "key"]),
        message: `${show(value.key)} is not offered by ${value.from}${didYouMean(value.key, keys)}; use one of: ${keys.join(", ")}`,
      });
    }
  }
  if (svc.image.from !== undefined)
    out.push(...imageSourceProblems(svc, services, groups, addons, at));
  return out;
}

/** What runs an entry, in words: `deployment`, or what makes it different. */
export function kindOfEntry(svc: ServiceSpec): string {
  if (svc.manifests)
    return `deployed from its own ${svc.manifests.kind === "chart" ? "chart" : "manifests"}`;
  if (svc.workload === "job") return "a job";
  if (svc.workload === "cronjob") return "a cronjob";
  return "deployment";
}

/** `image.from` must name another service with an image of its own. */
function imageSourceProblems(
  svc: ServiceSpec,
  services: ReadonlyMap<string, ServiceSpec>,
  groups: ReadonlyMap<string, readonly string[]>,
  addons: ReadonlyMap<string, AddonSpec>,
  at: Locator,
): InputProblem[] {
  const from = svc.image.from!;
  const where = at(svc, ["image", "from"]);
  const source = services.get(from);
  const names = [...services.keys()].filter((n) => n !== svc.name && !services.get(n)!.image.from);
  let message: string | undefined;
  if (from === svc.name)
    message = `a service cannot run its own image through image.from; set image.repository or build instead`;
  else if (isAppliance(from) || groups.has(from) || addons.has(from))
    message = `${show(from)} is ${isAppliance(from) ? "an appliance" : groups.has(from) ? "a group" : "a platform add-on"}; name a service whose image to run`;
  else if (!source)
    message = `unknown service ${show(from)}${didYouMean(from, names)}; known: ${listNames(names)}`;
  else if (source.image.from !== undefined)
    message = `${from} runs the image of ${source.image.from} itself; name ${show(source.image.from)} here`;
  else if (source.manifests)
    message = `${from} is deployed from its own ${source.manifests.kind === "chart" ? "chart" : "manifests"}, which choose its images; name a service with an image or build section`;
  return message === undefined ? [] : [{ ...where, message }];
}

/** Direct dependencies of a node, with groups expanded to their members. */
export function expandDependencies(
  names: readonly string[],
  groups: ReadonlyMap<string, readonly string[]>,
): string[] {
  const out = new Set<string>();
  const seenGroups = new Set<string>();
  const visit = (n: string) => {
    const members = groups.get(n);
    if (!members) return void out.add(n);
    if (seenGroups.has(n)) return;
    seenGroups.add(n);
    members.forEach(visit);
  };
  names.forEach(visit);
  return [...out];
}

function groupCycles(
  groups: ReadonlyMap<string, readonly string[]>,
  file: string | undefined,
  lineOf: ((p: (string | number)[]) => number | undefined) | undefined,
): InputProblem[] {
  const out: InputProblem[] = [];
  const state = new Map<string, "active" | "done">();
  const walk = (g: string, trail: string[]) => {
    state.set(g, "active");
    for (const m of groups.get(g) ?? []) {
      if (!groups.has(m)) continue;
      if (state.get(m) === "active") {
        const cycle = [...trail.slice(trail.indexOf(m)), m];
        out.push({
          file: file ?? "",
          line: lineOf?.(["groups", g]),
          path: `groups.${g}`,
          message: `groups contain each other: ${cycle.join(" → ")}; remove one of these memberships`,
        });
      } else if (!state.has(m)) {
        walk(m, [...trail, m]);
      }
    }
    state.set(g, "done");
  };
  for (const g of groups.keys()) if (!state.has(g)) walk(g, [g]);
  return out;
}

/** Every dependency cycle among services, each reported once with its path. */
function dependencyCycles(
  services: ReadonlyMap<string, ServiceSpec>,
  groups: ReadonlyMap<string, readonly string[]>,
  at: Locator,
): InputProblem[] {
  const out: InputProblem[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const walk = (name: string) => {
    state.set(name, "active");
    stack.push(name);
    const svc = services.get(name)!;
    for (const dep of expandDependencies(svc.dependsOn, groups)) {
      if (!services.has(dep)) continue;
      if (dep === name) {
        // Listed directly, it is reported by the parser; through a group, it is reported here.
        const i = svc.dependsOn.findIndex(
          (d) => groups.has(d) && expandDependencies([d], groups).includes(name),
        );
        if (i >= 0) {
          out.push({
            ...at(svc, ["dependsOn", i]),
            message: `group ${show(svc.dependsOn[i])} contains ${name} itself, and a service cannot depend on itself; list the other members instead`,
          });
        }
        continue;
      }
      if (state.get(dep) === "active") {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const i = svc.dependsOn.findIndex(
          (d) => d === dep || expandDependencies([d], groups).includes(dep),
        );
        out.push({
          ...at(svc, ["dependsOn", i]),
          message: `dependency cycle: ${cycle.join(" → ")}; a service cannot (indirectly) depend on itself, remove one of these dependencies`,
        });
      } else if (!state.has(dep)) {
        walk(dep);
      }
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of [...services.keys()].sort()) if (!state.has(name)) walk(name);
  return out;
}

function hostCollisions(services: ReadonlyMap<string, ServiceSpec>, at: Locator): InputProblem[] {
  const out: InputProblem[] = [];
  const owners = new Map<string, ServiceSpec>();
  for (const svc of [...services.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!svc.ingress) continue;
    const key = `${svc.ingress.host}${svc.ingress.path}`;
    const other = owners.get(key);
    if (other) {
      out.push({
        ...at(svc, ["ingress", "host"]),
        message: `host ${show(svc.ingress.host)} with path ${show(svc.ingress.path)} is already served by ${other.name} (${other.file}); choose another host or path`,
      });
    } else {
      owners.set(key, svc);
    }
  }
  return out;
}

/** Two ports forwarded to the same port on the laptop: one of them could never listen. */
function forwardCollisions(
  services: ReadonlyMap<string, ServiceSpec>,
  at: Locator,
): InputProblem[] {
  const out: InputProblem[] = [];
  const owners = new Map<number, string>();
  for (const svc of [...services.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    svc.ports.forEach((port, i) => {
      if (port.forward === undefined) return;
      const other = owners.get(port.forward);
      if (other)
        out.push({
          ...at(svc, ["ports", i, "forward"]),
          message: `host port ${port.forward} is already forwarded to ${other}; choose another port`,
        });
      else owners.set(port.forward, `${svc.name}'s port ${port.name} (${svc.file})`);
    });
  }
  return out;
}

function policyViolations(
  svc: ServiceSpec,
  policy: Catalog["policy"],
  policyFile: string,
  at: Locator,
): InputProblem[] {
  const out: InputProblem[] = [];
  // An entry deployed from its own manifests is checked where those are written.
  if (svc.manifests) return out;
  // A job or cron job is done when its pod completes: it has no readiness to probe.
  const probes = svc.workload === undefined || svc.workload === "deployment";
  for (const kind of probes ? policy.requireProbes : []) {
    if (!svc.probes[kind]) {
      out.push({
        ...at(svc, ["probes", kind]),
        message: `missing, and the catalog policy (${policyFile}) requires a ${kind} probe; add one (httpGet, tcpSocket or exec)`,
      });
    }
  }
  for (const field of policy.requireResources) {
    const [section, res] = field.split(".") as ["requests" | "limits", "cpu" | "memory"];
    if (svc.resources?.[section]?.[res] === undefined) {
      out.push({
        ...at(svc, ["resources", section, res]),
        message: `missing, and the catalog policy (${policyFile}) requires it; set e.g. ${res === "cpu" ? "100m" : "128Mi"}`,
      });
    }
  }
  return out;
}
