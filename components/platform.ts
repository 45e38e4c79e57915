import * as pulumi from "@pulumi/pulumi";
import { isAppliance } from "../catalog/appliances";
import { DeploymentPlan } from "../catalog/plan";
import { ServiceSpec } from "../catalog/types";
import { expandDependencies } from "../catalog/validate";
import { Appliances, AppliancesArgs } from "./appliances";
import { Connection } from "../kube/connection";
import { DEFAULT_IMAGES, ImageBuild, publishedImage, PublishedImages } from "../kube/images";
import type { ImageOrigin } from "../status/diagnose";
import { BatchService } from "./batchService";
import { inClusterTransform } from "../kube/lifetime";
import { GATE_TYPES } from "../providers/manifestsReady";
import { Environment } from "./environment";
import { ManifestService } from "./manifestService";
import { PlatformAddon } from "./platformAddon";
import { Microservice } from "./microservice";
import { ServiceImage } from "./serviceImage";

export interface PlatformArgs {
  /** Where and how to deploy (namespace, provider, ingress, images). */
  readonly environment: Environment;
  /** The services and appliances to run, and which services to build from source. */
  readonly plan: DeploymentPlan;
  /** Catalog groups, to expand group names in `dependsOn`. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Appliance images and sizes. @default pinned upstream images, default sizes */
  readonly appliances?: Pick<AppliancesArgs, "images" | "postgres" | "kafka">;
  /**
   * The stack's secrets by name (`localkube:secrets.<name>`, secret Outputs), for services whose
   * env refers to them; the stack checked that every one they need is there. @default none
   */
  readonly secrets?: ReadonlyMap<string, pulumi.Output<string>>;
}

/**
 * Which config chose a service's image, in the words of a failed pull's fix: an image built from
 * source (pushed to `pushRegistry`), else the same rules as {@link publishedImage}.
 */
export function serviceImageOrigin(
  spec: ServiceSpec,
  images: PublishedImages & { readonly pushRegistry: string },
  built: boolean,
): ImageOrigin {
  if (built)
    return {
      chosenBy: `a build from source (localkube:local) pushed to ${images.pushRegistry}`,
      fix: `check that the cluster can pull from ${images.pushRegistry} (a private registry needs localkube:registry.username and registry.password)`,
    };
  if (images.overrides[spec.name])
    return {
      chosenBy: `\`localkube:images.overrides\` (entry "${spec.name}")`,
      fix: "correct that entry, or publish the image there",
    };
  const tag = spec.image.tag
    ? `tag "${spec.image.tag}" from \`image.tag\` of ${spec.file}`
    : `tag "${images.publishedTag}" from \`localkube:images.tag\``;
  return spec.image.repository
    ? {
        chosenBy: `\`image.repository\` of ${spec.file} with ${tag}`,
        fix: "correct them, or publish the image there",
      }
    : {
        chosenBy: `\`localkube:images.registry\` ("${images.publishedRegistry}") with ${tag}`,
        fix: "correct them, or publish the image there",
      };
}

/** Which config chose each appliance's image: its `appliances.*.image` key, else the default. */
export function applianceImageOrigins(images: AppliancesArgs["images"] = {}) {
  const origin = (key: keyof typeof DEFAULT_IMAGES & keyof typeof images): ImageOrigin => {
    const config = `\`localkube:appliances.${key}.image\``;
    return images[key]
      ? { chosenBy: config, fix: "correct it, or mirror the image there" }
      : {
          chosenBy: `localkube's default (${DEFAULT_IMAGES[key]})`,
          fix: `set ${config} to a mirror the cluster can pull`,
        };
  };
  return {
    postgres: origin("postgres"),
    kafka: origin("kafka"),
    schemaRegistry: origin("schemaRegistry"),
  };
}

/**
 * Everything a stack runs in its cluster: the selected appliances, the images of services built
 * from source, and every selected service, each created after its dependencies are ready.
 */
export class Platform extends pulumi.ComponentResource {
  readonly appliances?: Appliances;
  readonly services: ReadonlyMap<string, Microservice>;
  /** Entries that run to completion (`workload: job` or `cronjob`). */
  readonly batches: ReadonlyMap<string, BatchService>;
  /** Entries deployed from their own chart or YAML files. */
  readonly manifests: ReadonlyMap<string, ManifestService>;
  /** Platform add-ons installed by this stack (none where the cluster's owners install them). */
  readonly addons: ReadonlyMap<string, PlatformAddon>;
  readonly images: ReadonlyMap<string, ServiceImage>;
  /** How each image built from source is built: what `npm run dev` builds its fast saves with. */
  readonly builds: Readonly<Record<string, ImageBuild>>;
  /** Public URL of each service with an ingress. */
  readonly urls: Record<string, string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:Platform", name, {}, opts);
    const env = args.environment;
    const inCluster: pulumi.ComponentResourceOptions = {
      parent: this,
      providers: [env.provider],
      transforms: [inClusterTransform(env, GATE_TYPES)],
    };

    const shared = env.sharedAppliances ?? new Map<string, Connection>();
    const connections = new Map<string, Connection>(shared);
    const deployed = args.plan.appliances.filter((a) => !shared.has(a));
    if (deployed.length > 0) {
      this.appliances = new Appliances(
        `${name}-appliances`,
        {
          ...args.appliances,
          include: deployed,
          namespace: env.namespace,
          labels: env.labels,
          seed: env.stack,
          externalKafka: shared.get("kafka"),
          serviceAccountName: env.serviceAccountName,
          readiness: env.readiness,
          imageOrigins: applianceImageOrigins(args.appliances?.images),
        },
        inCluster,
      );
      for (const [k, v] of this.appliances.connections) connections.set(k, v);
    }

    // Cluster-wide add-ons: installed here, or already in the cluster. Every entry waits for them.
    const addons = new Map<string, PlatformAddon>();
    const addonConnections: Connection[] = [];
    for (const addon of args.plan.addons) {
      if (env.platformAddons === "install") {
        const installed = new PlatformAddon(
          `${name}-addon-${addon.name}`,
          { addon, readiness: env.readiness, providerNamespace: env.providerNamespace },
          inCluster,
        );
        addons.set(addon.name, installed);
        addonConnections.push(installed.connection);
      } else {
        addonConnections.push({ name: addon.name, kind: "service", env: {}, ready: [] });
      }
    }
    for (const c of addonConnections) connections.set(c.name, c);

    const images = new Map<string, ServiceImage>();
    for (const spec of args.plan.services) {
      if (!args.plan.local.has(spec.name) || !spec.build) continue;
      images.set(
        spec.name,
        new ServiceImage(
          `${name}-${spec.name}-image`,
          {
            build: spec.build,
            repository: `${env.images.pushRegistry}/${spec.name}`,
            tag: env.images.pushTag,
            login: env.images.login,
            builder: env.images.builder,
            service: spec.name,
            storedIn: env.images.storedIn,
          },
          {
            parent: this,
            dependsOn: [...env.images.pushDependsOn],
            deletedWith: env.images.deletedWith,
          },
        ),
      );
    }

    const services = new Map<string, Microservice>();
    const batches = new Map<string, BatchService>();
    const manifests = new Map<string, ManifestService>();
    const urls: Record<string, string> = {};
    for (const spec of args.plan.services) {
      const direct = expandDependencies(spec.dependsOn, args.groups);
      const deps = [
        ...direct.map((d) => {
          const c = connections.get(d);
          if (!c)
            throw new Error(
              `internal: ${spec.name} depends on ${d}, which is not planned ${isAppliance(d) ? "(appliance)" : ""}`,
            );
          return c;
        }),
        // Installed before any entry: a service's own manifests may hold objects of their kinds.
        ...addonConnections.filter((c) => !direct.includes(c.name)),
      ];
      const ingress = spec.ingress && {
        host: `${spec.ingress.host}.${env.ingress.domain}`,
        className: env.ingress.className,
        annotations: env.ingress.annotations,
        tlsSecretName: env.ingress.tls ? `${spec.name}-tls` : undefined,
        await: env.ingress.await,
        dependsOn: env.ingress.ready,
        api: env.ingress.api,
        gateway: env.ingress.gateway,
      };
      if (spec.manifests) {
        // Its manifests name their images; a local build or an override replaces image.repository's.
        const replacement = images.get(spec.name)?.ref ?? env.images.overrides[spec.name];
        const own = new ManifestService(
          `${name}-${spec.name}`,
          {
            spec,
            namespace: env.namespace,
            dependencies: deps,
            image: replacement,
            imageOrigin:
              replacement === undefined
                ? undefined
                : serviceImageOrigin(spec, env.images, images.has(spec.name)),
            readiness: env.readiness,
            ingress,
            labels: env.labels,
          },
          inCluster,
        );
        manifests.set(spec.name, own);
        connections.set(spec.name, own.connection);
        if (own.url) urls[spec.name] = own.url;
        continue;
      }
      // The image of `image.from`'s service when there is one: its local build, else its published image.
      const source = args.plan.imageFrom.get(spec.name) ?? spec;
      const built = images.get(source.name);
      const image = built?.ref ?? publishedImage(source, env.images);
      const imageOrigin = serviceImageOrigin(source, env.images, built !== undefined);
      // What a workload of either kind is given.
      const workload = {
        spec,
        image,
        namespace: env.namespace,
        dependencies: deps,
        labels: env.labels,
        imagePullSecrets: env.imagePullSecrets,
        serviceAccountName: env.serviceAccountName,
        readiness: env.readiness,
        imageOrigin,
        secrets: args.secrets,
      };
      if (spec.workload === "job" || spec.workload === "cronjob") {
        const batch = new BatchService(`${name}-${spec.name}`, workload, inCluster);
        batches.set(spec.name, batch);
        connections.set(spec.name, batch.connection);
        continue;
      }
      const svc = new Microservice(
        `${name}-${spec.name}`,
        {
          ...workload,
          liveUpdate: images.has(spec.name) ? spec.build?.liveUpdate : undefined,
          ingress,
        },
        inCluster,
      );
      services.set(spec.name, svc);
      connections.set(spec.name, svc.connection);
      if (svc.url) urls[spec.name] = svc.url;
    }
    this.services = services;
    this.batches = batches;
    this.manifests = manifests;
    this.addons = addons;
    this.images = images;
    this.builds = Object.fromEntries([...images].map(([service, image]) => [service, image.build]));
    this.urls = urls;
    this.registerOutputs({ urls });
  }
}
