#!/usr/bin/env bash
# Builds the Pulumi toolchain of the e2e suite from the Go module proxy and installs it into
# $LOCALKUBE_CACHE/bin:
#   pulumi, pulumi-language-nodejs, pulumi-resource-kubernetes, pulumi-resource-command,
#   pulumi-resource-docker-build
# and installs the three providers as plugins into $PULUMI_HOME (default
# $LOCALKUBE_CACHE/pulumi-home) under the exact versions the npm SDKs ask for, so that
# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true finds them offline.
#
# Pins: pulumi/versions.env. One wrapper Go module per tool under pulumi/<tool>/.
# Idempotent and resumable: each binary is a run_part keyed by its version; a second run only
# checks stamps. Usage: pulumi.sh [part...]   (parts: cli nodejs kubernetes command docker-build;
# default: all of them, then the plugin installs).
. "$(dirname "$0")/lib.sh"

PULUMI_SRC="$TOOLCHAIN_DIR/pulumi"
# shellcheck source=pulumi/versions.env
. "$PULUMI_SRC/versions.env"

: "${PULUMI_HOME:=$LOCALKUBE_CACHE/pulumi-home}"
export PULUMI_HOME
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
BIN="$LOCALKUBE_CACHE/bin"

# check_pin DIR MODULE VERSION -> dies unless DIR/go.mod requires MODULE at VERSION.
check_pin() {
  local dir="$1" mod="$2" ver="$3"
  grep -qE "^[[:space:]]*(require[[:space:]]+)?${mod//./\\.} ${ver//./\\.}( |$)" "$PULUMI_SRC/$dir/go.mod" ||
    die "pulumi/$dir/go.mod does not require $mod $ver (versions.env); run there: go get $mod@$ver && go mod tidy"
}

# go_build DIR OUT PKG [LDFLAGS] -> builds PKG inside wrapper module DIR into $BIN/OUT.
go_build() {
  local dir="$1" out="$2" pkg="$3" ldflags="${4:-}"
  cd "$PULUMI_SRC/$dir"
  # -mod=readonly: the committed go.mod/go.sum must be complete (never rewritten by a build).
  nice -n 10 go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" -o "$BIN/.$out.tmp" "$pkg"
  mv -f "$BIN/.$out.tmp" "$BIN/$out"
}

# part KEY OUT CMD... -> run_part, redone when the binary went missing.
part() {
  local key="$1" out="$2"
  shift 2
  [ -x "$BIN/$out" ] || rm -f "$LOCALKUBE_CACHE/stamps/$key"
  run_part "$key" "$@"
}

build_cli() {
  check_pin cli github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION"
  part "pulumi-cli-$PULUMI_VERSION" pulumi \
    go_build cli pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(cli)
for p in "${parts[@]}"; do
  case "$p" in
    cli) build_cli ;;
    *) die "unknown part $p" ;;
  esac
done
log "pulumi toolchain ready in $BIN (PULUMI_HOME=$PULUMI_HOME)"
