import { isBatch } from "../catalog/plan";
import { CatalogError } from "../catalog/problems";
import { AddonSpec } from "../catalog/types";
import { Platform } from "../components/platform";
import { LocalEnvironment } from "../components/localEnvironment";
import { LocalSettings, readLocalSettings } from "../config/localSettings";
import { ConfigReader } from "../config/reader";
import { ConfigSource } from "../config/source";
import {
  gatherOwnContainers,
  gatherPreflightFacts,
  OwnContainers,
  PortNeed,
  preflightFailures,
  PreflightFacts,
  restoreNotes,
} from "../host/preflight";
import * as pulumi from "@pulumi/pulumi";
import { APPLIANCE_NODE_PORTS, DEFAULT_HOST_PORTS } from "../kube/hostAccess";
import { registryVolumeName } from "../kube/images";
import { GatewayCrdSource, gatewayCrdSource, machineGatewayCrdFacts } from "../host/gatewayApi";
import { needsMetricsServer } from "../kube/metricsServer";
import { PINNED_BY_KIND } from "../kind/nodeImages";
import { loadAndPlan } from "./readCatalog";

/** What a local stack run needs from the outside world; tests inject fakes. */
export interface LocalStackDeps {
  /** Probes Docker, kind and the host ports. @default {@link gatherPreflightFacts} */
  readonly preflight?: (needs: readonly PortNeed[]) => Promise<PreflightFacts>;
  /** Looks at the stack's own containers. @default {@link gatherOwnContainers} */
  readonly containers?: (cluster: string, registry: string, volume: string) => OwnContainers;
  /** Where notes of what this run restores go. @default `pulumi.log.warn` */
  readonly note?: (message: string) => void;
  /**
   * Where the Gateway API's CRDs are read from, with `ingress.api: gateway` (given
   * `localkube:gateway.crds`). @default the machine's: see host/gatewayApi.ts
   */
  readonly gatewayCrds?: (override?: readonly string[]) => GatewayCrdSource;
}

/** Ports the local stack publishes on 127.0.0.1, and which of its containers holds each. */
export function localPortNeeds(s: LocalSettings): PortNeed[] {
  const controlPlane = `${s.cluster.name}-control-plane`;
  return [
    {
      port: s.cluster.httpPort,
      key: "cluster.httpPort",
      owner: controlPlane,
      purpose: "ingress HTTP",
    },
    {
      port: s.cluster.httpsPort,
      key: "cluster.httpsPort",
      owner: controlPlane,
      purpose: "ingress HTTPS",
    },
    {
      port: s.registry.port,
      key: "registry.port",
      owner: s.registry.name,
      purpose: "local registry",
    },
    ...hostPortNeeds(s, controlPlane),
  ];
}

/** The appliances' host ports: not 5432/9092 by default, so a PostgreSQL or Kafka of your own keeps those. */
function hostPortNeeds(s: LocalSettings, owner: string): PortNeed[] {
  const { postgres, kafka } = s.applianceHostPorts;
  const off = "; 0 turns it off";
  return [
    ...(postgres === undefined
      ? []
      : [
          {
            port: postgres,
            key: "appliances.postgres.hostPort",
            owner,
            purpose: `PostgreSQL for tools on this machine, ${postgres === DEFAULT_HOST_PORTS.postgres ? "localkube's default, not 5432, so that a PostgreSQL of your own keeps its port" : "set in config"}${off}`,
          },
        ]),
    ...(kafka === undefined
      ? []
      : [
          {
            port: kafka,
            key: "appliances.kafka.hostPort",
            owner,
            purpose: `Kafka for tools on this machine, ${kafka === DEFAULT_HOST_PORTS.kafka ? "localkube's default, not 9092, so that a Kafka of your own keeps its port" : "set in config"}${off}`,
          },
        ]),
  ];
}

/**
 * Add-ons whose namespace is one the local stack makes for itself (its workloads', the ingress
 * controller's): each needs its own, which it deletes with itself.
 */
export function addonNamespaceProblems(addons: readonly AddonSpec[], s: LocalSettings) {
  const taken = new Map([
    [s.namespace, "localkube:namespace (the services' namespace)"],
    ...(s.ingress.controller === "none"
      ? []
      : [[s.ingress.controller, "the ingress controller's namespace"] as const]),
  ]);
  return addons
    .filter((a) => taken.has(a.namespace))
    .map((a) => ({
      file: a.file,
      path: `platform.${a.name}.namespace`,
      message: `"${a.namespace}" is ${taken.get(a.namespace)}; give the add-on a namespace of its own`,
    }));
}

/**
 * `pulumi up -s local`: kind + registry + ingress + appliances + the selected services. Config,
 * catalog and the machine are checked first; nothing is created when any of them has a problem.
 */
export async function localStack(stack: string, source: ConfigSource, deps: LocalStackDeps = {}) {
  const config = new ConfigReader(source);
  const settings = readLocalSettings(config);
  config.done();
  const { catalog, plan } = loadAndPlan(settings, source);
  const taken = addonNamespaceProblems(plan.addons, settings);
  if (taken.length > 0) throw new CatalogError(taken, "invalid platform add-ons");
  const needs = localPortNeeds(settings);
  const facts = await (deps.preflight ?? gatherPreflightFacts)(needs);
  preflightFailures(facts, needs, {
    kindVersion: settings.cluster.pinnedImage ? PINNED_BY_KIND : undefined,
  });
  // What Docker lost or stopped since the last run, said before the engine restores it.
  if (facts.docker.ok) {
    const own = (deps.containers ?? gatherOwnContainers)(
      settings.cluster.name,
      settings.registry.name,
      registryVolumeName(settings.registry.name),
    );
    for (const n of restoreNotes(own)) (deps.note ?? ((m) => pulumi.log.warn(m)))(n);
  }

  const gatewayCrds =
    settings.ingress.api === "gateway"
      ? (deps.gatewayCrds ?? ((o) => gatewayCrdSource(machineGatewayCrdFacts(o))))(
          settings.ingress.gatewayCrds,
        )
      : undefined;
  if (gatewayCrds) pulumi.log.info(`Gateway API CRDs from ${gatewayCrds.from}`);

  const local = new LocalEnvironment("local", {
    stack,
    settings,
    hostCgroupVersion: facts.docker.ok ? facts.docker.cgroupVersion : undefined,
    gatewayApiCrds: gatewayCrds?.files,
    metricsServer: needsMetricsServer(plan.services),
  });
  const platform = new Platform("platform", {
    environment: local.environment,
    plan,
    groups: catalog.groups,
    appliances: applianceSettings(settings),
    secrets: settings.secrets,
  });
  const postgres = platform.appliances?.postgres;
  const ports = settings.applianceHostPorts;
  return {
    kubeconfig: local.cluster.kubeconfig,
    kubeContext: local.cluster.context,
    registry: local.registry.address,
    namespace: settings.namespace,
    services: plan.services.filter((s) => !isBatch(s)).map((s) => s.name),
    jobs: plan.services.filter(isBatch).map((s) => s.name),
    appliances: [...plan.appliances],
    addons: plan.addons.map((a) => a.name),
    builtFromSource: [...plan.local],
    urls: platform.urls,
    // What `npm run dev` needs to carry a save to the cluster without the engine (dev/fastSave.ts).
    devLoop: { builds: platform.builds, readyTimeoutSeconds: settings.readyTimeoutSeconds },
    hostAccess: {
      ...(postgres && ports.postgres ? { postgres: `127.0.0.1:${ports.postgres}` } : {}),
      ...(platform.appliances?.kafka && ports.kafka ? { kafka: `localhost:${ports.kafka}` } : {}),
    },
    // Only when PostgreSQL runs and is published: an undefined output is warned about on every up.
    ...(postgres && ports.postgres
      ? {
          postgresUrl: pulumi.secret(
            pulumi.interpolate`postgresql://${postgres.user}:${postgres.password}@127.0.0.1:${ports.postgres}/${postgres.database}?sslmode=disable`,
          ),
        }
      : {}),
  };
}

/** The appliances' settings, with the node ports that publish PostgreSQL and Kafka on the host. */
export function applianceSettings(s: LocalSettings) {
  const { postgres, kafka } = s.applianceHostPorts;
  return {
    ...s.appliances,
    postgres: {
      ...s.appliances.postgres,
      ...(postgres === undefined ? {} : { nodePort: APPLIANCE_NODE_PORTS.postgres }),
    },
    kafka: {
      ...s.appliances.kafka,
      ...(kafka === undefined
        ? {}
        : { hostAccess: { hostPort: kafka, nodePort: APPLIANCE_NODE_PORTS.kafka } }),
    },
  };
}
