/**
 * Pure: where a service's source files are in its container (path mappings), and the VS Code
 * `launch.json` entry that attaches to its debugger through the forwarded port. The mappings come
 * from the service's live-update sync rules (a file or directory of the build context → its path in
 * the container), then from where its Dockerfile copies the whole build context (`COPY . /app/`, or
 * `WORKDIR /src` and `COPY . .`: the build directory of a Go binary, the paths Delve reports).
 */
import * as path from "path";
import type { BuildSpec, DebugRuntime } from "../../catalog/types";

/** A directory or file on this machine (absolute) and where it is in the container. */
export interface PathMapping {
  readonly local: string;
  readonly remote: string;
}

/** Dockerfile instructions with their arguments: continuation lines joined, comments dropped. */
function instructions(dockerfile: string): { op: string; rest: string }[] {
  const out: { op: string; rest: string }[] = [];
  let current = "";
  for (const raw of dockerfile.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const m = /^(\S+)\s*(.*)$/.exec(current.trim());
    if (m) out.push({ op: m[1].toUpperCase(), rest: m[2] });
    current = "";
  }
  return out;
}

/** `COPY`/`ADD` operands: the JSON form, or words without the `--flag=value` options. */
function operands(rest: string): { flags: string[]; args: string[] } {
  const words = rest.split(/\s+/).filter(Boolean);
  const flags = words.filter((w) => w.startsWith("--"));
  const plain = words.filter((w) => !w.startsWith("--")).join(" ");
  if (plain.startsWith("[")) {
    try {
      return { flags, args: JSON.parse(plain) as string[] };
    } catch {
      return { flags, args: [] };
    }
  }
  return { flags, args: plain.split(/\s+/).filter(Boolean) };
}

/**
 * Where the Dockerfile copies the whole build context (`COPY . <dir>`, resolved against the
 * stage's WORKDIR), the last such copy of the file; undefined when it copies none. Pure.
 */
export function contextCopyTarget(dockerfile: string): string | undefined {
  let workdir = "/";
  let target: string | undefined;
  for (const { op, rest } of instructions(dockerfile)) {
    if (op === "FROM") workdir = "/";
    else if (op === "WORKDIR") workdir = path.posix.resolve(workdir, rest.trim());
    else if (op === "COPY" || op === "ADD") {
      const { flags, args } = operands(rest);
      if (flags.some((f) => f.startsWith("--from=")) || args.length < 2) continue;
      const sources = args.slice(0, -1).map((s) => path.posix.normalize(s));
      if (sources.includes(".") || sources.includes("./"))
        target = path.posix.resolve(workdir, args[args.length - 1]);
    }
  }
  return target;
}

/** Whether `inner` is `outer` itself or inside it. */
const within = (inner: string, outer: string, sep: string) =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * Local → container paths of a service's sources: one per sync rule, then the context as the
 * Dockerfile copies it; a mapping another one already implies is left out; the most specific first.
 */
export function pathMappings(
  build: Pick<BuildSpec, "context" | "liveUpdate">,
  dockerfileText: string | undefined,
): PathMapping[] {
  const all: PathMapping[] = (build.liveUpdate?.sync ?? []).map((r) => ({
    local: r.from === "." ? build.context : path.join(build.context, ...r.from.split("/")),
    remote: r.to,
  }));
  const copied = dockerfileText === undefined ? undefined : contextCopyTarget(dockerfileText);
  if (copied) all.push({ local: build.context, remote: copied });
  const implied = (m: PathMapping, by: PathMapping) =>
    m !== by &&
    within(m.local, by.local, path.sep) &&
    path.posix.join(by.remote, path.relative(by.local, m.local).split(path.sep).join("/")) ===
      m.remote;
  const kept = all.filter((m, i) => all.findIndex((o) => o.local === m.local) === i);
  return kept
    .filter((m) => !kept.some((by) => implied(m, by)))
    .sort((a, b) => b.local.length - a.local.length);
}

/** What the launch.json entry needs. */
export interface LaunchInputs {
  readonly service: string;
  readonly runtime: DebugRuntime;
  /** The forwarded port on 127.0.0.1. */
  readonly port: number;
  readonly mappings: readonly PathMapping[];
  /** The workspace VS Code opens (the project): paths inside it become `${workspaceFolder}/…`. */
  readonly projectDir: string;
}

/** A local path as launch.json writes it. */
function workspacePath(local: string, projectDir: string): string {
  const rel = path.relative(projectDir, local);
  if (rel === "") return "${workspaceFolder}";
  if (rel.startsWith("..") || path.isAbsolute(rel)) return local;
  return `\${workspaceFolder}/${rel.split(path.sep).join("/")}`;
}

/**
 * The VS Code `launch.json` configuration that attaches to the service's debugger: the Python
 * Debugger extension's `debugpy` attach, the Go extension's `remote` attach (Delve's headless
 * server, over DAP), Node.js's `attach` (re-attaching after `node --watch` restarts the process).
 */
export function launchConfig(i: LaunchInputs): Record<string, unknown> {
  const name = `${i.service} (localkube)`;
  const maps = i.mappings.map((m) => ({
    local: workspacePath(m.local, i.projectDir),
    remote: m.remote,
  }));
  switch (i.runtime) {
    case "python":
      return {
        name,
        type: "debugpy",
        request: "attach",
        connect: { host: "127.0.0.1", port: i.port },
        pathMappings: maps.map((m) => ({ localRoot: m.local, remoteRoot: m.remote })),
      };
    case "go":
      return {
        name,
        type: "go",
        request: "attach",
        mode: "remote",
        // DAP to Delve's headless server (it speaks both DAP and JSON-RPC); substitutePath applied by Delve.
        debugAdapter: "dlv-dap",
        host: "127.0.0.1",
        port: i.port,
        substitutePath: maps.map((m) => ({ from: m.local, to: m.remote })),
      };
    case "node": {
      // One root pair only: the broadest mapping (the whole context, when the Dockerfile copies it).
      const root = maps[maps.length - 1];
      return {
        name,
        type: "node",
        request: "attach",
        address: "127.0.0.1",
        port: i.port,
        ...(root ? { localRoot: root.local, remoteRoot: root.remote } : {}),
        restart: true,
        skipFiles: ["<node_internals>/**"],
      };
    }
  }
}

/** The entry as it is pasted into launch.json's `configurations` list. */
export function launchText(config: Record<string, unknown>): string {
  return JSON.stringify(config, null, 2);
}
