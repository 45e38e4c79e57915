/**
 * The dev loop's source watcher with one operating-system watch per directory (inotify on Linux,
 * FSEvents on macOS): a directory's watch reports every file created, changed, renamed or deleted
 * in it, so files need no watch of their own. chokidar (./watcher.ts) opens one per file as well:
 * on a 20,000-file build context that is 20,200 inotify watches (past the 8,192 many Linux
 * systems allow a user) and ~75 MB of heap whose first full collection, a minute after start,
 * costs the idle loop ~0.4 s of CPU. This one holds ~200 watches and the names of what it saw.
 *
 * Same contract as {@link watchSources}: what the plan names is watched (build contexts minus
 * their .dockerignore — but their Dockerfile and .dockerignore —, `.git` and `node_modules`; the
 * catalog's own files; the stack files; the program), changed files are reported in batches a
 * quiet `debounceMs` after the last change, and an editor's temporary file that came and went
 * within one batch is not reported.
 */
import * as fs from "fs";
import * as path from "path";
import { alwaysIgnored, WatchPlan } from "./affected";
import type { SourceWatcher } from "./watcher";

/** One watched directory: its watch, the names it holds, whether to follow its subdirectories. */
interface Watched {
  readonly watcher: fs.FSWatcher;
  readonly names: Set<string>;
  readonly deep: boolean;
  /** Only these names count (a directory watched for some of its files), or every name. */
  readonly only?: ReadonlySet<string>;
}

/**
 * What to watch for a plan: directories whose whole tree counts (`deep`), and directories of
 * which only some files (or only the files, no subdirectories) count. Pure.
 */
export function watchRoots(plan: WatchPlan): {
  deep: string[];
  shallow: Map<string, Set<string> | "all-files">;
} {
  const deep = [
    ...plan.contexts.map((c) => c.dir),
    ...plan.programDirs.map((d) => path.join(plan.projectDir, d)),
  ];
  const shallow = new Map<string, Set<string> | "all-files">();
  shallow.set(plan.catalogDir, "all-files");
  const files = [
    ...plan.contexts.map((c) => c.dockerfile),
    ...plan.convergeFiles.map((f) => path.join(plan.projectDir, f)),
  ];
  for (const f of files) {
    const dir = path.dirname(f);
    const now = shallow.get(dir);
    if (now === "all-files") continue;
    shallow.set(dir, new Set([...(now ?? []), path.basename(f)]));
  }
  return { deep: [...new Set(deep)], shallow };
}

export async function watchDirectories(
  plan: WatchPlan,
  onBatch: (files: string[]) => void,
  debounceMs = 150,
): Promise<SourceWatcher> {
  const kept = new Set(
    plan.contexts.flatMap((c) => [c.dockerfile, path.join(c.dir, ".dockerignore")]),
  );
  const contextIgnored = (file: string) =>
    !kept.has(file) &&
    plan.contexts.some((c) => {
      const rel = path.relative(c.dir, file);
      return rel !== "" && !rel.startsWith("..") && c.ignored(rel.split(path.sep).join("/"));
    });
  const ignored = (file: string) => alwaysIgnored(file) || contextIgnored(file);

  const watched = new Map<string, Watched>();
  /** Files reported in the coming batch, and whether each was known before it. */
  const pending = new Map<string, boolean>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    const files = [...pending]
      .filter(([file, known]) => known || fs.existsSync(file))
      .map(([file]) => file)
      .sort();
    pending.clear();
    if (files.length > 0) onBatch(files);
  };
  const changed = (file: string, known: boolean) => {
    if (!pending.has(file)) pending.set(file, known);
    clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const counts = (dir: string, name: string, w: Pick<Watched, "only">) =>
    (!w.only || w.only.has(name)) && !ignored(path.join(dir, name));

  /** Watches `dir` (and, when deep, its subdirectories); `report`: its files are new. */
  const watchDir = (
    dir: string,
    deep: boolean,
    only: ReadonlySet<string> | undefined,
    report: boolean,
  ) => {
    if (closed || watched.has(dir)) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // gone already, or not a directory
    }
    const names = new Set<string>();
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, { persistent: true }, (_event, name) =>
        onEvent(dir, name === null ? null : String(name)),
      );
    } catch {
      return; // removed since it was listed
    }
    const w: Watched = { watcher, names, deep, only };
    w.watcher.on("error", () => unwatch(dir));
    watched.set(dir, w);
    for (const e of entries) {
      if (!counts(dir, e.name, w)) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (deep) {
          names.add(e.name);
          watchDir(full, true, undefined, report);
        }
      } else {
        names.add(e.name);
        if (report) changed(full, false);
      }
    }
  };

  /** Stops watching `dir` and everything under it; reports the files it knew as gone. */
  const unwatch = (dir: string, report = false) => {
    const w = watched.get(dir);
    if (!w) return;
    watched.delete(dir);
    w.watcher.close();
    for (const name of w.names) {
      const full = path.join(dir, name);
      if (watched.has(full)) unwatch(full, report);
      else if (report) changed(full, true);
    }
  };

  const onEvent = (dir: string, name: string | null) => {
    const w = watched.get(dir);
    if (!w || closed) return;
    if (name === null) {
      // The platform did not say which entry: look at all of them again.
      for (const n of fs.existsSync(dir) ? fs.readdirSync(dir) : []) onEvent(dir, n);
      return;
    }
    if (!counts(dir, name, w)) return;
    const full = path.join(dir, name);
    const known = w.names.has(name);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(full);
    } catch {
      stat = undefined;
    }
    if (!stat) {
      // Deleted (or renamed away).
      w.names.delete(name);
      if (watched.has(full)) unwatch(full, true);
      else changed(full, known);
      return;
    }
    if (stat.isDirectory()) {
      if (!w.deep || watched.has(full)) return;
      w.names.add(name);
      watchDir(full, true, undefined, true);
      return;
    }
    w.names.add(name);
    changed(full, known);
  };

  const roots = watchRoots(plan);
  for (const dir of roots.deep) watchDir(dir, true, undefined, false);
  for (const [dir, only] of roots.shallow)
    if (!watched.has(dir)) watchDir(dir, false, only === "all-files" ? undefined : only, false);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watched.values()) w.watcher.close();
      watched.clear();
    },
  };
}
