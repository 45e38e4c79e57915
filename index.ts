import * as pulumi from "@pulumi/pulumi";
import { isBranchStack } from "./branch/identity";
import { InputError } from "./catalog/problems";
import { pulumiConfigSource } from "./config/source";
import { PreflightError } from "./host/preflight";
import { branchStack } from "./stacks/branchStack";
import { localStack } from "./stacks/localStack";
import { memoizeStackTraces } from "./stacks/stackTraces";

/**
 * Entry point. The stack name picks the environment: `branch-<name>` stacks are branch
 * sandboxes, every other stack (normally `local`) is the laptop cluster.
 * Input errors end the run with their message alone (no stack trace), before anything is created.
 */
async function main() {
  // Every resource formats a stack trace: map each distinct one to TypeScript once.
  memoizeStackTraces();
  const stack = pulumi.getStack();
  try {
    const source = pulumiConfigSource(stack);
    return await (isBranchStack(stack) ? branchStack(stack, source) : localStack(stack, source));
  } catch (err) {
    if (err instanceof InputError || err instanceof PreflightError)
      throw new pulumi.RunError(err.message);
    throw err;
  }
}

const outputs = main();
// Pulumi awaits the exported promise a little later; mark the rejection as handled now so that an
// input error prints its message alone, without Node's PromiseRejectionHandledWarning.
outputs.catch(() => undefined);
export = outputs;
