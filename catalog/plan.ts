import * as path from "path";
import { APPLIANCE_DEPENDENCIES, APPLIANCES, ApplianceName, isAppliance } from "./appliances";
import { CatalogError, didYouMean, listNames, InputProblem, show } from "./problems";
import { AddonSpec, Catalog, ManifestSource, ServiceSpec } from "./types";
import { expandDependencies } from "./validate";

/** What one stack deploys: the selected services, everything they need, and what to build. */
export interface DeploymentPlan {
  /** Services to deploy, dependencies before their dependents, ties in name order. */
  readonly services: readonly ServiceSpec[];
  /** Appliances to deploy, in {@link APPLIANCES} order. */
  readonly appliances: readonly ApplianceName[];
  /**
   * Platform add-ons the selection needs (named in it, or a dependency of what it runs), in name
   * order: installed before any entry by the local stack, required of the cluster by branch stacks.
   */
  readonly addons: readonly AddonSpec[];
  /** Names of the services built from their local source. */
  readonly local: ReadonlySet<string>;
  /**
   * For each deployed service that runs another service's image (`image.from`), that service:
   * its local build when it is in {@link local}, else its published image.
   */
  readonly imageFrom: ReadonlyMap<string, ServiceSpec>;
}

/** Where a selection came from, for messages: the config key and the file it is set in. */
export interface SelectionSource {
  readonly file: string;
  readonly key: string;
}

export interface PlanOptions {
  /** Services to deploy with all their dependencies; undefined = the whole catalog. */
  readonly selection?: readonly string[];
  readonly selectionSource?: SelectionSource;
  /** Services built from source; each must be deployed and have a `build` section. */
  readonly local?: readonly string[];
  readonly localSource?: SelectionSource;
  /** Build every deployed service that has a `build` section. */
  readonly buildAll?: boolean;
  /** How build contexts, mounted files, charts and manifests are found (host/catalogFiles.ts: `DISK`). */
  readonly files: FileCheck;
}

/** Questions the planner asks of the file system, answered by the caller. */
export interface FileCheck {
  exists(p: string): boolean;
  /** Whether an existing path is a directory. */
  isDirectory(p: string): boolean;
}

const DEFAULT_SOURCE: SelectionSource = { file: "stack config", key: "localkube:services" };

/** Whether an entry runs to completion (a job, or a cron job's runs) rather than serving. */
export function isBatch(spec: Pick<ServiceSpec, "workload">): boolean {
  return spec.workload === "job" || spec.workload === "cronjob";
}

/** Resolves a selection to its transitive dependency closure and checks the local builds. */
export function planDeployment(catalog: Catalog, options: PlanOptions): DeploymentPlan {
  const { exists, isDirectory } = options.files;
  const known = [
    ...catalog.services.keys(),
    ...APPLIANCES,
    ...catalog.groups.keys(),
    ...catalog.addons.keys(),
  ];
  const problems: InputProblem[] = [];
  const selSource = options.selectionSource ?? DEFAULT_SOURCE;
  const selection = options.selection ?? [...catalog.services.keys()];
  selection.forEach((name, i) => {
    if (!known.includes(name)) {
      problems.push({
        file: selSource.file,
        path: `${selSource.key}[${i}]`,
        message: `unknown service ${show(name)}${didYouMean(name, known)}; known: ${listNames(known)}`,
      });
    }
  });
  if (problems.length > 0) throw new CatalogError(problems, "invalid selection");

  const services = new Set<string>();
  const appliances = new Set<ApplianceName>();
  const addons = new Set<string>();
  const visit = (name: string) => {
    if (catalog.addons.has(name)) return void addons.add(name);
    if (isAppliance(name)) {
      if (appliances.has(name)) return;
      appliances.add(name);
      APPLIANCE_DEPENDENCIES[name].forEach(visit);
      return;
    }
    if (services.has(name)) return;
    services.add(name);
    expandDependencies(catalog.services.get(name)!.dependsOn, catalog.groups).forEach(visit);
  };
  expandDependencies(selection, catalog.groups).forEach(visit);

  const localSource = options.localSource ?? { file: selSource.file, key: "localkube:local" };
  const local = new Set<string>();
  (options.local ?? []).forEach((name, i) => {
    const p = `${localSource.key}[${i}]`;
    const svc = catalog.services.get(name);
    if (!svc) {
      const hint = catalog.addons.has(name)
        ? `${show(name)} is a platform add-on, not a service; list services`
        : isAppliance(name) || catalog.groups.has(name)
          ? `${show(name)} is an appliance or group, not a service; list services`
          : `unknown service ${show(name)}${didYouMean(name, catalog.services.keys())}`;
      problems.push({
        file: localSource.file,
        path: p,
        message: `${hint}; services: ${listNames(catalog.services.keys())}`,
      });
    } else if (!services.has(name)) {
      problems.push({
        file: localSource.file,
        path: p,
        message: `${show(name)} is not deployed by this stack (selection: ${selection.join(", ")}); add it to ${selSource.key} or remove it from ${localSource.key}`,
      });
    } else if (!svc.build) {
      problems.push({
        file: localSource.file,
        path: p,
        message: `${show(name)} has no build section in ${svc.file}, so it cannot be built from source; add build.context there or remove it from ${localSource.key}`,
      });
    } else {
      local.add(name);
    }
  });
  if (options.buildAll)
    for (const name of services) if (catalog.services.get(name)!.build) local.add(name);
  for (const name of local) {
    const build = catalog.services.get(name)!.build!;
    if (!exists(build.context)) {
      problems.push({
        file: catalog.services.get(name)!.file,
        path: "build.context",
        message: `directory ${show(path.relative(process.cwd(), build.context) || ".")} does not exist; fix the path (it is relative to the catalog directory)`,
      });
    } else if (!exists(build.dockerfile)) {
      problems.push({
        file: catalog.services.get(name)!.file,
        path: "build.dockerfile",
        message: `file ${show(path.relative(process.cwd(), build.dockerfile))} does not exist; add it or set build.dockerfile`,
      });
    } else {
      (build.liveUpdate?.sync ?? []).forEach((rule, i) => {
        if (!exists(path.join(build.context, rule.from))) {
          problems.push({
            file: catalog.services.get(name)!.file,
            path: `build.liveUpdate.sync[${i}].from`,
            message: `${show(rule.from)} does not exist in the build context ${show(path.relative(process.cwd(), build.context) || ".")}; fix the path (it is relative to build.context)`,
          });
        }
      });
    }
  }
  if (problems.length > 0) throw new CatalogError(problems, "cannot build from source");

  for (const name of services)
    problems.push(...missingFiles(catalog.services.get(name)!, exists, isDirectory));
  for (const name of addons) problems.push(...missingAddonFiles(catalog.addons.get(name)!, exists));
  if (problems.length > 0) throw new CatalogError(problems, "missing files");

  const imageFrom = new Map<string, ServiceSpec>();
  for (const name of services) {
    const from = catalog.services.get(name)!.image.from;
    if (from !== undefined) imageFrom.set(name, catalog.services.get(from)!);
  }
  return {
    services: topologicalOrder(catalog, services),
    appliances: APPLIANCES.filter((a) => appliances.has(a)),
    addons: [...addons].sort().map((a) => catalog.addons.get(a)!),
    local,
    imageFrom,
  };
}

/** Files a deployed entry reads from the repository that are not there: mounted files, its chart, its manifests. */
function missingFiles(
  svc: ServiceSpec,
  exists: (p: string) => boolean,
  isDirectory: (p: string) => boolean,
): InputProblem[] {
  const out: InputProblem[] = [];
  const shown = (p: string) => show(path.relative(process.cwd(), p) || ".");
  (svc.files ?? []).forEach((f, i) => {
    if (!exists(f.from))
      out.push({
        file: svc.file,
        path: `files[${i}].from`,
        message: `file ${shown(f.from)} does not exist; fix the path (it is relative to the catalog directory)`,
      });
    else if (isDirectory(f.from))
      out.push({
        file: svc.file,
        path: `files[${i}].from`,
        message: `${shown(f.from)} is a directory; list each of its files (one entry per file, each with its own path in the container)`,
      });
  });
  return [...out, ...missingSourceFiles(svc.file, "", svc.manifests, exists)];
}

/** An add-on's chart directory or manifests that are not there. */
function missingAddonFiles(addon: AddonSpec, exists: (p: string) => boolean): InputProblem[] {
  return missingSourceFiles(addon.file, `platform.${addon.name}.`, addon.source, exists);
}

/** The chart directory or YAML files of `m` (fields under `prefix` of `file`) that are not there. */
function missingSourceFiles(
  file: string,
  prefix: string,
  m: ManifestSource | undefined,
  exists: (p: string) => boolean,
): InputProblem[] {
  const out: InputProblem[] = [];
  const shown = (p: string) => show(path.relative(process.cwd(), p) || ".");
  if (m?.kind === "chart" && m.path !== undefined && !exists(path.join(m.path, "Chart.yaml")))
    out.push({
      file,
      path: `${prefix}chart.path`,
      message: `${shown(m.path)} is not a chart directory (it has no Chart.yaml); fix the path (it is relative to the catalog directory)`,
    });
  if (m?.kind === "yaml")
    m.files.forEach((f, i) => {
      if (!exists(f))
        out.push({
          file,
          path: `${prefix}manifests[${i}]`,
          message: `file ${shown(f)} does not exist; fix the path (it is relative to the catalog directory)`,
        });
    });
  return out;
}

/** Services ordered so that each comes after all its service dependencies; ties by name. */
function topologicalOrder(catalog: Catalog, names: ReadonlySet<string>): ServiceSpec[] {
  const deps = new Map<string, string[]>();
  for (const name of names) {
    deps.set(
      name,
      expandDependencies(catalog.services.get(name)!.dependsOn, catalog.groups).filter((d) =>
        names.has(d),
      ),
    );
  }
  const done = new Set<string>();
  const out: ServiceSpec[] = [];
  while (out.length < names.size) {
    const ready = [...names]
      .filter((n) => !done.has(n) && deps.get(n)!.every((d) => done.has(d)))
      .sort();
    if (ready.length === 0) throw new Error("internal: dependency cycle in a validated catalog");
    for (const n of ready) {
      done.add(n);
      out.push(catalog.services.get(n)!);
    }
  }
  return out;
}
