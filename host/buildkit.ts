/**
 * The BuildKit builder the stack's images are built with, driven directly by the dev loop's fast
 * save path: the same builder (docker-build's, from the buildx store), the same build inputs the
 * stack gives docker-build (its `builds` output), built and pushed by BuildKit's own client,
 * `buildctl` (argv only, never a shell). The argv builders and the store lookup are pure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ImageBuild } from "../kube/images";
import { mustRun } from "./tools";

/** A builder of the buildx store (`~/.docker/buildx/instances/<name>`). */
export interface BuildxInstance {
  readonly name: string;
  readonly driver: string;
  /** The first node's endpoint: `unix:///…/buildkitd.sock`, `tcp://…`, or a Docker context. */
  readonly endpoint: string;
}

/** Where buildx keeps its builders: `$BUILDX_CONFIG`, else `$DOCKER_CONFIG/buildx`, else `~/.docker/buildx`. */
export function buildxStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUILDX_CONFIG) return env.BUILDX_CONFIG;
  return path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker"), "buildx");
}

/** The builders of a buildx store, and its current one (`current` file), as buildx wrote them. */
export function readBuildxStore(dir: string): {
  instances: BuildxInstance[];
  current?: string;
} {
  const instancesDir = path.join(dir, "instances");
  const instances: BuildxInstance[] = [];
  const names = fs.existsSync(instancesDir) ? fs.readdirSync(instancesDir).sort() : [];
  for (const name of names) {
    try {
      const doc = JSON.parse(fs.readFileSync(path.join(instancesDir, name), "utf8")) as {
        Name?: string;
        Driver?: string;
        Nodes?: { Name?: string; Endpoint?: string }[];
      };
      const node = doc.Nodes?.[0];
      if (!doc.Name || !doc.Driver || !node) continue;
      instances.push({
        name: doc.Name,
        driver: doc.Driver,
        endpoint:
          doc.Driver === "docker-container"
            ? `docker-container://buildx_buildkit_${node.Name ?? `${doc.Name}0`}`
            : (node.Endpoint ?? ""),
      });
    } catch {
      // A file buildx is writing, or not a builder: not one we can use.
    }
  }
  let current: string | undefined;
  try {
    current = (JSON.parse(fs.readFileSync(path.join(dir, "current"), "utf8")) as { Name?: string })
      .Name;
  } catch {
    current = undefined;
  }
  return { instances, current };
}

/** Drivers whose BuildKit daemon `buildctl` reaches directly. */
const DRIVERS = ["remote", "docker-container"];

/**
 * The builder docker-build uses: the one the stack names; else the store's current builder when
 * its driver is one docker-build supports (not Docker's built-in `docker` driver), else the first
 * builder (by name) with such a driver. Returns the builder or why there is none. Pure.
 */
export function pickBuilder(
  store: { instances: readonly BuildxInstance[]; current?: string },
  named: string | undefined,
): BuildxInstance | { readonly missing: string } {
  const usable = store.instances.filter((i) => DRIVERS.includes(i.driver) && i.endpoint !== "");
  if (named) {
    const found = store.instances.find((i) => i.name === named);
    if (!found) return { missing: `the stack's builder "${named}" is not in the buildx store` };
    if (!usable.includes(found))
      return { missing: `the builder "${named}" uses the ${found.driver} driver` };
    return found;
  }
  const current = usable.find((i) => i.name === store.current);
  return (
    current ??
    usable[0] ?? {
      missing: "the buildx store has no BuildKit builder (npm run up starts one)",
    }
  );
}

/** `buildctl … build` of an image as docker-build builds it, pushed, its digest written to `metadataFile`. */
export function buildctlBuild(
  build: ImageBuild,
  endpoint: string,
  metadataFile: string,
): { file: "buildctl"; args: string[] } {
  const args = [
    "--addr",
    endpoint,
    "build",
    "--frontend",
    "dockerfile.v0",
    "--local",
    `context=${build.context}`,
    "--local",
    `dockerfile=${path.dirname(build.dockerfile)}`,
    "--opt",
    `filename=${path.basename(build.dockerfile)}`,
    ...(build.target ? ["--opt", `target=${build.target}`] : []),
    ...Object.keys(build.args)
      .sort()
      .flatMap((k) => ["--opt", `build-arg:${k}=${build.args[k]}`]),
    ...Object.keys(build.labels)
      .sort()
      .flatMap((k) => ["--opt", `label:${k}=${build.labels[k]}`]),
    "--output",
    `type=image,name=${build.repository}:${build.tag},push=true`,
    "--metadata-file",
    metadataFile,
    "--progress",
    "plain",
  ];
  return { file: "buildctl", args };
}

/**
 * Builds and pushes a service's image with `buildctl`; resolves with its digest (`sha256:…`).
 * The metadata file lives in a private temporary directory, removed afterwards.
 */
export async function buildAndPush(build: ImageBuild, endpoint: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "localkube-build-"));
  try {
    const metadata = path.join(dir, "metadata.json");
    await mustRun(buildctlBuild(build, endpoint, metadata), `building ${build.repository}`);
    const digest = (JSON.parse(fs.readFileSync(metadata, "utf8")) as Record<string, unknown>)[
      "containerimage.digest"
    ];
    if (typeof digest !== "string" || !digest.startsWith("sha256:"))
      throw new Error(`building ${build.repository}: buildctl reported no image digest`);
    return digest;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
