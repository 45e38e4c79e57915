/**
 * `npm run dev` as `npm run bench:e2e` drives it: started the way test/e2e/dev.test.ts starts it
 * (node + ts-node, no npm in between, so the pid is the loop's own), every line it prints kept
 * with the time it arrived, and its CPU time read from /proc.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as h from "../harness";
import { sleep } from "./common";

/** A line the dev loop printed and when it arrived (ms, Date.now()). */
export interface TimedLine {
  readonly at: number;
  readonly text: string;
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (in parentheses, which may hold spaces): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}

export class DevLoop {
  readonly lines: TimedLine[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  /** Starts `npm run dev -- <args>` in the project directory `dir`. */
  constructor(dir: string, args: readonly string[]) {
    this.child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "cli/dev.ts", ...args],
      { cwd: dir, env: h.toolEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    const logDir = path.join(h.ARTIFACTS, "logs");
    fs.mkdirSync(logDir, { recursive: true });
    const log = fs.createWriteStream(path.join(logDir, `bench-dev-${Date.now()}.log`));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let partial = "";
      stream.on("data", (b: Buffer) => {
        const at = Date.now();
        log.write(b);
        const parts = (partial + b.toString()).split("\n");
        partial = parts.pop() ?? "";
        // Redraws on a terminal would carry escape codes; a pipe gets plain lines.
        this.lines.push(...parts.map((text) => ({ at, text })));
      });
    }
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Index of the next line to be printed: a mark to search from. */
  mark(): number {
    return this.lines.length;
  }

  /** The first line at or after `from` matching `re`, or a failure after `timeoutMs`. */
  async line(re: RegExp, timeoutMs: number, from = 0): Promise<TimedLine> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find((l) => re.test(l.text));
      if (found) return found;
      if (this.child.exitCode !== null || Date.now() > end)
        throw new Error(
          `npm run dev printed no line matching ${re} within ${timeoutMs / 1000} s; last lines:\n${this.lines
            .slice(-30)
            .map((l) => l.text)
            .join("\n")}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Lines printed since `from` that match `re`. */
  since(from: number, re: RegExp): string[] {
    return this.lines
      .slice(from)
      .map((l) => l.text)
      .filter((t) => re.test(t));
  }

  /** Ctrl-C: the loop stops watching and exits 0 (the stack stays up). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill("SIGINT");
    const code = await Promise.race([
      this.exited,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 60_000)),
    ]);
    if (code === "timeout") {
      this.child.kill("SIGKILL");
      throw new Error("npm run dev did not exit within 60 s of Ctrl-C");
    }
    if (code !== 0) throw new Error(`npm run dev exited ${code} after Ctrl-C`);
  }
}

/** Waits until the dev loop has printed nothing for `quietMs` (at most `maxMs`). */
export async function quiet(dev: DevLoop, quietMs: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const last = dev.lines[dev.lines.length - 1]?.at ?? 0;
    if (Date.now() - last >= quietMs) return;
    await sleep(250);
  }
}

/**
 * Waits until every update the dev loop started since `from` has ended and it has printed nothing
 * for 3 s; returns how many updates it ran.
 */
export async function settle(dev: DevLoop, from: number, maxMs = 600_000): Promise<number> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const started = dev.since(from, /^▶ /).length;
    const ended = dev.since(from, /^(✔|✘) /).length;
    const last = dev.lines[dev.lines.length - 1]?.at ?? 0;
    if (started === ended && Date.now() - last >= 3000) return started;
    await sleep(250);
  }
  throw new Error(`the dev loop's updates did not end within ${maxMs / 1000} s`);
}

/** The line a converge of the dev loop ends with. */
export const CONVERGED = /^✔ converging \(npm run dev\): done in [\d.]+ s$/;
/** The line the dev loop prints once it watches the sources. */
export const WATCHING = /^watching for changes/;

/** Starts the dev loop and waits until it converged and watches; stops it on a failure. */
export async function startDevLoop(dir: string, args: readonly string[]): Promise<DevLoop> {
  const dev = new DevLoop(dir, args);
  try {
    await dev.line(CONVERGED, 15 * 60_000);
    await dev.line(WATCHING, 300_000);
    return dev;
  } catch (err) {
    await dev.stop().catch(() => undefined);
    throw err;
  }
}
