/**
 * The performance tables of docs/performance.md and the README's summary, from
 * bench/results/e2e.json: pure functions from the results to Markdown (ratios and targets are
 * computed here, from figures of one group, so both sides of a ratio always come from one run),
 * and the replacement of the part between two markers. `npm run bench:docs` (./docs.ts) writes
 * them; a unit test fails when the committed files are not in step with the committed results.
 */
import type { E2eResults, Figure, GroupName, GroupResult, Missing, RunInfo } from "./e2eResults";
import { GROUPS, isFigure } from "./e2eResults";

/** The targets the figures are held to (issues 13, 14, 18 and 23). */
export const TARGETS = {
  liveUpdateSeconds: 0.5,
  rebuildVsFloor: 1.1,
  coldUpVsBaseline: 0.8,
  noop3Seconds: 5,
  noop50WithPreviewSeconds: 6,
  coldUpPerExtraServiceSeconds: 1,
  engineEdit50VsEngineEdit3: 1.2,
  devSave50VsDevSave3: 1.1,
  destroy3VsRemoval: 1.2,
  destroy50VsRemoval: 1.3,
  idleCpuPercent: 0.5,
  saveNoticedSeconds: 1,
} as const;

/** Services of the 50-service stack beyond the 3-service one (test/e2e/bench/scaleCatalog.ts). */
export const EXTRA_SERVICES = 47;

type Cell = Figure | Missing | undefined;

/** Seconds or percent as the tables print them: 2 decimals below 10, else 1. */
export function formatValue(f: Figure): string {
  const digits = f.value < 10 ? 2 : 1;
  return `${f.value.toFixed(digits)}${f.unit === "s" ? " s" : " %"}`;
}

/** A figure's cell: the value (the median) with the range of its samples, or why it is missing. */
export function cell(f: Cell): string {
  if (f === undefined) return "—";
  if (!isFigure(f)) return f.missing;
  if (!f.runs || f.runs.length < 2) return formatValue(f);
  const lo = Math.min(...f.runs);
  const hi = Math.max(...f.runs);
  return `${formatValue(f)} (${f.runs.length} runs, ${lo}–${hi})`;
}

const both = (a: Cell, b: Cell): [Figure, Figure] | undefined =>
  isFigure(a) && isFigure(b) ? [a, b] : undefined;

/** `a / b` as `1.23×`, or "—" when either is missing. */
export function ratio(a: Cell, b: Cell): string {
  const p = both(a, b);
  return p ? `${(p[0].value / p[1].value).toFixed(2)}×` : "—";
}

/** "≤ … — met" / "— missed" / "— (not measured)". */
export function target(text: string, met: boolean | undefined): string {
  return `${text} — ${met === undefined ? "not measured" : met ? "met" : "missed"}`;
}

const cmp = (a: Cell, b: Cell, ok: (x: number, y: number) => boolean) => {
  const p = both(a, b);
  return p ? ok(p[0].value, p[1].value) : undefined;
};
const atMost = (a: Cell, limit: number) => (isFigure(a) ? a.value <= limit : undefined);

/** How an `up` row says whether its preview ran. */
export function previewNote(f: Cell): string {
  if (!isFigure(f) || f.preview === undefined) return "";
  return f.preview ? " (preview included)" : " (no preview)";
}

const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

/** The distinct runs the results hold, lettered in the order of GROUPS. */
export function runLetters(results: E2eResults): Map<string, string> {
  const letters = new Map<string, string>();
  for (const g of GROUPS) {
    const r = results.groups[g];
    if (r && !letters.has(r.run.date))
      letters.set(r.run.date, String.fromCharCode(65 + letters.size));
  }
  return letters;
}

const loadText = (run: RunInfo) =>
  `${run.loadAverage.atStart[0].toFixed(2)} → highest ${run.loadAverage.highestOneMinute.toFixed(2)}`;

function runsTable(results: E2eResults): string {
  const letters = runLetters(results);
  const rows: string[][] = [];
  for (const [date, letter] of letters) {
    const groups = GROUPS.filter((g) => results.groups[g]?.run.date === date);
    const run = results.groups[groups[0]]!.run;
    rows.push([
      letter,
      run.date.replace(/\.\d+Z$/, "Z"),
      `${run.commit.slice(0, 7)}${run.dirty ? " (+ changes)" : ""}`,
      groups.join(", "),
      loadText(run),
      String(run.cpus),
      [run.versions.pulumi, run.versions.tilt && `Tilt ${run.versions.tilt}`]
        .filter(Boolean)
        .join(", "),
    ]);
  }
  return table(
    ["run", "started", "commit", "groups", "load average (1 min)", "cpus", "versions"],
    rows,
  );
}

/** The figures of a group (none when the group was never measured). */
const figuresOf = (results: E2eResults, g: GroupName) =>
  (results.groups[g]?.figures ?? {}) as Readonly<Record<string, Cell>>;

function runOf(results: E2eResults, g: GroupName, letters: Map<string, string>): string {
  const r: GroupResult | undefined = results.groups[g];
  return r ? (letters.get(r.run.date) ?? "?") : "not measured";
}

function failuresText(results: E2eResults): string {
  const lines = GROUPS.flatMap((g) =>
    (results.groups[g]?.failures ?? []).map((f) => `- ${g}: ${f.split("\n")[0]}`),
  );
  return lines.length > 0
    ? `\nFailures in these runs (their figures are incomplete):\n\n${lines.join("\n")}\n`
    : "";
}

/** The tables of docs/performance.md. */
export function renderTables(results: E2eResults): string {
  const letters = runLetters(results);
  const cold = figuresOf(results, "cold");
  const noop = figuresOf(results, "noop");
  const inner = figuresOf(results, "inner");
  const dev = figuresOf(results, "dev");
  const idle = figuresOf(results, "idle");
  const destroy = figuresOf(results, "destroy");
  const run = (g: GroupName) => runOf(results, g, letters);

  const saves = table(
    [
      "save → new answer served",
      "localkube `npm run dev`",
      "Tilt",
      "floor",
      "localkube ÷ floor",
      "target",
      "run",
    ],
    [
      [
        "live update (price's app.py; sync + restart of the process)",
        cell(dev.liveUpdate),
        cell(dev["tilt.liveUpdate"]),
        "—",
        "—",
        target(
          `≤ ${TARGETS.liveUpdateSeconds} s`,
          atMost(dev.liveUpdate, TARGETS.liveUpdateSeconds),
        ),
        run("dev"),
      ],
      [
        "rebuild path (price's Dockerfile label + app.py)",
        cell(dev.rebuild),
        cell(dev["tilt.rebuild"]),
        cell(dev.floor),
        ratio(dev.rebuild, dev.floor),
        target(
          `≤ ${TARGETS.rebuildVsFloor}× floor`,
          cmp(dev.rebuild, dev.floor, (a, b) => a <= TARGETS.rebuildVsFloor * b),
        ) +
          "; " +
          target(
            "below Tilt",
            cmp(dev.rebuild, dev["tilt.rebuild"], (a, b) => a < b),
          ),
        run("dev"),
      ],
    ],
  );
  const floorSteps = ["build", "setImage", "podReady", "answer"]
    .map(
      (s) =>
        `${s === "setImage" ? "set image" : s === "podReady" ? "pod ready" : s} ${cell(dev[`floor.${s}`]).replace(/ \(.*\)$/, "")}`,
    )
    .join(", ");

  const three = table(
    ["3 services", "localkube", "same steps by hand", "ratio", "target", "run"],
    [
      [
        `cold \`up\`, empty build caches${previewNote(cold.up3EmptyCaches)}`,
        cell(cold.up3EmptyCaches),
        cell(cold.baseline3EmptyCaches),
        ratio(cold.up3EmptyCaches, cold.baseline3EmptyCaches),
        target(
          `≤ ${TARGETS.coldUpVsBaseline}×`,
          cmp(
            cold.up3EmptyCaches,
            cold.baseline3EmptyCaches,
            (a, b) => a <= TARGETS.coldUpVsBaseline * b,
          ),
        ),
        run("cold"),
      ],
      [
        `cold \`up\`, warm build caches${previewNote(cold.up3WarmCaches)}`,
        cell(cold.up3WarmCaches),
        cell(cold.baseline3WarmCaches),
        ratio(cold.up3WarmCaches, cold.baseline3WarmCaches),
        "",
        run("cold"),
      ],
      [`no-op \`up\`${previewNote(noop.up3)}`, cell(noop.up3), "", "", "", run("noop")],
      [
        `no-op \`up\`${previewNote(noop.up3SkipPreview)}`,
        cell(noop.up3SkipPreview),
        "",
        "",
        target(`≤ ${TARGETS.noop3Seconds} s`, atMost(noop.up3SkipPreview, TARGETS.noop3Seconds)),
        run("noop"),
      ],
      [
        `edit bank, \`pulumi up\`${previewNote(inner.engineEdit3)}, new answer`,
        cell(inner.engineEdit3),
        "",
        "",
        "",
        run("inner"),
      ],
      [
        "`destroy` (by hand: `kind delete cluster`, registry container, volume, network)",
        cell(destroy.destroy3),
        cell(destroy.remove3),
        ratio(destroy.destroy3, destroy.remove3),
        target(
          `≤ ${TARGETS.destroy3VsRemoval}×`,
          cmp(destroy.destroy3, destroy.remove3, (a, b) => a <= TARGETS.destroy3VsRemoval * b),
        ),
        run("destroy"),
      ],
    ],
  );

  const perExtra = (a: Cell, b: Cell) => {
    const p = both(a, b);
    return p ? `+${((p[0].value - p[1].value) / EXTRA_SERVICES).toFixed(2)} s per service` : "—";
  };
  const fifty = table(
    ["50 services beside 3", "50", "3", "ratio / per extra service", "target", "run"],
    [
      [
        `cold \`up\`, warm build caches${previewNote(cold.up50WarmCaches)}`,
        cell(cold.up50WarmCaches),
        cell(cold.up3WarmCaches),
        perExtra(cold.up50WarmCaches, cold.up3WarmCaches),
        target(
          `≤ ~${TARGETS.coldUpPerExtraServiceSeconds} s per service`,
          cmp(
            cold.up50WarmCaches,
            cold.up3WarmCaches,
            (a, b) => (a - b) / EXTRA_SERVICES <= TARGETS.coldUpPerExtraServiceSeconds,
          ),
        ),
        run("cold"),
      ],
      [
        `no-op \`up\`${previewNote(noop.up50)}`,
        cell(noop.up50),
        cell(noop.up3),
        perExtra(noop.up50, noop.up3),
        target(
          `≤ ${TARGETS.noop50WithPreviewSeconds} s`,
          atMost(noop.up50, TARGETS.noop50WithPreviewSeconds),
        ),
        run("noop"),
      ],
      [
        `no-op \`up\`${previewNote(noop.up50SkipPreview)}`,
        cell(noop.up50SkipPreview),
        cell(noop.up3SkipPreview),
        perExtra(noop.up50SkipPreview, noop.up3SkipPreview),
        "",
        run("noop"),
      ],
      [
        `edit bank, \`pulumi up\`${previewNote(inner.engineEdit50)}, new answer`,
        cell(inner.engineEdit50),
        cell(inner.engineEdit3),
        ratio(inner.engineEdit50, inner.engineEdit3),
        target(
          `≤ ${TARGETS.engineEdit50VsEngineEdit3}×`,
          cmp(
            inner.engineEdit50,
            inner.engineEdit3,
            (a, b) => a <= TARGETS.engineEdit50VsEngineEdit3 * b,
          ),
        ),
        run("inner"),
      ],
      [
        "save of bank's Dockerfile label + app.py in `npm run dev` → new answer",
        cell(inner.devSave50),
        cell(inner.devSave3),
        ratio(inner.devSave50, inner.devSave3),
        target(
          `≤ ${TARGETS.devSave50VsDevSave3}× (within ${Math.round((TARGETS.devSave50VsDevSave3 - 1) * 100)} %)`,
          cmp(inner.devSave50, inner.devSave3, (a, b) => a <= TARGETS.devSave50VsDevSave3 * b),
        ),
        run("inner"),
      ],
      [
        "`destroy` beside `kind delete` + registry removal of the same cluster",
        `${cell(destroy.destroy50)} vs ${cell(destroy.remove50)}`,
        `${cell(destroy.destroy3)} vs ${cell(destroy.remove3)}`,
        `${ratio(destroy.destroy50, destroy.remove50)} (3: ${ratio(destroy.destroy3, destroy.remove3)})`,
        target(
          `≤ ${TARGETS.destroy50VsRemoval}×`,
          cmp(destroy.destroy50, destroy.remove50, (a, b) => a <= TARGETS.destroy50VsRemoval * b),
        ),
        run("destroy"),
      ],
    ],
  );

  const share = both(idle.idleCpuWithTree, idle.idleCpu);
  const idleTable = table(
    ["`npm run dev -- bank --local bank,price`", "measured", "target", "run"],
    [
      [
        "CPU over an idle minute, 20,000 files in price's build context",
        `${cell(idle.idleCpuWithTree)} of a core`,
        target(
          `≤ ${TARGETS.idleCpuPercent} % of a core`,
          atMost(idle.idleCpuWithTree, TARGETS.idleCpuPercent),
        ),
        run("idle"),
      ],
      [
        "CPU over an idle minute, without those files",
        `${cell(idle.idleCpu)} of a core`,
        "",
        run("idle"),
      ],
      [
        "the watcher's share (the difference)",
        share ? `${(share[0].value - share[1].value).toFixed(2)} % of a core` : "—",
        "",
        run("idle"),
      ],
      [
        "a save in that tree → the loop's `▶ updating` line",
        cell(idle.saveToUpdating),
        target(
          `≤ ${TARGETS.saveNoticedSeconds} s`,
          atMost(idle.saveToUpdating, TARGETS.saveNoticedSeconds),
        ),
        run("idle"),
      ],
      ["converged → watching the 20,000 files", cell(idle.watchStart), "", run("idle")],
    ],
  );

  return [
    "Runs the figures below come from (load average: the machine's 1-minute load at the start and",
    "the highest during the run; a busy machine reads high):",
    "",
    runsTable(results),
    failuresText(results),
    "### Save → new answer served",
    "",
    saves,
    "",
    `The floor's steps (medians): ${floorSteps}.`,
    "",
    "### 3 services",
    "",
    three,
    "",
    "### 50 services beside 3",
    "",
    fifty,
    "",
    "### The dev loop at rest",
    "",
    idleTable,
    "",
  ].join("\n");
}

/** The README's summary: the headline figures, one line each. */
export function renderSummary(results: E2eResults): string {
  const dev = figuresOf(results, "dev");
  const noop = figuresOf(results, "noop");
  const inner = figuresOf(results, "inner");
  const destroy = figuresOf(results, "destroy");
  const idle = figuresOf(results, "idle");
  const short = (f: Cell) => cell(f).replace(/ \(.*\)$/, "");
  return table(
    ["", "measured", "beside"],
    [
      [
        "save → new answer, live update",
        short(dev.liveUpdate),
        `Tilt ${short(dev["tilt.liveUpdate"])}`,
      ],
      [
        "save → new answer, rebuild path",
        short(dev.rebuild),
        `floor ${short(dev.floor)}, Tilt ${short(dev["tilt.rebuild"])}`,
      ],
      ["the same save at 50 services", short(inner.devSave50), `${short(inner.devSave3)} at 3`],
      ["no-op `up`, 50 services, preview included", short(noop.up50), `${short(noop.up3)} at 3`],
      ["`destroy`, 50 services", short(destroy.destroy50), `${short(destroy.remove50)} by hand`],
      [
        "`npm run dev` idle, 20,000 files watched",
        `${short(idle.idleCpuWithTree)} of a core`,
        `${short(idle.idleCpu)} without them`,
      ],
    ],
  );
}

/** Marker lines around a generated part: `<!-- begin <name> … -->` and `<!-- end <name> -->`. */
export const markers = (name: string) => ({
  begin: `<!-- begin ${name}: written by npm run bench:docs from bench/results/e2e.json -->`,
  end: `<!-- end ${name} -->`,
});

/** `text` with the part between the markers of `name` replaced by `content`. */
export function replaceMarked(text: string, name: string, content: string, file: string): string {
  const m = markers(name);
  const b = text.indexOf(m.begin);
  const e = text.indexOf(m.end);
  if (b < 0 || e < b)
    throw new Error(`${file}: no "${m.begin}" … "${m.end}" markers to write the ${name} between`);
  return `${text.slice(0, b + m.begin.length)}\n\n${content.trim()}\n\n${text.slice(e)}`;
}

/** The generated parts: file (relative to the repository) → marker name → content. */
export function generatedParts(
  results: E2eResults,
): { file: string; name: string; content: string }[] {
  return [
    { file: "docs/performance.md", name: "bench tables", content: renderTables(results) },
    { file: "README.md", name: "bench summary", content: renderSummary(results) },
  ];
}
