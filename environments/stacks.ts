import { loadCatalog } from "../catalog/load";
import { planDeployment } from "../catalog/plan";
import { Platform } from "../components/platform";
import { ConfigReader } from "../config/reader";
import { CommonSettings, readLocalSettings } from "../config/settings";
import { readBranchSettings } from "../config/branchSettings";
import { ConfigSource, layeredSource, loadDefaultsFile } from "../config/source";
import { CatalogError } from "../catalog/problems";
import { createBranchEnvironment } from "./branch";
import { createLocalEnvironment } from "./local";
import { gatherPreflightFacts, PortNeed, PreflightFacts } from "./preflight";

/** What a stack run needs from the outside world; tests inject fakes. */
export interface StackDeps {
  readonly preflight?: (needs: readonly PortNeed[]) => Promise<PreflightFacts>;
  /** Reads git facts of the checkout (`rev-parse`, `config user.email`); tests inject them. */
  readonly git?: (args: readonly string[]) => string | undefined;
}

/** Runs git without a shell; undefined when git or the repository is missing. */
export function readGit(args: readonly string[]): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require("child_process") as typeof import("child_process");
  const r = spawnSync("git", [...args], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** Loads the catalog and plans the selection; errors name the file each key was set in. */
function loadAndPlan(settings: CommonSettings, source: ConfigSource) {
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

/** Defaults of every branch stack, merged under the stack's own config. */
export const BRANCH_DEFAULTS_FILE = "Pulumi.branch.yaml";

/** `pulumi up -s branch-<name>`: the selected services in an isolated namespace of an existing cluster. */
export async function branchStack(stack: string, source: ConfigSource, deps: StackDeps = {}, defaultsFile = BRANCH_DEFAULTS_FILE) {
  const layered = layeredSource(source, loadDefaultsFile(defaultsFile), defaultsFile);
  const config = new ConfigReader(layered);
  const git = deps.git ?? readGit;
  const read = readBranchSettings(config, stack);
  config.done();
  const settings = { ...read, gitSha: read.gitSha ?? git(["rev-parse", "--short=7", "HEAD"]), owner: read.owner ?? git(["config", "user.email"]) };
  const { catalog, plan } = loadAndPlan(settings, layered);
  if (plan.local.size > 0 && !settings.registry.address) {
    throw new CatalogError(
      [
        {
          file: source.stackFile,
          path: "localkube:registry.address",
          message: `${[...plan.local].join(", ")} must be built, but no registry to push to is set; \`pulumi config set localkube:registry.address ghcr.io/<org>/sandboxes\``,
        },
      ],
      "invalid configuration",
    );
  }
  const branch = createBranchEnvironment(stack, settings);
  const platform = new Platform("platform", { environment: branch.environment, plan, groups: catalog.groups, appliances: settings.appliances });
  return {
    branch: settings.branch.name,
    namespace: settings.branch.namespace,
    expiresAt: branch.expiresAt,
    imageTag: branch.environment.images.pushTag,
    services: plan.services.map((s) => s.name),
    appliances: [...plan.appliances],
    builtFromSource: [...plan.local],
    urls: platform.urls,
  };
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
