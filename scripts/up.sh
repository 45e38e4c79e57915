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
#                   (cli/up.ts, shared with `npm run dev`: dev/workspace.ts)
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

# The state backend, passphrase, stack, a killed update's lock and a private TMPDIR for the engine
# (the Kubernetes provider leaves a kubeconfig file in $TMPDIR at every run): as `npm run dev` does.
exec node_modules/.bin/ts-node --transpile-only cli/up.ts "$@"
