# Pinned versions for the kind clusters of the e2e suite. Sourced by kind.sh and node-image.sh.
#
# kind v0.33.0: the newest kind release (its default image is kindest/node:v1.37.0); it writes
# kubeadm's v1beta4 config that Kubernetes 1.36+ needs.
# Kubernetes v1.37.2: the newest release the Go module proxy serves. The e2e hosts are cgroup v1:
# kubelets 1.35+ start there only with failCgroupV1: false, which localkube's kind config adds on
# such hosts (kind/config.ts); the toolchain's smoke clusters pass the same setting.
# Kubernetes v1.36.3: the newest 1.36 the proxy serves, the starting point of the opt-in upgrade
# scenario (test/e2e/upgrade.test.ts); built only when that scenario runs.
# containerd v2.3.4: what kind v0.33.0's base image builds (images/base/Dockerfile); Kubernetes
# 1.36+ needs containerd 2.x. runc comes from Debian.
# Override with the environment variables.
: "${LOCALKUBE_KIND_VERSION:=v0.33.0}"
: "${LOCALKUBE_K8S_VERSION:=v1.37.2}"
: "${LOCALKUBE_K8S_PREVIOUS_VERSION:=v1.36.3}"
: "${LOCALKUBE_CONTAINERD_VERSION:=v2.3.4}"
export LOCALKUBE_KIND_VERSION LOCALKUBE_K8S_VERSION LOCALKUBE_K8S_PREVIOUS_VERSION LOCALKUBE_CONTAINERD_VERSION
