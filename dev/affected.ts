import * as path from "path";
import { sameTrigger, Trigger } from "./trigger";

/** A locally built service's sources: its build context (minus what .dockerignore ignores) and Dockerfile. */
export interface WatchedContext {
  readonly service: string;
  /** Absolute build context directory. */
  readonly dir: string;
  /** Absolute Dockerfile path (may be outside the context). */
  readonly dockerfile: string;
  /** True for a path relative to `dir` that .dockerignore excludes from the build context. */
  readonly ignored: (relative: string) => boolean;
}

/** What the dev loop watches, and what a change of each means. */
export interface WatchPlan {
  readonly projectDir: string;
  /** Absolute catalog directory: its `*.yaml` files describe the services. */
  readonly catalogDir: string;
  readonly contexts: readonly WatchedContext[];
  /** Files of the project (relative to it) whose change means a full converge: stack files, package.json. */
  readonly convergeFiles: readonly string[];
  /** Directories of the program (relative to the project): any `.ts` change in them means a full converge. */
  readonly programDirs: readonly string[];
}

/**
 * The directories of the Pulumi program (README "Layout"): an edit there changes what `up` deploys.
 * The commands (cli/, dev/), tests and benchmarks are not part of it.
 */
export const PROGRAM_DIRS = [
  "stacks",
  "components",
  "providers",
  "config",
  "catalog",
  "kube",
  "kind",
  "branch",
  "host",
] as const;

/** Project files whose change means a full converge. */
export function convergeFilesFor(stack: string): string[] {
  return [
    "index.ts",
    "Pulumi.yaml",
    `Pulumi.${stack}.yaml`,
    "Pulumi.branch.yaml",
    "package.json",
    "tsconfig.json",
    "tsconfig.pulumi.json",
  ];
}

/** What a batch of changed files (or the loop's own findings) calls for. */
export type Decision =
  | { readonly kind: "none" }
  /** New images of these services only; each with what triggered it (saved files first). */
  | { readonly kind: "services"; readonly services: ReadonlyMap<string, readonly Trigger[]> }
  /** A full converge, and the first cause that called for it. */
  | { readonly kind: "converge"; readonly trigger: Trigger };

const inside = (dir: string, file: string) => {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
};

/** Names that are never sources: version control and dependencies. */
export function alwaysIgnored(file: string): boolean {
  return file.split(path.sep).some((part) => part === ".git" || part === "node_modules");
}

/**
 * What one changed file (absolute) means: a full converge, a rebuild of some services, or nothing.
 * A context's Dockerfile and .dockerignore count even when the .dockerignore excludes them from
 * the context: they change the image.
 */
export function classify(
  file: string,
  plan: WatchPlan,
): { converge: true } | { services: string[] } {
  if (alwaysIgnored(file)) return { services: [] };
  const rel = path.relative(plan.projectDir, file);
  if (path.dirname(file) === plan.catalogDir && /\.ya?ml$/.test(file)) return { converge: true };
  if (plan.convergeFiles.includes(rel)) return { converge: true };
  const top = rel.split(path.sep)[0];
  if (rel.split(path.sep).length > 1 && plan.programDirs.includes(top) && file.endsWith(".ts"))
    return { converge: true };
  const services = plan.contexts
    .filter(
      (c) =>
        file === c.dockerfile ||
        file === path.join(c.dir, ".dockerignore") ||
        (inside(c.dir, file) && !c.ignored(path.relative(c.dir, file).split(path.sep).join("/"))),
    )
    .map((c) => c.service);
  return { services: [...new Set(services)] };
}

/**
 * What a batch of changed files calls for: a full converge when any file is a catalog, stack or
 * program file; else a rebuild of every service whose sources changed; else nothing.
 */
export function decide(files: readonly string[], plan: WatchPlan): Decision {
  const services = new Map<string, Trigger[]>();
  for (const file of files) {
    const c = classify(file, plan);
    const trigger: Trigger = { kind: "file", path: path.relative(plan.projectDir, file) };
    if ("converge" in c) return { kind: "converge", trigger };
    for (const s of c.services) services.set(s, [...(services.get(s) ?? []), trigger]);
  }
  return services.size === 0 ? { kind: "none" } : { kind: "services", services };
}

/** Two decisions as one: a converge absorbs everything; services and their triggers are unioned. */
export function merge(a: Decision, b: Decision): Decision {
  if (a.kind === "converge") return a;
  if (b.kind === "converge") return b;
  if (a.kind === "none") return b;
  if (b.kind === "none") return a;
  const services = new Map(a.services);
  for (const [s, triggers] of b.services) {
    const all = [...(services.get(s) ?? [])];
    for (const t of triggers) if (!all.some((x) => sameTrigger(x, t))) all.push(t);
    services.set(s, all);
  }
  return { kind: "services", services };
}
