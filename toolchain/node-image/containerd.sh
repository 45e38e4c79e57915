#!/usr/bin/env bash
# Builds containerd, containerd-shim-runc-v2 and ctr of one containerd 2.x release from the Go
# module proxy into $LOCALKUBE_CACHE/containerd/<version>/bin (the node base image copies them to
# /usr/local/bin, where kind's containerd.service expects them).
#
# Built like kind's base image builds them (images/base/Dockerfile of the kind release): the
# snapshotters kind never selects compiled out (no_aufs no_zfs no_btrfs no_devmapper), version
# stamped into the binaries. Static (CGO off): btrfs is the only cgo user and it is compiled out.
# github.com/containerd/containerd/v2 has no replace directives, so a plain `go install` works.
# Usage: containerd.sh [version]   (default: LOCALKUBE_CONTAINERD_VERSION of kind/versions.sh)
. "$(dirname "$0")/../lib.sh"
. "$TOOLCHAIN_DIR/kind/versions.sh"

V="${1:-$LOCALKUBE_CONTAINERD_VERSION}"
MODULE=github.com/containerd/containerd/v2
OUT="$LOCALKUBE_CACHE/containerd/$V"
CMDS=(containerd containerd-shim-runc-v2 ctr)

build() {
  local pkgs=() c
  for c in "${CMDS[@]}"; do pkgs+=("$MODULE/cmd/$c@$V"); done
  rm -rf "$OUT/bin.tmp" && mkdir -p "$OUT/bin.tmp"
  GOBIN="$OUT/bin.tmp" nice -n 10 go install -trimpath -p 2 \
    -tags "no_aufs no_zfs no_btrfs no_devmapper" \
    -ldflags "-s -w -X $MODULE/version.Version=$V -X $MODULE/version.Package=$MODULE" \
    "${pkgs[@]}"
  "$OUT/bin.tmp/containerd" --version
  "$OUT/bin.tmp/ctr" --version
  rm -rf "$OUT/bin" && mv "$OUT/bin.tmp" "$OUT/bin"
}

[ -x "$OUT/bin/containerd" ] || rm -f "$LOCALKUBE_CACHE/stamps/containerd-$V"
# one build per version at a time (parallel callers wait, then find the stamp)
mkdir -p "$LOCALKUBE_CACHE/locks"
exec 9>"$LOCALKUBE_CACHE/locks/containerd-$V.lock"
flock 9
run_part "containerd-$V" build
