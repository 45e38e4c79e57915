#!/usr/bin/env bash
# Assembles a kind node image without any registry: localkube-e2e/kind-node:<k8s version>.
#
#   base    Debian bookworm + systemd + runc + CNI plugins (Debian packages) + containerd 2.x built
#           from the Go module proxy (node-image/containerd.sh, the version kind's base image uses) +
#           kind's base files (entrypoint, units, containerd config) from the kind module
#   bits    kubelet, kubeadm, kubectl in /usr/bin, /kind/version, /kind/manifests/default-{cni,storage}.yaml
#   images  the control plane (`kubeadm config images list`), containerd's sandbox image, kindnetd
#           and local-path-provisioner + helper, built here and imported into containerd's k8s.io
#           namespace under the names kubeadm and kind's manifests use
#   netpol  the NetworkPolicy agent (network-policy.sh): its image imported like the others, its
#           DaemonSet appended to default-cni.yaml (kind's own kindnetd enforces NetworkPolicy too)
#
# Every part is cached under $LOCALKUBE_CACHE by version (and by a hash of our build files), so a
# second run only checks stamps. Usage: node-image.sh [k8s version]   (default: kind/versions.sh)
. "$(dirname "$0")/lib.sh"
. "$TOOLCHAIN_DIR/kind/versions.sh"

K8S="${1:-$LOCALKUBE_K8S_VERSION}"
KIND_V="$LOCALKUBE_KIND_VERSION"
CONTAINERD_V="$LOCALKUBE_CONTAINERD_VERSION"
NI="$TOOLCHAIN_DIR/node-image"
TAG="localkube-e2e/kind-node:$K8S"
WORK="$LOCALKUBE_CACHE/node-image/$K8S"
BASE_OS=localkube-e2e/debian:bookworm
mkdir -p "$WORK"

hash_of() { (cd "$TOOLCHAIN_DIR" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12; }

bash "$TOOLCHAIN_DIR/docker/ensure-docker.sh"
command -v gcc >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || # for the static pause binary
  { apt-get install -y --no-install-recommends gcc libc6-dev >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends gcc libc6-dev >/dev/null; }; }
bash "$TOOLCHAIN_DIR/images/debian-base.sh"
bash "$TOOLCHAIN_DIR/kind.sh"
KIND_DIR="$(go mod download -json "sigs.k8s.io/kind@$KIND_V" | jq -r .Dir)"
[ -d "$KIND_DIR/images/base/files" ] || die "kind module $KIND_V has no images/base/files"

# --- kind's constants (default manifests and their images) ------------------------------------
KINDCONSTS="$LOCALKUBE_CACHE/bin/kindconsts-$(hash_of kind/kindconsts)"
build_kindconsts() { cd "$TOOLCHAIN_DIR/kind/kindconsts" && go build -o "$KINDCONSTS" .; }
[ -x "$KINDCONSTS" ] || rm -f "$LOCALKUBE_CACHE/stamps/kindconsts-${KINDCONSTS##*-}"
run_part "kindconsts-${KINDCONSTS##*-}" build_kindconsts
kconst() { "$KINDCONSTS" "$KIND_DIR/pkg/build/nodeimage" "$1"; }
KINDNETD_IMAGE="$(kconst kindnetdImage)"
LPP_IMAGE="$(kconst storageProvisionerImage)"
LPH_IMAGE="$(kconst storageHelperImage)"

# --- Kubernetes binaries and the image list kubeadm wants ----------------------------------------
bash "$NI/k8s-binaries.sh" "$K8S"
KBIN="$LOCALKUBE_CACHE/k8s/$K8S/bin"
# crictl subset (kind uses `crictl inspecti`), built in the same module as Kubernetes (shared deps)
CRICTL_HASH="$(hash_of node-image/crictl)"
CRICTL="$LOCALKUBE_CACHE/k8s/$K8S/crictl-$CRICTL_HASH"
build_crictl() {
  local src="$LOCALKUBE_CACHE/k8s/$K8S/src"
  rm -rf "$src/crictl" && mkdir -p "$src/crictl" && cp "$NI/crictl/main.go" "$src/crictl/"
  cd "$src" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$CRICTL" ./crictl
}
[ -x "$CRICTL" ] || rm -f "$LOCALKUBE_CACHE/stamps/crictl-$K8S-$CRICTL_HASH"
run_part "crictl-$K8S-$CRICTL_HASH" build_crictl
mapfile -t KUBEADM_IMAGES < <("$KBIN/kubeadm" config images list --kubernetes-version "$K8S" 2>/dev/null)
[ "${#KUBEADM_IMAGES[@]}" -ge 5 ] || die "kubeadm config images list printed: ${KUBEADM_IMAGES[*]}"
SANDBOX_IMAGE="$(sed -n 's/^ *sandbox_image = "\(.*\)"/\1/p' "$KIND_DIR/images/base/files/etc/containerd/config.toml")"
[ -n "$SANDBOX_IMAGE" ] || die "no sandbox_image in kind's containerd config"
image_for() { printf '%s\n' "${KUBEADM_IMAGES[@]}" | grep -m1 "/$1:" || die "kubeadm lists no $1 image"; }
ETCD_IMAGE="$(image_for etcd)"
COREDNS_IMAGE="$(image_for coredns)"
PAUSE_IMAGE="$(image_for pause)"
ETCD_V="v${ETCD_IMAGE##*:}"; ETCD_V="${ETCD_V%-*}"   # 3.6.5-0 -> v3.6.5
COREDNS_V="${COREDNS_IMAGE##*:}"

# --- Go-built image payloads ---------------------------------------------------------------------
bash "$NI/go-tool.sh" etcd go.etcd.io/etcd/server/v3 "$ETCD_V"
bash "$NI/go-tool.sh" coredns github.com/coredns/coredns "$COREDNS_V"
# local-path-provisioner: the version kind's image builds, else the newest older one the module
# proxy serves (kind v0.33.0 builds v0.0.34, the proxy serves up to v0.0.30; kind's manifest for it
# only changed tolerations)
LPP_MODULE=github.com/rancher/local-path-provisioner
LPP_V="$(sed -n 's/^VERSION=//p' "$KIND_DIR/images/local-path-provisioner/Makefile")"
if ! go list -m "$LPP_MODULE@$LPP_V" >/dev/null 2>&1; then
  lpp_want="$LPP_V" LPP_V=""
  for v in $(go list -m -versions "$LPP_MODULE" | cut -d' ' -f2-); do # ascending
    [ "$(printf '%s\n%s\n' "$v" "$lpp_want" | sort -V | tail -n1)" = "$lpp_want" ] && LPP_V="$v"
  done
  [ -n "$LPP_V" ] || die "no version of $LPP_MODULE up to $lpp_want is served"
  log "note: $LPP_MODULE $lpp_want is not served; using $LPP_V"
fi
bash "$NI/go-tool.sh" local-path-provisioner "$LPP_MODULE" "$LPP_V"
GT="$LOCALKUBE_CACHE/gotools"
NETPOL_IMAGE="$(bash "$TOOLCHAIN_DIR/network-policy.sh")" # localkube-e2e/kube-network-policies:<v>

# --- component images, saved into one archive -----------------------------------------------------
IMAGES_HASH="$(hash_of node-image/images)"
ALL_IMAGES=("${KUBEADM_IMAGES[@]}" "$SANDBOX_IMAGE" "$KINDNETD_IMAGE" "$LPP_IMAGE" "$LPH_IMAGE")
IMAGES_TAR="$WORK/images-$IMAGES_HASH.tar"

dbuild() { # dbuild TAG DOCKERFILE_DIR [BUILD-ARG...] -- FILES...
  local tag="$1" dir="$2" ctx args=() ; shift 2
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do args+=(--build-arg "$1"); shift; done
  shift
  ctx="$(mktemp -d "$WORK/ctx.XXXXXX")"
  cp "$NI/images/$dir/Dockerfile" "$ctx/"
  cp "$@" "$ctx/"
  echo "== docker build $tag"
  local previous; previous="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
  nice -n 10 docker build --build-arg "BASE=$BASE_OS" "${args[@]}" -t "$tag" "$ctx"
  rm -rf "$ctx"
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
    docker image rm "$previous" >/dev/null 2>&1 || true # the replaced build, now untagged
  fi
}

build_images() {
  local c wrapper=("$NI/images/iptables-wrapper" "$NI/images/install-iptables-wrapper.sh")
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    dbuild "$(image_for "$c")" control-plane "BINARY=$c" -- "$KBIN/$c"
  done
  dbuild "$(image_for kube-proxy)" kube-proxy -- "$KBIN/kube-proxy" "${wrapper[@]}"
  dbuild "$ETCD_IMAGE" etcd -- "$GT/etcd-$ETCD_V/etcd"
  dbuild "$COREDNS_IMAGE" coredns -- "$GT/coredns-$COREDNS_V/coredns"
  gcc -Os -static -o "$WORK/pause" "$NI/images/pause/pause.c"
  dbuild "$PAUSE_IMAGE" pause -- "$WORK/pause"
  [ "$SANDBOX_IMAGE" = "$PAUSE_IMAGE" ] || docker tag "$PAUSE_IMAGE" "$SANDBOX_IMAGE"
  dbuild "$KINDNETD_IMAGE" kindnetd -- "$NI/images/kindnetd/kindnetd" "${wrapper[@]}"
  dbuild "$LPP_IMAGE" local-path-provisioner -- "$GT/local-path-provisioner-$LPP_V/local-path-provisioner"
  # the helper pod only needs sh, mkdir and rm
  docker tag "$BASE_OS" "$LPH_IMAGE"
  echo "== docker save ${ALL_IMAGES[*]}"
  docker save -o "$IMAGES_TAR.part" "${ALL_IMAGES[@]}"
  mv "$IMAGES_TAR.part" "$IMAGES_TAR"
  ls -la "$IMAGES_TAR"
  find "$WORK" -maxdepth 1 -name 'images-*.tar' ! -name "${IMAGES_TAR##*/}" -delete # older builds
}
[ -s "$IMAGES_TAR" ] || rm -f "$LOCALKUBE_CACHE/stamps/node-images-$K8S-$IMAGES_HASH"
run_part "node-images-$K8S-$IMAGES_HASH" build_images

# --- node base image (needed only from here on: containerd may still be building in the other chain) ---
bash "$NI/containerd.sh" "$CONTAINERD_V"
BASE_HASH="$(hash_of node-image/base node-image/containerd.sh)"
BASE_KEY="$KIND_V-containerd-$CONTAINERD_V-$BASE_HASH"
BASE_TAG="localkube-e2e/kind-base:$BASE_KEY"
build_base() {
  local ctx="$WORK/../base-ctx-$KIND_V"
  rm -rf "$ctx" && mkdir -p "$ctx/containerd"
  cp "$NI/base/Dockerfile" "$ctx/"
  cp -r "$KIND_DIR/images/base/files" "$ctx/files" && chmod -R u+w "$ctx/files"
  cp "$LOCALKUBE_CACHE/containerd/$CONTAINERD_V/bin/"* "$ctx/containerd/"
  nice -n 10 docker build --build-arg "BASE=$BASE_OS" -t "$BASE_TAG" "$ctx"
  rm -rf "$ctx"
}
image_present "$BASE_TAG" || rm -f "$LOCALKUBE_CACHE/stamps/kind-base-$BASE_KEY"
run_part "kind-base-$BASE_KEY" build_base

# --- assemble the node image -----------------------------------------------------------------------
NODE_HASH="$(hash_of node-image kind node-image.sh network-policy.sh network-policy/build network-policy/manifest.yaml | cut -c1-8)-$(printf '%s' "$BASE_TAG $IMAGES_TAR" | sha256sum | cut -c1-8)"
assemble() {
  local cid
  cid="$(docker run -d --entrypoint=sleep --security-opt seccomp=unconfined "$BASE_TAG" infinity)"
  trap "docker rm -f -v $cid >/dev/null 2>&1 || true" RETURN
  echo "build container $cid"
  local b
  docker cp "$CRICTL" "$cid:/usr/local/bin/crictl"
  for b in kubeadm kubelet kubectl; do
    docker cp "$KBIN/$b" "$cid:/usr/bin/$b"
    docker exec "$cid" chown root:root "/usr/bin/$b"
    docker exec "$cid" chmod 0755 "/usr/bin/$b"
  done
  printf '%s' "$K8S" | docker exec -i "$cid" sh -c 'cat >/kind/version'
  docker exec "$cid" mkdir -p /kind/manifests
  { kconst defaultCNIManifest; printf -- '---\n'; bash "$TOOLCHAIN_DIR/network-policy.sh" --manifest; } |
    docker exec -i "$cid" sh -c 'cat >/kind/manifests/default-cni.yaml'
  kconst defaultStorageManifest | docker exec -i "$cid" sh -c 'cat >/kind/manifests/default-storage.yaml'
  # import the images the way kind's node image build does (content only, pinned)
  docker exec "$cid" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &'
  docker exec "$cid" bash -c 'for i in $(seq 1 30); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 1; done; cat /tmp/containerd.log; exit 1'
  # exactly kind's import (pkg/build/nodeimage/imageimporter.go): pinned, content only
  local import=(ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned
    --all-platforms --no-unpack --digests -)
  docker exec -i "$cid" "${import[@]}" <"$IMAGES_TAR"
  docker save "$NETPOL_IMAGE" | docker exec -i "$cid" "${import[@]}"
  echo "images in containerd (k8s.io):"
  docker exec "$cid" ctr --namespace=k8s.io images list -q | grep -v -e '@sha256:' -e '^sha256:' | tee "$WORK/images.txt"
  local unpinned
  unpinned="$(docker exec "$cid" ctr --namespace=k8s.io images list |
    awk 'NR > 1 && $1 !~ /^sha256:/ && $0 !~ /io.cri-containerd.pinned=pinned/ {print $1}')"
  [ -z "$unpinned" ] || { echo "not pinned: $unpinned"; return 1; }
  local img
  for img in "${ALL_IMAGES[@]}" "$NETPOL_IMAGE"; do
    case "$img" in
      *.*/* | *:*/* | localhost/*) full="$img" ;;   # has a registry host
      */*) full="docker.io/$img" ;;
      *) full="docker.io/library/$img" ;;
    esac
    grep -qxF "$full" "$WORK/images.txt" || { echo "missing in containerd: $full"; return 1; }
  done
  docker exec "$cid" pkill containerd
  docker exec "$cid" bash -c 'for i in $(seq 1 30); do pgrep -x containerd >/dev/null || exit 0; sleep 1; done; exit 1'
  docker exec "$cid" rm -rf /tmp/containerd.log
  local previous; previous="$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
  docker commit \
    --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
    --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' \
    --change "LABEL io.localkube.kind-version=$KIND_V io.localkube.k8s-version=$K8S io.localkube.containerd-version=$CONTAINERD_V io.localkube.build=$NODE_HASH" \
    "$cid" "$TAG"
  docker image inspect "$TAG" --format '{{.Id}} {{.Size}}'
  # the image this build replaced is untagged now: remove it unless a cluster still uses it
  [ -z "$previous" ] || docker image rm "$previous" >/dev/null 2>&1 || true
}
image_present "$TAG" && [ "$(docker image inspect "$TAG" --format '{{index .Config.Labels "io.localkube.build"}}' 2>/dev/null)" = "$NODE_HASH" ] ||
  rm -f "$LOCALKUBE_CACHE/stamps/kind-node-$K8S-$NODE_HASH"
run_part "kind-node-$K8S-$NODE_HASH" assemble
# drop base images of earlier builds of this kind version (the node image keeps its own layers)
docker image ls --format '{{.Repository}}:{{.Tag}}' localkube-e2e/kind-base | grep "^localkube-e2e/kind-base:$KIND_V-" |
  grep -vxF "$BASE_TAG" | xargs -r docker image rm >/dev/null 2>&1 || true
log "node image $TAG ready (kind $KIND_V, containerd $CONTAINERD_V)"
