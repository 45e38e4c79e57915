#!/usr/bin/env bash
# Builds the pinned kind CLI from the Go module proxy into $LOCALKUBE_CACHE/bin/kind.
# sigs.k8s.io/kind has no replace directives, so a plain `go install` works. Idempotent.
. "$(dirname "$0")/lib.sh"
. "$TOOLCHAIN_DIR/kind/versions.sh"

V="$LOCALKUBE_KIND_VERSION"
DEST="$LOCALKUBE_CACHE/kind/$V"

build() {
  mkdir -p "$DEST"
  GOBIN="$DEST" nice -n 10 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$V"
  "$DEST/kind" version
}

[ -x "$DEST/kind" ] || rm -f "$LOCALKUBE_CACHE/stamps/kind-$V"
run_part "kind-$V" build
ln -sfn "$DEST/kind" "$LOCALKUBE_CACHE/bin/kind"
log "kind: $("$LOCALKUBE_CACHE/bin/kind" version)"
