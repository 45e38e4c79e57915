import { parsePlatform } from "./parsePlatform";
import { show } from "./problems";
import { AddonSpec, CatalogPolicy, ProbeKind, RESOURCE_FIELDS, ResourceField } from "./types";
import { DNS_LABEL, DNS_LABEL_HELP } from "./patterns";
import { YamlFile } from "./yamlFile";

/** Name of the optional catalog settings file inside the catalog directory. */
export const SETTINGS_FILE = "_catalog.yaml";

export const DEFAULT_POLICY: CatalogPolicy = { requireProbes: [], requireResources: [] };

/**
 * Parses `services/_catalog.yaml`:
 * ```yaml
 * policy:
 *   requireProbes: [readiness]
 *   requireResources: [requests.cpu, requests.memory, limits.memory]
 * groups:
 *   payments: [bank, ledger]
 * platform: # cluster-wide add-ons (catalog/parsePlatform.ts)
 *   argo-workflows: { namespace: argo, chart: { … }, crds: [workflowtemplates.argoproj.io] }
 * ```
 *
 * @param catalogDir absolute catalog directory, which add-ons' chart directories and files are relative to
 */
export function parseSettingsFile(file: string, text: string, catalogDir = ".") {
  const y = new YamlFile(file, text);
  const groups = new Map<string, string[]>();
  let policy = DEFAULT_POLICY;
  let addons = new Map<string, AddonSpec>();
  const doc =
    y.problems.length === 0 && y.root !== null
      ? y.object([], y.root, ["policy", "groups", "platform"])
      : undefined;
  if (doc?.platform !== undefined) addons = parsePlatform(y, doc.platform, catalogDir);
  if (doc?.policy !== undefined) {
    const p = y.object(["policy"], doc.policy, ["requireProbes", "requireResources"]);
    policy = {
      requireProbes:
        p?.requireProbes === undefined
          ? []
          : (y.list(["policy", "requireProbes"], p.requireProbes, (q, v) =>
              y.oneOf<ProbeKind>(q, v, ["readiness", "liveness", "startup"]),
            ) ?? []),
      requireResources:
        p?.requireResources === undefined
          ? []
          : (y.list(["policy", "requireResources"], p.requireResources, (q, v) =>
              y.oneOf<ResourceField>(q, v, RESOURCE_FIELDS),
            ) ?? []),
    };
  }
  if (doc?.groups !== undefined) {
    const g = y.object(["groups"], doc.groups, Object.keys((doc.groups as object) ?? {}));
    for (const [name, members] of Object.entries(g ?? {})) {
      if (!DNS_LABEL.test(name)) {
        y.report(
          ["groups", name],
          `${show(name)} is not a valid group name: use ${DNS_LABEL_HELP}`,
        );
        continue;
      }
      const list = y.list(["groups", name], members, (q, v) =>
        y.string(q, v, { pattern: DNS_LABEL, help: DNS_LABEL_HELP }),
      );
      if (Array.isArray(members) && members.length === 0)
        y.report(
          ["groups", name],
          "a group needs at least one member; add members or remove the group",
        );
      if (list) groups.set(name, list);
    }
  }
  return {
    policy,
    groups,
    addons,
    problems: y.problems,
    lineOf: (p: (string | number)[]) => y.lineOf(p),
  };
}
