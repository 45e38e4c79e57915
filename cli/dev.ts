/**
 * `npm run dev -- [services and groups…] [--local a,b] [--ci] …` (`--help` lists every flag): the
 * developer loop. Converges the stack through the Automation API, shows what runs and why it is
 * broken, streams logs across restarts, and turns every save into the smallest update. Ctrl-C
 * stops watching and exits 0; the stack stays up.
 */
import * as path from "path";
import { DashboardServer } from "../dashboard/server";
import { DevArgs, DevArgsError, parseDevArgs, USAGE } from "../dev/args";
import { runRolloutChecks } from "../dev/checkRollout";
import type { DevEngine } from "../dev/engine/engine";
import { openDevLoop, startError } from "../dev/open";
import { checksExitCode, reportLines } from "../dev/rolloutCheck";
import { paint, Screen } from "../dev/terminal";

const PROJECT_DIR = path.resolve(__dirname, "..");

async function main(argv: readonly string[]): Promise<number> {
  let args: DevArgs;
  try {
    args = parseDevArgs(argv);
  } catch (err) {
    if (err instanceof DevArgsError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const screen = new Screen(process.stdout);
  let loop;
  try {
    loop = await openDevLoop(PROJECT_DIR, args, screen);
  } catch (err) {
    const message = startError(err);
    if (message === undefined) throw err;
    process.stderr.write(`${message}\n`);
    return 2;
  }
  const { engine, abort } = loop;
  const dashboard = args.ui ? await DashboardServer.start(engine, args.ui) : undefined;
  if (dashboard) screen.print(`dashboard: ${dashboard.url}`);
  let interrupted = false;
  const stop = () => {
    if (interrupted) return;
    interrupted = true;
    screen.print(paint(screen.colors, "gray", "stopping: the stack stays up"));
    abort.abort();
    void Promise.all([engine.stop(), dashboard?.stop()]).then(() => {
      screen.release();
      process.exit(0);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const deadline = args.timeoutMs === undefined ? Infinity : Date.now() + args.timeoutMs;
  const timer =
    args.timeoutMs === undefined ? undefined : setTimeout(() => void onTimeout(), args.timeoutMs);
  const onTimeout = async () => {
    screen.print(paint(screen.colors, "red", `timed out after ${args.timeoutMs! / 1000} s`));
    if (args.ci) {
      await engine.stop();
      process.exit(1);
    }
  };
  const converged = await engine.start();
  if (args.ci) {
    const verdict = converged ? await engine.verdict(deadline) : "failed";
    clearTimeout(timer);
    for (const row of engine.currentRows()) {
      if (row.problem)
        screen.print(
          `${row.name}: ${row.problem.message}${row.problem.hint ? ` — ${row.problem.hint}` : ""}`,
        );
      else if (verdict !== "ready" && row.state !== "ready")
        screen.print(`${row.name}: ${row.state} (${row.ready}/${row.desired} ready)`);
    }
    screen.print(
      verdict === "ready"
        ? "all services ready"
        : verdict === "timeout"
          ? "not ready in time"
          : "failed",
    );
    const code = verdict !== "ready" ? 1 : args.checkRollout.length > 0 ? await checks(engine) : 0;
    await engine.stop();
    screen.release();
    return code;
  }
  clearTimeout(timer);
  if (args.checkRollout.length > 0) {
    const ready = converged
      ? await engine.verdict(Date.now() + (args.timeoutMs ?? 600_000))
      : "failed";
    if (ready === "ready") await checks(engine);
    else
      screen.print(
        paint(screen.tty, "red", `rollout check skipped: the services are not ready (${ready})`),
      );
  }
  if (args.watch)
    screen.print(
      paint(
        screen.colors,
        "gray",
        "watching for changes; Ctrl-C stops watching (the stack stays up)",
      ),
    );
  return new Promise<number>(() => undefined); // runs until Ctrl-C

  /** `--check-rollout`: each service rolled out under load, the report; the exit code it calls for. */
  async function checks(e: DevEngine): Promise<number> {
    const { checkRollout, disruption } = args;
    const results = await runRolloutChecks(
      { view: e.snapshot().stack, cluster: e.clusterPort() },
      checkRollout,
      disruption,
      (line) => screen.print(paint(screen.tty, "gray", line)),
    );
    const code = checksExitCode(results);
    for (const line of reportLines(results))
      screen.print(code === 0 ? line : paint(screen.tty, "red", line));
    return code;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`npm run dev: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
