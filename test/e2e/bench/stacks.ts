/**
 * The benchmark's two stacks (3 services and 50) and the commands run on them: `pulumi up` with
 * or without its preview, `destroy`, and what destroy removes done by hand.
 */
import * as fs from "fs";
import * as path from "path";
import * as h from "../harness";
import { ScaleCatalog, writeScaleCatalog } from "./scaleCatalog";

export const STACK_3 = "bench";
export const STACK_50 = "bench-50";

/** The 3-service stack: bank built from source (with its migration job), price published, PostgreSQL. */
export function threeServiceConfig(): Record<string, string> {
  return {
    ...h.localE2eConfig(),
    "localkube:services": "bank",
    "localkube:local": "bank",
    "localkube:images.overrides": JSON.stringify({ price: h.mirrored("localkube-e2e/price:1") }),
  };
}

/** The 50-service stack (./scaleCatalog.ts): 49 published, bank built from source, PostgreSQL. */
export function fiftyServiceConfig(scale: ScaleCatalog): Record<string, string> {
  return {
    ...h.localE2eConfig(),
    "localkube:catalogDir": scale.catalogDir,
    "localkube:services": scale.selection,
    "localkube:local": scale.local,
  };
}

/** The project copy the benchmark works in, with the 50-service catalog written beside. */
export function benchProject(): { dir: string; scale: ScaleCatalog } {
  const dir = h.projectCopy("bench");
  return { dir, scale: writeScaleCatalog(dir, h.mirrored("localkube-e2e/price:1")) };
}

export interface PulumiOpts {
  /** Run the preview first, as `pulumi up --yes` does (default: `--skip-preview`). */
  readonly preview?: boolean;
  /** Keep the engine's verbose log and the Node.js CPU profiles under ARTIFACTS/bench-profile/<name>. */
  readonly profile?: string;
}

/**
 * The Pulumi CLI the measured commands run: the toolchain's, or `LOCALKUBE_BENCH_PULUMI` (another
 * engine version to compare; the plugins and the language host stay the toolchain's).
 */
export const pulumiCli = () => process.env.LOCALKUBE_BENCH_PULUMI || "pulumi";

/** `pulumi up|destroy --yes` on a stack of the project. */
export async function pulumi(
  dir: string,
  stack: string,
  command: "up" | "destroy",
  opts: PulumiOpts = {},
): Promise<h.Run> {
  const profileDir = opts.profile && path.join(h.ARTIFACTS, "bench-profile", opts.profile);
  if (profileDir) {
    fs.rmSync(profileDir, { recursive: true, force: true });
    fs.mkdirSync(profileDir, { recursive: true });
  }
  const r = await h.must(
    pulumiCli(),
    [
      command,
      "--yes",
      ...(opts.preview ? [] : ["--skip-preview"]),
      "--stack",
      stack,
      "--non-interactive",
      ...(profileDir ? ["-v=7", "--logflow", "--logtostderr"] : []),
    ],
    {
      cwd: dir,
      // The program's and the dynamic providers' Node.js processes write a CPU profile each.
      ...(profileDir
        ? { env: h.toolEnv({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }) }
        : {}),
    },
  );
  if (profileDir) {
    fs.writeFileSync(path.join(profileDir, "engine.log"), r.stderr);
    fs.writeFileSync(path.join(profileDir, "seconds"), `${r.seconds}\n`);
  }
  return r;
}

export async function configSet(dir: string, stack: string, key: string, value: string) {
  await h.must("pulumi", ["config", "set", "--stack", stack, key, value, "--non-interactive"], {
    cwd: dir,
  });
}

export async function stackRm(dir: string, stack: string) {
  await h.must(
    "pulumi",
    ["stack", "rm", "--force", "--yes", "--stack", stack, "--non-interactive"],
    {
      cwd: dir,
    },
  );
}

/** What `pulumi destroy` removes, by hand (the kind network goes with the last of its containers). */
export async function removeClusterAndRegistry(): Promise<void> {
  await h.must("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
  await h.must("docker", ["rm", "--force", "--volumes", h.E2E.registry]);
  await h.must("docker", ["volume", "rm", `${h.E2E.registry}-data`]);
  await h.must("docker", ["network", "rm", "kind"]);
}

/** Empties buildkitd's store (the stack's builder): the next build starts from nothing. */
export async function wipeBuildkitCache(): Promise<void> {
  const script = path.join(h.TOOLCHAIN, "pulumi/buildkitd.sh");
  await h.must("bash", [script, "stop"]);
  fs.rmSync(path.join(h.CACHE, "buildkit/root"), { recursive: true, force: true });
  await h.must("bash", [script, "start"]);
}

/** Every service of the 50-service stack answers through the ingress. */
export async function allAnswer(services: readonly string[]): Promise<void> {
  for (const s of services.filter((x) => x !== "bank")) {
    const r = await h.httpGet(`${s}.localhost`);
    if (r.status !== 200) throw new Error(`${s}.localhost answered ${r.status}`);
  }
}
