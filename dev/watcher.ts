import * as path from "path";
import { FSWatcher, watch } from "chokidar";
import { alwaysIgnored, WatchPlan } from "./affected";

/** Watching started by {@link watchSources}; `close` stops every watch it made. */
export interface SourceWatcher {
  close(): Promise<void>;
}

/**
 * Watches what a plan names — build contexts and Dockerfiles of locally built services, the
 * catalog's files, the stack files and the program — and reports changed files in batches, a
 * quiet `debounceMs` after the last change. Nothing is polled: the operating system reports
 * changes (inotify, FSEvents), so an idle tree costs no CPU; `.git`, `node_modules` and what a
 * context's .dockerignore excludes are never even listed.
 */
export async function watchSources(
  plan: WatchPlan,
  onBatch: (files: string[]) => void,
  debounceMs = 150,
): Promise<SourceWatcher> {
  // What a context's .dockerignore excludes is not watched — except the Dockerfile and the
  // .dockerignore itself, which are often excluded from the context yet change the image.
  const kept = new Set(
    plan.contexts.flatMap((c) => [c.dockerfile, path.join(c.dir, ".dockerignore")]),
  );
  const contextIgnored = (file: string) =>
    !kept.has(path.resolve(file)) &&
    plan.contexts.some((c) => {
      const rel = path.relative(c.dir, file);
      return rel !== "" && !rel.startsWith("..") && c.ignored(rel.split(path.sep).join("/"));
    });
  const ignored = (file: string) => alwaysIgnored(file) || contextIgnored(file);
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const changed = (file: string) => {
    pending.add(path.resolve(file));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending].sort();
      pending.clear();
      onBatch(files);
    }, debounceMs);
  };

  const deep = [
    ...plan.contexts.flatMap((c) => [c.dir, c.dockerfile]),
    ...plan.programDirs.map((d) => path.join(plan.projectDir, d)),
    ...plan.convergeFiles.map((f) => path.join(plan.projectDir, f)),
  ];
  const watchers: FSWatcher[] = [
    watch([...new Set(deep)], { ignoreInitial: true, ignored, persistent: true }),
    // The catalog's own files only: its subdirectories are build contexts, watched above when built.
    watch(plan.catalogDir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (f) => alwaysIgnored(f),
      persistent: true,
    }),
  ];
  await Promise.all(
    watchers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.on("ready", () => resolve());
          for (const event of ["add", "change", "unlink"] as const) w.on(event, changed);
        }),
    ),
  );
  return {
    async close() {
      clearTimeout(timer);
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}
