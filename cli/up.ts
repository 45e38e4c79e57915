/**
 * The last step of `npm run up` (scripts/up.sh installs what is missing first): opens the local
 * stack as `npm run dev` does — state backend, passphrase, stack creation, the lock of a killed
 * update, a private TMPDIR (dev/workspace.ts) — then runs `pulumi up --yes --refresh` with the arguments
 * given, its output on this terminal. Exits with its code; the private TMPDIR is removed then.
 *
 * Usage: ts-node cli/up.ts [pulumi up arguments…]   (LOCALKUBE_STACK: another stack than `local`)
 */
import { spawn } from "child_process";
import * as path from "path";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { openStack } from "../dev/workspace";

async function main(): Promise<number> {
  const stackName = process.env.LOCALKUBE_STACK || "local";
  const projectDir = path.resolve(__dirname, "..");
  const stack = await openStack(projectDir, stackName, (line) => console.error(line));
  const ws = stack.workspace as LocalWorkspace;
  const child = spawn(
    ws.pulumiCommand.command,
    // --refresh: what changed in the cluster by hand (a deleted Deployment) is restored, which a
    // plain `pulumi up` does not notice. A later --refresh=false of the user's wins.
    ["up", "--stack", stackName, "--yes", "--refresh", ...process.argv.slice(2)],
    { cwd: projectDir, env: { ...process.env, ...ws.envVars }, stdio: "inherit" },
  );
  // Ctrl-C reaches the engine through the terminal's process group; wait for it to end.
  process.on("SIGINT", () => undefined);
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 130 : 1))),
  );
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm run up: ${(err as Error).message}`);
    process.exit(1);
  },
);
