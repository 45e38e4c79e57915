/**
 * The Tiltfile the benchmark gives Tilt (./tilt.ts), as a pure function of what it deploys. Pure.
 */
import { RESTART_COMMAND } from "../../../kube/supervisor";

export interface TiltfileOptions {
  readonly kubeContext: string;
  /** The image name the objects use and docker_build builds (Tilt rewrites it to its registry's). */
  readonly image: string;
  /** The build context, relative to the Tiltfile. */
  readonly context: string;
  /** The objects file, relative to the Tiltfile. */
  readonly objects: string;
  /** Live update: files of the context (relative) and where they go in the container. */
  readonly sync: readonly { readonly from: string; readonly to: string }[];
  /** A command line run in the container after the sync (Tilt runs it with `sh -c`). */
  readonly run?: string;
}

const q = (s: string) => JSON.stringify(s);

/** The Tiltfile (Starlark). Pure. */
export function renderTiltfile(o: TiltfileOptions): string {
  const steps = [
    ...o.sync.map((s) => `    sync(${q(`${o.context}/${s.from}`)}, ${q(s.to)}),`),
    ...(o.run ? [`    run(${q(o.run)}),`] : []),
  ];
  return [
    "# Written by npm run bench:e2e (test/e2e/bench/tilt.ts).",
    `allow_k8s_contexts(${q(o.kubeContext)})`,
    `k8s_yaml(${q(o.objects)})`,
    `docker_build(${q(o.image)}, ${q(o.context)}, live_update=[`,
    ...steps,
    "])",
    "",
  ].join("\n");
}

/** localkube's restart of the supervised process as a command line for Tilt's `run` (`sh -c`). */
export function restartCommandLine(): string {
  const [sh, c, script] = RESTART_COMMAND;
  if (sh !== "/bin/sh" || c !== "-c") throw new Error("the restart command is not sh -c");
  return script;
}
