/**
 * `npm run bench:docs`: rewrites the performance tables of docs/performance.md and the README's
 * summary (the parts between their markers) from bench/results/e2e.json. `--check` only says
 * whether they are in step (exit 1 when not); `npm test` checks the same (test/bench-docs.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { parseResults } from "./e2eResults";
import { generatedParts, replaceMarked } from "./performanceDocs";

const REPO = path.resolve(__dirname, "..");
const RESULTS = "bench/results/e2e.json";

/** Each generated file as it is and as the results say it should be. */
export function expectedDocs(repo = REPO): { file: string; now: string; expected: string }[] {
  const results = parseResults(fs.readFileSync(path.join(repo, RESULTS), "utf8"));
  if (!results) throw new Error(`${RESULTS}: not results of npm run bench:e2e (schema 2)`);
  const byFile = new Map<string, { now: string; expected: string }>();
  for (const part of generatedParts(results)) {
    const entry = byFile.get(part.file) ?? {
      now: fs.readFileSync(path.join(repo, part.file), "utf8"),
      expected: fs.readFileSync(path.join(repo, part.file), "utf8"),
    };
    entry.expected = replaceMarked(entry.expected, part.name, part.content, part.file);
    byFile.set(part.file, entry);
  }
  return [...byFile].map(([file, e]) => ({ file, ...e }));
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const stale = expectedDocs().filter((d) => d.now !== d.expected);
  if (check) {
    for (const d of stale)
      console.error(`${d.file}: not in step with ${RESULTS}: run npm run bench:docs`);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const d of stale) {
    fs.writeFileSync(path.join(REPO, d.file), d.expected);
    console.log(`wrote ${d.file}`);
  }
  if (stale.length === 0) console.log("the tables are in step with the results");
}
