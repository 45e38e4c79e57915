import { Platform } from "../components/platform";
import { LocalEnvironment } from "../components/localEnvironment";
import { LocalSettings, readLocalSettings } from "../config/localSettings";
import { ConfigReader } from "../config/reader";
import { ConfigSource } from "../config/source";
import {
  gatherPreflightFacts,
  PortNeed,
  preflightFailures,
  PreflightFacts,
} from "../host/preflight";
import { loadAndPlan } from "./plan";

/** What a local stack run needs from the outside world; tests inject fakes. */
export interface LocalStackDeps {
  /** Probes Docker, kind and the host ports. @default {@link gatherPreflightFacts} */
  readonly preflight?: (needs: readonly PortNeed[]) => Promise<PreflightFacts>;
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
  ];
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
  const needs = localPortNeeds(settings);
  const facts = await (deps.preflight ?? gatherPreflightFacts)(needs);
  preflightFailures(facts, needs);

  const local = new LocalEnvironment("local", {
    stack,
    settings,
    hostCgroupVersion: facts.docker.ok ? facts.docker.cgroupVersion : undefined,
  });
  const platform = new Platform("platform", {
    environment: local.environment,
    plan,
    groups: catalog.groups,
    appliances: settings.appliances,
  });
  return {
    kubeconfig: local.cluster.kubeconfig,
    kubeContext: local.cluster.context,
    registry: local.registry.address,
    namespace: settings.namespace,
    services: plan.services.map((s) => s.name),
    appliances: [...plan.appliances],
    builtFromSource: [...plan.local],
    urls: platform.urls,
  };
}
