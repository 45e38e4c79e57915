#!/usr/bin/env bash
# Proves the images built by ../images.sh honour the contracts in README.md. Every container runs on
# a private Docker network; published ports are bound to 127.0.0.1 only. Everything this script starts
# is removed on exit.
#   registry         docker push/pull through -p 127.0.0.1:PORT:5000
#   postgres         psql from the host with POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB, pg_isready
#   kafka            Debian bookworm's python3-confluent-kafka (librdkafka 2.0.2) produces + consumes
#   schema-registry  register + fetch through the Confluent-compatible API, stored in the kafka image
#   traefik          ping, a file-provider route by Host header, `traefik healthcheck`
# Usage: smoke.sh [NAME...]   (default: all)
. "$(dirname "$0")/../lib.sh"

run_id="lk-smoke-$$"
net="$run_id-net"
containers=()
tmp="$(mktemp -d)"

cleanup() {
  local c
  for c in "${containers[@]}"; do docker rm -fv "$c" >/dev/null 2>&1 || :; done
  docker network rm "$net" >/dev/null 2>&1 || :
  docker image rm "127.0.0.1:$REGISTRY_PORT/smoke/debian:$run_id" "localhost:$REGISTRY_PORT/smoke/debian:$run_id" >/dev/null 2>&1 || :
  rm -rf "$tmp"
}
trap cleanup EXIT

# image versions: the ones images.sh pins
eval "$(grep -E '^(REGISTRY|POSTGRES|KAFKA|APICURIO|TRAEFIK)_VERSION=' "$TOOLCHAIN_DIR/images.sh" | sed 's/ *#.*//')"

REGISTRY_PORT=${REGISTRY_PORT:-25000}
POSTGRES_PORT=${POSTGRES_PORT:-25432}
SR_PORT=${SR_PORT:-25081}
SR_MGMT_PORT=${SR_MGMT_PORT:-25090}
TRAEFIK_PORT=${TRAEFIK_PORT:-25080}
TRAEFIK_ADMIN_PORT=${TRAEFIK_ADMIN_PORT:-25088}

pass=0
fail=0
ok() { pass=$((pass + 1)); log "PASS $*"; }
ko() { fail=$((fail + 1)); log "FAIL $*"; }

start() { # start NAME docker-run-args...
  local name="$run_id-$1"
  shift
  containers+=("$name")
  docker run -d --name "$name" --network "$net" "$@" >/dev/null
}

wait_for() { # wait_for SECONDS CMD...
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 1
  done
}

smoke_registry() {
  local img="localkube-e2e/registry:$REGISTRY_VERSION" ref="localhost:$REGISTRY_PORT/smoke/debian:$run_id"
  start registry -p "127.0.0.1:$REGISTRY_PORT:5000" "$img"
  wait_for 30 curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/" || { ko "registry: /v2/ not answering"; return; }
  docker tag localkube-e2e/debian:bookworm "$ref"
  if docker push "$ref" >"$tmp/push.log" 2>&1 &&
    curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/smoke/debian/tags/list" | grep -q "$run_id" &&
    docker image rm "$ref" >/dev/null && docker pull "$ref" >/dev/null 2>&1; then
    ok "registry: docker push/pull localhost:$REGISTRY_PORT, catalog $(curl -s "http://127.0.0.1:$REGISTRY_PORT/v2/_catalog")"
  else
    cat "$tmp/push.log" >&2
    ko "registry: push/pull"
  fi
}

smoke_postgres() {
  local img="localkube-e2e/postgres:$POSTGRES_VERSION" c="$run_id-postgres" out
  start postgres -p "127.0.0.1:$POSTGRES_PORT:5432" -e POSTGRES_PASSWORD=smoke-pw -e POSTGRES_USER=app -e POSTGRES_DB=appdb "$img"
  wait_for 90 docker exec "$c" pg_isready -h 127.0.0.1 -U app -d appdb || { docker logs "$c" >&2; ko "postgres: pg_isready"; return; }
  local psql_cmd=(psql)
  command -v psql >/dev/null || psql_cmd=(docker run --rm --network host -e PGPASSWORD -e PGCONNECT_TIMEOUT "$img" psql)
  out="$(PGPASSWORD=smoke-pw "${psql_cmd[@]}" -h 127.0.0.1 -p "$POSTGRES_PORT" -U app -d appdb -Atc \
    "select current_user || '@' || current_database() || ' ' || current_setting('server_version') || ' ' || (select auth_method from pg_hba_file_rules where type='host' order by line_number desc limit 1)")" &&
    ok "postgres: psql from the host with the password: $out" || ko "postgres: psql from the host"
  if PGPASSWORD=wrong "${psql_cmd[@]}" -h 127.0.0.1 -p "$POSTGRES_PORT" -U app -d appdb -Atc 'select 1' >/dev/null 2>&1; then
    ko "postgres: a wrong password was accepted"
  else
    ok "postgres: a wrong password is refused"
  fi
  [ "$(docker exec "$c" sh -c 'grep ^Uid: /proc/1/status' | awk '{print $2}')" = 999 ] && ok "postgres: server runs as uid 999" || ko "postgres: server uid"
}

start_kafka() {
  start kafka --hostname kafka --network-alias kafka \
    -e KAFKA_NODE_ID=1 -e KAFKA_PROCESS_ROLES=broker,controller \
    -e KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093 -e KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092 \
    -e KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER -e KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT \
    -e KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093 -e KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1 \
    -e KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1 -e KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1 \
    -e KAFKA_LOG_DIRS=/var/lib/kafka/data -e CLUSTER_ID=4L6g3nShT-eMCtK--X86sw \
    "localkube-e2e/kafka:$KAFKA_VERSION"
  wait_for 180 docker exec "$run_id-kafka" /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092
}

smoke_kafka() {
  start_kafka || { docker logs "$run_id-kafka" 2>&1 | tail -40 >&2; ko "kafka: broker not ready"; return 1; }
  ok "kafka: kafka-broker-api-versions.sh answers"
  docker exec "$run_id-kafka" /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --topic smoke-cli \
    --partitions 1 --replication-factor 1 >/dev/null && ok "kafka: kafka-topics.sh --create" || ko "kafka: kafka-topics.sh"
  nice docker build -q -t localkube-e2e/smoke-client:bookworm "$TOOLCHAIN_DIR/images/smoke-client" >/dev/null
  if docker run --rm --network "$net" localkube-e2e/smoke-client:bookworm kafka:9092 >"$tmp/kafka.log" 2>&1 && grep -q 'consumed 10 OK' "$tmp/kafka.log"; then
    ok "kafka: librdkafka round trip: $(grep -E '^(confluent-kafka|consumed)' "$tmp/kafka.log" | tr '\n' ' ')"
  else
    cat "$tmp/kafka.log" >&2
    ko "kafka: librdkafka round trip"
  fi
}

smoke_schema_registry() {
  docker ps --format '{{.Names}}' | grep -qx "$run_id-kafka" || start_kafka || { ko "schema-registry: kafka not ready"; return; }
  start schema-registry -p "127.0.0.1:$SR_PORT:8080" -p "127.0.0.1:$SR_MGMT_PORT:9000" \
    -e APICURIO_STORAGE_KIND=kafkasql -e APICURIO_KAFKASQL_BOOTSTRAP_SERVERS=kafka:9092 \
    "localkube-e2e/schema-registry:$APICURIO_VERSION"
  wait_for 180 curl -sf "http://127.0.0.1:$SR_MGMT_PORT/health/ready" || { docker logs "$run_id-schema-registry" 2>&1 | tail -40 >&2; ko "schema-registry: /health/ready"; return; }
  local base="http://127.0.0.1:$SR_PORT/apis/ccompat/v7" schema id got
  schema='{"schema":"{\"type\":\"record\",\"name\":\"Smoke\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}'
  id="$(curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' --data "$schema" "$base/subjects/smoke-value/versions" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')"
  got="$(curl -sf "$base/schemas/ids/$id")"
  if [ -n "$id" ] && [[ "$got" == *Smoke* ]] && curl -sf "$base/subjects" | grep -q smoke-value &&
    docker exec "$run_id-kafka" /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --list | grep -q kafkasql-journal; then
    ok "schema-registry: POST /subjects/smoke-value/versions -> id $id, GET /schemas/ids/$id, journal topic in kafka"
  else
    ko "schema-registry: register/fetch (id='$id' got='$got')"
  fi
}

smoke_traefik() {
  mkdir -p "$tmp/traefik"
  cat >"$tmp/traefik/dynamic.yml" <<'EOF'
http:
  routers:
    smoke:
      rule: Host(`smoke.localhost`)
      service: api@internal
      entryPoints: [web]
EOF
  chmod -R a+rX "$tmp/traefik"
  local c="$run_id-traefik"
  start traefik -p "127.0.0.1:$TRAEFIK_PORT:80" -p "127.0.0.1:$TRAEFIK_ADMIN_PORT:8080" -v "$tmp/traefik:/etc/traefik/dynamic:ro" \
    "localkube-e2e/traefik:$TRAEFIK_VERSION" --global.checkNewVersion=false --global.sendAnonymousUsage=false \
    --entryPoints.web.address=:80 --entryPoints.traefik.address=:8080 --ping --api --api.dashboard=false \
    --providers.file.directory=/etc/traefik/dynamic
  wait_for 30 curl -sf "http://127.0.0.1:$TRAEFIK_ADMIN_PORT/ping" || { docker logs "$c" >&2; ko "traefik: /ping"; return; }
  local v
  v="$(curl -sf -H 'Host: smoke.localhost' "http://127.0.0.1:$TRAEFIK_PORT/api/version")" &&
    ok "traefik: route by Host header -> $v" || ko "traefik: Host route"
  docker exec "$c" traefik healthcheck --ping --entryPoints.traefik.address=:8080 >/dev/null && ok "traefik: traefik healthcheck --ping" || ko "traefik: healthcheck"
  # (no `| grep -q` on a live pipe: with pipefail, traefik's SIGPIPE would fail the check)
  docker run --rm "localkube-e2e/traefik:$TRAEFIK_VERSION" --help >"$tmp/traefik-help.txt" 2>&1 || :
  grep -q 'providers.kubernetesingressnginx' "$tmp/traefik-help.txt" &&
    ok "traefik: kubernetesIngressNGINX provider present" || ko "traefik: kubernetesIngressNGINX provider missing"
}

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(registry postgres kafka schema-registry traefik)
docker network create "$net" >/dev/null
for n in "${want[@]}"; do
  case "$n" in
  registry) smoke_registry ;;
  postgres) smoke_postgres ;;
  kafka) smoke_kafka || : ;;
  schema-registry) smoke_schema_registry ;;
  traefik) smoke_traefik ;;
  *) die "unknown image '$n'" ;;
  esac
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
