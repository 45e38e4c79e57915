# Pinned versions for the kind cluster of the e2e suite. Sourced by kind.sh and node-image.sh.
#
# kind v0.30.0 is the release made for Kubernetes 1.34 (its default image is kindest/node:v1.34.0).
# Kubernetes 1.34.x because the e2e hosts are cgroup v1: kubelets 1.35+ refuse cgroup v1 unless
# failCgroupV1=false, and kind writes no such setting. Override with the environment variables.
: "${LOCALKUBE_KIND_VERSION:=v0.30.0}"
: "${LOCALKUBE_K8S_VERSION:=v1.34.4}"
export LOCALKUBE_KIND_VERSION LOCALKUBE_K8S_VERSION
