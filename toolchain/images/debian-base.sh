#!/usr/bin/env bash
# Debian bookworm base image made with debootstrap (no registry needed), tagged
# localkube-e2e/debian:bookworm and debian:bookworm-slim (the name the example Dockerfiles use).
. "$(dirname "$0")/../lib.sh"

build() {
  local root
  root="$(mktemp -d "$LOCALKUBE_CACHE/debootstrap.XXXXXX")"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
  # Small images: no apt caches, no docs.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - localkube-e2e/debian:bookworm
  rm -rf "$root"
}

if ! image_present localkube-e2e/debian:bookworm; then
  rm -f "$LOCALKUBE_CACHE/stamps/debian-base-bookworm"
fi
run_part debian-base-bookworm build
docker tag localkube-e2e/debian:bookworm debian:bookworm-slim
