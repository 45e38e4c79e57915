#!/usr/bin/env bash
# Builds the Pulumi toolchain of the e2e suite from the Go module proxy and installs it into
# $LOCALKUBE_CACHE/bin:
#   pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs (dynamic-provider shim),
#   pulumi-resource-kubernetes, pulumi-resource-docker-build[, pulumi-resource-command],
#   buildkitd (the builder docker-build needs here; started by pulumi/buildkitd.sh) and buildctl
#   (BuildKit's client: npm run dev builds a save's image with it, on the same builder)
# and installs the providers as plugins into $PULUMI_HOME (default $LOCALKUBE_CACHE/pulumi-home)
# under the exact versions the npm SDKs request, so that the CLI finds them offline with
# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true.
#
# Pins: pulumi/versions.env. One wrapper Go module per tool under pulumi/<tool>/ (go.mod + go.sum,
# plus a main.go of ours where upstream's main cannot be used as is).
# Idempotent and resumable: each binary is a run_part whose key holds its version and a hash of
# its wrapper module, so a second run only checks stamps and a pin bump rebuilds.
#
# Usage: pulumi.sh [part...]   parts: cli nodejs kubernetes docker-build buildkit command plugins
#        (default: all; `command` is skipped with a warning while COMMAND_PROVIDER_MODULE is unset)
. "$(dirname "$0")/lib.sh"

PULUMI_SRC="$TOOLCHAIN_DIR/pulumi"
# shellcheck source=pulumi/versions.env
. "$PULUMI_SRC/versions.env"

: "${PULUMI_HOME:=$LOCALKUBE_CACHE/pulumi-home}"
export PULUMI_HOME
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Several pinned module versions (pseudo-versions, tags of pulumi repos) have no entry in the checksum
# database reachable here; the committed go.sum files pin their hashes instead.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi"
BIN="$LOCALKUBE_CACHE/bin"

# wrapper_hash DIR -> short hash of the wrapper module's own files (go.mod, go.sum, *.go).
wrapper_hash() {
  (cd "$PULUMI_SRC/$1" && cat go.mod go.sum $(ls ./*.go 2>/dev/null) | sha256sum | cut -c1-10)
}

# check_pin DIR MODULE VERSION -> dies unless DIR/go.mod requires MODULE at VERSION.
check_pin() {
  local dir="$1" mod="$2" ver="$3"
  grep -qE "^[[:space:]]*(require[[:space:]]+)?${mod//./\\.} ${ver//./\\.}( |$)" "$PULUMI_SRC/$dir/go.mod" ||
    die "pulumi/$dir/go.mod does not require $mod $ver (versions.env); run there: go get $mod@$ver && go mod tidy"
}

# module_dir WRAPPER MODULE -> directory of MODULE (as resolved by WRAPPER) in the module cache.
module_dir() {
  (cd "$PULUMI_SRC/$1" && go mod download -json "$2" >/dev/null && go list -mod=readonly -m -f '{{.Dir}}' "$2")
}

# go_build DIR OUT PKG [LDFLAGS] -> builds PKG inside wrapper module DIR into $BIN/OUT.
go_build() {
  local dir="$1" out="$2" pkg="$3" ldflags="${4:-}"
  # -mod=readonly: the committed go.mod/go.sum must be complete (never rewritten by a build).
  # (run_part calls this in an `if`, where `set -e` does not apply: every step checks.)
  (cd "$PULUMI_SRC/$dir" &&
    nice -n 10 go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" -o "$BIN/.$out.tmp" "$pkg") || return 1
  mv -f "$BIN/.$out.tmp" "$BIN/$out" || return 1
  log "$out: $(du -h "$BIN/$out" | cut -f1)"
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
  check_pin cli github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VERSION"
  part "pulumi-cli-$PULUMI_VERSION-$(wrapper_hash cli)" pulumi \
    go_build cli pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

install_nodejs_shims() {
  # The dynamic-provider plugin of @pulumi/pulumi is a shell shim shipped in the release tarball;
  # it is also part of the sdk/v3 module (nodejs/dist).
  local dir
  dir="$(module_dir nodejs github.com/pulumi/pulumi/sdk/v3)" || return 1
  install -m 0755 "$dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
}

build_nodejs() {
  check_pin nodejs github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VERSION"
  part "pulumi-language-nodejs-$PULUMI_VERSION-$(wrapper_hash nodejs)" pulumi-language-nodejs \
    go_build nodejs pulumi-language-nodejs . \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
  part "pulumi-resource-pulumi-nodejs-$PULUMI_VERSION" pulumi-resource-pulumi-nodejs install_nodejs_shims
}

build_kubernetes_bin() {
  local dir
  dir="$(module_dir kubernetes "$K8S_PROVIDER_MODULE")/cmd/pulumi-resource-kubernetes" || return 1
  # The schema upstream commits next to its main (main.go here embeds it; .gitignored).
  install -m 0644 "$dir/schema.json" "$dir/terraform-mapping.json" "$PULUMI_SRC/kubernetes/" || return 1
  go_build kubernetes pulumi-resource-kubernetes . \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION"
}

build_kubernetes() {
  check_pin kubernetes "$K8S_PROVIDER_MODULE" "$K8S_PROVIDER_MODULE_VERSION"
  part "pulumi-resource-kubernetes-$K8S_PROVIDER_VERSION-$(wrapper_hash kubernetes)" pulumi-resource-kubernetes \
    build_kubernetes_bin
}

build_docker_build() {
  check_pin docker-build "$DOCKER_BUILD_PROVIDER_MODULE" "v$DOCKER_BUILD_PROVIDER_VERSION"
  part "pulumi-resource-docker-build-$DOCKER_BUILD_PROVIDER_VERSION-$(wrapper_hash docker-build)" \
    pulumi-resource-docker-build \
    go_build docker-build pulumi-resource-docker-build \
    github.com/pulumi/pulumi-docker-build/provider/cmd/pulumi-resource-docker-build \
    "-X github.com/pulumi/pulumi-docker-build/provider.Version=$DOCKER_BUILD_PROVIDER_VERSION"
}

build_buildkit() {
  check_pin buildkit github.com/moby/buildkit "$BUILDKIT_VERSION"
  part "buildkitd-$BUILDKIT_VERSION-$(wrapper_hash buildkit)" buildkitd \
    go_build buildkit buildkitd github.com/moby/buildkit/cmd/buildkitd \
    "-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
  part "buildctl-$BUILDKIT_VERSION-$(wrapper_hash buildkit)" buildctl \
    go_build buildkit buildctl github.com/moby/buildkit/cmd/buildctl \
    "-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
}

build_command() {
  if [ -z "${COMMAND_PROVIDER_MODULE:-}" ]; then
    log "WARNING: pulumi-resource-command skipped: no version of github.com/pulumi/pulumi-command/provider is" \
      "served by the module proxy here (see pulumi/versions.env)"
    return 0
  fi
  check_pin command "$COMMAND_PROVIDER_MODULE" "$COMMAND_PROVIDER_MODULE_VERSION"
  part "pulumi-resource-command-$COMMAND_PROVIDER_VERSION-$(wrapper_hash command)" pulumi-resource-command \
    go_build command pulumi-resource-command \
    github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command \
    "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_PROVIDER_VERSION"
}

# install_plugin NAME VERSION -> $BIN/pulumi-resource-NAME as plugin resource-NAME-vVERSION in $PULUMI_HOME.
install_plugin() {
  local name="$1" version="$2" bin="$BIN/pulumi-resource-$1"
  local installed="$PULUMI_HOME/plugins/resource-$name-v$version/pulumi-resource-$name"
  [ -x "$bin" ] || { log "plugin $name: $bin not built, skipped"; return 0; }
  if cmp -s "$bin" "$installed"; then
    log "plugin resource-$name-v$version: cached"
    return 0
  fi
  log "plugin resource-$name-v$version: installing into $PULUMI_HOME"
  pulumi plugin install resource "$name" "$version" --file "$bin" --reinstall --non-interactive >&2
}

install_plugins() {
  install_plugin kubernetes "$K8S_PROVIDER_VERSION"
  install_plugin docker-build "$DOCKER_BUILD_PROVIDER_VERSION"
  [ -z "${COMMAND_PROVIDER_MODULE:-}" ] || install_plugin command "$COMMAND_PROVIDER_VERSION"
}

start=$(date +%s)
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(cli nodejs kubernetes docker-build buildkit command plugins)
for p in "${parts[@]}"; do
  case "$p" in
    cli) build_cli ;;
    nodejs) build_nodejs ;;
    kubernetes) build_kubernetes ;;
    docker-build) build_docker_build ;;
    buildkit) build_buildkit ;;
    command) build_command ;;
    plugins) install_plugins ;;
    *) die "unknown part $p (cli nodejs kubernetes docker-build buildkit command plugins)" ;;
  esac
done
log "pulumi toolchain ready in $BIN (PULUMI_HOME=$PULUMI_HOME) in $(($(date +%s) - start))s"
