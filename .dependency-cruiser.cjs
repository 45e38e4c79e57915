/**
 * The README's Layout map, enforced by `npm run lint`: each folder may import only what its
 * "may import" column says (node_modules and Node's own modules always). A folder listed with
 * "(types)" may import only types from there (`import type`), nothing that runs.
 */
const MAP = {
  // folder: [may import at runtime, may import types only]
  "index.ts": [["stacks"], []],
  stacks: [
    ["components", "providers", "config", "catalog", "kind", "status", "kube", "branch", "host"],
    [],
  ],
  components: [
    ["providers", "kube", "kind", "catalog", "branch"],
    ["status", "config"],
  ],
  providers: [["host", "kind", "status", "kube"], []],
  config: [["catalog", "kind", "kube", "branch"], []],
  catalog: [[], []],
  kind: [["catalog"], []],
  status: [["kube"], []],
  kube: [["catalog"], []],
  branch: [["catalog", "kube"], ["config"]],
  host: [["catalog"], ["kube"]],
  cli: [["dev", "dashboard", "branch", "host"], []],
  dev: [["status", "catalog", "kube", "host"], []],
  dashboard: [["status"], ["dev"]],
  bench: [["catalog", "components", "stacks", "host"], []],
};

const from = (folder) => (folder.endsWith(".ts") ? `^${folder}$` : `^${folder}/`);
const to = (folders) => folders.map((f) => (f.endsWith(".ts") ? `^${f}$` : `^${f}/`));
const ours = Object.keys(MAP);

module.exports = {
  forbidden: Object.entries(MAP)
    .flatMap(([folder, [runtime, types]]) => {
      const own = folder.endsWith(".ts") ? [] : [folder];
      const outside = ours.filter((f) => !own.includes(f) && !runtime.includes(f));
      const typeOnly = outside.filter((f) => types.includes(f));
      const never = outside.filter((f) => !types.includes(f));
      const rules = [];
      if (never.length > 0)
        rules.push({
          name: `${folder}-imports`,
          comment: `${folder} may import ${runtime.length ? runtime.join(", ") : "nothing of ours"}${
            types.length ? ` (and types from ${types.join(", ")})` : ""
          } (README, Layout)`,
          severity: "error",
          from: { path: from(folder) },
          to: { path: to(never) },
        });
      if (typeOnly.length > 0)
        rules.push({
          name: `${folder}-imports-types-only`,
          comment: `${folder} may import only types from ${typeOnly.join(", ")} (README, Layout)`,
          severity: "error",
          from: { path: from(folder) },
          to: { path: to(typeOnly), dependencyTypesNot: ["type-only"] },
        });
      return rules;
    })
    .concat([
      {
        name: "no-circular",
        comment: "modules that import each other cannot be read or tested one at a time",
        severity: "error",
        from: { pathNot: "^test/" },
        to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
      },
    ]),
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|toolchain|services|test)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["cjs", "es6"],
  },
};
