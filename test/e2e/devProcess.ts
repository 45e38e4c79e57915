/**
 * `npm run dev` as a user starts it (node + ts-node, no shell, no npm in between: the pid is the
 * loop's own), with every line it prints kept in order, waits for lines, and the VS Code
 * launch.json entries it prints read back as JSON.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as h from "./harness";

export class DevProcess {
  /** Every line printed (stdout and stderr), in order. */
  readonly output: string[] = [];
  private readonly child: ChildProcess;

  constructor(
    readonly dir: string,
    args: readonly string[],
  ) {
    this.child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "cli/dev.ts", ...args],
      { cwd: dir, env: h.toolEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    fs.mkdirSync(path.join(h.ARTIFACTS, "logs"), { recursive: true });
    const log = fs.createWriteStream(path.join(h.ARTIFACTS, "logs", `dev-${Date.now()}.log`));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let partial = "";
      stream.on("data", (b: Buffer) => {
        log.write(b);
        const lines = (partial + b.toString()).split("\n");
        partial = lines.pop() ?? "";
        this.output.push(...lines);
      });
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line printed after `from` that matches, or a failure after `timeoutMs` with the last lines. */
  async line(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.output.slice(from).find((l) => re.test(l));
      if (found) return found;
      if (Date.now() > end || !this.running)
        throw new Error(
          `no line matching ${re} within ${timeoutMs / 1000} s${this.running ? "" : " (npm run dev exited)"}; last lines:\n${this.output.slice(-40).join("\n")}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * The launch.json entry printed after `<service>: debugger at 127.0.0.1:<port>; VS Code
   * launch.json entry:` (from line `from` on), parsed, with `${workspaceFolder}` made the project.
   */
  async launchEntry(service: string, timeoutMs: number, from = 0): Promise<Record<string, any>> {
    const header = await this.line(
      new RegExp(`^${service}: debugger at 127\\.0\\.0\\.1:\\d+; VS Code launch\\.json entry:$`),
      timeoutMs,
      from,
    );
    const start = this.output.indexOf(header, from) + 1;
    const end = this.output.indexOf("}", start);
    const text = this.output.slice(start, end + 1).join("\n");
    return JSON.parse(text.split("${workspaceFolder}").join(this.dir));
  }

  /** Ctrl-C; resolves with the exit code. */
  interrupt(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) =>
      this.child.on("exit", (code) => resolve(code)),
    );
    if (this.running) this.child.kill("SIGINT");
    return exited;
  }

  kill(): void {
    if (this.running) this.child.kill("SIGKILL");
  }
}
