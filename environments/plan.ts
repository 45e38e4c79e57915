import { loadCatalog } from "../catalog/load";
import { planDeployment } from "../catalog/plan";
import { CommonSettings } from "../config/settings";
import { ConfigSource } from "../config/source";

/** Loads the catalog and plans the selection, for either stack kind; errors name the file each key was set in. */
export function loadAndPlan(settings: CommonSettings, source: ConfigSource) {
  const catalog = loadCatalog(settings.catalogDir);
  const where = (key: string) => ({ file: source.get(key)?.file ?? source.stackFile, key: `localkube:${key}` });
  const plan = planDeployment(catalog, {
    selection: settings.services,
    selectionSource: where("services"),
    local: settings.local,
    localSource: where("local"),
    buildAll: settings.buildAll,
  });
  return { catalog, plan };
}
