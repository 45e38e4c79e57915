import { diagnose, logKey, logsToFetch } from "./diagnose";
import { NamespaceObjects, objectsOf, StackFacts, StatusProblem } from "./model";

/** Log lines of crashed containers, fetched by the caller; `undefined` while a fetch runs. */
export interface ProblemInputs {
  readonly logs: Map<string, readonly string[] | undefined>;
  /** Asks for a container's log lines (the instance before its last restart when `previous`). */
  readonly fetchLogs: (pod: string, container: string, previous: boolean) => void;
}

/**
 * The current problem of every service and appliance of the stack: the same diagnosis `pulumi up`
 * fails with, from the namespace's objects and the crashed containers' last log lines (asked for
 * through `fetchLogs` when missing; the caller recomputes when they arrive).
 */
/** In the dev loop a save of the fix (source, catalog or stack file) is what tries again. */
export const DEV_LOOP_RETRY = "then save it: npm run dev applies it";

export function problemsOf(
  facts: StackFacts,
  all: NamespaceObjects,
  inputs: ProblemInputs,
): Map<string, StatusProblem> {
  const out = new Map<string, StatusProblem>();
  for (const name of [...facts.appliances, ...facts.services.map((s) => s.name)]) {
    const objects = objectsOf(name, facts.namespace, all);
    const previousLogs: Record<string, readonly string[]> = {};
    for (const req of logsToFetch(objects)) {
      const key = `${logKey(req.pod, req.container)}${req.previous ? "#previous" : ""}`;
      const lines = inputs.logs.get(key);
      if (lines) previousLogs[logKey(req.pod, req.container)] = lines;
      else if (!inputs.logs.has(key)) inputs.fetchLogs(req.pod, req.container, req.previous);
    }
    const problem = diagnose({ ...objects, previousLogs, retry: DEV_LOOP_RETRY });
    if (problem)
      out.set(name, { message: problem.message, hint: problem.hint, terminal: problem.terminal });
  }
  return out;
}
