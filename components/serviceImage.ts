import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { BuildSpec } from "../catalog/types";

/** Credentials for a registry that needs a login to push. */
export interface RegistryLogin {
  /** Registry host, e.g. `ghcr.io`. */
  readonly address: string;
  readonly username: pulumi.Input<string>;
  /** A Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

export interface ServiceImageArgs {
  /** Build context, Dockerfile, args and target from the catalog. */
  readonly build: BuildSpec;
  /** Repository to push to, e.g. `localhost:5001/bank` or `ghcr.io/acme/sandboxes/bank`. */
  readonly repository: string;
  /** Tag pushed alongside the digest. */
  readonly tag: string;
  /** Login for the push. @default none (anonymous push, e.g. the local registry) */
  readonly login?: RegistryLogin;
}

/**
 * A service image built from local source and pushed to a registry. Consumers deploy it by
 * digest (`ref`), so pods roll exactly when the image content changed. Unchanged sources are
 * not rebuilt: the build context is hashed first.
 */
export class ServiceImage extends pulumi.ComponentResource {
  readonly image: dockerBuild.Image;
  /** `repository@sha256:…`: pull reference pinned to the pushed content. */
  readonly ref: pulumi.Output<string>;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:ServiceImage", name, {}, opts);
    const b = args.build;
    this.image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: b.context },
        dockerfile: { location: b.dockerfile },
        buildArgs: Object.keys(b.args).length > 0 ? { ...b.args } : undefined,
        target: b.target,
        tags: [`${args.repository}:${args.tag}`],
        push: true,
        // Previews stay fast and side-effect free; `up` builds.
        buildOnPreview: false,
        registries: args.login && [
          {
            address: args.login.address,
            username: args.login.username,
            password: args.login.password,
          },
        ],
      },
      // Deleted with what the component is deleted with (the local registry holding the image).
      { parent: this, deletedWith: opts?.deletedWith },
    );
    this.ref = pulumi.interpolate`${args.repository}@${this.image.digest}`;
    this.registerOutputs({ ref: this.ref });
  }
}
