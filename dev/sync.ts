import type * as K from "@kubernetes/client-node";
import * as fs from "fs";
import * as path from "path";
import { PassThrough, Readable } from "stream";
import type { LiveUpdateSpec } from "../catalog/types";
import { RESTART_COMMAND } from "../kube/supervisor";
import { kubeClient } from "./cluster";
import { LiveDecision, tarOf } from "./liveUpdate";

/** What one command run in a container printed, and how it ended. */
export interface ExecResult {
  readonly ok: boolean;
  readonly exitCode: number | undefined;
  readonly output: string;
}

/** Runs a command (argv, no shell) in a container through the exec API; `stdin` is sent and closed. */
export async function execIn(
  kc: K.KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  command: readonly string[],
  stdin?: Buffer,
): Promise<ExecResult> {
  const k = kubeClient();
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (b: Buffer) => chunks.push(b));
  const input = stdin ? Readable.from([stdin]) : null;
  return new Promise<ExecResult>((resolve, reject) => {
    new k.Exec(kc)
      .exec(namespace, pod, container, [...command], out, out, input, false, (status) => {
        const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
        const ok = status.status === "Success";
        resolve({
          ok,
          exitCode: ok ? 0 : code === undefined ? undefined : Number(code),
          output: Buffer.concat(chunks).toString("utf8"),
        });
      })
      .catch(reject);
  });
}

/** The outcome of a live update of one service. */
export interface SyncReport {
  readonly pods: number;
  readonly files: number;
  readonly deleted: number;
  /** The first step that failed, with its output. */
  readonly failure?: { readonly pod: string; readonly step: string; readonly output: string };
}

/**
 * Copies saved files into every ready pod of a service (a tar stream through the exec API, extracted
 * by the container's own `tar`), deletes what was deleted, runs the `run` steps, and restarts the
 * process when the service asks for it. Pods in parallel; stops a pod at its first failed step.
 */
export async function syncToPods(
  kc: K.KubeConfig,
  namespace: string,
  pods: readonly { readonly name: string; readonly container: string }[],
  contextDir: string,
  decision: Extract<LiveDecision, { kind: "sync" }>,
  spec: Pick<LiveUpdateSpec, "restart">,
): Promise<SyncReport> {
  const files = decision.copies.map((c) => {
    const local = path.join(contextDir, ...c.path.split("/"));
    return { remote: c.remote, content: fs.readFileSync(local), mode: fs.statSync(local).mode };
  });
  const archive = files.length > 0 ? await tarOf(files) : undefined;
  const steps: { step: string; command: readonly string[]; stdin?: Buffer }[] = [
    ...(archive
      ? [
          {
            step: "copy",
            command: ["tar", "-x", "-m", "--no-overwrite-dir", "-f", "-", "-C", "/"],
            stdin: archive,
          },
        ]
      : []),
    ...(decision.deletes.length > 0
      ? [{ step: "delete", command: ["rm", "-rf", "--", ...decision.deletes] }]
      : []),
    ...decision.runs.map((command) => ({ step: `run ${command.join(" ")}`, command })),
    ...(spec.restart === "process"
      ? [{ step: "restart the process", command: RESTART_COMMAND }]
      : []),
  ];
  const failures = await Promise.all(
    pods.map(async (pod) => {
      for (const s of steps) {
        const r = await execIn(kc, namespace, pod.name, pod.container, s.command, s.stdin);
        if (!r.ok)
          return {
            pod: pod.name,
            step: s.step,
            output: r.output.trim() || `exit code ${r.exitCode ?? "unknown"}`,
          };
      }
      return undefined;
    }),
  );
  const failure = failures.find((f) => f !== undefined);
  return {
    pods: pods.length,
    files: files.length,
    deleted: decision.deletes.length,
    ...(failure ? { failure } : {}),
  };
}
