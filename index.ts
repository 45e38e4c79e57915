import * as pulumi from "@pulumi/pulumi";
import { loadCatalog } from "./catalog/load";
import { planDeployment } from "./catalog/plan";
import { CatalogError } from "./catalog/problems";
import { Platform } from "./components/platform";
import { ConfigReader } from "./config/reader";
import { readLocalSettings } from "./config/settings";
import { pulumiConfigSource } from "./config/source";
import { createLocalEnvironment } from "./environments/local";
import { PreflightError } from "./environments/preflight";

/** `pulumi up -s local`: kind + registry + ingress + appliances + the selected services. */
async function localStack(stack: string) {
  const config = new ConfigReader(pulumiConfigSource(stack));
  const settings = readLocalSettings(config);
  config.done();
  const catalog = loadCatalog(settings.catalogDir);
  const source = (key: string) => ({ file: config.source.get(key)?.file ?? config.source.stackFile, key: `localkube:${key}` });
  const plan = planDeployment(catalog, {
    selection: settings.services,
    selectionSource: source("services"),
    local: settings.local,
    localSource: source("local"),
    buildAll: settings.buildAll,
  });
  const local = await createLocalEnvironment(stack, settings);
  const platform = new Platform("platform", { environment: local.environment, plan, groups: catalog.groups, appliances: settings.appliances });
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

/** Input errors end the run with their message alone (no stack trace), before anything is created. */
async function main() {
  try {
    return await localStack(pulumi.getStack());
  } catch (err) {
    if (err instanceof CatalogError || err instanceof PreflightError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

export = main();
