/**
 * The engine's ports as they run for users: the stack through the Automation API, the cluster
 * through the loop's watch, BuildKit through `buildctl`, the sources through chokidar.
 */
import { spawnSync } from "child_process";
import type { Stack } from "@pulumi/pulumi/automation";
import { loadCatalog } from "../../host/catalogFiles";
import { buildAndPush, buildxStoreDir, pickBuilder, readBuildxStore } from "../../host/buildkit";
import { ClusterWatch } from "../cluster";
import { catalogDirOf, readStack } from "../stackView";
import { syncToPods } from "../sync";
import { readImageConfig } from "../debug/imageConfig";
import { watchSources } from "../watcher";
import type { EnginePorts, StackPort } from "./ports";

/** The stack through the Automation API; `signal` aborts a running operation (Ctrl-C). */
export function automationStack(stack: Stack, signal: AbortSignal): StackPort {
  return {
    async up({ onEvent, targets, refresh }) {
      await stack.up({
        onEvent,
        color: "never",
        signal,
        ...(targets ? { target: [...targets] } : {}),
        ...(refresh ? { refresh: true } : {}),
      });
    },
    async refresh(targets) {
      await stack.refresh({ target: [...targets], color: "never", signal });
    },
    read: (catalog) => readStack(stack, catalog),
    async resources() {
      const state = await stack.exportStack();
      return (state.deployment?.resources ?? []) as { urn: string; type: string }[];
    },
  };
}

/** Whether `buildctl` (BuildKit's client) answers; why not otherwise. */
function buildctlMissing(): string | undefined {
  const r = spawnSync("buildctl", ["--version"], { encoding: "utf8" });
  return r.status === 0
    ? undefined
    : "BuildKit's client `buildctl` is not on PATH (`npm run up` installs it)";
}

export function realPorts(projectDir: string, stackName: string, stack: StackPort): EnginePorts {
  let missing: string | undefined | null = null;
  return {
    stack,
    connect: (access, namespace) => ClusterWatch.start(access, namespace),
    builder(build) {
      if (missing === null) missing = buildctlMissing();
      if (missing) return { missing };
      const picked = pickBuilder(readBuildxStore(buildxStoreDir()), build.builder);
      return "missing" in picked ? picked : { endpoint: picked.endpoint };
    },
    buildImage: buildAndPush,
    watch: (plan, onBatch) => watchSources(plan, onBatch),
    sync: syncToPods,
    loadCatalog: () => loadCatalog(catalogDirOf(projectDir, stackName)),
    imageConfig: (image) => readImageConfig(image),
    now: Date.now,
  };
}
