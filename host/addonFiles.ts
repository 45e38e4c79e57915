import * as fs from "fs";
import { AddonSpec } from "../catalog/types";
import { crdNamesInYaml } from "../catalog/addonCrds";

/**
 * The CRDs an add-on's own YAML files define (for an add-on without `crds:`); none for a chart,
 * which must list them. Files that cannot be read define none (the planner checked they exist).
 */
export function crdsInAddonFiles(addon: AddonSpec): string[] {
  if (addon.source.kind !== "yaml") return [];
  return addon.source.files.flatMap((f) => {
    try {
      return crdNamesInYaml(fs.readFileSync(f, "utf8"));
    } catch {
      return [];
    }
  });
}
