#!/usr/bin/env bash
# Makes a Docker engine available: installs Debian's docker.io when dockerd is missing and starts
# dockerd in the background when nothing answers on the socket. Idempotent.
. "$(dirname "$0")/../lib.sh"

if ! command -v dockerd >/dev/null || ! command -v jq >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing docker.io, jq, debootstrap from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends docker.io jq debootstrap iptables >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends docker.io jq debootstrap iptables >/dev/null; }
fi

if docker info >/dev/null 2>&1; then
  log "docker engine already running"
  exit 0
fi

# The runtime wrapper is test-machine plumbing (see runc-dropcaps); kept in the cache so its
# path survives a fresh clone of the repository.
install -m 0755 "$TOOLCHAIN_DIR/docker/runc-dropcaps" "$LOCALKUBE_CACHE/bin/runc-dropcaps"
runtime_args=()
capbnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
if (( ((0x$capbnd >> 24) & 1) == 0 )); then # CAP_SYS_RESOURCE (24) missing from the bounding set
  runtime_args=(--add-runtime "localkube-runc=$LOCALKUBE_CACHE/bin/runc-dropcaps" --default-runtime localkube-runc)
fi

log "starting dockerd (log: $LOCALKUBE_CACHE/logs/dockerd.log)"
# setsid: dockerd must outlive the shell that started it (CI step, test process).
setsid nohup dockerd "${runtime_args[@]}" >"$LOCALKUBE_CACHE/logs/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "docker engine is up ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
tail -n 30 "$LOCALKUBE_CACHE/logs/dockerd.log" >&2
die "dockerd did not answer within 60s"
