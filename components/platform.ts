import * as pulumi from "@pulumi/pulumi";
import { isAppliance } from "../catalog/appliances";
import { DeploymentPlan } from "../catalog/plan";
import { expandDependencies } from "../catalog/validate";
import { Appliances, AppliancesArgs } from "./appliances";
import { Connection } from "../kube/connection";
import { publishedImage } from "../kube/images";
import { Environment, inClusterTransform } from "./environment";
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
}

/**
 * Everything a stack runs in its cluster: the selected appliances, the images of services built
 * from source, and every selected service, each created after its dependencies are ready.
 */
export class Platform extends pulumi.ComponentResource {
  readonly appliances?: Appliances;
  readonly services: ReadonlyMap<string, Microservice>;
  readonly images: ReadonlyMap<string, ServiceImage>;
  /** Public URL of each service with an ingress. */
  readonly urls: Record<string, string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:Platform", name, {}, opts);
    const env = args.environment;
    const inCluster: pulumi.ComponentResourceOptions = {
      parent: this,
      providers: [env.provider],
      transforms: [inClusterTransform(env)],
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
        },
        inCluster,
      );
      for (const [k, v] of this.appliances.connections) connections.set(k, v);
    }

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
          },
          { parent: this, dependsOn: [...env.images.pushDependsOn] },
        ),
      );
    }

    const services = new Map<string, Microservice>();
    const urls: Record<string, string> = {};
    for (const spec of args.plan.services) {
      const deps = expandDependencies(spec.dependsOn, args.groups).map((d) => {
        const c = connections.get(d);
        if (!c)
          throw new Error(
            `internal: ${spec.name} depends on ${d}, which is not planned ${isAppliance(d) ? "(appliance)" : ""}`,
          );
        return c;
      });
      const svc = new Microservice(
        `${name}-${spec.name}`,
        {
          spec,
          image: images.get(spec.name)?.ref ?? publishedImage(spec, env.images),
          namespace: env.namespace,
          dependencies: deps,
          labels: env.labels,
          imagePullSecrets: env.imagePullSecrets,
          ingress: spec.ingress && {
            host: `${spec.ingress.host}.${env.ingress.domain}`,
            className: env.ingress.className,
            annotations: env.ingress.annotations,
            tlsSecretName: env.ingress.tls ? `${spec.name}-tls` : undefined,
            await: env.ingress.await,
            dependsOn: env.ingress.ready,
          },
        },
        inCluster,
      );
      services.set(spec.name, svc);
      connections.set(spec.name, svc.connection);
      if (svc.url) urls[spec.name] = svc.url;
    }
    this.services = services;
    this.images = images;
    this.urls = urls;
    this.registerOutputs({ urls });
  }
}
