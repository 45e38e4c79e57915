/**
 * `npm run dev -- [services and groups…] [--local a,b] [--ci] …` (`--help` lists every flag): the
 * developer loop. Converges the stack through the Automation API, shows what runs and why it is
 * broken, streams logs across restarts, and turns every save into the smallest update. Ctrl-C
 * stops watching and exits 0; the stack stays up.
 */
import * as path from "path";
import { DashboardServer } from "../dashboard/server";
import { DevArgsError, parseDevArgs, USAGE } from "../dev/args";
import { openDevLoop, startError } from "../dev/open";
import { paint, Screen } from "../dev/terminal";

const PROJECT_DIR = path.resolve(__dirname, "..");

async function main(argv: readonly string[]): Promise<number> {
  let args;
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
    await engine.stop();
    screen.release();
    return verdict === "ready" ? 0 : 1;
  }
  clearTimeout(timer);
  if (args.watch)
    screen.print(
      paint(
        screen.colors,
        "gray",
        "watching for changes; Ctrl-C stops watching (the stack stays up)",
      ),
    );
  return new Promise<number>(() => undefined); // runs until Ctrl-C
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`npm run dev: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
