/**
 * One `npm run dev` run's set-up: the command line checked against the catalog before anything
 * runs, the stack opened as `npm run up` opens it, the selection saved into its config, the engine
 * made with the real ports, and the terminal attached as a view of it.
 */
import { DISK, loadCatalog } from "../host/catalogFiles";
import { planDeployment } from "../catalog/plan";
import { InputError } from "../catalog/problems";
import type { Catalog } from "../catalog/types";
import { catalogForwards, cliForwards, mergeForwards } from "./forwardSpecs";
import { RunForwards } from "./runForwards";
import { DevArgsError, type DevArgs } from "./args";
import { debugTargetProblems } from "./debug/session";
import { DevEngine } from "./engine/engine";
import { automationStack, realPorts } from "./engine/realPorts";
import { rolloutCheckProblem } from "./rolloutCheck";
import { catalogDirOf } from "./stackView";
import { paint, Screen } from "./terminal";
import { openStack, selectionConfig } from "./workspace";

const LOG_COLORS = ["cyan", "magenta", "blue", "yellow", "green"] as const;

/** The engine of one run, and how to abort the engine operation it runs (Ctrl-C). */
export interface DevLoop {
  readonly engine: DevEngine;
  readonly abort: AbortController;
}

/** Whose logs the terminal prints, and whose the engine follows (the dashboard shows them all). */
export function logChoice(args: Pick<DevArgs, "logs" | "ui">): {
  printed: ReadonlySet<string> | "all";
  followed: ReadonlySet<string> | "all" | false;
} {
  const printed = args.logs === true ? "all" : new Set(args.logs || []);
  const followed = args.ui ? "all" : args.logs === false ? false : printed;
  return { printed, followed };
}

/** Checks the command line, opens and configures the stack; throws an InputError for bad input. */
export async function openDevLoop(
  projectDir: string,
  args: DevArgs,
  screen: Screen,
): Promise<DevLoop> {
  const catalog = loadCatalog(catalogDirOf(projectDir, args.stack));
  const plan = planDeployment(catalog, {
    files: DISK,
    selection: args.names.length > 0 ? args.names : undefined,
    selectionSource: { file: "npm run dev", key: "services" },
    local: args.local,
    localSource: { file: "npm run dev", key: "--local" },
    buildAll: args.buildAll,
  });
  for (const name of args.checkRollout) {
    const problem = rolloutCheckProblem(catalog, name);
    if (problem) throw new DevArgsError(problem);
  }
  const forwards = args.ci ? undefined : await openForwards(args, catalog, plan.services);
  const debugProblems = debugTargetProblems(plan, args.debug);
  if (debugProblems.length > 0) throw new InputError(debugProblems, "cannot debug");
  const stack = await openStack(projectDir, args.stack, (l) =>
    screen.print(paint(screen.colors, "gray", l)),
  );
  const selection = selectionConfig(args);
  if (Object.keys(selection).length > 0)
    await stack.setAllConfig(
      Object.fromEntries(Object.entries(selection).map(([k, v]) => [k, { value: v }])),
    );
  const abort = new AbortController();
  const { printed, followed } = logChoice(args);
  const engine = new DevEngine(
    {
      projectDir,
      stackName: args.stack,
      watch: args.watch,
      logs: followed,
      forwards,
      debug: args.debug,
    },
    realPorts(projectDir, args.stack, automationStack(stack, abort.signal)),
    catalog,
  );
  const colors = new Map<string, (typeof LOG_COLORS)[number]>();
  engine.listen({
    line: (color, text) => screen.print(color ? paint(screen.colors, color, text) : text),
    rows: (rows) => screen.status(rows),
    forwards: (list) => screen.forwards(list),
    log: (line) => {
      if (printed !== "all" && !printed.has(line.service)) return;
      if (!colors.has(line.service))
        colors.set(line.service, LOG_COLORS[colors.size % LOG_COLORS.length]);
      screen.print(
        `${paint(screen.colors, colors.get(line.service)!, line.service)} | ${line.text}`,
      );
    },
  });
  return { engine, abort };
}

/**
 * The run's forwards, listening before anything else runs: `--forward` checked against the
 * catalog, with the catalog's own forwards of the services named (with no names the stack's
 * selection is known after the first converge). A port that cannot be listened on stops the run
 * here, naming who holds it. `--ci` forwards nothing.
 */
async function openForwards(
  args: DevArgs,
  catalog: Catalog,
  planned: readonly { readonly name: string }[],
): Promise<RunForwards> {
  const selected = args.names.length > 0 ? new Set(planned.map((s) => s.name)) : undefined;
  const cli = cliForwards(args.forwards, catalog, {
    selected,
    uiPort: args.ui ? args.ui.port : undefined,
  });
  if (cli.problems.length > 0) throw new InputError(cli.problems, "cannot forward");
  const first = mergeForwards(cli.specs, selected ? catalogForwards(catalog, selected) : []);
  const forwards = new RunForwards(cli.specs);
  const problems = [...first.dropped, ...(await forwards.open(first.specs))];
  if (problems.length > 0) {
    await forwards.close();
    throw new InputError(
      problems.map((message) => ({ file: "npm run dev", path: "", message })),
      "cannot forward",
    );
  }
  return forwards;
}

/** Formats a failure of the command line or the catalog for the terminal (no stack trace). */
export function startError(err: unknown): string | undefined {
  if (err instanceof InputError || err instanceof DevArgsError) return err.message;
  return undefined;
}
