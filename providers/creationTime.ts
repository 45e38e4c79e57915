import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeArgs } from "../kube/lifetime";

/**
 * The moment a sandbox was first created, recorded once in the state so that labels derived from it
 * (created-at, expires-at) do not change on every `up`: `create` reads the clock, `diff` never
 * reports a change, so later runs keep the stored value (and `pulumi up` shows no diff). A dynamic
 * resource: no plugin and no cluster round trip, so it behaves the same under real Pulumi, in
 * previews (unknown until the first create) and under mocks (which return a fixed time). Reading
 * the namespace's existing label back instead would need the cluster at program time and would
 * drift if someone relabelled the namespace.
 */
export const creationTimeProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    const now = new Date();
    return { id: String(now.getTime()), outs: { epochMs: now.getTime() } };
  },
  async diff() {
    return { changes: false };
  },
};

export class CreationTime extends pulumi.dynamic.Resource {
  /** Milliseconds since the epoch at creation. */
  declare readonly epochMs: pulumi.Output<number>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(
      creationTimeProvider,
      name,
      { epochMs: undefined },
      opts,
      ...dynamicTypeArgs("CreationTime"),
    );
  }
}
