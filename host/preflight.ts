import { spawnSync } from "child_process";
import * as net from "net";
import * as semver from "semver";
import { dockerCalls } from "./tools";

/** A host port the local stack needs, and which of its containers may already hold it. */
export interface PortNeed {
  readonly port: number;
  /** Config key that sets this port, for the fix. */
  readonly key: string;
  /** Container of this stack that legitimately publishes the port. */
  readonly owner: string;
  readonly purpose: string;
}

/** What pre-flight found on this machine. */
export interface PreflightFacts {
  /**
   * `docker info` answered, with the host's cgroup version when Docker reports it (20.10+);
   * else its error output.
   */
  readonly docker:
    | { readonly ok: true; readonly cgroupVersion?: 1 | 2 }
    | { readonly ok: false; readonly detail: string };
  /** `kind version` answered, with the version it printed (`v0.33.0`); else why not. */
  readonly kind:
    | { readonly ok: true; readonly version?: string }
    | { readonly ok: false; readonly detail: string };
  /**
   * For each port: free, or held by the named containers (empty: by a non-container process),
   * with a port that was free when looked at (see {@link portCandidates}) to suggest instead.
   */
  readonly ports: ReadonlyMap<number, PortState>;
}

export type PortState =
  | { readonly free: true }
  | {
      readonly free: false;
      readonly holders: readonly string[];
      readonly suggestion?: number;
    };

/**
 * Ports to suggest instead of a taken one, in order: for a privileged port its unprivileged
 * namesake first (80 → 8080, 443 → 8443), then the ports above; never one of `avoid` (ports the
 * stack needs for something else). Pure.
 */
export function portCandidates(port: number, avoid: ReadonlySet<number>, count = 20): number[] {
  const start = port < 1024 ? port + 8000 : port + 1;
  const out: number[] = [];
  for (let p = start; out.length < count && p <= 65535; p++) if (!avoid.has(p)) out.push(p);
  return out;
}

/** What the cluster needs of the machine beyond ports. */
export interface PreflightNeeds {
  /**
   * The kind release the node image was made by: an older kind cannot create its cluster (kind
   * supports an image only with the release that built it). @default any kind
   */
  readonly kindVersion?: string;
}

/** `v0.30.0` from `kind v0.30.0 go1.24.6 linux/amd64`. */
export function kindVersionOf(output: string): string | undefined {
  return /\bv(\d+\.\d+\.\d+)\b/.exec(output)?.[0];
}

/** `a` is an older release than `b` (`v0.32.1` before `v0.33.0`). */
const older = (a: string, b: string) =>
  semver.lt(semver.coerce(a)?.version ?? "0.0.0", semver.coerce(b)?.version ?? "0.0.0");

/**
 * Decides whether the local stack can start: Docker answers, kind is installed (and new enough
 * for the node image), and every port is free or already held by this stack's own container.
 * Returns one message per problem.
 */
export function preflightProblems(
  facts: PreflightFacts,
  needs: readonly PortNeed[],
  wants: PreflightNeeds = {},
): string[] {
  const problems: string[] = [];
  if (!facts.docker.ok) {
    problems.push(
      `Docker is not reachable (${facts.docker.detail}). Start Docker (e.g. \`sudo systemctl start docker\` or Docker Desktop) and run again.`,
    );
  }
  if (!facts.kind.ok) {
    problems.push(
      `kind is not installed or not on PATH (${facts.kind.detail}). Install it: \`go install sigs.k8s.io/kind@v0.33.0\` (or see https://kind.sigs.k8s.io/docs/user/quick-start/#installation).`,
    );
  } else if (
    wants.kindVersion &&
    facts.kind.version &&
    older(facts.kind.version, wants.kindVersion)
  ) {
    problems.push(
      `kind ${facts.kind.version} is older than ${wants.kindVersion}, the release that made the pinned node image: it cannot create this cluster. ` +
        `Install kind ${wants.kindVersion} (\`go install sigs.k8s.io/kind@${wants.kindVersion}\`; \`npm run up\` builds it when kind is not on PATH), or set localkube:cluster.nodeImage to an image your kind supports.`,
    );
  }
  for (const need of needs) {
    const state = facts.ports.get(need.port);
    if (!state || state.free || state.holders.includes(need.owner)) continue;
    const who =
      state.holders.length > 0 ? `container ${state.holders.join(", ")}` : "another process";
    const other =
      state.suggestion === undefined
        ? `\`pulumi config set localkube:${need.key} <port>\``
        : `\`pulumi config set localkube:${need.key} ${state.suggestion}\` (${state.suggestion} is free now)`;
    problems.push(
      `port ${need.port} on 127.0.0.1 (${need.purpose}) is already in use by ${who}. ` +
        `Stop it (\`sudo ss -ltnp 'sport = :${need.port}'\` shows the process) or choose another port: ${other}.`,
    );
  }
  return problems;
}

function run(
  cmd: string,
  args: string[],
): { ok: true; stdout: string } | { ok: false; detail: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  if (r.error)
    return {
      ok: false,
      detail:
        (r.error as NodeJS.ErrnoException).code === "ENOENT"
          ? `${cmd}: command not found`
          : r.error.message,
    };
  if (r.status !== 0)
    return {
      ok: false,
      detail: (r.stderr || r.stdout).trim().split("\n")[0] || `exit ${r.status}`,
    };
  return { ok: true, stdout: r.stdout };
}

/**
 * The host's cgroup version from `docker info --format '{{json .}}'` (its `CgroupVersion`, "1" or
 * "2"), or undefined when Docker does not say (before 20.10).
 */
export function cgroupVersionOf(dockerInfoJson: string): 1 | 2 | undefined {
  const m = /"CgroupVersion":\s*"([12])"/.exec(dockerInfoJson);
  return m ? (Number(m[1]) as 1 | 2) : undefined;
}

/** True when nothing listens on 127.0.0.1:port (we could bind it ourselves). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code !== "EADDRINUSE"));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** Looks at this machine: Docker (and its cgroup version), kind, and who holds each needed port. */
export async function gatherPreflightFacts(needs: readonly PortNeed[]): Promise<PreflightFacts> {
  const dockerInfo = run("docker", ["info", "--format", "{{json .}}"]);
  const kind = run("kind", ["version"]);
  const ports = new Map<number, PortState>();
  const needed = new Set(needs.map((n) => n.port));
  for (const need of needs) {
    if (await portIsFree(need.port)) {
      ports.set(need.port, { free: true });
      continue;
    }
    const holders = dockerInfo.ok
      ? run("docker", ["ps", "--filter", `publish=${need.port}`, "--format", "{{.Names}}"])
      : undefined;
    let suggestion: number | undefined;
    for (const candidate of portCandidates(need.port, needed))
      if (await portIsFree(candidate)) {
        suggestion = candidate;
        break;
      }
    ports.set(need.port, {
      free: false,
      holders: holders?.ok ? holders.stdout.split("\n").filter(Boolean) : [],
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  }
  return {
    docker: dockerInfo.ok
      ? { ok: true, cgroupVersion: cgroupVersionOf(dockerInfo.stdout) }
      : { ok: false, detail: dockerInfo.detail },
    kind: kind.ok
      ? { ok: true, version: kindVersionOf(kind.stdout) }
      : { ok: false, detail: kind.detail },
    ports,
  };
}

/** Throws a {@link PreflightError} listing every problem, if there is any. */
export function preflightFailures(
  facts: PreflightFacts,
  needs: readonly PortNeed[],
  wants: PreflightNeeds = {},
): void {
  const problems = preflightProblems(facts, needs, wants);
  if (problems.length > 0) throw new PreflightError(problems);
}

/** Thrown when the machine is not ready; nothing has been created at that point. */
export class PreflightError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `localkube pre-flight failed, nothing was created:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "PreflightError";
  }
}

/** The local stack's own containers as Docker has them now (see {@link restoreNotes}). */
export interface OwnContainers {
  readonly cluster: string;
  /** The cluster's node containers and whether each runs; empty: no cluster of that name. */
  readonly nodes: readonly { readonly name: string; readonly running: boolean }[];
  readonly registry: string;
  readonly registryState: "running" | "stopped" | "missing";
  readonly volume: string;
  readonly volumeExists: boolean;
}

/**
 * What this `up` will restore that Docker lost or stopped, in words, for an existing cluster (a
 * fresh machine has none of these and needs no note). Pure.
 */
export function restoreNotes(c: OwnContainers): string[] {
  if (c.nodes.length === 0) return [];
  const notes: string[] = [];
  const stopped = c.nodes.filter((n) => !n.running).map((n) => n.name);
  if (stopped.length > 0) {
    const [s, is, it] = stopped.length === 1 ? ["", "is", "it"] : ["s", "are", "them"];
    notes.push(
      `kind cluster "${c.cluster}": node${s} ${stopped.join(", ")} ${is} stopped (Docker restarted without ${it}, or a laptop that slept badly): starting ${it} and waiting for the API server`,
    );
  }
  if (c.registryState === "missing" && c.volumeExists)
    notes.push(
      `registry container "${c.registry}" is gone: it runs again on its volume "${c.volume}", with the images it held`,
    );
  else if (!c.volumeExists)
    notes.push(
      `registry volume "${c.volume}" is gone${c.registryState === "missing" ? `, and its container "${c.registry}" too` : ""}: the registry starts empty, and every image built from source is built and pushed again`,
    );
  else if (c.registryState === "stopped")
    notes.push(`registry container "${c.registry}" is stopped: starting it`);
  return notes;
}

/** Looks at the local stack's own containers (no shell; each a `docker`/`kind` call). */
export function gatherOwnContainers(
  cluster: string,
  registry: string,
  volume: string,
): OwnContainers {
  const listed = run("kind", ["get", "nodes", "--name", cluster]);
  const names = listed.ok ? listed.stdout.split("\n").filter(Boolean) : [];
  const running = (name: string) => {
    const call = dockerCalls.containerRunning(name);
    const r = run(call.file, [...call.args]);
    return r.ok ? (r.stdout.trim() === "true" ? "running" : "stopped") : "missing";
  };
  return {
    cluster,
    nodes: names.map((name) => ({ name, running: running(name) === "running" })),
    registry,
    registryState: running(registry),
    volume,
    volumeExists: run("docker", ["volume", "inspect", volume]).ok,
  };
}
