# Shared helpers for the e2e toolchain scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
#
# Everything built lands under $LOCALKUBE_CACHE (default ~/.cache/localkube), keyed by version,
# so a second run is a no-op and an interrupted run resumes where it stopped.

set -euo pipefail

: "${LOCALKUBE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/localkube}"
export LOCALKUBE_CACHE
TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export TOOLCHAIN_DIR

# Go builds share one module and build cache outside the repository.
export GOMODCACHE="$LOCALKUBE_CACHE/go/mod"
export GOCACHE="$LOCALKUBE_CACHE/go/build"
export GOFLAGS="-buildvcs=false -mod=mod"
export GOTOOLCHAIN=local
export CGO_ENABLED="${CGO_ENABLED:-0}"

mkdir -p "$LOCALKUBE_CACHE/bin" "$LOCALKUBE_CACHE/stamps" "$LOCALKUBE_CACHE/logs"
export PATH="$LOCALKUBE_CACHE/bin:$PATH"

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

# stamp_done KEY -> true when the part KEY (e.g. "pulumi-v3.259.0") was completed before.
stamp_done() { [ -f "$LOCALKUBE_CACHE/stamps/$1" ]; }

# run_part KEY CMD... -> runs CMD once per KEY, logs to $LOCALKUBE_CACHE/logs/KEY.log,
# records the elapsed seconds in the stamp and in timings.tsv (KEY, seconds, date).
run_part() {
  local key="$1"
  shift
  if stamp_done "$key"; then
    log "$key: cached"
    return 0
  fi
  local logf="$LOCALKUBE_CACHE/logs/$key.log" start end
  log "$key: building (log: $logf)"
  start=$(date +%s)
  if ! "$@" >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    die "$key failed; full log in $logf"
  fi
  end=$(date +%s)
  echo "$((end - start))" >"$LOCALKUBE_CACHE/stamps/$key"
  printf '%s\t%s\t%s\n' "$key" "$((end - start))" "$(date -u +%FT%TZ)" >>"$LOCALKUBE_CACHE/timings.tsv"
  log "$key: done in $((end - start))s"
}

# image_present NAME:TAG -> true when the local Docker engine has that image.
image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# kind_config [FILE] -> prints the path of a kind cluster config for the toolchain's own scratch
# clusters: FILE (default: a bare cluster) plus, on a cgroup v1 Docker host, the kubelet setting
# failCgroupV1: false that Kubernetes 1.35+ needs there (what localkube's kind config adds too).
kind_config() {
  local out="$LOCALKUBE_CACHE/kind-config-bare.yaml"
  [ -z "${1:-}" ] || out="$LOCALKUBE_CACHE/kind-config-$(basename "$1")"
  if [ -n "${1:-}" ]; then cat "$1"; else printf 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n'; fi >"$out"
  if [ "$(docker info --format '{{.CgroupVersion}}' 2>/dev/null)" = 1 ]; then
    printf 'kubeadmConfigPatches:\n- |\n  kind: KubeletConfiguration\n  failCgroupV1: false\n' >>"$out"
  fi
  echo "$out"
}
