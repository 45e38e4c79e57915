#!/usr/bin/env bash
# Brings up the local stack on this machine, installing what is missing, then `pulumi up -s local`.
#
#   Node packages   npm ci (when node_modules is missing)
#   Docker engine   must answer `docker info`; on Debian/Ubuntu it is installed (docker.io) and
#                   started when missing
#   kind, Pulumi,   used from PATH when present; otherwise built from source with Go (module proxy)
#   buildctl        into ~/.cache/localkube/bin by the scripts the e2e suite uses
#   state backend   `pulumi login --local` when not logged in anywhere; the passphrase protecting
#                   the stack's secrets is generated once into ~/.config/localkube/passphrase
#
# Extra arguments go to `pulumi up` (e.g. `-c localkube:services=appliances,bank`).
# LOCALKUBE_STACK names another local stack than `local` (the e2e suite uses its own).
set -euo pipefail
cd "$(dirname "$0")/.."
TC=toolchain
STACK="${LOCALKUBE_STACK:-local}"
. "$TC/lib.sh" # cache dir, toolchain bin first on PATH, log()

[ -d node_modules ] || { log "installing Node packages"; npm ci --no-audit --no-fund; }

if ! docker info >/dev/null 2>&1; then
  if command -v apt-get >/dev/null; then
    bash "$TC/docker/ensure-docker.sh"
  else
    die "Docker is not running: start Docker (Docker Desktop, colima, or sudo systemctl start docker) and run again"
  fi
fi
command -v kind >/dev/null || bash "$TC/kind.sh"
command -v pulumi >/dev/null || bash "$TC/pulumi.sh"
# BuildKit's client: `npm run dev` builds a save's image with it, on the stack's own builder.
command -v buildctl >/dev/null || bash "$TC/pulumi.sh" buildkit
if [ -x "$LOCALKUBE_CACHE/bin/pulumi" ] && [ "$(command -v pulumi)" = "$LOCALKUBE_CACHE/bin/pulumi" ]; then
  # Plugins of the source-built toolchain (the npm packages' install scripts would download them).
  export PULUMI_HOME="$LOCALKUBE_CACHE/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_IGNORE_AMBIENT_PLUGINS=true
  # docker-build needs a BuildKit builder; this one runs on the host (no image pull needed).
  bash "$TC/pulumi/buildkitd.sh" start
fi

pulumi whoami >/dev/null 2>&1 || pulumi login --local
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  secret="${XDG_CONFIG_HOME:-$HOME/.config}/localkube/passphrase"
  if [ ! -s "$secret" ]; then
    mkdir -p "$(dirname "$secret")"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$secret")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$secret"
fi
pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK"

# An earlier `up` that was killed (SIGKILL, a closed laptop lid) leaves its lock behind on a
# file:// backend. Clear it when the process that took it, on this host, is gone; a live lock stays.
backend=$(pulumi whoami -v 2>/dev/null | sed -n 's|^Backend URL: file://||p')
if [ -n "$backend" ]; then
  for lock in "$backend"/.pulumi/locks/*/localkube/"$STACK"/*.json; do
    [ -f "$lock" ] || continue
    read -r pid host < <(node -e 'const l=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(l.pid,l.hostname)' "$lock")
    if [ "$host" = "$(hostname)" ] && ! kill -0 "$pid" 2>/dev/null; then
      log "clearing the lock of an interrupted update (pid $pid is gone)"
      pulumi cancel --yes --stack "$STACK"
      break
    fi
  done
fi
exec pulumi up --stack "$STACK" --yes "$@"
