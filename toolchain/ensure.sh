#!/usr/bin/env bash
# Everything the e2e suite needs, built offline and cached under $LOCALKUBE_CACHE by version:
# Docker engine (installed and started), kind, the kind node image, the Pulumi CLI + language host +
# providers + buildkitd, the appliance/ingress/registry stand-in images and the base images the
# example services start FROM. Idempotent and resumable: a warm run only checks stamps.
# Also removes clusters and containers left behind by an interrupted earlier run (--clean).
#
# Usage: ensure.sh [--clean]   Prints one line per part with its time; exits non-zero on failure.
. "$(dirname "$0")/lib.sh"

START=$(date +%s)
part() {
  local name="$1" t0
  shift
  t0=$(date +%s)
  # explicit: errexit does not apply inside `part a && part b`
  "$@" || { log "== $name FAILED after $(($(date +%s) - t0))s"; return 1; }
  log "== $name ready in $(($(date +%s) - t0))s"
}

part docker bash "$TOOLCHAIN_DIR/docker/ensure-docker.sh"
# Shared by both chains below: built once, before they start.
part base-images bash "$TOOLCHAIN_DIR/images/debian-base.sh"
part kind bash "$TOOLCHAIN_DIR/kind.sh"

# Two independent chains at once, of about the same length cold (~30-35 min each on 2 cores): the
# node image (Kubernetes binaries, addons) followed by the stand-in images, and containerd (for the
# node image's base, which node-image.sh builds last and waits for) followed by the Pulumi
# binaries. Downloads and image builds overlap compilation: a cold cache takes ~40 min instead of
# ~90 sequentially. Warm, both are stamp checks.
{ part node-image bash "$TOOLCHAIN_DIR/node-image.sh" && part images bash "$TOOLCHAIN_DIR/images.sh"; } &
node_chain=$!
{ part containerd bash "$TOOLCHAIN_DIR/node-image/containerd.sh" && part pulumi bash "$TOOLCHAIN_DIR/pulumi.sh"; } &
pulumi_chain=$!
failed=""
wait "$node_chain" || failed="node-image/images"
wait "$pulumi_chain" || failed="${failed:+$failed, }containerd/pulumi"
[ -z "$failed" ] || die "toolchain part(s) failed: $failed (logs above and in $LOCALKUBE_CACHE/logs)"

if [ "${1:-}" = --clean ]; then
  # Leftovers of an interrupted e2e run only, recognised by the suite's own names (lk-e2e*): a
  # developer's own clusters, registries and volumes on this machine are never touched.
  for c in $(kind get clusters 2>/dev/null | grep -E '^lk-e2e' || true); do
    log "removing leftover kind cluster $c"
    kind delete cluster --name "$c" >/dev/null 2>&1 || true
  done
  for c in $(docker ps -a --filter label=localkube.dev/registry=true --format '{{.Names}}' | grep -E '^lk-e2e' || true); do
    log "removing leftover registry container $c"
    docker rm -f -v "$c" >/dev/null 2>&1 || true
  done
  docker volume ls -q | grep -E '^lk-e2e.*-data$' | xargs -r docker volume rm >/dev/null 2>&1 || true
  if docker network inspect kind >/dev/null 2>&1 && [ "$(docker network inspect --format '{{len .Containers}}' kind)" = 0 ]; then
    docker network rm kind >/dev/null 2>&1 || true
  fi
fi
log "toolchain ready in $(($(date +%s) - START))s (cache: $LOCALKUBE_CACHE)"
