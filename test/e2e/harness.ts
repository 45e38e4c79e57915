/**
 * Drives localkube the way a user does — `pulumi up -s local` in a project directory — against
 * the real Pulumi engine, a real kind cluster and the real Docker engine, with the offline toolchain
 * of toolchain. Every command is an argv array (no shell).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerCalls, ensureKindNetwork } from "../../host/tools";

export const REPO = path.resolve(__dirname, "../..");
export const CACHE = process.env.LOCALKUBE_CACHE ?? path.join(os.homedir(), ".cache", "localkube");
export const TOOLCHAIN = path.join(REPO, "toolchain");
/**
 * Where the suite writes its state backend, kubeconfig, logs and figures: the run's own directory
 * (test/e2e/globalSetup.ts makes one per run unless `LOCALKUBE_E2E_ARTIFACTS` names it). The
 * benchmark, run without Jest, gets one of its own the same way.
 */
export const ARTIFACTS = (process.env.LOCALKUBE_E2E_ARTIFACTS ??= fs.mkdtempSync(
  path.join(os.tmpdir(), "localkube-e2e-"),
));

/** The suite's state backend (`pulumi login file://…`). */
export const stateDir = () => path.join(ARTIFACTS, "state");

/** Names the suite's stacks use, distinct from a developer's own `local` stack. */
export const E2E = {
  cluster: "lk-e2e",
  registry: "lk-e2e-registry",
  registryPort: Number(process.env.LOCALKUBE_E2E_REGISTRY_PORT ?? 5051),
  httpPort: Number(process.env.LOCALKUBE_E2E_HTTP_PORT ?? 80),
  httpsPort: Number(process.env.LOCALKUBE_E2E_HTTPS_PORT ?? 443),
  // The node image toolchain/ensure.sh builds (toolchain/kind/versions.sh: LOCALKUBE_K8S_VERSION).
  nodeImage: process.env.LOCALKUBE_E2E_NODE_IMAGE ?? "localkube-e2e/kind-node:v1.37.2",
  registryImage: "localkube-e2e/registry:2.8.2",
  /**
   * The base-image mirror buildkitd pulls `FROM` images from (a company's Docker Hub mirror for
   * real users): a registry of the suite's own, apart from the stack's, so that a stack whose
   * registry lost its data can still build.
   */
  mirror: "lk-e2e-mirror",
  mirrorPort: Number(process.env.LOCALKUBE_E2E_MIRROR_PORT ?? 5052),
};

/**
 * Images the e2e cluster pulls, pushed into the stack's registry before `up` (the machines have
 * no upstream registry): stand-ins built by toolchain/images.sh under the names the config points at.
 */
export const SEEDED_IMAGES: Readonly<Record<string, string>> = {
  "localkube-e2e/postgres:15": "mirror/postgres:15",
  "localkube-e2e/kafka:4.3.1": "mirror/kafka:4.3.1",
  "localkube-e2e/schema-registry:3.3.3": "mirror/apicurio-registry:3.3.3",
  "localkube-e2e/traefik:v3.6.12": "mirror/traefik:v3.6.12",
  // The published image of the example service `price` (built by buildPublishedStandIns).
  "localkube-e2e/price:1": "mirror/price:1",
};

/** `FROM` images of the example services, in the base-image mirror (`E2E.mirror`) as docker.io's. */
export const BASE_IMAGES: Readonly<Record<string, string>> = {
  "debian:bookworm-slim": "library/debian:bookworm-slim",
};

/** The registry address pods and pushes use. */
export const registryAddress = () => `localhost:${E2E.registryPort}`;
export const mirrored = (image: string) => `${registryAddress()}/${SEEDED_IMAGES[image]}`;

/** Environment of every tool call: the offline toolchain first on PATH, a private kubeconfig. */
export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${CACHE}/bin:${process.env.PATH}`,
    PULUMI_HOME: path.join(CACHE, "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    PULUMI_CONFIG_PASSPHRASE: "localkube-e2e",
    PULUMI_BACKEND_URL: `file://${stateDir()}`,
    KUBECONFIG: path.join(ARTIFACTS, "kubeconfig"),
    // buildkitd pulls the services' FROM images from the base-image mirror (toolchain/pulumi/buildkitd.sh).
    LOCALKUBE_BUILDKIT_MIRROR: `127.0.0.1:${E2E.mirrorPort}`,
    // The toolchain's Go module cache: it holds the Gateway API module (Traefik's build fetched it),
    // whose CRDs `ingress.api: gateway` installs (host/gatewayApi.ts).
    GOMODCACHE: path.join(CACHE, "go", "mod"),
    ...extra,
  };
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

let logSeq = 0;

/** Runs a program to completion (argv, no shell), logging its output under ARTIFACTS/logs. */
export function run(
  file: string,
  args: readonly string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    timeoutMs?: number;
    onSpawn?: (pid: number) => void;
    /** Called with each line the program prints on stderr, as it prints it (progress). */
    onLine?: (line: string) => void;
  } = {},
): Promise<Run> {
  const started = Date.now();
  const logDir = path.join(ARTIFACTS, "logs");
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(
    logDir,
    // Named by the program and its subcommands only: an argument may be a secret (a psql URL).
    `${process.pid}-${String(++logSeq).padStart(3, "0")}-${path.basename(file)}-${args
      .slice(0, 2)
      .filter((a) => /^-{0,2}[a-z][a-z-]*$/.test(a))
      .join("-")}.log`,
  );
  return new Promise((resolve) => {
    const child = spawn(file, [...args], {
      cwd: opts.cwd ?? REPO,
      env: opts.env ?? toolEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (child.pid && opts.onSpawn) opts.onSpawn(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    let partial = "";
    child.stderr.on("data", (b: Buffer) => {
      err.push(b);
      if (!opts.onLine) return;
      const lines = (partial + b.toString()).split("\n");
      partial = lines.pop() ?? "";
      lines.forEach(opts.onLine);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20 * 60_000);
    child.on("error", (e) => err.push(Buffer.from(String(e))));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const r = {
        code,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        seconds: (Date.now() - started) / 1000,
      };
      fs.writeFileSync(
        logFile,
        `$ ${file} ${args.join(" ")}\n# exit ${code} signal ${signal} in ${r.seconds}s\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n`,
      );
      resolve(r);
    });
    // A program that exits without reading its input (docker push) must not fail the run.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** Like {@link run} but throws with the tail of the output when the program fails. */
export async function must(
  file: string,
  args: readonly string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<Run> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    const tail = (r.stdout + "\n" + r.stderr).trim().split("\n").slice(-40).join("\n");
    throw new Error(`\`${file} ${args.join(" ")}\` exited ${r.code ?? r.signal}:\n${tail}`);
  }
  return r;
}

/** Synchronous docker/kind query returning trimmed stdout lines ([] on failure). */
export function lines(file: string, args: readonly string[]): string[] {
  const r = spawnSync(file, [...args], { env: toolEnv(), encoding: "utf8" });
  return r.status === 0
    ? r.stdout
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
}

/**
 * Builds/verifies the offline toolchain (cached) and cleans leftovers of earlier runs. Each part's
 * start and finish are printed as they happen: a cold build takes about 40 minutes.
 */
export async function ensureToolchain(): Promise<void> {
  const progress = { onLine: (line: string) => process.stderr.write(`${line}\n`) };
  await must("bash", [path.join(TOOLCHAIN, "ensure.sh"), "--clean"], {
    timeoutMs: 85 * 60_000,
    ...progress,
  });
  await must("bash", [path.join(TOOLCHAIN, "pulumi/buildkitd.sh"), "start"]);
}

/** Runs a registry container of the suite's (the stand-in registry image) unless it runs already. */
async function ensureRegistryContainer(
  name: string,
  port: number,
  network: "kind" | null,
): Promise<void> {
  const check = dockerCalls.containerRunning(name);
  if (lines(check.file, check.args)[0] === "true") return;
  if (network) await ensureKindNetwork();
  // Its volume labelled with a uid, as the stack's RegistryVolume makes it.
  const volume = dockerCalls.createVolume(`${name}-data`, crypto.randomUUID());
  await must(volume.file, volume.args);
  const call = dockerCalls.runRegistry(
    { name, image: E2E.registryImage, port, listen: "127.0.0.1", volume: `${name}-data` },
    network,
  );
  await must(call.file, call.args);
}

/**
 * Starts the registry container the way the stack's LocalRegistry does (the stack adopts it) and
 * pushes the stand-in images into it — the role a company mirror plays for real users — and the
 * base images into the base-image mirror buildkitd pulls from.
 */
export async function seedRegistry(): Promise<void> {
  // The stack's registry on kind's network, as the stack runs it; the base-image mirror serves
  // buildkitd on the host only (and must not keep kind's network alive after a destroy).
  await ensureRegistryContainer(E2E.registry, E2E.registryPort, "kind");
  await ensureRegistryContainer(E2E.mirror, E2E.mirrorPort, null);
  await must("docker", [
    "build",
    "--quiet",
    "--tag",
    "localkube-e2e/price:1",
    path.join(REPO, "services/price"),
  ]);
  const push = async (image: string, target: string) => {
    await must("docker", ["tag", image, target]);
    await must("docker", ["push", target]);
  };
  for (const [image, name] of Object.entries(SEEDED_IMAGES))
    await push(image, `127.0.0.1:${E2E.registryPort}/${name}`);
  for (const [image, name] of Object.entries(BASE_IMAGES))
    await push(image, `127.0.0.1:${E2E.mirrorPort}/${name}`);
}

/** A scratch copy of the project (tracked + new files, node_modules linked), as a user's checkout. */
export function projectCopy(name: string): string {
  const dir = path.join(ARTIFACTS, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const files = lines("git", [
    "-C",
    REPO,
    "ls-files",
    "--cached",
    "--others",
    "--exclude-standard",
  ]);
  for (const f of files) {
    const from = path.join(REPO, f);
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

/** `pulumi` in a project directory. */
export function pulumi(
  dir: string,
  args: readonly string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<Run> {
  return run("pulumi", [...args, "--non-interactive"], { cwd: dir, ...opts });
}

/**
 * Creates a fresh stack (dropping the state of an earlier, interrupted run; ensure.sh --clean
 * removed its clusters) and sets config through `pulumi config set`, as a user would.
 */
export async function initStack(
  dir: string,
  stack: string,
  config: Record<string, string>,
): Promise<void> {
  fs.mkdirSync(path.join(ARTIFACTS, "state"), { recursive: true });
  // The stack starts from exactly the config given here: no stack file of the project's (such
  // as the committed Pulumi.local.yaml) or of an earlier run.
  fs.rmSync(path.join(dir, `Pulumi.${stack}.yaml`), { force: true });
  // A suite killed mid-update leaves its lock in the suite's own state dir.
  fs.rmSync(path.join(ARTIFACTS, "state/.pulumi/locks/organization/localkube", stack), {
    recursive: true,
    force: true,
  });
  await pulumi(dir, ["stack", "rm", "--force", "--yes", "--stack", stack]);
  await must("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd: dir });
  for (const [key, value] of Object.entries(config)) {
    await must("pulumi", ["config", "set", "--stack", stack, key, value, "--non-interactive"], {
      cwd: dir,
    });
  }
}

/** Config pointing the local stack at the e2e names, node image and seeded images. */
export function localE2eConfig(): Record<string, string> {
  return {
    "localkube:cluster.name": E2E.cluster,
    "localkube:cluster.nodeImage": E2E.nodeImage,
    "localkube:cluster.httpPort": String(E2E.httpPort),
    "localkube:cluster.httpsPort": String(E2E.httpsPort),
    "localkube:registry.name": E2E.registry,
    "localkube:registry.port": String(E2E.registryPort),
    "localkube:registry.image": E2E.registryImage,
    // ingress-nginx cannot be built on these machines; Traefik serves the same `nginx` class.
    "localkube:ingress.controller": "traefik",
    "localkube:ingress.traefikImage": mirrored("localkube-e2e/traefik:v3.6.12"),
    "localkube:appliances.postgres.image": mirrored("localkube-e2e/postgres:15"),
    "localkube:appliances.kafka.image": mirrored("localkube-e2e/kafka:4.3.1"),
    "localkube:appliances.schemaRegistry.image": mirrored("localkube-e2e/schema-registry:3.3.3"),
  };
}

/** Parsed `pulumi stack output --json --show-secrets`. */
export async function outputs(dir: string, stack: string): Promise<Record<string, any>> {
  const r = await must(
    "pulumi",
    ["stack", "output", "--json", "--stack", stack, "--non-interactive"],
    { cwd: dir },
  );
  return JSON.parse(r.stdout);
}

/** The stack's parsed checkpoint (`pulumi stack export`): its resources and pending operations. */
export async function deployment(
  dir: string,
  stack: string,
): Promise<{ resources: { urn: string; type: string }[]; pendingOperations: unknown[] }> {
  const r = await must("pulumi", ["stack", "export", "--stack", stack, "--non-interactive"], {
    cwd: dir,
  });
  const d = JSON.parse(r.stdout).deployment;
  return { resources: d.resources ?? [], pendingOperations: d.pending_operations ?? [] };
}

/** HTTP GET through the ingress on 127.0.0.1 with a Host header (what curl does for *.localhost). */
export async function httpGet(
  host: string,
  urlPath = "/",
  port = E2E.httpPort,
  maxSeconds = 10,
): Promise<{ status: number; body: string }> {
  const r = await run("curl", [
    "-sS",
    "--max-time",
    String(maxSeconds),
    "-o",
    "-",
    "-w",
    "\n%{http_code}",
    "--resolve",
    `${host}:${port}:127.0.0.1`,
    `http://${host}:${port}${urlPath}`,
  ]);
  const all = r.stdout.split("\n");
  const status = Number(all.pop());
  return { status, body: all.join("\n") };
}

/** Polls until `check` passes or the deadline; returns the last value. */
export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 120_000,
  everyMs = 2000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, everyMs));
    last = await probe();
  }
  return last;
}

/** `kubectl` through the cluster's control-plane node (no host kubectl needed); `input` goes to its stdin. */
export function kubectl(
  args: readonly string[],
  cluster = E2E.cluster,
  input?: string,
): Promise<Run> {
  const exec = input === undefined ? ["exec"] : ["exec", "--interactive"];
  return run(
    "docker",
    [
      ...exec,
      `${cluster}-control-plane`,
      "kubectl",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf",
      ...args,
    ],
    { input },
  );
}

/** What the Docker engine and kubeconfig hold for a cluster/registry pair: the leftovers check. */
export function leftovers(cluster = E2E.cluster, registry = E2E.registry) {
  return {
    clusters: lines("kind", ["get", "clusters"]).filter((c) => c === cluster),
    containers: lines("docker", ["ps", "-a", "--format", "{{.Names}}"]).filter(
      // The suite's base-image mirror (`lk-e2e-mirror`) is no part of any stack.
      (n) => (n.startsWith(`${cluster}-`) && n !== E2E.mirror) || n === registry,
    ),
    volumes: lines("docker", ["volume", "ls", "--format", "{{.Name}}"]).filter(
      (v) => v === `${registry}-data`,
    ),
    networks: lines("docker", ["network", "ls", "--format", "{{.Name}}"]).filter(
      (n) => n === "kind",
    ),
    contexts: fs.existsSync(toolEnv().KUBECONFIG!)
      ? fs.readFileSync(toolEnv().KUBECONFIG!, "utf8").includes(`kind-${cluster}`)
        ? [`kind-${cluster}`]
        : []
      : [],
  };
}
