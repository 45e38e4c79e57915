import { show } from "./problems";
import { DNS_LABEL, DNS_LABEL_HELP } from "./patterns";
import { parseChart, parseManifestFiles } from "./parseWorkload";
import { AddonSpec } from "./types";
import { YamlFile } from "./yamlFile";

/** Fields of one add-on under `platform:`. */
export const ADDON_FIELDS = [
  "description",
  "namespace",
  "chart",
  "manifests",
  "crds",
  "keepCrds",
] as const;

/** Namespaces every cluster has: an add-on may use them, localkube never creates or deletes them. */
export const BUILT_IN_NAMESPACES: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
];

/** A CRD's name: `<plural>.<group>`, the group having at least one dot. */
export const CRD_NAME = {
  pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?){2,}$/,
  help: "a CRD name <plural>.<group>, e.g. workflowtemplates.argoproj.io",
};

/**
 * `platform:` of `_catalog.yaml`: cluster-wide tools by name, each a chart (a directory of the
 * repository, or `repo` + `name` + `version`) or YAML files, in its own namespace:
 * ```yaml
 * platform:
 *   argo-workflows:
 *     namespace: argo
 *     chart: { repo: https://argoproj.github.io/argo-helm, name: argo-workflows, version: "2.0.1" }
 *     crds: [workflows.argoproj.io, workflowtemplates.argoproj.io, cronworkflows.argoproj.io]
 * ```
 * Problems are recorded on `y`; add-ons with problems are left out.
 *
 * @param catalogDir absolute catalog directory: chart directories and files are relative to it
 */
export function parsePlatform(
  y: YamlFile,
  value: unknown,
  catalogDir: string,
): Map<string, AddonSpec> {
  const addons = new Map<string, AddonSpec>();
  const all = y.object(["platform"], value, Object.keys((value as object) ?? {}));
  const namespaces = new Map<string, string>();
  for (const [name, entry] of Object.entries(all ?? {})) {
    const at = ["platform", name];
    if (!DNS_LABEL.test(name) || name.length > 63) {
      y.report(at, `${show(name)} is not a valid add-on name: use ${DNS_LABEL_HELP}`);
      continue;
    }
    const before = y.problems.length;
    const doc = y.object(at, entry, ADDON_FIELDS);
    if (!doc) continue;
    const description =
      doc.description === undefined ? undefined : y.string([...at, "description"], doc.description);
    const namespace =
      doc.namespace === undefined
        ? name
        : y.string([...at, "namespace"], doc.namespace, {
            pattern: DNS_LABEL,
            help: `a namespace name: ${DNS_LABEL_HELP}`,
            maxLength: 63,
          });
    if (namespace !== undefined && !BUILT_IN_NAMESPACES.includes(namespace)) {
      const other = namespaces.get(namespace);
      if (other !== undefined)
        y.report(
          [...at, "namespace"],
          `${show(namespace)} is also the namespace of add-on ${other}; give each add-on its own namespace (localkube creates it, and deletes it with the add-on)`,
        );
      else namespaces.set(namespace, name);
    }
    let source;
    if (doc.chart !== undefined && doc.manifests !== undefined)
      y.report(
        [...at, "manifests"],
        "chart and manifests are alternatives: keep the chart, or the YAML files, not both",
      );
    else if (doc.chart !== undefined) source = parseChart(y, at, doc.chart, catalogDir);
    else if (doc.manifests !== undefined)
      source = parseManifestFiles(y, at, doc.manifests, catalogDir, `platform/${name}/crds.yaml`);
    else
      y.report(
        at,
        'needs chart (a chart directory of the repository, or repo + name + version) or manifests (YAML files); e.g. chart: { repo: https://argoproj.github.io/argo-helm, name: argo-workflows, version: "2.0.1" }',
      );
    let crds: string[] | undefined;
    if (doc.crds !== undefined) {
      const seen = new Set<string>();
      crds = y.list([...at, "crds"], doc.crds, (p, v) => {
        const crd = y.string(p, v, CRD_NAME);
        if (crd !== undefined && seen.has(crd))
          return y.report(p, `${show(crd)} is listed twice; list each CRD once`);
        if (crd !== undefined) seen.add(crd);
        return crd;
      });
    } else if (doc.chart !== undefined) {
      y.report(
        [...at, "crds"],
        "missing; list the CRDs the chart installs (<plural>.<group>), e.g. crds: [workflowtemplates.argoproj.io], or crds: [] when it installs none: branch stacks check that they exist in the cluster, and a chart's CRDs are known only once it is rendered",
      );
    }
    const keepCrds =
      doc.keepCrds === undefined ? true : y.boolean([...at, "keepCrds"], doc.keepCrds);
    if (y.problems.length > before || !source || namespace === undefined || keepCrds === undefined)
      continue;
    addons.set(name, {
      name,
      file: y.file,
      ...(description === undefined ? {} : { description }),
      namespace,
      source,
      ...(crds === undefined ? {} : { crds }),
      keepCrds,
    });
  }
  return addons;
}
