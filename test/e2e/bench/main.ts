/**
 * `npm run bench:e2e [-- --only <groups>] [--profile]`: localkube against what it replaces, every
 * comparison measured side by side in the same run on the same machine, written to
 * bench/results/e2e.json (see bench/e2eResults.ts) and turned into docs/performance.md's tables by
 * `npm run bench:docs`.
 *
 * The groups (bench/e2eResults.ts: GROUPS), each re-measurable alone with `--only`:
 *   cold     cold `up` of the 3-service stack (bank built from source with its migration job,
 *            price published, PostgreSQL) with empty and with warm build caches, beside the same
 *            steps by hand (./baseline.ts); cold `up` of the 50-service stack (./scaleCatalog.ts)
 *   noop     no-op `up` at 3 and 50 services, with the preview `pulumi up --yes` runs, and without
 *   inner    one edit of bank → new answer, through `pulumi up` and through `npm run dev` (its fast
 *            save path), at 3 and at 50 services
 *   dev      `npm run dev`'s live update and rebuild path beside the floor (./floor.ts) and Tilt
 *            (./tilt.ts, when LOCALKUBE_BENCH_TILT names a tilt binary) (./saves.ts)
 *   idle     `npm run dev` idle with 20,000 files in a build context and without (./idle.ts)
 *   destroy  `destroy` beside kind delete + registry removal of the same cluster, at 3 and 50
 *
 * A group not asked for still runs the steps a later one needs (a stack that is up), untimed.
 * `--profile` keeps the engine's verbose log and the Node.js CPU profiles of one no-op `up` at 3
 * and at 50 services and one destroy at 50 under ARTIFACTS/bench-profile/.
 *
 * Both stacks start with the registry seeded with the stand-in images (the e2e machines'
 * replacement for upstream registries). Every measured `pulumi up` records whether its preview ran.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import {
  GROUP_DESCRIPTIONS,
  GROUPS,
  GroupName,
  GroupResult,
  mergeResults,
  parseGroups,
  parseResults,
  RunInfo,
} from "../../../bench/e2eResults";
import * as h from "../harness";
import { baselineColdUp, captureManifests } from "./baseline";
import { bankAnswers, Group, LoadWatch, SAMPLES, seconds, setGreeting } from "./common";
import { idleGroup } from "./idle";
import { devSaves, savesGroup } from "./saves";
import {
  allAnswer,
  benchProject,
  configSet,
  fiftyServiceConfig,
  pulumi,
  pulumiCli,
  removeClusterAndRegistry,
  STACK_3,
  STACK_50,
  stackRm,
  threeServiceConfig,
  wipeBuildkitCache,
} from "./stacks";

export const RESULTS = path.join(h.REPO, "bench/results/e2e.json");

const USAGE = `usage: npm run bench:e2e [-- --only <group>[,<group>…]] [--profile]

groups (all by default):
${GROUPS.map((g) => `  ${g.padEnd(8)} ${GROUP_DESCRIPTIONS[g]}`).join("\n")}

--profile   keep the engine's -v=7 log and the Node.js CPU profiles of a no-op up (3 and 50
            services) and a destroy (50) under $LOCALKUBE_E2E_ARTIFACTS/bench-profile/
LOCALKUBE_BENCH_TILT=<tilt binary>   measure Tilt beside localkube in the dev group
LOCALKUBE_BENCH_SAMPLES=<n>          samples of each repeated figure (default 5)
LOCALKUBE_BENCH_PULUMI=<pulumi>      the Pulumi CLI of the measured commands (another engine)`;

/** The measured code and tools, for the results. */
async function runInfo(groups: GroupName[]): Promise<Omit<RunInfo, "loadAverage">> {
  const git = (args: string[]) => h.lines("git", ["-C", h.REPO, ...args]);
  const pulumiVersion = (await h.must(pulumiCli(), ["version"])).stdout.trim();
  const sdk = JSON.parse(
    fs.readFileSync(path.join(h.REPO, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
  ).version;
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "HEAD"])[0] ?? "unknown",
    // The results file itself is what the run rewrites.
    dirty: git(["status", "--porcelain"]).some((l) => !l.endsWith("bench/results/e2e.json")),
    groups,
    cpus: os.cpus().length,
    versions: { pulumi: pulumiVersion, "@pulumi/pulumi": sdk, node: process.version },
  };
}

/** Runs the groups asked for; figures land in `g`, the versions of what ran beside in `versions`. */
async function bench(
  g: Record<GroupName, Group>,
  groups: readonly GroupName[],
  profile: boolean,
  versions: Record<string, string>,
): Promise<void> {
  const want = (...names: GroupName[]) => names.some((n) => groups.includes(n));
  await h.ensureToolchain();
  await h.must("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
  const { dir, scale } = benchProject();
  const bankDir = path.join(dir, "services/bank");
  const bank50Dir = path.join(dir, scale.catalogDir, "bank");
  let greeting3 = "bank v1";
  let greeting50 = "bank v1";
  const up = (stack: string, preview = false) => pulumi(dir, stack, "up", { preview });

  // ---- 3 services
  await h.seedRegistry();
  await h.initStack(dir, STACK_3, threeServiceConfig());
  if (want("cold")) await wipeBuildkitCache();
  await g.cold.once(
    "up3EmptyCaches",
    async () => {
      await up(STACK_3);
      await bankAnswers(greeting3);
    },
    { preview: false },
  );
  const manifests = want("cold") ? await captureManifests() : "";

  if (want("noop")) {
    await g.noop.samples("up3", () => seconds(() => up(STACK_3, true)), { preview: true });
    await g.noop.samples("up3SkipPreview", () => seconds(() => up(STACK_3)), { preview: false });
    if (profile) await pulumi(dir, STACK_3, "up", { preview: true, profile: "noop-3" });
  }

  if (want("inner")) {
    await g.inner.samples(
      "engineEdit3",
      async (i) => {
        greeting3 = `bank engine3-${i}`;
        setGreeting(bankDir, greeting3);
        return seconds(async () => {
          await up(STACK_3);
          await bankAnswers(greeting3);
        });
      },
      { preview: false },
    );
    await g.inner.part("npm run dev at 3 services", async () => {
      await devSaves(g.inner, "devSave3", dir, STACK_3, bankDir);
    });
    greeting3 = `bank devSave3-${SAMPLES}`;
  }

  if (want("dev")) {
    const tilt = await savesGroup(g.dev, dir, STACK_3);
    if (tilt) versions.tilt = tilt;
  }
  if (want("idle")) await idleGroup(g.idle, dir, STACK_3);
  if (want("dev", "idle")) {
    // Back to the 3-service stack as cold up measures it (bank built, price published).
    await configSet(dir, STACK_3, "localkube:local", "bank");
    await configSet(dir, STACK_3, "localkube:services", "bank");
    if (want("cold", "destroy")) await up(STACK_3);
  }

  if (want("cold", "destroy")) {
    await g.destroy.once("destroy3", () => pulumi(dir, STACK_3, "destroy"));
    await h.seedRegistry();
    await g.cold.once(
      "up3WarmCaches",
      async () => {
        await up(STACK_3);
        await bankAnswers(greeting3);
      },
      { preview: false },
    );
    await g.destroy.once("remove3", removeClusterAndRegistry);
    await stackRm(dir, STACK_3);
  } else {
    await pulumi(dir, STACK_3, "destroy");
  }

  // ---- 50 services
  if (want("cold", "noop", "inner", "destroy")) {
    await h.seedRegistry();
    await h.initStack(dir, STACK_50, fiftyServiceConfig(scale));
    await g.cold.once(
      "up50WarmCaches",
      async () => {
        await up(STACK_50);
        await bankAnswers(greeting50);
      },
      { preview: false },
    );
    await allAnswer(scale.services);
    if (want("noop")) {
      await g.noop.samples("up50", () => seconds(() => up(STACK_50, true)), { preview: true });
      await g.noop.samples("up50SkipPreview", () => seconds(() => up(STACK_50)), {
        preview: false,
      });
      if (profile) await pulumi(dir, STACK_50, "up", { preview: true, profile: "noop-50" });
    }
    if (want("inner")) {
      await g.inner.samples(
        "engineEdit50",
        async (i) => {
          greeting50 = `bank engine50-${i}`;
          setGreeting(bank50Dir, greeting50);
          return seconds(async () => {
            await up(STACK_50);
            await bankAnswers(greeting50);
          });
        },
        { preview: false },
      );
      await g.inner.part("npm run dev at 50 services", async () => {
        await devSaves(g.inner, "devSave50", dir, STACK_50, bank50Dir);
      });
    }
    if (want("destroy")) {
      await g.destroy.once("destroy50", () => pulumi(dir, STACK_50, "destroy"));
      await h.seedRegistry();
      await up(STACK_50);
      if (profile) {
        await pulumi(dir, STACK_50, "destroy", { profile: "destroy-50" });
        await h.seedRegistry();
        await up(STACK_50);
      }
      await g.destroy.once("remove50", removeClusterAndRegistry);
      await stackRm(dir, STACK_50);
    } else {
      await pulumi(dir, STACK_50, "destroy");
    }
  }

  // ---- the cold up by hand
  if (want("cold")) {
    await h.seedRegistry();
    await g.cold.once("baseline3EmptyCaches", () => baselineColdUp(manifests, bankDir, "empty"));
    await removeClusterAndRegistry();
    await h.seedRegistry();
    await g.cold.once("baseline3WarmCaches", () => baselineColdUp(manifests, bankDir, "warm"));
    await removeClusterAndRegistry();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const groups = parseGroups(values.only);
  const load = new LoadWatch();
  const info = await runInfo(groups);
  const g = Object.fromEntries(GROUPS.map((n) => [n, new Group(n, groups.includes(n))])) as Record<
    GroupName,
    Group
  >;
  const versions: Record<string, string> = { ...info.versions };
  let fatal = false;
  try {
    await bench(g, groups, values.profile!, versions);
  } catch (err) {
    fatal = true;
    console.error(err);
    for (const name of groups) g[name].failures.push(`the run stopped: ${String(err)}`);
    // What this run created: the suite's cluster (the lock keeps other runs away from it).
    await h.run("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
  }
  const run: RunInfo = { ...info, loadAverage: load.done(), versions };
  const results: Partial<Record<GroupName, GroupResult>> = {};
  // A group the run stopped before it measured anything keeps its earlier figures.
  for (const name of groups.filter((n) => Object.keys(g[n].figures).length > 0))
    results[name] = { run, figures: g[name].figures, failures: g[name].failures };
  const previous = parseResults(
    fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, "utf8") : undefined,
  );
  const merged = mergeResults(previous, results);
  const text = JSON.stringify(merged, null, 2) + "\n";
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, text);
  fs.writeFileSync(path.join(h.ARTIFACTS, "bench-e2e.json"), text);
  console.log(JSON.stringify(results, null, 2));
  const failures = groups.flatMap((n) => g[n].failures);
  if (fatal || failures.length > 0) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
