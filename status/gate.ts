import { formatProblem, Problem } from "./diagnose";
import { RolloutStatus } from "./rollout";

/** `120s`, `10m`, `1h30m`: a duration as config would write it. */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h ? `${h}h` : "", m ? `${m}m` : "", s || (!h && !m) ? `${s}s` : ""];
  return parts.join("");
}

/** What the gate does after one look: done, keep waiting, or fail with this text. */
export type GateStep =
  | { readonly outcome: "ready" }
  | { readonly outcome: "wait" }
  | { readonly outcome: "fail"; readonly message: string };

/**
 * The gate's decision: ready when the rollout is complete; failed at once on a terminal problem;
 * failed after the timeout with the last problem seen (a failing probe's message), or with what
 * the rollout still waits for.
 */
export function gateStep(input: {
  readonly service: string;
  readonly namespace: string;
  readonly status: RolloutStatus;
  readonly problem?: Problem;
  readonly elapsedMs: number;
  readonly timeoutSeconds: number;
}): GateStep {
  const { status, problem } = input;
  if (status.ready) return { outcome: "ready" };
  if (problem?.terminal) return { outcome: "fail", message: formatProblem(problem) };
  if (input.elapsedMs < input.timeoutSeconds * 1000) return { outcome: "wait" };
  const limit = `${formatSeconds(input.timeoutSeconds)} (localkube:readyTimeout)`;
  const head = `${input.service} in namespace ${input.namespace} did not become ready within ${limit}; waiting for ${status.waitingFor}`;
  const tail = problem
    ? formatProblem(problem)
    : `fix: \`kubectl -n ${input.namespace} get pods -l app.kubernetes.io/name=${input.service}\` shows its pods; if it only needs longer, raise localkube:readyTimeout (e.g. pulumi config set localkube:readyTimeout 10m)`;
  return { outcome: "fail", message: `${head}\n${tail}` };
}
