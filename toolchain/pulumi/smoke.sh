#!/usr/bin/env bash
# End-to-end check of the Pulumi toolchain built by ../pulumi.sh, outside the repository:
# a TypeScript program (npm packages at the pins of versions.env) with a file:// backend that
# `pulumi up`s and `pulumi destroy`s
#   - a docker-build Image (push: false, load: true) built by buildkitd from debian:bookworm-slim,
#   - a Kubernetes ConfigMap through a provider with renderYamlToDirectory (no cluster needed),
#   - a TypeScript dynamic resource (pulumi-resource-pulumi-nodejs shim),
#   - a command.local.Command only with SMOKE_COMMAND=1 (its provider cannot be built here).
# Needs the Docker engine (toolchain/docker) and the image debian:bookworm-slim
# (toolchain/images/debian-base.sh). Starts a throw-away registry on 127.0.0.1:$SMOKE_REGISTRY_PORT
# as buildkitd's docker.io mirror and removes it at the end.
# Usage: smoke.sh [DIR]   (default: a new temporary directory, removed at the end)
. "$(dirname "$0")/../lib.sh"
# shellcheck source=versions.env
. "$TOOLCHAIN_DIR/pulumi/versions.env"

OWN_DIR=""
if [ -n "${1:-}" ]; then DIR="$1"; else DIR=$(mktemp -d -t pulumi-smoke.XXXXXX) && OWN_DIR="$DIR"; fi
PORT="${SMOKE_REGISTRY_PORT:-5099}"
REG="127.0.0.1:$PORT"
export PULUMI_HOME="${PULUMI_HOME:-$LOCALKUBE_CACHE/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true PULUMI_CONFIG_PASSPHRASE=smoke
parts="docker,k8s,dynamic"
[ "${SMOKE_COMMAND:-0}" = 1 ] && parts="$parts,command"

cleanup() {
  docker rm -f pulumi-smoke-registry >/dev/null 2>&1 || true
  [ -z "$OWN_DIR" ] || rm -rf "$OWN_DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/app" "$DIR/state"
cd "$DIR"
cat >package.json <<EOF
{
  "name": "pulumi-smoke",
  "main": "index.ts",
  "devDependencies": { "@types/node": "^20.0.0", "typescript": "^5.0.0" },
  "dependencies": {
    "@pulumi/pulumi": "$NPM_PULUMI",
    "@pulumi/kubernetes": "$NPM_KUBERNETES",
    "@pulumi/docker-build": "$NPM_DOCKER_BUILD",
    "@pulumi/command": "$NPM_COMMAND"
  }
}
EOF
printf 'name: pulumi-smoke\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n' >Pulumi.yaml
cat >tsconfig.json <<'EOF'
{ "compilerOptions": { "strict": true, "target": "es2020", "module": "commonjs",
  "moduleResolution": "node", "sourceMap": true }, "files": ["index.ts"] }
EOF
printf 'FROM debian:bookworm-slim\nRUN echo "built by pulumi docker-build" > /hello.txt\nCMD ["cat", "/hello.txt"]\n' >app/Dockerfile
cat >index.ts <<'EOF'
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";

const parts = (new pulumi.Config().get("parts") ?? "").split(",");
const out: Record<string, pulumi.Output<any>> = {};
if (parts.includes("command")) {
    out.commandStdout = new command.local.Command("hello", { create: "echo hello-from-command" }).stdout;
}
if (parts.includes("docker")) {
    const image = new dockerBuild.Image("img", {
        context: { location: "./app" },
        tags: ["localkube-smoke/app:latest"],
        push: false,
        load: true, // into the local Docker engine
    });
    out.imageRef = image.ref;
}
if (parts.includes("k8s")) {
    const render = new k8s.Provider("render", { renderYamlToDirectory: "rendered" });
    out.configMap = new k8s.core.v1.ConfigMap("cm", { metadata: { name: "smoke" }, data: { hello: "world" } },
        { provider: render }).metadata.name;
}
if (parts.includes("dynamic")) {
    const echo: pulumi.dynamic.ResourceProvider = {
        async create(inputs: any) { return { id: "echo-1", outs: { said: `dynamic says ${inputs.word}` } }; },
    };
    class Echo extends pulumi.dynamic.Resource {
        public readonly said!: pulumi.Output<string>;
        constructor(name: string, word: string) { super(echo, name, { word, said: undefined }, {}); }
    }
    out.dynamicSaid = new Echo("echo", "hi").said;
}
export const outputs = out;
EOF

log "smoke: npm install in $DIR"
npm install --no-audit --no-fund --loglevel=error >npm-install.log 2>&1 || { tail -n 30 npm-install.log >&2; die "npm install failed"; }

log "smoke: registry $REG as buildkitd's docker.io mirror, with library/debian:bookworm-slim"
docker rm -f pulumi-smoke-registry >/dev/null 2>&1 || true
docker run -d --name pulumi-smoke-registry -p "$REG:5000" localkube-e2e/registry:2 >/dev/null
for _ in $(seq 1 50); do curl -sf "http://$REG/v2/" >/dev/null && break; sleep 0.2; done
docker tag debian:bookworm-slim "$REG/library/debian:bookworm-slim"
docker push -q "$REG/library/debian:bookworm-slim" >/dev/null
LOCALKUBE_BUILDKIT_MIRROR="$REG" "$TOOLCHAIN_DIR/pulumi/buildkitd.sh" start

pulumi login "file://$DIR/state" >/dev/null
pulumi stack select --create dev --non-interactive >/dev/null
pulumi config set parts "$parts"
log "smoke: pulumi up ($parts)"
pulumi up --yes --non-interactive --skip-preview
pulumi stack output --json
docker run --rm localkube-smoke/app:latest
test -f rendered/1-manifest/v1-configmap-default-smoke.yaml
log "smoke: pulumi destroy"
pulumi destroy --yes --non-interactive --skip-preview
pulumi stack rm dev --yes --non-interactive >/dev/null
log "smoke: OK"
