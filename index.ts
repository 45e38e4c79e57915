import * as pulumi from "@pulumi/pulumi";
import { stackProgram } from "./stacks/main";

/** Entry point: the program of this stack (see stacks/main.ts). */
const outputs = stackProgram(pulumi.getStack());
// Pulumi awaits the exported promise a little later; mark the rejection as handled now so that an
// input error prints its message alone, without Node's PromiseRejectionHandledWarning.
outputs.catch(() => undefined);
export = outputs;
