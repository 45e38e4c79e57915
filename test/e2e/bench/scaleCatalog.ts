/**
 * The 50-service catalog of `npm run bench:e2e`'s scale scenario (issue 18): what our users run
 * to test a complicated workflow. 49 services run a published image (the stand-in `price` image
 * under 49 names, one of them `price`), `bank` is built from source and depends on PostgreSQL,
 * `price`, its migration job (as in the example catalog) and the deepest layer: dependencies four
 * levels deep. Every service has a Service and an Ingress; two groups (`core`, `edge`) select
 * them all.
 */
import * as fs from "fs";
import * as path from "path";

/** Services per dependency level below bank (level 0 has `price` besides these). */
const PER_LEVEL = 12;
const LEVELS = 4;

export interface ScaleCatalog {
  /** The catalog directory, relative to the project (`localkube:catalogDir`). */
  readonly catalogDir: string;
  /** Every service of the catalog. */
  readonly services: readonly string[];
  /** The selection that deploys them all (`localkube:services`). */
  readonly selection: string;
  /** The service built from source. */
  readonly local: "bank";
  /** Its app.py, for the one-line edit. */
  readonly localSource: string;
}

const name = (level: number, i: number) => `l${level}s${String(i + 1).padStart(2, "0")}`;

/** Each service of level ≥ 1 depends on one or two services of the level below. */
export function scaleDependencies(level: number, i: number): string[] {
  if (level === 0) return [];
  const below = [name(level - 1, i)];
  if (i % 3 === 0) below.push(name(level - 1, (i + 1) % PER_LEVEL));
  return below;
}

function serviceYaml(image: string, host: string, dependsOn: readonly string[]): string {
  return [
    `image: ${image}`,
    "ports: [{ name: http, containerPort: 8080, servicePort: 80 }]",
    "resources: { requests: { cpu: 5m, memory: 24Mi }, limits: { memory: 64Mi } }",
    "probes: { readiness: { httpGet: { path: /healthz, port: http }, periodSeconds: 2 } }",
    `ingress: { host: ${host} }`,
    `dependsOn: [${dependsOn.join(", ")}]`,
    "",
  ].join("\n");
}

/**
 * Writes the catalog into `<projectDir>/<catalogDir>`, with a copy of the example `bank`'s
 * source and catalog entry. `publishedImage` is the stand-in image every other service runs.
 */
export function writeScaleCatalog(
  projectDir: string,
  publishedImage: string,
  catalogDir = "services-50",
): ScaleCatalog {
  const dir = path.join(projectDir, catalogDir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const levels: string[][] = [];
  for (let level = 0; level < LEVELS; level++) {
    levels.push([]);
    for (let i = 0; i < PER_LEVEL; i++) {
      const s = name(level, i);
      levels[level].push(s);
      fs.writeFileSync(
        path.join(dir, `${s}.yaml`),
        serviceYaml(publishedImage, s, scaleDependencies(level, i)),
      );
    }
  }
  fs.writeFileSync(path.join(dir, "price.yaml"), serviceYaml(publishedImage, "price", []));
  // bank as the example catalog has it (its migration job, its mounted config file), with the
  // deepest level as one more dependency.
  const top = levels[LEVELS - 1];
  const bankYaml = fs.readFileSync(path.join(projectDir, "services/bank.yaml"), "utf8");
  const deps = /^dependsOn: \[(.*)\]$/m.exec(bankYaml);
  if (!deps) throw new Error("services/bank.yaml: no one-line dependsOn to extend");
  fs.writeFileSync(
    path.join(dir, "bank.yaml"),
    bankYaml.replace(deps[0], `dependsOn: [${deps[1]}, ${top[top.length - 1]}]`),
  );
  for (const f of ["bank", "bank-migrate.yaml", "config"])
    if (fs.existsSync(path.join(projectDir, "services", f)))
      fs.cpSync(path.join(projectDir, "services", f), path.join(dir, f), { recursive: true });
  const core = ["price", ...levels.slice(0, 2).flat()];
  const edge = [...levels.slice(2).flat(), "bank"];
  fs.writeFileSync(
    path.join(dir, "_catalog.yaml"),
    [
      "policy:",
      "  requireProbes: [readiness]",
      "  requireResources: [requests.cpu, requests.memory, limits.memory]",
      "groups:",
      `  core: [${core.join(", ")}]`,
      `  edge: [${edge.join(", ")}]`,
      "",
    ].join("\n"),
  );
  return {
    catalogDir,
    services: [...core, ...edge],
    selection: "core,edge",
    local: "bank",
    localSource: path.join(dir, "bank/app.py"),
  };
}
