import * as pulumi from "@pulumi/pulumi";
import { isBranchStack } from "../branch/identity";
import { InputError } from "../catalog/problems";
import { pulumiConfigSource } from "../config/source";
import { ClusterUnreachableError } from "../host/clusterApis";
import { PreflightError } from "../host/preflight";
import { branchStack } from "./branchStack";
import { localStack } from "./localStack";
import { memoizeStackTraces } from "./stackTraces";

/**
 * The program of a stack. Its name picks the environment: `branch-<name>` stacks are branch
 * sandboxes, every other stack (normally `local`) is the laptop cluster. Input errors end the run
 * with their message alone (no stack trace), before anything is created.
 */
export async function stackProgram(stack: string): Promise<Record<string, unknown>> {
  // Every resource formats a stack trace: map each distinct one to TypeScript once.
  memoizeStackTraces();
  try {
    const source = pulumiConfigSource(stack);
    return await (isBranchStack(stack) ? branchStack(stack, source) : localStack(stack, source));
  } catch (err) {
    if (
      err instanceof InputError ||
      err instanceof PreflightError ||
      err instanceof ClusterUnreachableError
    )
      throw new pulumi.RunError(err.message);
    throw err;
  }
}
