import {
  E2eResults,
  Figure,
  GroupResult,
  mergeResults,
  median,
  parseGroups,
  parseResults,
  RunInfo,
} from "../bench/e2eResults";
import {
  cell,
  formatValue,
  previewNote,
  ratio,
  renderSummary,
  renderTables,
  replaceMarked,
  runLetters,
  target,
} from "../bench/performanceDocs";
import { expectedDocs } from "../bench/docs";

const run = (date: string, extra: Partial<RunInfo> = {}): RunInfo => ({
  date,
  commit: "0123456789abcdef",
  dirty: false,
  groups: ["dev"],
  cpus: 2,
  loadAverage: { atStart: [1.5, 1, 1], atEnd: [1, 1, 1], highestOneMinute: 2.25 },
  versions: { pulumi: "v3.259.0" },
  ...extra,
});
const fig = (value: number, extra: Partial<Figure> = {}): Figure => ({
  value,
  unit: "s",
  load: { start: 1, highest: 2 },
  ...extra,
});
const group = (r: RunInfo, figures: GroupResult["figures"]): GroupResult => ({
  run: r,
  figures,
  failures: [],
});

describe("median", () => {
  test.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 3],
  ])("of %j is %d", (runs, want) => expect(median(runs)).toBe(want));
  test("of nothing throws", () => expect(() => median([])).toThrow("median of no samples"));
});

describe("parseGroups", () => {
  test("every group when --only is not given, in the order a full run measures them", () =>
    expect(parseGroups(undefined)).toEqual(["cold", "noop", "inner", "dev", "idle", "destroy"]));
  test("the named ones, in run order", () =>
    expect(parseGroups("destroy, dev")).toEqual(["dev", "destroy"]));
  test("an unknown name is refused with the known ones", () =>
    expect(() => parseGroups("dev,floor")).toThrow(
      '--only "dev,floor": unknown group floor; known: cold, noop, inner, dev, idle, destroy',
    ));
  test("an empty list is refused", () =>
    expect(() => parseGroups(",")).toThrow('--only ",": unknown groups (none given)'));
});

describe("mergeResults", () => {
  const a = run("2026-01-01T00:00:00.000Z");
  const b = run("2026-01-02T00:00:00.000Z");
  const previous: E2eResults = {
    schema: 2,
    groups: {
      cold: group(a, { up3WarmCaches: fig(55), baseline3WarmCaches: fig(49) }),
      destroy: group(a, { destroy3: fig(7.5), remove3: fig(7.2) }),
    },
  };
  test("a re-measured group replaces all of its figures and its run; the others stay", () => {
    const merged = mergeResults(previous, {
      destroy: group(b, { destroy3: fig(8) }),
    });
    expect(merged).toEqual({
      schema: 2,
      groups: {
        cold: previous.groups.cold,
        destroy: group(b, { destroy3: fig(8) }),
      },
    });
  });
  test("no earlier results: only what was measured", () =>
    expect(mergeResults(undefined, { dev: group(b, {}) })).toEqual({
      schema: 2,
      groups: { dev: group(b, {}) },
    }));
  test("results of an earlier format count as none", () =>
    expect(parseResults('{"machine":{},"threeServices":{}}')).toBeUndefined());
});

describe("cells", () => {
  test.each([
    [fig(5.944), "5.94 s"],
    [fig(12.34), "12.3 s"],
    [{ ...fig(1.333), unit: "%" as const }, "1.33 %"],
  ])("formatValue(%j) = %s", (f, want) => expect(formatValue(f)).toBe(want));
  test("a repeated figure shows its median, sample count and range", () =>
    expect(cell(fig(5.94, { runs: [3.8, 5.94, 6.8, 4.1, 6.1] }))).toBe("5.94 s (5 runs, 3.8–6.8)"));
  test("a missing figure says why", () =>
    expect(cell({ missing: "not measured (set LOCALKUBE_BENCH_TILT)" })).toBe(
      "not measured (set LOCALKUBE_BENCH_TILT)",
    ));
  test("a figure never measured is a dash", () => expect(cell(undefined)).toBe("—"));
  test("a ratio of two figures, and none when one is missing", () => {
    expect(ratio(fig(6), fig(3))).toBe("2.00×");
    expect(ratio(fig(6), { missing: "x" })).toBe("—");
  });
  test.each([
    [true, "≤ 6 s — met"],
    [false, "≤ 6 s — missed"],
    [undefined, "≤ 6 s — not measured"],
  ])("target met=%s", (met, want) => expect(target("≤ 6 s", met)).toBe(want));
  test.each([
    [fig(1, { preview: true }), " (preview included)"],
    [fig(1, { preview: false }), " (no preview)"],
    [fig(1), ""],
  ])("previewNote(%j)", (f, want) => expect(previewNote(f)).toBe(want));
});

describe("renderTables", () => {
  const devRun = run("2026-01-02T10:00:00.123Z", {
    versions: { pulumi: "v3.259.0", tilt: "v0.37.6" },
  });
  const coldRun = run("2026-01-01T10:00:00.000Z", { commit: "fedcba9876543210", dirty: true });
  const results: E2eResults = {
    schema: 2,
    groups: {
      cold: group(coldRun, {
        up3WarmCaches: fig(60, { preview: false }),
        baseline3WarmCaches: fig(50),
        up50WarmCaches: fig(107, { preview: false }),
      }),
      dev: group(devRun, {
        liveUpdate: fig(0.4, { runs: [0.4, 0.41, 0.39] }),
        rebuild: fig(2, { runs: [2, 2.2, 1.9] }),
        floor: fig(1.9, { runs: [1.9, 1.8, 2.1] }),
        "tilt.liveUpdate": fig(0.42),
        "tilt.rebuild": fig(1.83),
        "floor.build": fig(0.8),
        "floor.setImage": fig(0.05),
        "floor.podReady": fig(0.9),
        "floor.answer": fig(0.15),
      }),
    },
  };
  const md = renderTables(results);
  test("the runs are lettered in the order of the groups, each with its commit and load", () => {
    expect(runLetters(results)).toEqual(
      new Map([
        ["2026-01-01T10:00:00.000Z", "A"],
        ["2026-01-02T10:00:00.123Z", "B"],
      ]),
    );
    expect(md).toContain(
      "| A | 2026-01-01T10:00:00Z | fedcba9 (+ changes) | cold | 1.50 → highest 2.25 | 2 | v3.259.0 |",
    );
    expect(md).toContain(
      "| B | 2026-01-02T10:00:00Z | 0123456 | dev | 1.50 → highest 2.25 | 2 | v3.259.0, Tilt v0.37.6 |",
    );
  });
  test("the rebuild path beside the floor and Tilt, from one run, with both targets", () =>
    expect(md).toContain(
      "| rebuild path (price's Dockerfile label + app.py) | 2.00 s (3 runs, 1.9–2.2) | 1.83 s | 1.90 s (3 runs, 1.8–2.1) | 1.05× | ≤ 1.1× floor — met; below Tilt — missed | B |",
    ));
  test("the live update against its target", () =>
    expect(md).toContain(
      "| live update (price's app.py; sync + restart of the process) | 0.40 s (3 runs, 0.39–0.41) | 0.42 s | — | — | ≤ 0.5 s — met | B |",
    ));
  test("the floor's steps", () =>
    expect(md).toContain(
      "The floor's steps (medians): build 0.80 s, set image 0.05 s, pod ready 0.90 s, answer 0.15 s.",
    ));
  test("a measured up says whether its preview ran; per extra service from the same run", () =>
    expect(md).toContain(
      "| cold `up`, warm build caches (no preview) | 107.0 s | 60.0 s | +1.00 s per service | ≤ ~1 s per service — met | A |",
    ));
  test("groups never measured say so", () =>
    expect(md).toContain(
      "| `destroy` (by hand: `kind delete cluster`, registry container, volume, network) | — | — | — | ≤ 1.2× — not measured | not measured |",
    ));
  test("the summary quotes the headline figures", () =>
    expect(renderSummary(results)).toContain(
      "| save → new answer, rebuild path | 2.00 s | floor 1.90 s, Tilt 1.83 s |",
    ));
});

describe("replaceMarked", () => {
  const begin = "<!-- begin t: written by npm run bench:docs from bench/results/e2e.json -->";
  test("replaces what lies between the markers, nothing else", () =>
    expect(replaceMarked(`a\n${begin}\nold\n<!-- end t -->\nb\n`, "t", "new\n", "x.md")).toBe(
      `a\n${begin}\n\nnew\n\n<!-- end t -->\nb\n`,
    ));
  test("a file without the markers is an error naming it", () =>
    expect(() => replaceMarked("a\n", "t", "new", "docs/x.md")).toThrow(
      `docs/x.md: no "${begin}" … "<!-- end t -->" markers to write the t between`,
    ));
});

test("the committed performance tables are in step with bench/results/e2e.json (npm run bench:docs)", () => {
  for (const d of expectedDocs())
    expect({ file: d.file, text: d.now }).toEqual({ file: d.file, text: d.expected });
});
