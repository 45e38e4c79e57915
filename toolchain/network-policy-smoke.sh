#!/usr/bin/env bash
# Proves NetworkPolicy enforcement in an e2e kind cluster (scratch cluster `lk-netpol`, deleted at the
# end and on failure; LOCALKUBE_NETPOL_KEEP=1 keeps it):
#   namespace a: HTTP server pod `web` + Service, clients in a, b and traefik
#   1. without a policy every client reaches http://web.a.svc.cluster.local/ (and the pod IP)
#   2. with a default-deny ingress policy in a that allows namespace a + namespace traefik:
#      a and traefik still reach it, b times out (Service and pod IP); the server stays Ready
#      (kubelet probes are not blocked); a's connection to the API server (no pod's IP) does not
#      crash the agent
#   3. policy deleted: b reaches it again
# Uses the node image's baked-in agent (node-image.sh) or, for a node image without it,
# installs it with network-policy.sh. Times go to $LOCALKUBE_CACHE/timings.tsv.
. "$(dirname "$0")/lib.sh"
. "$TOOLCHAIN_DIR/kind/versions.sh"

CLUSTER="${LOCALKUBE_NETPOL_CLUSTER:-lk-netpol}"
NODE="$CLUSTER-control-plane"
IMAGE="localkube-e2e/kind-node:$LOCALKUBE_K8S_VERSION"
SMOKE="$TOOLCHAIN_DIR/network-policy/smoke"
APP=localkube-e2e/smoke-app:1
URL=http://web.a.svc.cluster.local/
export KUBECONFIG="$LOCALKUBE_CACHE/$CLUSTER.kubeconfig" # kind writes here, not to ~/.kube/config

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$(date -u +%FT%TZ)" >>"$LOCALKUBE_CACHE/timings.tsv"; }
k() { docker exec -i "$NODE" kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    k -n kube-system logs daemonset/kube-network-policies --tail=50 >&2 || true
    kind export logs "$LOCALKUBE_CACHE/logs/kind-$CLUSTER" --name "$CLUSTER" >/dev/null 2>&1 || true
    log "logs of $CLUSTER in $LOCALKUBE_CACHE/logs/kind-$CLUSTER"
  fi
  if [ -z "${LOCALKUBE_NETPOL_KEEP:-}" ]; then
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
    rm -f "$KUBECONFIG"
  fi
  exit "$rc"
}

bash "$TOOLCHAIN_DIR/docker/ensure-docker.sh"
bash "$TOOLCHAIN_DIR/node-image.sh" "$LOCALKUBE_K8S_VERSION"
image_present "$APP" ||
  docker build --build-arg BASE=localkube-e2e/debian:bookworm -t "$APP" "$TOOLCHAIN_DIR/kind/smoke"

total=$(date +%s)
trap cleanup EXIT
kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
start=$(date +%s)
kind create cluster --name "$CLUSTER" --image "$IMAGE" --config "$(kind_config)" --wait 5m
record "cluster-create-$CLUSTER" "$(($(date +%s) - start))"

if k -n kube-system get daemonset kube-network-policies >/dev/null 2>&1; then
  log "agent baked into $IMAGE"
  k -n kube-system rollout status daemonset/kube-network-policies --timeout=180s
else
  log "$IMAGE has no agent: installing it with network-policy.sh"
  bash "$TOOLCHAIN_DIR/network-policy.sh" "$CLUSTER" >/dev/null
fi
kind load docker-image "$APP" --name "$CLUSTER"
k apply -f - <"$SMOKE/workloads.yaml"
k -n a wait --for=condition=Ready pod/web --timeout=180s
for ns in a b traefik; do k -n "$ns" wait --for=condition=Ready pod/client --timeout=180s; done
POD_IP="$(k -n a get pod web -o jsonpath='{.status.podIP}')"
k get pods -A -o wide

# fetch NS URL [SECONDS] -> prints the body; exit status 124 when nothing answered in time
# (busybox 1.35's own `wget -T` segfaults, hence coreutils' timeout)
fetch() { k -n "$1" exec client -- timeout "${3:-5}" busybox wget -q -O- "$2" 2>&1; }
expect_ok() {
  local out
  out="$(fetch "$1" "$2")" || die "client in namespace $1 cannot reach $2: $out"
  [ "$out" = "localkube smoke ok" ] || die "client in namespace $1 got '$out' from $2"
  log "ok: $1 -> $2"
}
expect_blocked() {
  local out rc=0
  out="$(fetch "$1" "$2")" || rc=$?
  case "$rc" in
  0) die "client in namespace $1 reached $2 despite the policy: $out" ;;
  124) log "ok: $1 -> $2 blocked (no answer within 5s)" ;;
  *) die "client in namespace $1: $2 failed, but not by a timeout (exit $rc): $out" ;;
  esac
}

# 1. no policy: everybody gets through (so a timeout below can only come from the policy)
for ns in a b traefik; do expect_ok "$ns" "$URL"; done
expect_ok b "http://$POD_IP/"

# 2. default deny, allow same namespace + traefik
k apply -f - <"$SMOKE/policy.yaml"
# the agent learns the policy through its informer: give it a moment, then require the block
blocked=""
for _ in $(seq 1 15); do
  if ! fetch b "$URL" 2 >/dev/null; then blocked=1; break; fi
  sleep 1
done
[ -n "$blocked" ] || die "namespace b still reaches $URL 15s after the policy was applied"
expect_blocked b "$URL"
expect_blocked b "http://$POD_IP/"
expect_ok a "$URL"
expect_ok traefik "$URL"
expect_ok a "http://$POD_IP/"
sleep 5 # a few readiness probes later the server is still Ready
[ "$(k -n a get pod web -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] ||
  die "web is not Ready under the policy (kubelet probes blocked?)"
docker exec "$NODE" nft list table inet kube-network-policies | grep -E 'queue|chain ' || true
# a policy-selected pod opens a connection to an address that is no pod's (the API server): the
# agent evaluates it and keeps running (v0.8.0 crashed there without NRI; checked at the end)
fetch a https://kubernetes.default.svc/ 3 >/dev/null || true

# 3. policy removed: b gets through again
k -n a delete networkpolicy --all
ok=""
for _ in $(seq 1 15); do
  if fetch b "$URL" 2 >/dev/null; then ok=1; break; fi
  sleep 1
done
[ -n "$ok" ] || die "namespace b still blocked 15s after the policy was deleted"
expect_ok b "$URL"
[ "$(k -n kube-system get pods -l app=kube-network-policies -o jsonpath='{.items[0].status.containerStatuses[0].restartCount}')" = 0 ] ||
  die "kube-network-policies restarted: $(k -n kube-system logs daemonset/kube-network-policies --previous --tail=30 2>&1)"
k -n kube-system logs daemonset/kube-network-policies | grep -m3 -E 'nfqueue verdict expression|xt NFQUEUE' || true
record "netpol-smoke-$CLUSTER" "$(($(date +%s) - total))"
log "network policy smoke passed in $(($(date +%s) - total))s (cluster $CLUSTER deleted on exit)"
