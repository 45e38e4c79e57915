/** One thing wrong with the input, located precisely enough to fix it without searching. */
export interface InputProblem {
  /** File the problem is in, as the user would type it (e.g. `services/bank.yaml`). */
  readonly file: string;
  /** 1-based line, where the parser knows it. */
  readonly line?: number;
  /** Field path inside the file, e.g. `dependsOn[1]` or `probes.readiness.httpGet.port`. */
  readonly path: string;
  /** What is wrong, the value received, what is allowed and how to fix it. */
  readonly message: string;
}

export function formatInputProblem(p: InputProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path === "" ? `${where}: ${p.message}` : `${where}: \`${p.path}\`: ${p.message}`;
}

/**
 * Input that cannot be used, with every problem found (not just the first). Thrown before anything
 * is created; the program prints its message alone, without a stack trace.
 */
export class InputError extends Error {
  constructor(
    readonly problems: readonly InputProblem[],
    heading: string,
  ) {
    super(
      problems.length === 1
        ? `${heading}: ${formatInputProblem(problems[0])}`
        : `${heading} (${problems.length} problems):\n${problems.map((p) => `  - ${formatInputProblem(p)}`).join("\n")}`,
    );
    this.name = "InputError";
  }
}

/** Problems of the service catalog (`services/*.yaml`) or of a selection of its services. */
export class CatalogError extends InputError {
  constructor(problems: readonly InputProblem[], heading = "invalid service catalog") {
    super(problems, heading);
    this.name = "CatalogError";
  }
}

/** Edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(name.length / 3));
  // Replacing every character is no typo: "x" is not a misspelt "a".
  return bestDistance <= tolerance && bestDistance < name.length ? best : undefined;
}

/** ` (did you mean "x"?)` when a close known name exists, else "". */
export function didYouMean(name: string, known: Iterable<string>): string {
  const guess = closest(name, known);
  return guess === undefined ? "" : ` (did you mean "${guess}"?)`;
}

/** Problems ordered by file, then line, for reading top to bottom. */
export function sortProblems(problems: readonly InputProblem[]): InputProblem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
}

/** Human list of names, shortened past `max` entries. */
export function listNames(names: Iterable<string>, max = 12): string {
  const sorted = [...names].sort();
  if (sorted.length === 0) return "(none)";
  const shown = sorted.slice(0, max).join(", ");
  return sorted.length > max ? `${shown}, … (${sorted.length} in all)` : shown;
}

/** JSON-ish rendering of a received value for messages: strings quoted, objects compact. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
