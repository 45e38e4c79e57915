/**
 * `restart: process` live updates: the service's command runs under a small POSIX `sh` loop, so that
 * localkube can restart the process inside the same container — the synced files stay (a container
 * restart would start again from the image). The loop exits with the command's own exit code when
 * it ends by itself (a crash still restarts the container, as Kubernetes would), and stops it on
 * SIGTERM (pod termination).
 */

/** Where the loop keeps the process id and the restart request, inside the container. */
const STATE_DIR = "/tmp/.localkube";

export const SUPERVISOR_SCRIPT = [
  `mkdir -p ${STATE_DIR}`,
  `trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT`,
  "while :; do",
  `  "$@" & child=$!`,
  `  echo "$child" > ${STATE_DIR}/pid`,
  // (stderr of wait: the shell's own "Terminated" notice when the restart stops the command)
  `  wait "$child" 2>/dev/null; code=$?`,
  `  if [ -e ${STATE_DIR}/restart ]; then rm -f ${STATE_DIR}/restart; continue; fi`,
  `  exit "$code"`,
  "done",
].join("\n");

/** The container's command running `command args…` under the loop (the image needs `/bin/sh`). */
export function supervisedCommand(
  command: readonly string[],
  args: readonly string[] = [],
): string[] {
  return ["/bin/sh", "-c", SUPERVISOR_SCRIPT, "localkube-supervisor", ...command, ...args];
}

/** Run in the container (exec) to restart the supervised process. */
export const RESTART_COMMAND: readonly string[] = [
  "/bin/sh",
  "-c",
  `touch ${STATE_DIR}/restart && kill "$(cat ${STATE_DIR}/pid)"`,
];
