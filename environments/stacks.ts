import { Platform } from "../components/platform";
import { ConfigReader } from "../config/reader";
import { readLocalSettings } from "../config/settings";
import { ConfigSource } from "../config/source";
import { createLocalEnvironment } from "./local";
import { loadAndPlan } from "./plan";
import { gatherPreflightFacts, PortNeed, PreflightFacts } from "./preflight";

/** What a local stack run needs from the outside world; tests inject fakes. */
export interface StackDeps {
  /** Probes Docker, kind and the host ports. @default {@link gatherPreflightFacts} */
  readonly preflight?: (needs: readonly PortNeed[]) => Promise<PreflightFacts>;
}

/** `pulumi up -s local`: kind + registry + ingress + appliances + the selected services. */
export async function localStack(stack: string, source: ConfigSource, deps: StackDeps = {}) {
  const config = new ConfigReader(source);
  const settings = readLocalSettings(config);
  config.done();
  const { catalog, plan } = loadAndPlan(settings, source);
  const local = await createLocalEnvironment(stack, settings, deps.preflight ?? gatherPreflightFacts);
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
