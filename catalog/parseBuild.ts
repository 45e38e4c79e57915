import * as path from "path";
import { show } from "./problems";
import { BuildSpec, DEBUG_RUNTIMES, DebugSpec, LiveUpdateSpec } from "./types";
import { ENV_NAME } from "./patterns";
import { PathSegment, YamlFile } from "./yamlFile";

/* The `build` section of a service (its context, Dockerfile, arguments and live-update rules), and
   the container's `command` and `args`. */

/** A container command or its arguments: a list of strings (numbers and booleans as written). */
export function parseArgv(
  y: YamlFile,
  p: readonly PathSegment[],
  value: unknown,
): string[] | undefined {
  if (p[0] === "command" && Array.isArray(value) && value.length === 0) {
    return y.report(
      p,
      "must not be empty; give the program and its arguments, or leave it out to run the image's own",
    );
  }
  return y.list(p, value, (q, v) => y.scalar(q, v));
}

export function parseBuild(
  y: YamlFile,
  value: unknown,
  fileDir: string,
  hasCommand: boolean,
): BuildSpec | undefined {
  const obj = y.object(["build"], value, [
    "context",
    "dockerfile",
    "args",
    "target",
    "liveUpdate",
    "debug",
  ]);
  if (!obj) return undefined;
  const context = y.string(["build", "context"], obj.context);
  const dockerfile =
    obj.dockerfile === undefined ? "Dockerfile" : y.string(["build", "dockerfile"], obj.dockerfile);
  const args: Record<string, string> = {};
  if (obj.args !== undefined) {
    const a = y.object(["build", "args"], obj.args, Object.keys(obj.args ?? {}));
    for (const [k, v] of Object.entries(a ?? {})) {
      if (!ENV_NAME.test(k))
        y.report(
          ["build", "args", k],
          `${show(k)} is not a build argument name: use letters, digits and '_'`,
        );
      const s = y.scalar(["build", "args", k], v);
      if (s !== undefined) args[k] = s;
    }
  }
  const target = obj.target === undefined ? undefined : y.string(["build", "target"], obj.target);
  const liveUpdate =
    obj.liveUpdate === undefined ? undefined : parseLiveUpdate(y, obj.liveUpdate, hasCommand);
  const debug = obj.debug === undefined ? undefined : parseDebug(y, obj.debug);
  if (context === undefined || dockerfile === undefined) return undefined;
  const contextAbs = path.resolve(fileDir, context);
  return {
    context: contextAbs,
    dockerfile: path.resolve(contextAbs, dockerfile),
    args,
    target,
    ...(liveUpdate ? { liveUpdate } : {}),
    ...(debug ? { debug } : {}),
  };
}

/** `build.debug`: the runtime and the debugger's port, when detection should not decide. */
function parseDebug(y: YamlFile, value: unknown): DebugSpec | undefined {
  const obj = y.object(["build", "debug"], value, ["runtime", "port"]);
  if (!obj) return undefined;
  const runtime =
    obj.runtime === undefined
      ? undefined
      : y.oneOf(["build", "debug", "runtime"], obj.runtime, DEBUG_RUNTIMES);
  const port =
    obj.port === undefined ? undefined : y.integer(["build", "debug", "port"], obj.port, 1, 65535);
  return { ...(runtime ? { runtime } : {}), ...(port ? { port } : {}) };
}

const LU = ["build", "liveUpdate"];

/** A path inside the build context: relative, `/`-separated, never leaving it. */
function contextPath(y: YamlFile, p: readonly PathSegment[], value: unknown): string | undefined {
  const text = y.string(p, value);
  if (text === undefined) return undefined;
  const norm = path.posix.normalize(text.replace(/\\/g, "/")).replace(/\/$/, "");
  if (path.posix.isAbsolute(norm) || norm === ".." || norm.startsWith("../")) {
    return y.report(
      p,
      `${show(text)} is not inside the build context; use a path relative to build.context, e.g. src or app.py`,
    );
  }
  return norm;
}

/** `.dockerignore`-style patterns of context files. */
function patterns(y: YamlFile, p: readonly PathSegment[], value: unknown): string[] | undefined {
  return y.list(p, value, (q, v) => contextPath(y, q, v));
}

function parseLiveUpdate(
  y: YamlFile,
  value: unknown,
  hasCommand: boolean,
): LiveUpdateSpec | undefined {
  const obj = y.object(LU, value, ["sync", "run", "fallBackOn", "restart"]);
  if (!obj) return undefined;
  const sync =
    obj.sync === undefined
      ? (y.report(
          [...LU, "sync"],
          "missing; add at least one rule, e.g. sync: [{ from: ., to: /app }]",
        ) ?? [])
      : (y.list([...LU, "sync"], obj.sync, (p, v) => {
          const rule = y.object(p, v, ["from", "to"]);
          if (!rule) return undefined;
          const from = contextPath(y, [...p, "from"], rule.from);
          const to = y.string([...p, "to"], rule.to, {
            pattern: /^\/[^\0]*$/,
            help: "an absolute path in the container, e.g. /app",
          });
          return from === undefined || to === undefined
            ? undefined
            : { from, to: path.posix.normalize(to).replace(/(.)\/$/, "$1") };
        }) ?? []);
  if (Array.isArray(obj.sync) && obj.sync.length === 0) {
    y.report([...LU, "sync"], "needs at least one rule; e.g. - { from: ., to: /app }");
  }
  const run =
    obj.run === undefined
      ? []
      : (y.list([...LU, "run"], obj.run, (p, v) => {
          const step = y.object(p, v, ["command", "when"]);
          if (!step) return undefined;
          const command = parseArgv(y, [...p, "command"], step.command);
          if (command && command.length === 0)
            return y.report(
              [...p, "command"],
              "must not be empty; give the program and its arguments",
            );
          const when = step.when === undefined ? undefined : patterns(y, [...p, "when"], step.when);
          return command === undefined ? undefined : { command, ...(when ? { when } : {}) };
        }) ?? []);
  const fallBackOn =
    obj.fallBackOn === undefined ? [] : (patterns(y, [...LU, "fallBackOn"], obj.fallBackOn) ?? []);
  const restart =
    obj.restart === undefined
      ? "none"
      : y.oneOf([...LU, "restart"], obj.restart, ["none", "process"] as const);
  if (restart === "process" && !hasCommand) {
    y.report(
      [...LU, "restart"],
      "process restarts the service's command inside the container, but the service sets none; add `command:` (e.g. [python3, /app/app.py]) or use restart: none when the app reloads itself",
    );
  }
  return restart === undefined ? undefined : { sync, run, fallBackOn, restart };
}
