/**
 * `npm run branch`: a branch's sandbox from CI (docs/branch-ci.md) — or from a laptop — without
 * knowing Pulumi's stack naming:
 *
 *   npm run branch -- deploy --branch <git branch> [--sha <commit>]   up, then print its URLs
 *   npm run branch -- destroy --branch <git branch>                   destroy it and remove its stack
 *
 * The stack is the branch's namespace, `branch-<slug>` (branch/identity.ts: any git branch name,
 * `feature/Login` included, becomes a valid name; hostile ones are refused), with
 * `localkube:branch` set to the name as given. The stack is opened as `npm run dev` opens it
 * (dev/workspace.ts: state backend, passphrase, a killed update's lock, a private TMPDIR).
 * The branch name reaches no shell: argument vectors and the Automation API only.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { branchIdentity } from "../branch/identity";
import { engineEnv, openStack } from "../dev/workspace";

export const USAGE =
  "usage: npm run branch -- deploy --branch <git branch> [--sha <commit>] | destroy --branch <git branch>";

export interface BranchArgs {
  readonly action: "deploy" | "destroy";
  readonly branch: string;
  readonly sha?: string;
}

/** Parses the command line; throws with the usage on anything unknown or missing. */
export function parseBranchArgs(argv: readonly string[]): BranchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { branch: { type: "string" }, sha: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message.split(". ")[0]}; ${USAGE}`);
  }
  const [action, ...rest] = parsed.positionals;
  if (action !== "deploy" && action !== "destroy")
    throw new Error(`expected deploy or destroy, got ${JSON.stringify(action ?? "")}; ${USAGE}`);
  if (rest.length > 0) throw new Error(`unexpected ${JSON.stringify(rest[0])}; ${USAGE}`);
  const branch = parsed.values.branch;
  if (!branch) throw new Error(`--branch is required; ${USAGE}`);
  const sha = parsed.values.sha;
  if (sha !== undefined && !/^[0-9a-f]{7,40}$/.test(sha))
    throw new Error(`--sha ${JSON.stringify(sha)} is not a commit id; ${USAGE}`);
  return { action, branch, ...(sha ? { sha } : {}) };
}

/** The lines a deploy prints for its URLs (and writes to a CI job's summary). Pure. */
export function urlLines(urls: Readonly<Record<string, string>>): string[] {
  return Object.entries(urls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, url]) => `${service}: ${url}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBranchArgs(argv);
  const { name, namespace: stackName } = branchIdentity(args.branch, "--branch");
  const projectDir = path.resolve(__dirname, "..");
  const note = (line: string) => console.error(line);
  if (args.action === "destroy") {
    const ws = await LocalWorkspace.create({ workDir: projectDir, envVars: engineEnv() });
    if (!(await ws.listStacks()).some((s) => s.name === stackName)) {
      console.log(`${stackName}: no such stack, nothing to destroy`);
      return 0;
    }
    const stack = await openStack(projectDir, stackName, note);
    await stack.destroy({ onOutput: (t) => process.stdout.write(t), color: "never" });
    await stack.workspace.removeStack(stackName);
    console.log(`destroyed ${stackName}`);
    return 0;
  }
  const stack = await openStack(projectDir, stackName, note);
  await stack.setConfig("localkube:branch", { value: name });
  if (args.sha) await stack.setConfig("localkube:gitSha", { value: args.sha });
  const up = await stack.up({
    onOutput: (t) => process.stdout.write(t),
    color: "never",
    refresh: true,
  });
  const urls = (up.outputs.urls?.value ?? {}) as Record<string, string>;
  const lines = urlLines(urls);
  console.log(`\n${stackName} is up:`);
  for (const l of lines) console.log(`  ${l}`);
  // GitHub Actions shows this file on the run's page.
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary)
    fs.appendFileSync(summary, `### ${stackName}\n\n${lines.map((l) => `- ${l}`).join("\n")}\n`);
  return 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`npm run branch: ${(err as Error).message}`);
      process.exit(1);
    },
  );
