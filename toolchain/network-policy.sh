#!/usr/bin/env bash
# NetworkPolicy enforcement for the e2e kind clusters (the kindnetd stand-in enforces none):
# sigs.k8s.io/kube-network-policies, the agent kind's own kindnetd embeds, built from the Go module
# proxy with two small patches (network-policy/build/, see network-policy/README.md) and packaged as
# localkube-e2e/kube-network-policies:<version> FROM the Debian base image.
#
#   network-policy.sh              build the image (cached by version + content of network-policy/build),
#                                  print its name on stdout
#   network-policy.sh --manifest   print the RBAC + DaemonSet manifest for that image (no build)
#   network-policy.sh CLUSTER      build, `kind load` it into the kind cluster CLUSTER and apply the
#                                  manifest there, wait for the DaemonSet (only needed for clusters
#                                  whose node image does not carry the agent; node-image.sh bakes it in)
#
# Idempotent: a second run only checks stamps, the image tag and the DaemonSet.
. "$(dirname "$0")/lib.sh"

KNP_MODULE=sigs.k8s.io/kube-network-policies
KNP_VERSION="${LOCALKUBE_KNP_VERSION:-v0.8.0}" # newest version the module proxy serves
NP="$TOOLCHAIN_DIR/network-policy"
BUILD_HASH="$( (cd "$NP/build" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12)"
IMAGE="localkube-e2e/kube-network-policies:$KNP_VERSION"
WORK="$LOCALKUBE_CACHE/network-policy/$KNP_VERSION"
BIN="$WORK/netpol-$BUILD_HASH"
BASE_OS=localkube-e2e/debian:bookworm
export DOCKER_BUILDKIT=0 # Debian's docker.io 20.10 without buildx: classic builder

manifest() { sed "s|__IMAGE__|$IMAGE|" "$NP/manifest.yaml"; }

if [ "${1:-}" = "--manifest" ]; then
  manifest
  exit 0
fi

# --- the agent binary: upstream module + our patch, built as its own main module (upstream go.sum) ---
build_binary() {
  command -v patch >/dev/null || apt-get install -y --no-install-recommends patch ||
    { apt-get update && apt-get install -y --no-install-recommends patch; }
  local dir src="$WORK/src"
  dir="$(go mod download -json "$KNP_MODULE@$KNP_VERSION" | jq -r .Dir)"
  [ -f "$dir/cmd/main.go" ] || die "$KNP_MODULE@$KNP_VERSION has no cmd/main.go"
  rm -rf "$src" && mkdir -p "$WORK" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  (cd "$src" && patch -p1 --forward --no-backup-if-mismatch <"$NP/build/kube-network-policies.patch")
  cp "$NP/build/xt_nfqueue.go" "$src/pkg/networkpolicy/"
  (cd "$src" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$BIN.part" ./cmd)
  mv "$BIN.part" "$BIN"
  rm -rf "$src"
  find "$WORK" -maxdepth 1 -name 'netpol-*' ! -name "${BIN##*/}" -delete # earlier builds
  "$BIN" --help 2>&1 | grep -q -- '-disable-nri' || die "unexpected $BIN --help"
  ls -la "$BIN"
}

build_image() {
  local ctx previous
  ctx="$(mktemp -d "$WORK/ctx.XXXXXX")"
  cp "$NP/build/Dockerfile" "$ctx/" && cp "$BIN" "$ctx/netpol"
  previous="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  nice -n 10 docker build --pull=false --build-arg "BASE=$BASE_OS" \
    --label "io.localkube.build=$BUILD_HASH" -t "$IMAGE" "$ctx"
  rm -rf "$ctx"
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    docker image rm "$previous" >/dev/null 2>&1 || true # the replaced build, now untagged
  fi
}

build() {
  bash "$TOOLCHAIN_DIR/docker/ensure-docker.sh"
  image_present "$BASE_OS" || bash "$TOOLCHAIN_DIR/images/debian-base.sh"
  [ -x "$BIN" ] || rm -f "$LOCALKUBE_CACHE/stamps/netpol-bin-$KNP_VERSION-$BUILD_HASH"
  run_part "netpol-bin-$KNP_VERSION-$BUILD_HASH" build_binary
  [ "$(docker image inspect "$IMAGE" --format '{{index .Config.Labels "io.localkube.build"}}' 2>/dev/null)" = "$BUILD_HASH" ] ||
    rm -f "$LOCALKUBE_CACHE/stamps/netpol-image-$KNP_VERSION-$BUILD_HASH"
  run_part "netpol-image-$KNP_VERSION-$BUILD_HASH" build_image
}

# --- install into a running kind cluster -------------------------------------------------------------
install_into() {
  local cluster="$1" node="$1-control-plane" current
  kind get clusters 2>/dev/null | grep -qxF "$cluster" || die "no kind cluster named $cluster"
  kc() { docker exec -i "$node" kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }
  current="$(kc -n kube-system get daemonset kube-network-policies \
    -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null || true)"
  if [ "$current" = "$IMAGE" ] || [ "$current" = "docker.io/$IMAGE" ]; then
    log "$cluster: kube-network-policies DaemonSet already there ($current)"
  else
    kind load docker-image "$IMAGE" --name "$cluster" >&2
    manifest | kc apply -f - >&2
  fi
  kc -n kube-system rollout status daemonset/kube-network-policies --timeout=180s >&2
  log "$cluster: NetworkPolicy enforced by kube-network-policies $KNP_VERSION"
}

build
if [ -n "${1:-}" ]; then
  install_into "$1"
fi
echo "$IMAGE"
