import * as pulumi from "@pulumi/pulumi";

/** Something outside Pulumi's view that can disappear behind its back. */
export type PresenceTarget =
  | { readonly kind: "kind-cluster"; readonly name: string }
  | { readonly kind: "docker-container"; readonly name: string };

/** Whether the target exists now (runs `kind`/`docker` without a shell). */
export function targetExists(target: PresenceTarget): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require("child_process") as typeof import("child_process");
  if (target.kind === "kind-cluster") {
    const r = spawnSync("kind", ["get", "clusters"], { encoding: "utf8", timeout: 30_000 });
    if (r.error || r.status !== 0) throw new Error(`cannot list kind clusters: ${r.error?.message ?? r.stderr}`);
    return r.stdout.split("\n").includes(target.name);
  }
  const r = spawnSync("docker", ["inspect", "--type", "container", "--format", "{{.Id}}", target.name], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.error) throw new Error(`cannot run docker: ${r.error.message}`);
  return r.status === 0;
}

const presenceProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { target: PresenceTarget }) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { randomUUID } = require("crypto") as typeof import("crypto");
    return { id: randomUUID(), outs: { target: inputs.target, incarnation: randomUUID() } };
  },
  async diff(_id: string, olds: { target: PresenceTarget }, news: { target: PresenceTarget }) {
    const moved = JSON.stringify(olds.target) !== JSON.stringify(news.target);
    const gone = !moved && !targetExists(news.target);
    return { changes: moved || gone, replaces: moved || gone ? ["target"] : [], deleteBeforeReplace: true };
  },
};

/**
 * Notices when an external thing (a kind cluster, a container) was deleted out of band: its
 * `incarnation` changes on the next `up`, and resources that list it in their triggers are
 * recreated. While the target exists, it is a no-op.
 */
export class Presence extends pulumi.dynamic.Resource {
  /** Changes whenever the target had to be recreated. */
  declare readonly incarnation: pulumi.Output<string>;

  constructor(name: string, target: PresenceTarget, opts?: pulumi.CustomResourceOptions) {
    super(presenceProvider, name, { target, incarnation: undefined }, opts, "localkube", "Presence");
  }
}
