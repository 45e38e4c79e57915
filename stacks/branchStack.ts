import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { BRANCH_PREFIX } from "../branch/identity";
import { crdNeeds, groupsOf, missingInCluster } from "../branch/platformCheck";
import { DeploymentPlan, isBatch } from "../catalog/plan";
import { InputError } from "../catalog/problems";
import { AddonSpec } from "../catalog/types";
import { expandDependencies } from "../catalog/validate";
import { quotaWarnings } from "../branch/replicaQuota";
import { BranchEnvironment } from "../components/branchEnvironment";
import { Platform } from "../components/platform";
import { BranchSettings, readBranchSettings } from "../config/branchSettings";
import { ConfigError } from "../config/errors";
import { ConfigReader } from "../config/reader";
import { ConfigSource, layeredSource, loadDefaultsFile } from "../config/source";
import { crdsInAddonFiles } from "../host/addonFiles";
import { ClusterAccess, clusterProbe, ClusterProbe } from "../host/clusterApis";
import { gitOutput } from "../host/git";
import { loadAndPlan } from "./readCatalog";

/** The project directory: the checkout branch images are built from, and where git is asked. */
const PROJECT_DIR = path.resolve(__dirname, "..");

/** Defaults of every branch stack, merged under the stack's own config. */
export const BRANCH_DEFAULTS_FILE = path.join(PROJECT_DIR, "Pulumi.branch.yaml");

/** What a branch stack run needs from the outside world; tests inject fakes. */
export interface BranchStackDeps {
  /** Runs git with these arguments in the checkout; undefined when git or the repository is missing. @default {@link gitOutput} */
  readonly git?: (args: readonly string[]) => string | undefined;
  /** The defaults file. @default `Pulumi.branch.yaml` of the project */
  readonly defaultsFile?: string;
  /** Where notes about the run go (how the branch name was slugged, a missing sha). @default `pulumi.log.info` / `warn` */
  readonly log?: (message: string, level: "info" | "warn") => void;
  /**
   * Asks the cluster, before anything is created, for what the sandbox needs of it (platform
   * add-ons' CRDs, the Gateway API and the Gateway). @default {@link clusterProbe}
   */
  readonly cluster?: (access: ClusterAccess) => ClusterProbe;
}

/**
 * Checks, before anything is created, that the cluster has what the sandbox needs and may not
 * install itself: the CRDs of the platform add-ons the selection uses and, with
 * `ingress.api: gateway`, the Gateway API and the Gateway routes attach to. Asks the cluster only
 * when there is something to check.
 */
export async function checkClusterNeeds(
  plan: DeploymentPlan,
  groups: ReadonlyMap<string, readonly string[]>,
  settings: BranchSettings,
  source: ConfigSource,
  probe: () => ClusterProbe,
  fileCrds: (addon: AddonSpec) => readonly string[] = crdsInAddonFiles,
): Promise<void> {
  const fileOf = (key: string) => source.get(key)?.file ?? source.stackFile;
  const gateway = settings.ingress.gateway && {
    ...settings.ingress.gateway,
    file: fileOf("gateway.name"),
  };
  const neededBy = (addon: string) =>
    plan.services
      .filter((s) => expandDependencies(s.dependsOn, groups).includes(addon))
      .map((s) => s.name);
  const needs = crdNeeds(
    plan.addons,
    neededBy,
    fileCrds,
    gateway
      ? {
          file: fileOf("ingress.api"),
          grpc: plan.services.some((s) => s.ingress?.protocol === "grpc"),
        }
      : undefined,
  );
  if (needs.length === 0 && !gateway) return;
  const cluster = probe();
  const facts = {
    served: await cluster.served(groupsOf(needs)),
    gateway: gateway ? await cluster.gateway(gateway.namespace, gateway.name) : undefined,
  };
  const problems = missingInCluster(needs, facts, gateway);
  if (problems.length > 0)
    throw new InputError(
      problems,
      "the cluster lacks what this sandbox needs (nothing was created)",
    );
}

/** Git sha and owner: config wins, else the checkout's `rev-parse` and `user.name`. Pure but for `git`. */
export function resolveGitFacts(
  s: BranchSettings,
  git: (args: readonly string[]) => string | undefined,
): BranchSettings {
  const sha = s.gitSha ?? git(["rev-parse", "--short=7", "HEAD"]);
  return {
    ...s,
    gitSha: sha && /^[0-9a-f]{7,40}$/.test(sha) ? sha : undefined,
    owner: s.owner ?? git(["config", "user.name"]),
  };
}

/**
 * A stack without any config (a bare `pulumi stack init branch-foo`) reaches the program with
 * `PULUMI_CONFIG=null` (seen with CLI 3.259 and @pulumi/pulumi 3.248), and every `pulumi.Config` read
 * then throws "Cannot convert undefined or null to object". No config is an empty map: say so.
 */
export function emptyConfigWhenNull(env: NodeJS.ProcessEnv = process.env): void {
  if (env.PULUMI_CONFIG === "null") pulumi.runtime.setAllConfig({}, []);
}

/**
 * `pulumi up -s branch-<name>`: the selected services in an isolated namespace of an existing
 * cluster. Config is the stack's own, over `Pulumi.branch.yaml`, over built-in defaults; every
 * key has a default, so a bare `pulumi stack init branch-foo` is enough.
 */
export async function branchStack(stack: string, source: ConfigSource, deps: BranchStackDeps = {}) {
  emptyConfigWhenNull();
  const file = deps.defaultsFile ?? BRANCH_DEFAULTS_FILE;
  // Named relative to where `pulumi` runs (the project directory), as the user would type it.
  const shownFile = path.relative(process.cwd(), file) || file;
  const layered = layeredSource(source, loadDefaultsFile(shownFile), shownFile);
  const config = new ConfigReader(layered);
  const read = readBranchSettings(config, stack);
  config.done();
  const settings = resolveGitFacts(read, deps.git ?? ((args) => gitOutput(args, PROJECT_DIR)));
  const log =
    deps.log ??
    ((m: string, level: "info" | "warn") =>
      level === "warn" ? pulumi.log.warn(m) : pulumi.log.info(m));
  const { catalog, plan } = loadAndPlan(settings, layered);

  const b = settings.branch;
  if (b.changed) {
    log(
      `branch ${JSON.stringify(b.name)} is not a DNS-1123 label of at most ${63 - BRANCH_PREFIX.length} characters: ` +
        `using slug ${b.slug} (lowercased, other characters turned into '-', hash of the name appended), namespace ${b.namespace}`,
      "info",
    );
  }
  if (plan.local.size > 0 && !settings.registry.address) {
    throw new ConfigError([
      {
        file: source.stackFile,
        path: "localkube:registry.address",
        message: `${[...plan.local].join(", ")} must be built, but no registry to push to is set; \`pulumi config set localkube:registry.address ghcr.io/<org>/sandboxes\``,
      },
    ]);
  }
  if (plan.local.size > 0 && !settings.gitSha) {
    log(
      `no git sha (localkube:gitSha is unset and \`git rev-parse\` failed): images built from source are tagged ${b.slug} only`,
      "warn",
    );
  }

  await checkClusterNeeds(plan, catalog.groups, settings, layered, () =>
    (deps.cluster ?? clusterProbe)({
      kubeconfig: layered.getSecret("kubeconfig"),
      context: settings.cluster.context,
    }),
  );

  const branch = new BranchEnvironment("sandbox", { stack, settings, appliances: plan.appliances });
  const platform = new Platform("platform", {
    environment: branch.environment,
    plan,
    groups: catalog.groups,
    appliances: settings.appliances,
    secrets: settings.secrets,
  });
  const shared = branch.environment.sharedAppliances ?? new Map();
  const deployedAppliances = plan.appliances.filter((a) => !shared.has(a)).length;
  for (const warning of quotaWarnings(plan.services, deployedAppliances, settings))
    log(warning, "warn");
  return {
    branch: b.name,
    slug: b.slug,
    namespace: b.namespace,
    ...(settings.gitSha ? { gitSha: settings.gitSha } : {}),
    createdAt: branch.createdAt,
    expiresAt: branch.expiresAt,
    imageTag: branch.environment.images.pushTag,
    services: plan.services.filter((s) => !isBatch(s)).map((s) => s.name),
    jobs: plan.services.filter(isBatch).map((s) => s.name),
    /** Appliances running in the namespace. */
    appliances: plan.appliances.filter((a) => !shared.has(a)),
    /** Appliances the sandbox uses from elsewhere (`localkube:shared.*`). */
    sharedAppliances: plan.appliances.filter((a) => shared.has(a)),
    /** Platform add-ons the sandbox uses, which the cluster's owners installed. */
    addons: plan.addons.map((a) => a.name),
    builtFromSource: [...plan.local],
    urls: platform.urls,
    // What `npm run dev` needs to carry a save to the cluster without the engine (dev/fastSave.ts).
    devLoop: { builds: platform.builds, readyTimeoutSeconds: settings.readyTimeoutSeconds },
  };
}
