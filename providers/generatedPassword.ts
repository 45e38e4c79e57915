import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeArgs } from "../kube/lifetime";

/**
 * A random password made once at create time and kept (encrypted) in the stack state, so that
 * re-running `up` never rotates it. Implemented as a dynamic provider: no extra plugin needed.
 */
export const passwordProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { length: number }) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require("crypto") as typeof import("crypto");
    // URL-safe alphabet: the password is embedded in DATABASE_URL without escaping.
    const value = crypto.randomBytes(inputs.length).toString("base64url").slice(0, inputs.length);
    return { id: crypto.randomUUID(), outs: { length: inputs.length, value } };
  },
  async diff(_id: string, olds: { length: number }, news: { length: number }) {
    const changed = olds.length !== news.length;
    return { changes: changed, replaces: changed ? ["length"] : [], deleteBeforeReplace: false };
  },
};

export interface GeneratedPasswordArgs {
  /** Number of characters. Changing it generates a new password. @default 24 */
  readonly length?: number;
}

export class GeneratedPassword extends pulumi.dynamic.Resource {
  /** The password; a Pulumi secret. */
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: GeneratedPasswordArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const length = args.length ?? 24;
    if (!Number.isInteger(length) || length < 16 || length > 128) {
      throw new Error(
        `GeneratedPassword ${name}: length must be a whole number from 16 to 128, got ${length}`,
      );
    }
    super(
      passwordProvider,
      name,
      { length, value: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      ...dynamicTypeArgs("GeneratedPassword"),
    );
  }
}
