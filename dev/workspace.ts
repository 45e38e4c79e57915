import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

/** Where `npm run up` and `npm run dev` keep the generated passphrase of the local state backend. */
export function passphraseFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(
    env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"),
    "localkube",
    "passphrase",
  );
}

let engineTemp: string | undefined;

/**
 * A temporary directory of this process's own for the engine it starts (`TMPDIR` of the Pulumi
 * CLI and its plugins), removed when this process exits. The Kubernetes provider writes the
 * kubeconfig it is given — admin credentials — to a new file in `$TMPDIR` at every configure and
 * never removes it (pkg/provider/provider.go, `writeKubeconfigToFile`): with this, nothing a
 * localkube command starts leaves one behind. Made once per process.
 */
export function engineTempDir(): string {
  if (engineTemp) return engineTemp;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "localkube-engine-"));
  engineTemp = dir;
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * What every engine run localkube starts gets in its environment: a private `TMPDIR` (see
 * {@link engineTempDir}) and, when none is set, the generated passphrase of the local backend.
 */
export function engineEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = { TMPDIR: engineTempDir() };
  if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    const file = passphraseFile(env);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, crypto.randomBytes(32).toString("base64"), { mode: 0o600 });
    }
    out.PULUMI_CONFIG_PASSPHRASE_FILE = file;
  }
  return out;
}

/** A lock file of a file:// backend's stack: the process that took it. */
export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
}

/** Locks of a killed update: taken on this host by a process that is gone. Pure but for `alive`. */
export function staleLocks(
  locks: readonly LockInfo[],
  hostname: string,
  alive: (pid: number) => boolean,
): LockInfo[] {
  return locks.filter((l) => l.hostname === hostname && !alive(l.pid));
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Opens the stack the way `npm run up` (scripts/up.sh) does: the Pulumi CLI must be installed
 * (`npm run up` installs it); a local state backend when the user is logged in nowhere; the
 * generated passphrase when none is set; the stack created when missing; the lock of an update
 * that was killed on this machine cleared; a private `TMPDIR` for the engine (see
 * {@link engineEnv}). Returns the stack of the project in `projectDir`; the environment its
 * engine runs get is `stack.workspace.envVars`.
 */
export async function openStack(
  projectDir: string,
  stackName: string,
  note: (line: string) => void,
): Promise<Stack> {
  let cli: PulumiCommand;
  try {
    cli = await PulumiCommand.get({ skipVersionCheck: true });
  } catch {
    throw new Error(
      "the Pulumi CLI is not on PATH; `npm run up` installs it (and brings the stack up once)",
    );
  }
  const env = engineEnv();
  const pulumi = (args: string[]) =>
    spawnSync(cli.command, [...args, "--non-interactive"], {
      cwd: projectDir,
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
  if (pulumi(["whoami"]).status !== 0) {
    note("not logged in to any Pulumi backend: using the local one (`pulumi login --local`)");
    const login = pulumi(["login", "--local"]);
    if (login.status !== 0)
      throw new Error(`\`pulumi login --local\` failed: ${login.stderr.trim()}`);
  }
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: projectDir },
    { pulumiCommand: cli, envVars: env },
  );
  const url = (await stack.workspace.whoAmI()).url ?? "";
  if (url.startsWith("file://")) {
    const dir = path.join(
      url.slice("file://".length).replace(/^~/, os.homedir()),
      ".pulumi",
      "locks",
    );
    const locks = fs.existsSync(dir) ? lockFiles(dir, stackName) : [];
    if (staleLocks(locks, os.hostname(), processAlive).length > 0) {
      note(`clearing the lock of an interrupted update of ${stackName} (its process is gone)`);
      await stack.cancel();
    }
  }
  return stack;
}

/** Lock files of `<locks>/<org>/localkube/<stack>/*.json`. */
function lockFiles(locksDir: string, stackName: string): LockInfo[] {
  const out: LockInfo[] = [];
  for (const org of fs.readdirSync(locksDir)) {
    const dir = path.join(locksDir, org, "localkube", stackName);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      const lock = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as {
        pid?: number;
        hostname?: string;
      };
      if (typeof lock.pid === "number" && typeof lock.hostname === "string")
        out.push({ pid: lock.pid, hostname: lock.hostname });
    }
  }
  return out;
}

/** Config values the command line sets, as `pulumi up -c` would save them: only what was given. */
export function selectionConfig(args: {
  names: readonly string[];
  local?: readonly string[];
  buildAll: boolean;
}): Record<string, string> {
  const out: Record<string, string> = {};
  if (args.names.length > 0) out["localkube:services"] = args.names.join(",");
  if (args.local) out["localkube:local"] = args.local.join(",");
  if (args.buildAll) out["localkube:buildAll"] = "true";
  return out;
}
