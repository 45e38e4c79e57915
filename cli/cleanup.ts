/**
 * `npm run cleanup -- [--dry-run] [--now <ISO time>]`: destroys every `branch-*` stack of the
 * current state backend whose TTL has passed (its `expiresAt` output), then removes the stack.
 * Prints one line per stack; exits non-zero if any destroy failed. Arguments are parsed here,
 * never by a shell.
 */
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { isBranchStack } from "../config/branch";

export interface StackFacts {
  readonly name: string;
  /** ISO time from the stack's `expiresAt` output; undefined when it has none (never deployed). */
  readonly expiresAt?: string;
}

/** Branch stacks whose expiry is at or before `now`, oldest first. Pure: the clock comes in. */
export function selectExpired(stacks: readonly StackFacts[], now: Date): StackFacts[] {
  return stacks
    .filter((s) => isBranchStack(s.name) && s.expiresAt !== undefined && !Number.isNaN(Date.parse(s.expiresAt)))
    .filter((s) => Date.parse(s.expiresAt!) <= now.getTime())
    .sort((a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!));
}

export interface CleanupArgs {
  readonly dryRun: boolean;
  readonly now: Date;
}

/** Parses the command line; throws with the usage on anything unknown. */
export function parseCleanupArgs(argv: readonly string[], clock: () => Date = () => new Date()): CleanupArgs {
  let dryRun = false;
  let now = clock();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--dry-run") dryRun = true;
    else if (argv[i] === "--now" && argv[i + 1] !== undefined && !Number.isNaN(Date.parse(argv[i + 1]))) now = new Date(argv[++i]);
    else throw new Error(`unknown argument ${JSON.stringify(argv[i])}; usage: npm run cleanup -- [--dry-run] [--now <ISO time>]`);
  }
  return { dryRun, now };
}

async function main(): Promise<number> {
  const args = parseCleanupArgs(process.argv.slice(2));
  const ws = await LocalWorkspace.create({ workDir: path.resolve(__dirname, "..") });
  const facts: StackFacts[] = [];
  for (const s of await ws.listStacks()) {
    if (!isBranchStack(s.name)) continue;
    const outputs = await ws.stackOutputs(s.name);
    facts.push({ name: s.name, expiresAt: outputs.expiresAt?.value as string | undefined });
  }
  const expired = selectExpired(facts, args.now);
  console.log(`${facts.length} branch stack(s), ${expired.length} expired at ${args.now.toISOString()}${args.dryRun ? " (dry run)" : ""}`);
  let failed = 0;
  for (const s of expired) {
    if (args.dryRun) {
      console.log(`would destroy ${s.name} (expired ${s.expiresAt})`);
      continue;
    }
    console.log(`destroying ${s.name} (expired ${s.expiresAt}) …`);
    try {
      const stack = await LocalWorkspace.selectStack({ stackName: s.name, workDir: ws.workDir });
      await stack.destroy({ onOutput: (line) => process.stdout.write(`  ${s.name} | ${line}`) });
      await ws.removeStack(s.name);
      console.log(`destroyed ${s.name}`);
    } catch (err) {
      failed++;
      console.error(`FAILED ${s.name}: ${(err as Error).message.split("\n").slice(-5).join("\n")}`);
    }
  }
  console.log(`cleanup: ${expired.length - failed} destroyed${args.dryRun ? " (dry run: none)" : ""}, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error((err as Error).message);
      process.exit(2);
    },
  );
}
