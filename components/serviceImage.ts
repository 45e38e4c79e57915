import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { BuildSpec } from "../catalog/types";
import { ImageBuild, reproducibleBuildArgs } from "../kube/images";

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
  /**
   * The buildx builder to build with (`localkube:build.builder`). @default docker-build's choice:
   * the current buildx builder, else the first one it supports
   */
  readonly builder?: string;
  /** Label naming the catalog service the image is built for (`localkube.dev/service`). */
  readonly service: string;
  /**
   * The resource holding the registry's data (the local registry's volume): when it is replaced
   * the image is built and pushed again (delete first: the digest stays the same). @default none
   */
  readonly storedIn?: pulumi.Resource;
}

/** How the image is built and pushed, in plain values: what the dev loop's fast saves build too. */
export function imageBuildOf(args: ServiceImageArgs): ImageBuild {
  const b = args.build;
  return {
    context: b.context,
    dockerfile: b.dockerfile,
    args: reproducibleBuildArgs(b.args),
    // Names the service in the engine's events (the dev loop's progress lines).
    labels: { "localkube.dev/service": args.service },
    ...(b.target ? { target: b.target } : {}),
    repository: args.repository,
    tag: args.tag,
    ...(args.builder ? { builder: args.builder } : {}),
    login: args.login !== undefined,
  };
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
  /** How it is built (see {@link imageBuildOf}). */
  readonly build: ImageBuild;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:ServiceImage", name, {}, opts);
    const b = (this.build = imageBuildOf(args));
    this.image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: b.context },
        dockerfile: { location: b.dockerfile },
        buildArgs: { ...b.args },
        target: b.target,
        tags: [`${args.repository}:${args.tag}`],
        builder: b.builder ? { name: b.builder } : undefined,
        labels: { ...b.labels },
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
      {
        parent: this,
        deletedWith: opts?.deletedWith,
        ...(args.storedIn ? { replaceWith: [args.storedIn], deleteBeforeReplace: true } : {}),
      },
    );
    this.ref = pulumi.interpolate`${args.repository}@${this.image.digest}`;
    this.registerOutputs({ ref: this.ref });
  }
}
