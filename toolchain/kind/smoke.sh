#!/usr/bin/env bash
# Proves the e2e kind toolchain on this host (cluster names start with $LOCALKUBE_SMOKE_PREFIX, default tc):
#   1. cluster tc-smoke: node Ready, CoreDNS Running, a `kind load docker-image`-ed image runs,
#      kubernetes.default resolves from a pod, a PVC of the default StorageClass binds and is written
#   2. cluster tc-ingress: extraPortMappings 80/443 on 127.0.0.1 + node label ingress-ready=true;
#      a hostPort pod answers curl on 127.0.0.1:80 and :443
# Both clusters are deleted at the end (and on failure). Times go to $LOCALKUBE_CACHE/timings.tsv.
. "$(dirname "$0")/../lib.sh"
. "$TOOLCHAIN_DIR/kind/versions.sh"
P="${LOCALKUBE_SMOKE_PREFIX:-tc}"

bash "$TOOLCHAIN_DIR/docker/ensure-docker.sh"
IMAGE="localkube-e2e/kind-node:$LOCALKUBE_K8S_VERSION"
SMOKE="$TOOLCHAIN_DIR/kind/smoke"
KUBECTL="$LOCALKUBE_CACHE/k8s/$LOCALKUBE_K8S_VERSION/bin/kubectl"
export KUBECONFIG="$LOCALKUBE_CACHE/smoke.kubeconfig"
image_present "$IMAGE" || die "$IMAGE missing: run toolchain/node-image.sh"
kind version

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    for c in $P-smoke $P-ingress; do
      kind get clusters 2>/dev/null | grep -qx "$c" || continue
      kind export logs "$LOCALKUBE_CACHE/logs/kind-$c" --name "$c" >/dev/null 2>&1 || true
      log "logs of $c in $LOCALKUBE_CACHE/logs/kind-$c"
    done
  fi
  kind delete cluster --name $P-smoke >/dev/null 2>&1 || true
  kind delete cluster --name $P-ingress >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$(date -u +%FT%TZ)" >>"$LOCALKUBE_CACHE/timings.tsv"; }
k() { "$KUBECTL" "$@"; }

image_present localkube-e2e/smoke-app:1 ||
  docker build --build-arg BASE=localkube-e2e/debian:bookworm -t localkube-e2e/smoke-app:1 "$SMOKE"

# --- 1. tc-smoke ------------------------------------------------------------------------------------
kind delete cluster --name $P-smoke >/dev/null 2>&1 || true
start=$(date +%s)
kind create cluster --name "$P-smoke" --image "$IMAGE" --config "$(kind_config)" --wait 5m
created=$(($(date +%s) - start))
record "cluster-create-$P-smoke" "$created"
log "$P-smoke created in ${created}s"
k config use-context kind-$P-smoke
k wait --for=condition=Ready node --all --timeout=120s
k -n kube-system wait --for=condition=Ready pod -l k8s-app=kube-dns --timeout=180s
k -n kube-system get pods -o wide
kind load docker-image localkube-e2e/smoke-app:1 --name $P-smoke
k apply -f "$SMOKE/workloads.yaml"
for p in loaded-image dns writer; do
  k wait --for=jsonpath='{.status.phase}'=Succeeded "pod/$p" --timeout=180s ||
    { k describe pod "$p"; k logs "$p" || true; die "pod $p did not succeed"; }
  echo "--- $p: $(k logs "$p" | tr '\n' ' ')"
done
k logs loaded-image | grep -qx loaded-image-ran
k logs dns | grep -q 'kubernetes.default'
k logs writer | grep -qx persisted
[ "$(k get pvc data -o jsonpath='{.status.phase}')" = Bound ] || die "pvc data not Bound"
k get pvc data -o wide
k get storageclass
# a second load is a no-op (kind asks the node's crictl whether the image is there)
kind load docker-image localkube-e2e/smoke-app:1 --name $P-smoke 2>&1 | tee "$LOCALKUBE_CACHE/logs/smoke-reload.log"
grep -q 'already present on all nodes' "$LOCALKUBE_CACHE/logs/smoke-reload.log" || die "second kind load was not a no-op"
# kindnetd stand-in: running without restarts, and its masquerade chain is in the node's iptables backend
[ "$(k -n kube-system get pods -l app=kindnet -o jsonpath='{.items[0].status.containerStatuses[0].restartCount}')" = 0 ] ||
  die "kindnet restarted"
docker exec $P-smoke-control-plane iptables -t nat -S KIND-MASQ-AGENT
docker exec $P-smoke-control-plane cat /etc/cni/net.d/10-kindnet.conflist
k -n kube-system logs -l app=kindnet --tail=5
log "$P-smoke: node Ready, CoreDNS Running, loaded image ran, DNS ok, PVC bound and written"
kind delete cluster --name $P-smoke

# --- 2. tc-ingress ----------------------------------------------------------------------------------
kind delete cluster --name $P-ingress >/dev/null 2>&1 || true
start=$(date +%s)
kind create cluster --name $P-ingress --image "$IMAGE" --config "$(kind_config "$SMOKE/ingress-cluster.yaml")" --wait 5m
record "cluster-create-$P-ingress" "$(($(date +%s) - start))"
k config use-context kind-$P-ingress
k get nodes --show-labels | grep -q 'ingress-ready=true' || die "node label ingress-ready=true missing"
docker port $P-ingress-control-plane
kind load docker-image localkube-e2e/smoke-app:1 --name $P-ingress
k apply -f "$SMOKE/hostport.yaml"
k wait --for=condition=Ready pod/web --timeout=180s
for port in 80 443; do
  ok=""
  for _ in $(seq 1 30); do
    if out=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/"); then ok=1; break; fi
    sleep 2
  done
  [ -n "$ok" ] || die "nothing answered on 127.0.0.1:$port"
  echo "--- curl http://127.0.0.1:$port/ -> $out"
  [ "$out" = "localkube smoke ok" ] || die "unexpected answer on port $port"
done
log "$P-ingress: label ingress-ready=true, hostPort pod answers on 127.0.0.1:80 and :443"
kind delete cluster --name $P-ingress
log "smoke test passed"
