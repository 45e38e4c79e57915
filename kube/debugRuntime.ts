/**
 * Pure: the runtime a container runs (Go, Node.js or Python), and its command line under that
 * runtime's debugger — what `npm run dev -- --debug` changes in the service's container. Modelled
 * on Skaffold's `debug` transforms (pkg/skaffold/debug/transform_{go,nodejs,python}.go): the runtime
 * is told by the program the command line starts (`python3 …`, `node …`, `dlv …`), else by the
 * environment its image sets (`GOTRACEBACK`, `NODE_VERSION`, `PYTHONUNBUFFERED`…), else by the
 * catalog (`build.debug.runtime`); the command line is rewritten so that the debugger starts the
 * program, listening on the pod's loopback only (the laptop reaches it through a port-forward).
 * Debuggers the image lacks come from localkube's debug-support image, copied to {@link DEBUG_MOUNT}.
 */
import type { DebugRuntime, DebugSpec } from "../catalog/types";
import { SUPERVISOR_SCRIPT } from "./supervisor";

/** Where the debug-support files are mounted in the container. */
export const DEBUG_MOUNT = "/dbg";

/** Each runtime's debugger and its usual port (Delve's, Node's inspector's, debugpy's). */
export const DEBUGGERS: Readonly<Record<DebugRuntime, { name: string; port: number }>> = {
  go: { name: "Delve", port: 56268 },
  node: { name: "the Node.js inspector", port: 9229 },
  python: { name: "debugpy", port: 5678 },
};

/** What decides the container's command line, as the pod spec and the image give it. */
export interface ContainerInputs {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** The container's env values given literally. */
  readonly env: Readonly<Record<string, string>>;
  /** The image's configuration, when it could be read from its registry. */
  readonly image?: {
    readonly entrypoint?: readonly string[];
    readonly cmd?: readonly string[];
    readonly env: Readonly<Record<string, string>>;
  };
}

/**
 * The program and arguments the container starts, by Kubernetes' rules: `command` replaces the
 * image's ENTRYPOINT (and drops its CMD), `args` replace its CMD. Undefined when that depends on an
 * image whose configuration is unknown.
 */
export function commandLine(c: ContainerInputs): string[] | undefined {
  if (c.command && c.command.length > 0) return [...c.command, ...(c.args ?? [])];
  if (!c.image) return undefined;
  return [...(c.image.entrypoint ?? []), ...(c.args ?? c.image.cmd ?? [])];
}

/** The command line under localkube's `restart: process` loop (kube/supervisor.ts), and how to wrap another. */
export function unwrapSupervisor(argv: readonly string[]): {
  readonly inner: readonly string[];
  readonly wrap: (inner: readonly string[]) => string[];
} {
  const supervised =
    argv.length >= 4 &&
    argv[0] === "/bin/sh" &&
    argv[1] === "-c" &&
    argv[2] === SUPERVISOR_SCRIPT &&
    argv[3] === "localkube-supervisor";
  return supervised
    ? { inner: argv.slice(4), wrap: (inner) => [...argv.slice(0, 4), ...inner] }
    : { inner: argv, wrap: (inner) => [...inner] };
}

const base = (program: string | undefined) => (program ?? "").split("/").pop() ?? "";
const isPython = (p: string | undefined) => /^python(\d+(\.\d+)?)?$/.test(base(p));
const isNode = (p: string | undefined) => /^node(js)?$/.test(base(p));
const isDlv = (p: string | undefined) => base(p) === "dlv";

/** Environment variables an image of each runtime sets (Skaffold's lists). */
const RUNTIME_ENV: readonly [DebugRuntime, RegExp][] = [
  ["go", /^(GODEBUG|GOGC|GOMAXPROCS|GOTRACEBACK|KO_DATA_PATH)$/],
  ["node", /^(NODE_VERSION|NODEJS_VERSION|NODE_ENV)$/],
  [
    "python",
    /^PYTHON(_VERSION|VERBOSE|INSPECT|OPTIMIZE|USERSITE|UNBUFFERED|PATH|USERBASE|WARNINGS|HOME|CASEOK|IOENCODING|HASHSEED|DONTWRITEBYTECODE)$/,
  ],
];

/** A port from `host:port`, `:port` or `port`. */
function portOf(address: string): number | undefined {
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** Python's own options before the script (`-u`, `-W arg`, `-X opt`…): where the program starts. */
function pythonProgramIndex(argv: readonly string[]): number {
  let i = 1;
  while (i < argv.length && argv[i].startsWith("-") && !["-m", "-c", "-"].includes(argv[i]))
    i += argv[i] === "-W" || argv[i] === "-X" ? 2 : 1;
  return i;
}

/** The port of a debugger the command line already starts: `dlv --listen`, `-m debugpy --listen`, `node --inspect`. */
function debuggerPort(runtime: DebugRuntime, argv: readonly string[], nodeOptions = "") {
  if (runtime === "go") {
    if (!isDlv(argv[0])) return undefined;
    const listen = argv.find((a) => a.startsWith("--listen="));
    return listen ? portOf(listen.slice("--listen=".length)) : undefined;
  }
  if (runtime === "python") {
    const at = pythonProgramIndex(argv);
    if (argv[at] !== "-m" || argv[at + 1] !== "debugpy") return undefined;
    const listen = argv.indexOf("--listen", at);
    return listen > 0 ? portOf(argv[listen + 1] ?? "") : undefined;
  }
  for (const a of [...argv.slice(1), ...nodeOptions.split(/\s+/)]) {
    const m = /^--inspect(-brk)?(=(.+))?$/.exec(a);
    if (m) return m[3] ? portOf(m[3]) : DEBUGGERS.node.port;
  }
  return undefined;
}

/** How the debugger starts the program. */
export interface DebugCommand {
  readonly runtime: DebugRuntime;
  /** What told the runtime, in words: `the command (python3)`, `the image's GOTRACEBACK`, `build.debug.runtime`. */
  readonly detectedBy: string;
  /** The port the debugger listens on in the container. */
  readonly port: number;
  /** The container's new command line (whole: it replaces `command` and `args`); undefined: unchanged. */
  readonly argv?: readonly string[];
  /** Env values to set in the container. */
  readonly env: Readonly<Record<string, string>>;
  /** Whether the debugger comes from the debug-support image (else from the image or the runtime). */
  readonly support: boolean;
}

/** The container's command line under the debugger of its runtime, or why there is none. */
export function debugCommand(
  container: ContainerInputs,
  override: DebugSpec = {},
): DebugCommand | { readonly problem: string } {
  const argv = commandLine(container);
  if (!argv || argv.length === 0)
    return {
      problem:
        "its command line is unknown (no `command:` in the catalog, and the image's ENTRYPOINT/CMD could not be read from its registry); set `command:`",
    };
  const { inner, wrap } = unwrapSupervisor(argv);
  const env = { ...(container.image?.env ?? {}), ...container.env };
  const shown = inner.join(" ");

  let runtime: DebugRuntime | undefined = override.runtime;
  let detectedBy = "build.debug.runtime";
  if (!runtime) {
    const byProgram: DebugRuntime | undefined = isPython(inner[0])
      ? "python"
      : isNode(inner[0])
        ? "node"
        : isDlv(inner[0])
          ? "go"
          : undefined;
    const byEnv = RUNTIME_ENV.flatMap(([r, re]) =>
      Object.keys(env)
        .filter((k) => re.test(k))
        .map((k) => [r, k] as const),
    )[0];
    runtime = byProgram ?? byEnv?.[0];
    detectedBy = byProgram
      ? `the command (${base(inner[0])})`
      : byEnv
        ? `${byEnv[1] in container.env ? "the container's" : "the image's"} ${byEnv[1]}`
        : "";
  }
  if (!runtime)
    return {
      problem: `its runtime is not recognized from the command \`${shown}\` or the image's environment; set build.debug.runtime (go, node or python)`,
    };

  const already = debuggerPort(runtime, inner, env.NODE_OPTIONS);
  if (already !== undefined) return { runtime, detectedBy, port: already, env: {}, support: false };
  const port = override.port ?? DEBUGGERS[runtime].port;
  const listen = `127.0.0.1:${port}`;

  if (runtime === "python") {
    if (!isPython(inner[0]))
      return {
        problem: `the command \`${shown}\` does not start python, so debugpy cannot start the program; make \`command:\` start it with python3`,
      };
    const at = pythonProgramIndex(inner);
    if (at >= inner.length)
      return { problem: `the command \`${shown}\` names no script or module for python to run` };
    const debugpy = ["-Xfrozen_modules=off", "-m", "debugpy", "--listen", listen];
    const path = env.PYTHONPATH
      ? `${DEBUG_MOUNT}/python:${env.PYTHONPATH}`
      : `${DEBUG_MOUNT}/python`;
    return {
      runtime,
      detectedBy,
      port,
      argv: wrap([...inner.slice(0, at), ...debugpy, ...inner.slice(at)]),
      env: { PYTHONPATH: path },
      support: true,
    };
  }
  if (runtime === "node") {
    if (!isNode(inner[0]))
      return {
        problem: `the command \`${shown}\` does not start node, so its inspector cannot be turned on; make \`command:\` start it with node`,
      };
    return {
      runtime,
      detectedBy,
      port,
      argv: wrap([inner[0], `--inspect=${listen}`, ...inner.slice(1)]),
      env: {},
      support: false,
    };
  }
  const dlv = [
    `${DEBUG_MOUNT}/go/bin/dlv`,
    "exec",
    "--headless",
    "--continue",
    "--accept-multiclient",
    `--listen=${listen}`,
    "--api-version=2",
    // Delve refuses connections to a loopback address from another user; the port-forward's come
    // from the container runtime (root). Loopback keeps it unreachable from the rest of the cluster.
    "--only-same-user=false",
    inner[0],
  ];
  return {
    runtime,
    detectedBy,
    port,
    argv: wrap(inner.length > 1 ? [...dlv, "--", ...inner.slice(1)] : dlv),
    env: {},
    support: true,
  };
}
