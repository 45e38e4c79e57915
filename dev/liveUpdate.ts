import * as path from "path";
import dockerignore from "@balena/dockerignore";
import { pack } from "tar-stream";
import type { LiveUpdateSpec } from "../catalog/types";

/** A saved (or deleted) file of a build context, relative to it, `/`-separated. */
export interface FileChange {
  readonly path: string;
  readonly deleted: boolean;
}

/** What a set of saves calls for: copy files into the running pods, or rebuild the image (and why). */
export type LiveDecision =
  | {
      readonly kind: "sync";
      /** Context file → absolute path in the container. */
      readonly copies: readonly { readonly path: string; readonly remote: string }[];
      /** Absolute paths to delete in the container. */
      readonly deletes: readonly string[];
      /** Commands to run after the copy, in catalog order. */
      readonly runs: readonly (readonly string[])[];
    }
  | { readonly kind: "rebuild"; readonly reason: string };

const matcher = (patterns: readonly string[]) => {
  const ig = dockerignore({}).add([...patterns]);
  return (file: string) => patterns.length > 0 && ig.ignores(file);
};

/** The most specific sync rule covering a file (`.` covers everything), and the file's path in the container. */
export function remotePath(file: string, spec: Pick<LiveUpdateSpec, "sync">): string | undefined {
  const rules = [...spec.sync].sort((a, b) => b.from.length - a.from.length);
  for (const rule of rules) {
    if (rule.from === ".") return path.posix.join(rule.to, file);
    if (file === rule.from) return rule.to;
    if (file.startsWith(`${rule.from}/`))
      return path.posix.join(rule.to, file.slice(rule.from.length + 1));
  }
  return undefined;
}

/**
 * Sync or rebuild, for the files saved since the last update. Pure. Sync only when every file is
 * under a sync rule and none is in `fallBackOn` (nor is the Dockerfile); otherwise a rebuild, with
 * the first file that forced it. Run steps are kept when they have no `when`, or one of their
 * patterns matches a saved file.
 *
 * @param dockerfile the Dockerfile relative to the context (`undefined` when it lies outside it)
 * @param show how a file is named in the reason (e.g. relative to the project)
 */
export function liveUpdateDecision(
  changes: readonly FileChange[],
  spec: LiveUpdateSpec,
  dockerfile?: string,
  show: (file: string) => string = (f) => f,
): LiveDecision {
  const fallBack = matcher(spec.fallBackOn);
  const copies: { path: string; remote: string }[] = [];
  const deletes: string[] = [];
  for (const c of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
    if (c.path === dockerfile)
      return { kind: "rebuild", reason: `${show(c.path)} is the build's Dockerfile` };
    if (fallBack(c.path))
      return { kind: "rebuild", reason: `${show(c.path)} is in build.liveUpdate.fallBackOn` };
    const remote = remotePath(c.path, spec);
    if (remote === undefined)
      return {
        kind: "rebuild",
        reason: `${show(c.path)} is outside every build.liveUpdate.sync rule`,
      };
    if (c.deleted) deletes.push(remote);
    else copies.push({ path: c.path, remote });
  }
  const runs = spec.run
    .filter((r) => !r.when || changes.some((c) => matcher(r.when!)(c.path)))
    .map((r) => r.command);
  return { kind: "sync", copies, deletes, runs };
}

/** A file to put in the container: its bytes, mode and path there. */
export interface TarFile {
  readonly remote: string;
  readonly content: Buffer;
  readonly mode: number;
}

/**
 * A tar archive of files at their container paths (relative to `/`), for `tar -x -C /` in the
 * container. No directory entries: tar creates missing parents, and existing directories (often
 * owned by root) keep their owner and mode. File modes are kept (an executable stays executable).
 */
export async function tarOf(files: readonly TarFile[], now = new Date()): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (b: unknown) => chunks.push(b as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", () => resolve());
    archive.on("error", reject);
  });
  for (const f of files) {
    const rel = f.remote.replace(/^\/+/, "");
    archive.entry(
      { name: rel, mode: f.mode & 0o7777, mtime: now, size: f.content.length },
      f.content,
    );
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
