/**
 * Commands run on the developer's machine (`kind`, `docker`) by the local stack's dynamic
 * providers. Every command is an argv array executed without a shell, so names and paths reach
 * the tool exactly as given, whatever characters they hold. The argv builders are pure and tested
 * directly; {@link runTool} is the one place that executes them.
 *
 * This module is serialized into the dynamic providers' closures: it may only import Node
 * built-ins, and only inside functions.
 */

/** One invocation: program, arguments and optional stdin. */
export interface ToolCall {
  readonly file: "kind" | "docker" | "buildctl";
  readonly args: readonly string[];
  readonly input?: string;
}

/** Outcome of a call; `code` is null when the tool could not be started at all. */
export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the tool could not be started (e.g. `spawn kind ENOENT`). */
  readonly error?: string;
}

/** Runs a call without a shell; never throws. Ten minutes at most (a cold `kind create`). */
export function runTool(call: ToolCall): Promise<ToolResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require("child_process") as typeof import("child_process");
  return new Promise((resolve) => {
    const child = spawn(call.file, [...call.args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: process.env,
    });
    // Our own timer, cleared on close: spawn's `timeout` option leaks its timer when the program
    // cannot be started (no 'exit' follows ENOENT), keeping the process alive for ten minutes.
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed: string | undefined;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => (failed = e.message));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code: failed ? null : code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        error: failed,
      });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(call.input ?? "");
  });
}

/** Runs a call that must succeed; the error names the command and ends with the tool's own words. */
export async function mustRun(call: ToolCall, what: string): Promise<string> {
  const r = await runTool(call);
  if (r.code === 0) return r.stdout;
  const detail =
    r.error ?? (r.stderr.trim().split("\n").slice(-8).join("\n") || `exit code ${r.code}`);
  throw new Error(`${what} failed: \`${[call.file, ...call.args].join(" ")}\`: ${detail}`);
}

/** `kind` calls of a cluster. */
export const kindCalls = {
  listClusters: (): ToolCall => ({ file: "kind", args: ["get", "clusters"] }),
  create: (name: string, configYaml: string): ToolCall => ({
    file: "kind",
    args: ["create", "cluster", "--name", name, "--config", "-"],
    input: configYaml,
  }),
  kubeconfig: (name: string): ToolCall => ({
    file: "kind",
    args: ["get", "kubeconfig", "--name", name],
  }),
  nodes: (name: string): ToolCall => ({ file: "kind", args: ["get", "nodes", "--name", name] }),
  delete: (name: string): ToolCall => ({
    file: "kind",
    args: ["delete", "cluster", "--name", name],
  }),
};

/** Reads one label of the control-plane node from inside it (works before any kubeconfig is exported). */
export function nodeLabelCall(cluster: string, label: string): ToolCall {
  const node = `${cluster}-control-plane`;
  const path = `{.metadata.labels.${label.replace(/\./g, "\\.")}}`;
  return {
    file: "docker",
    args: [
      "exec",
      node,
      "kubectl",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf",
      "get",
      "node",
      node,
      "-o",
      `jsonpath=${path}`,
    ],
  };
}

/** Asks the control-plane node's API server whether it is ready (from inside the node). */
export function apiReadyCall(cluster: string): ToolCall {
  return {
    file: "docker",
    args: [
      "exec",
      `${cluster}-control-plane`,
      "kubectl",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf",
      "get",
      "--raw",
      "/readyz",
    ],
  };
}

/** The registry container's settings. */
export interface RegistryContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  readonly listen: string;
  readonly volume: string;
}

/** The label that tells one registry volume from another of the same name (a recreated one). */
export const VOLUME_UID_LABEL = "localkube.dev/volume-uid";

export const dockerCalls = {
  /** Prints `true`/`false` (running or not); fails when there is no such container. */
  containerRunning: (name: string): ToolCall => ({
    file: "docker",
    args: ["inspect", "--type", "container", "--format", "{{.State.Running}}", name],
  }),
  /**
   * Runs a registry container; on kind's network (`network`) from the start, as the stack's is:
   * connecting a running container to it re-binds its published port, and a push in that moment
   * is refused. `network: null` leaves it on Docker's default network.
   */
  runRegistry: (s: RegistryContainerSpec, network: string | null = KIND_NETWORK): ToolCall => ({
    file: "docker",
    args: [
      "run",
      "--detach",
      "--restart=always",
      "--name",
      s.name,
      ...(network ? ["--network", network] : []),
      "--publish",
      `${s.listen}:${s.port}:5000`,
      "--volume",
      `${s.volume}:/var/lib/registry`,
      "--label",
      "localkube.dev/registry=true",
      s.image,
    ],
  }),
  containerId: (name: string): ToolCall => ({
    file: "docker",
    args: ["inspect", "--type", "container", "--format", "{{.Id}}", name],
  }),
  start: (name: string): ToolCall => ({ file: "docker", args: ["start", name] }),
  /** Prints `IP:PORT` lines the container publishes its port 5000 on. */
  publishedPort: (name: string): ToolCall => ({ file: "docker", args: ["port", name, "5000/tcp"] }),
  removeContainer: (name: string): ToolCall => ({
    file: "docker",
    args: ["rm", "--force", "--volumes", name],
  }),
  removeVolume: (volume: string): ToolCall => ({ file: "docker", args: ["volume", "rm", volume] }),
  /**
   * Creates a named volume labelled as localkube's, with `uid` as its identity (a no-op when it
   * exists: its labels stay as they were).
   */
  createVolume: (volume: string, uid: string): ToolCall => ({
    file: "docker",
    args: [
      "volume",
      "create",
      "--label",
      "localkube.dev/registry=true",
      "--label",
      `${VOLUME_UID_LABEL}=${uid}`,
      volume,
    ],
  }),
  /**
   * Prints the identity label of the volume ("" when it has none); fails when there is no such
   * volume. (Docker's CreatedAt is no identity: it follows the data directory's modification time.)
   */
  volumeUid: (volume: string): ToolCall => ({
    file: "docker",
    args: ["volume", "inspect", "--format", `{{index .Labels "${VOLUME_UID_LABEL}"}}`, volume],
  }),
  /** Prints the names of the networks the container is attached to, one per line. */
  networksOf: (name: string): ToolCall => ({
    file: "docker",
    args: [
      "inspect",
      "--type",
      "container",
      "--format",
      "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}\n{{end}}",
      name,
    ],
  }),
  connect: (network: string, name: string): ToolCall => ({
    file: "docker",
    args: ["network", "connect", network, name],
  }),
  disconnect: (network: string, name: string): ToolCall => ({
    file: "docker",
    args: ["network", "disconnect", "--force", network, name],
  }),
  /** Prints the number of containers attached to the network. */
  networkUsers: (network: string): ToolCall => ({
    file: "docker",
    args: ["network", "inspect", "--format", "{{len .Containers}}", network],
  }),
  /**
   * Creates a bridge network as kind creates its own when IPv6 is off (masquerading on); kind uses
   * an existing `kind` network as it finds it.
   */
  createNetwork: (network: string): ToolCall => ({
    file: "docker",
    args: [
      "network",
      "create",
      "--driver",
      "bridge",
      "--opt",
      "com.docker.network.bridge.enable_ip_masquerade=true",
      network,
    ],
  }),
  removeNetwork: (network: string): ToolCall => ({
    file: "docker",
    args: ["network", "rm", network],
  }),
  /**
   * Writes `content` to /etc/containerd/certs.d/<host>/hosts.toml on a node. The host name is
   * passed as a positional parameter of the node's `sh`, never spliced into the script.
   */
  writeHostsToml: (node: string, host: string, content: string): ToolCall => ({
    file: "docker",
    args: [
      "exec",
      "-i",
      node,
      "sh",
      "-c",
      'mkdir -p "/etc/containerd/certs.d/$1" && cat > "/etc/containerd/certs.d/$1/hosts.toml"',
      "sh",
      host,
    ],
    input: content,
  }),
};

/** containerd `hosts.toml` sending pulls of a registry host to the registry container. */
export function registryHostsToml(containerName: string): string {
  return `[host."http://${containerName}:5000"]\n`;
}

/** The docker network kind puts its nodes on. */
export const KIND_NETWORK = "kind";

/**
 * Creates the `kind` Docker network unless it exists (the registry joins it before any cluster
 * does; kind then uses it). A network created meanwhile by someone else is as good.
 */
export async function ensureKindNetwork(): Promise<void> {
  if ((await runTool(dockerCalls.networkUsers(KIND_NETWORK))).code === 0) return;
  const created = await runTool(dockerCalls.createNetwork(KIND_NETWORK));
  if (created.code !== 0 && (await runTool(dockerCalls.networkUsers(KIND_NETWORK))).code !== 0)
    throw new Error(
      `creating Docker network "${KIND_NETWORK}" failed: ${created.stderr.trim() || `exit ${created.code}`}`,
    );
}

/** Removes the `kind` Docker network when no container uses it any more (kind leaves it behind). */
export async function removeKindNetworkIfUnused(): Promise<void> {
  const users = await runTool(dockerCalls.networkUsers(KIND_NETWORK));
  if (users.code === 0 && users.stdout.trim() === "0")
    await runTool(dockerCalls.removeNetwork(KIND_NETWORK));
}
