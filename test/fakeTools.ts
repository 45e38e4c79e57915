import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A canned answer of a fake `kind` or `docker`: exact argv in, output and exit code out. */
export interface FakeAnswer {
  readonly args: readonly string[];
  readonly stdout?: string;
  readonly stderr?: string;
  readonly code?: number;
}

/** One call a fake tool received. */
export interface FakeCall {
  readonly file: string;
  readonly args: string[];
  readonly input: string;
}

/**
 * Fake `kind` and `docker` executables first on PATH for the tests of one file: each call is logged
 * with its argv and stdin, and answered from the scenario (first answer with the same argv), or
 * fails with "unexpected call". The code under test runs its real argv through the real runTool.
 */
export function fakeTools(): {
  scenario(answers: Record<"kind" | "docker", FakeAnswer[]>): void;
  calls(): FakeCall[];
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-fake-tools-"));
  const scenarioFile = path.join(dir, "scenario.json");
  const logFile = path.join(dir, "calls.jsonl");
  const program = `#!${process.execPath}
const fs = require("fs");
const file = require("path").basename(process.argv[1]);
const args = process.argv.slice(2);
const input = fs.readFileSync(0, "utf8");
fs.appendFileSync(${JSON.stringify(logFile)}, JSON.stringify({ file, args, input }) + "\\n");
const answers = JSON.parse(fs.readFileSync(${JSON.stringify(scenarioFile)}, "utf8"))[file] || [];
const a = answers.find((x) => JSON.stringify(x.args) === JSON.stringify(args));
if (!a) { process.stderr.write("unexpected call: " + file + " " + args.join(" ")); process.exit(97); }
process.stdout.write(a.stdout || "");
process.stderr.write(a.stderr || "");
process.exit(a.code || 0);
`;
  for (const tool of ["kind", "docker"])
    fs.writeFileSync(path.join(dir, tool), program, { mode: 0o755 });
  const savedPath = process.env.PATH;
  beforeAll(() => {
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    scenario(answers) {
      fs.writeFileSync(scenarioFile, JSON.stringify(answers));
      fs.rmSync(logFile, { force: true });
    },
    calls() {
      if (!fs.existsSync(logFile)) return [];
      return fs
        .readFileSync(logFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
  };
}
