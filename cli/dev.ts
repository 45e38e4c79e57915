/**
 * `npm run dev -- [services and groups…] [--local a,b] [--ci] …` (`--help` lists every flag): the
 * developer loop. Converges the stack through the Automation API, shows what runs and why it is
 * broken, streams logs across restarts, and turns every save into the smallest update. Ctrl-C
 * stops watching and exits 0; the stack stays up.
 */
import * as path from "path";
import { DashboardServer } from "../dashboard/server";
import { DevArgsError, parseDevArgs, USAGE } from "../dev/args";
import { DevSession, startError } from "../dev/session";
import { paint } from "../dev/terminal";

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
  const session = new DevSession(PROJECT_DIR, args, process.stdout);
  const dashboard = args.ui ? await DashboardServer.start(session, args.ui) : undefined;
  if (dashboard) session.screen.print(`dashboard: ${dashboard.url}`);
  let interrupted = false;
  const stop = () => {
    if (interrupted) return;
    interrupted = true;
    session.screen.print(paint(session.screen.tty, "gray", "stopping: the stack stays up"));
    void Promise.all([session.stop(), dashboard?.stop()]).then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const deadline = args.timeoutMs === undefined ? Infinity : Date.now() + args.timeoutMs;
  const timer =
    args.timeoutMs === undefined ? undefined : setTimeout(() => void onTimeout(), args.timeoutMs);
  const onTimeout = async () => {
    session.screen.print(
      paint(session.screen.tty, "red", `timed out after ${args.timeoutMs! / 1000} s`),
    );
    if (args.ci) {
      await session.stop();
      process.exit(1);
    }
  };
  let converged: boolean;
  try {
    converged = await session.start();
  } catch (err) {
    const message = startError(err);
    if (message === undefined) throw err;
    process.stderr.write(`${message}\n`);
    return 2;
  }
  if (args.ci) {
    const verdict = converged ? await session.verdict(deadline) : "failed";
    clearTimeout(timer);
    for (const row of session.currentRows()) {
      if (row.problem)
        session.screen.print(
          `${row.name}: ${row.problem.message}${row.problem.hint ? ` — ${row.problem.hint}` : ""}`,
        );
      else if (verdict !== "ready" && row.state !== "ready")
        session.screen.print(`${row.name}: ${row.state} (${row.ready}/${row.desired} ready)`);
    }
    session.screen.print(
      verdict === "ready"
        ? "all services ready"
        : verdict === "timeout"
          ? "not ready in time"
          : "failed",
    );
    await session.stop();
    return verdict === "ready" ? 0 : 1;
  }
  clearTimeout(timer);
  await session.follow();
  return new Promise<number>(() => undefined); // runs until Ctrl-C
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`npm run dev: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
