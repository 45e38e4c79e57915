/**
 * The shape of `bench/results/e2e.json`, written by `npm run bench:e2e` (test/e2e/bench/) and read
 * by `npm run bench:docs` (./performanceDocs.ts). Pure.
 *
 * The benchmark is a set of groups (`--only <group>` re-measures one). A group always measures
 * every side of every comparison made with its figures (localkube and its baseline, 50 services
 * and 3), so no ratio ever mixes two runs: re-measuring a group replaces all of its figures, and
 * each group records the run it came from (time, commit, load average).
 */

/** The groups of figures, in the order a full run measures them. */
export const GROUPS = ["cold", "noop", "inner", "dev", "idle", "destroy"] as const;
export type GroupName = (typeof GROUPS)[number];

/** What each group measures, for `--help` and the docs. */
export const GROUP_DESCRIPTIONS: Readonly<Record<GroupName, string>> = {
  cold: "cold up at 3 services (empty and warm build caches) beside the same steps by hand, and at 50",
  noop: "no-op up at 3 and 50 services, with the preview `pulumi up --yes` runs and without",
  inner:
    "one edit of bank → new answer: through `pulumi up` and through `npm run dev`, at 3 and 50",
  dev: "npm run dev's live update and rebuild path beside the floor (and Tilt when given)",
  idle: "npm run dev idle with a 20,000-file build context and without, a save noticed",
  destroy: "destroy at 3 and 50 services beside kind delete + registry removal",
};

/** The run a group's figures come from. */
export interface RunInfo {
  /** When the run started (ISO 8601). */
  readonly date: string;
  /** `git rev-parse HEAD` of the measured code. */
  readonly commit: string;
  /** Whether the working tree had changes beside that commit. */
  readonly dirty: boolean;
  /** The groups the run measured (`--only`), all of them for a full run. */
  readonly groups: readonly GroupName[];
  readonly cpus: number;
  /** The machine's load averages (1, 5, 15 min) at the start and end, and the highest 1-minute one. */
  readonly loadAverage: {
    readonly atStart: readonly number[];
    readonly atEnd: readonly number[];
    readonly highestOneMinute: number;
  };
  /** Versions of what was measured: the Pulumi CLI, the Node.js SDK, Node.js, Tilt when measured. */
  readonly versions: Readonly<Record<string, string>>;
}

/** One measured quantity. */
export interface Figure {
  /** Seconds, or percent of one core for CPU figures; the median of `runs` when repeated. */
  readonly value: number;
  readonly unit: "s" | "%";
  /** Every sample, in the order taken, when the measurement was repeated. */
  readonly runs?: readonly number[];
  /** For a measured `pulumi up`: whether its preview ran (`pulumi up --yes` runs one). */
  readonly preview?: boolean;
  /** The 1-minute load average when the measurement started, and the highest seen during it. */
  readonly load: { readonly start: number; readonly highest: number };
}

/** A figure that could not be measured, and why (a tool not given, a failure). */
export interface Missing {
  readonly missing: string;
}

export interface GroupResult {
  readonly run: RunInfo;
  readonly figures: Readonly<Record<string, Figure | Missing>>;
  /** Failures that stopped part of the group; its figures are then incomplete. */
  readonly failures: readonly string[];
}

export interface E2eResults {
  readonly schema: 2;
  readonly groups: Partial<Readonly<Record<GroupName, GroupResult>>>;
}

export const isFigure = (f: Figure | Missing | undefined): f is Figure =>
  f !== undefined && "value" in f;

/** The median of samples (the upper one of an even count). */
export function median(runs: readonly number[]): number {
  if (runs.length === 0) throw new Error("median of no samples");
  const sorted = [...runs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The results after a run: the groups it measured replace the earlier ones (all their figures),
 * the other groups stay as they were, with their own runs.
 */
export function mergeResults(
  previous: E2eResults | undefined,
  measured: Partial<Record<GroupName, GroupResult>>,
): E2eResults {
  const groups: Partial<Record<GroupName, GroupResult>> = {};
  for (const g of GROUPS) {
    const r = measured[g] ?? previous?.groups[g];
    if (r) groups[g] = r;
  }
  return { schema: 2, groups };
}

/** Parses `--only a,b` values into groups; throws with the known names on an unknown one. */
export function parseGroups(only: string | undefined): GroupName[] {
  if (only === undefined) return [...GROUPS];
  const names = only
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(
      `--only ${JSON.stringify(only)}: unknown group${unknown.length === 1 ? "" : "s"} ${unknown.join(", ") || "(none given)"}; known: ${GROUPS.join(", ")}`,
    );
  return GROUPS.filter((g) => names.includes(g));
}

/** Reads results written by this or an earlier benchmark; earlier formats count as none. */
export function parseResults(text: string | undefined): E2eResults | undefined {
  if (text === undefined) return undefined;
  const doc = JSON.parse(text) as { schema?: number };
  return doc.schema === 2 ? (doc as E2eResults) : undefined;
}
