/**
 * `npm run cleanup -- [--dry-run] [--now <ISO time>]`: destroys every `branch-*` stack of the
 * current state backend whose TTL has passed, then removes the stack. A stack's expiry is its
 * `expiresAt` output or, when an `up` failed before outputs were recorded, the `expires-at` label of
 * the branch namespace in its state. Prints one line per step; exits 1 if anything failed, 2 on a
 * usage error. Arguments are parsed here, never by a shell; Pulumi runs through the Automation API.
 */
import * as path from "path";
import { parseArgs } from "node:util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { isBranchStack } from "../branch/identity";
import { BRANCH_LABELS } from "../branch/sandbox";
import { engineEnv } from "../dev/workspace";

export const USAGE = "usage: npm run cleanup -- [--dry-run] [--now <ISO time>]";

export interface SandboxFacts {
  /** Stack name as the backend lists it (`branch-x`, or `org/project/branch-x`). */
  readonly name: string;
  /** ISO time the sandbox expires; undefined when none is recorded (never deployed). */
  readonly expiresAt?: string;
}

/** Stack name without an `org/project/` prefix. */
export function shortName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** Branch stacks whose expiry is at or before `now`, oldest first. Pure: the clock comes in. */
export function selectExpired(stacks: readonly SandboxFacts[], now: Date): SandboxFacts[] {
  return stacks
    .filter(
      (s) =>
        isBranchStack(shortName(s.name)) &&
        s.expiresAt !== undefined &&
        !Number.isNaN(Date.parse(s.expiresAt)),
    )
    .filter((s) => Date.parse(s.expiresAt!) <= now.getTime())
    .sort(
      (a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!) || a.name.localeCompare(b.name),
    );
}

/** Expiry recorded in exported stack state: the branch namespace's `expires-at` label (Unix seconds). */
export function expiryFromState(state: unknown): string | undefined {
  const resources = (state as { deployment?: { resources?: unknown } } | undefined)?.deployment
    ?.resources;
  if (!Array.isArray(resources)) return undefined;
  for (const r of resources as {
    type?: unknown;
    outputs?: { metadata?: { labels?: Record<string, unknown> } };
  }[]) {
    if (r?.type !== "kubernetes:core/v1:Namespace") continue;
    const label = r.outputs?.metadata?.labels?.[BRANCH_LABELS.expiresAt];
    if (typeof label === "string" && /^\d{1,12}$/.test(label))
      return new Date(Number(label) * 1000).toISOString();
  }
  return undefined;
}

export interface CleanupArgs {
  readonly dryRun: boolean;
  readonly now: Date;
  /** `--help`: print the usage and do nothing. */
  readonly help?: true;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses the command line (`node:util` parseArgs); throws with the usage on anything unknown or malformed. */
export function parseCleanupArgs(
  argv: readonly string[],
  clock: () => Date = () => new Date(),
): CleanupArgs {
  let parsed: ReturnType<typeof parseCleanupArgv>;
  try {
    parsed = parseCleanupArgv(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
      throw new Error(
        `unknown argument "--now"; ${USAGE} (no time given, e.g. 2026-11-24T12:00:00Z)`,
      );
    const arg =
      /'([^']+)'/.exec((err as Error).message)?.[1] ?? argv.find((a) => !a.startsWith("--")) ?? "";
    throw new Error(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
  }
  const { values } = parsed;
  let now = clock();
  if (values.now !== undefined) {
    if (!ISO_TIME.test(values.now) || Number.isNaN(Date.parse(values.now)))
      throw new Error(
        `unknown argument "--now"; ${USAGE} (${JSON.stringify(values.now)} is not an ISO time, e.g. 2026-11-24T12:00:00Z)`,
      );
    now = new Date(values.now);
  }
  const dryRun = values["dry-run"] ?? false;
  return values.help ? { dryRun, now, help: true } : { dryRun, now };
}

function parseCleanupArgv(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      "dry-run": { type: "boolean" },
      now: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

/** What cleanup needs from the state backend; the Automation API in production, fakes in tests. */
export interface CleanupBackend {
  /** Names of the project's stacks. */
  listStacks(): Promise<string[]>;
  /** A stack's outputs by name (plain values). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  /** A stack's exported state (`pulumi stack export`). */
  state(stack: string): Promise<unknown>;
  /** `pulumi destroy`, streaming the engine's output. */
  destroy(stack: string, onOutput: (text: string) => void): Promise<void>;
  /** `pulumi stack rm`. */
  remove(stack: string): Promise<void>;
}

/** The project's stacks in the current backend, through `LocalWorkspace` (the `pulumi` CLI). */
export function automationBackend(workDir: string): CleanupBackend {
  // Every engine run gets a private TMPDIR and the local backend's passphrase (dev/workspace.ts).
  const envVars = engineEnv();
  const ws = LocalWorkspace.create({ workDir, envVars });
  return {
    listStacks: async () => (await (await ws).listStacks()).map((s) => s.name),
    outputs: async (stack) =>
      Object.fromEntries(
        Object.entries(await (await ws).stackOutputs(stack)).map(([k, v]) => [k, v.value]),
      ),
    state: async (stack) => (await ws).exportStack(stack),
    destroy: async (stack, onOutput) => {
      const s = await LocalWorkspace.selectStack({ stackName: stack, workDir }, { envVars });
      await s.destroy({ onOutput });
    },
    remove: async (stack) => (await ws).removeStack(stack),
  };
}

/** Splits streamed text into lines, each written with `prefix`. */
export function lineWriter(prefix: string, write: (line: string) => void) {
  let pending = "";
  return {
    push(text: string) {
      const lines = (pending + text).split(/\r?\n/);
      pending = lines.pop()!;
      for (const line of lines) write(`${prefix}${line}`);
    },
    flush() {
      if (pending !== "") write(`${prefix}${pending}`);
      pending = "";
    },
  };
}

export interface CleanupOutput {
  log(line: string): void;
  error(line: string): void;
}

/** What went wrong, briefly: Pulumi's `error:` lines (CommandError repeats them), else the last lines. */
export function failureSummary(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err))
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const errors = [...new Set(lines.filter((l) => l.startsWith("error:")))];
  return (errors.length > 0 ? errors : lines.slice(-5)).join("\n  ");
}

/**
 * Finds the expired branch stacks and destroys them one by one (or lists them with `dryRun`).
 * A stack that cannot be read or destroyed is reported and the others still run; returns the exit
 * code: 0 when everything went through, 1 when anything failed.
 */
export async function runCleanup(
  args: CleanupArgs,
  backend: CleanupBackend,
  out: CleanupOutput,
): Promise<number> {
  let failed = 0;
  const facts: SandboxFacts[] = [];
  for (const name of (await backend.listStacks()).filter((n) => isBranchStack(shortName(n)))) {
    try {
      const recorded = (await backend.outputs(name)).expiresAt;
      const expiresAt =
        typeof recorded === "string" ? recorded : expiryFromState(await backend.state(name));
      if (expiresAt === undefined) out.log(`skip ${name}: no expiry recorded (never deployed)`);
      facts.push({ name, expiresAt });
    } catch (err) {
      failed++;
      out.error(`FAILED to read ${name}: ${failureSummary(err)}`);
    }
  }
  const expired = selectExpired(facts, args.now);
  out.log(
    `${facts.length} branch stack(s), ${expired.length} expired at ${args.now.toISOString()}${args.dryRun ? " (dry run)" : ""}`,
  );
  let destroyed = 0;
  for (const [i, s] of expired.entries()) {
    if (args.dryRun) {
      out.log(`would destroy ${s.name} (expired ${s.expiresAt})`);
      continue;
    }
    out.log(`[${i + 1}/${expired.length}] destroying ${s.name} (expired ${s.expiresAt}) …`);
    const engine = lineWriter(`  ${s.name} | `, out.log);
    try {
      await backend.destroy(s.name, (text) => engine.push(text));
      engine.flush();
      await backend.remove(s.name);
      destroyed++;
      out.log(`destroyed ${s.name}`);
    } catch (err) {
      engine.flush();
      failed++;
      out.error(`FAILED ${s.name}: ${failureSummary(err)}`);
    }
  }
  out.log(`cleanup: ${destroyed} destroyed${args.dryRun ? " (dry run)" : ""}, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  let args: CleanupArgs;
  try {
    args = parseCleanupArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  return runCleanup(args, automationBackend(path.resolve(__dirname, "..")), {
    log: (l) => console.log(l),
    error: (l) => console.error(l),
  });
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`cleanup: ${(err as Error).message}`);
      process.exit(2);
    },
  );
}
