import { DISK, loadCatalog } from "../host/catalogFiles";
import { planDeployment } from "../catalog/plan";
import { CatalogError, InputProblem } from "../catalog/problems";
import { CommonSettings } from "../config/commonSettings";
import { ConfigError } from "../config/errors";
import { secretProblems } from "../config/secrets";
import { ConfigSource } from "../config/source";
import { publishedImage } from "../kube/images";

/**
 * Loads the catalog and plans the selection, for either stack kind; errors name the file each key
 * was set in. Every service that is not built must have a published image to run (a service
 * running another's image: that one's), and every secret a deployed service refers to must be set.
 */
export function loadAndPlan(settings: CommonSettings, source: ConfigSource) {
  const catalog = loadCatalog(settings.catalogDir);
  const where = (key: string) => ({
    file: source.get(key)?.file ?? source.stackFile,
    key: `localkube:${key}`,
  });
  const plan = planDeployment(catalog, {
    files: DISK,
    selection: settings.services,
    selectionSource: where("services"),
    local: settings.local,
    localSource: where("local"),
    buildAll: settings.buildAll,
  });
  const policy = {
    publishedRegistry: settings.images.registry,
    publishedTag: settings.images.tag,
    overrides: settings.images.overrides,
  };
  const problems: InputProblem[] = [];
  for (const deployed of plan.services) {
    // An entry deployed from its own manifests runs the images they name.
    if (deployed.manifests) continue;
    const spec = plan.imageFrom.get(deployed.name) ?? deployed;
    if (plan.local.has(spec.name)) continue;
    try {
      publishedImage(spec, policy);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new CatalogError(problems, "no published image");
  const secrets = secretProblems(
    new Set(settings.secrets?.keys() ?? []),
    catalog,
    plan,
    source.stackFile,
  );
  if (secrets.length > 0) throw new ConfigError(secrets);
  return { catalog, plan };
}
