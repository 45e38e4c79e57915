import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGES } from "./images";
import { Presence } from "./presence";

/** Docker container names: what `docker run --name` accepts, minus leading punctuation. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** Starts (or reuses) the registry container; values come from the environment only. */
export const REGISTRY_CREATE_SCRIPT = `set -euo pipefail
state=$(docker inspect --type container --format "{{.State.Running}}" "$NAME" 2>/dev/null || echo missing)
if [ "$state" = missing ]; then
  docker run --detach --restart=always --name "$NAME" --publish "$LISTEN:$PORT:5000" \\
    --volume "$VOLUME:/var/lib/registry" --label localkube.dev/registry=true "$IMAGE" >/dev/null
elif [ "$state" = false ]; then
  docker start "$NAME" >/dev/null
fi
published=$(docker port "$NAME" 5000/tcp 2>/dev/null || true)
if ! grep -qxF -- "$LISTEN:$PORT" <<<"$published"; then
  echo "container \\"$NAME\\" exists but does not publish registry port 5000 on $LISTEN:$PORT (it publishes: \${published:-nothing}). Remove it with \\"docker rm -f $NAME\\" or choose another name: pulumi config set localkube:registry.name <name>" >&2
  exit 1
fi
echo "$LISTEN:$PORT"
`;

export const REGISTRY_DELETE_SCRIPT = `docker rm --force --volumes "$NAME" >/dev/null 2>&1 || true
docker volume rm "$VOLUME" >/dev/null 2>&1 || true
`;

/** Joins the registry to the cluster's Docker network (idempotent). */
export const REGISTRY_CONNECT_SCRIPT = `set -euo pipefail
if ! docker inspect --type container --format "{{json .NetworkSettings.Networks}}" "$NAME" | grep -qF '"kind"'; then
  docker network connect kind "$NAME"
fi
`;

/**
 * Writes containerd's hosts.toml on every node of the cluster, mapping \`localhost:<port>\`
 * (what users push to) and \`<name>:5000\` (the in-network name) to the registry container.
 */
export const REGISTRY_HOSTS_SCRIPT = `set -euo pipefail
nodes=$(kind get nodes --name "$CLUSTER")
[ -n "$nodes" ] || { echo "kind cluster \\"$CLUSTER\\" has no nodes" >&2; exit 1; }
while IFS= read -r node; do
  for host in "localhost:$PORT" "$NAME:5000"; do
    printf '[host."http://%s:5000"]\\n' "$NAME" |
      docker exec -i "$node" sh -c 'mkdir -p "/etc/containerd/certs.d/$1" && cat > "/etc/containerd/certs.d/$1/hosts.toml"' sh "$host"
  done
done <<<"$nodes"
`;

export interface LocalRegistryArgs {
  /** Container name; nodes reach the registry as `<name>:5000`. @default "localkube-registry" */
  readonly name?: string;
  /** Host port the registry listens on (`localhost:<port>` is what users push to). @default 5001 */
  readonly port?: number;
  /** Image compatible with `registry:2`. @default {@link DEFAULT_IMAGES.registry} */
  readonly image?: string;
  /** Host address the port listens on. @default "127.0.0.1" */
  readonly listenAddress?: string;
}

/** Second stage: wires an existing registry into a kind cluster. */
export interface RegistryWiringArgs {
  /** kind cluster name, to list its nodes. */
  readonly clusterName: string;
  /** The cluster's lifecycle resource: the wiring is redone when it is recreated. */
  readonly cluster: command.local.Command;
  /** Provider of the cluster, for the KEP-1755 ConfigMap. */
  readonly provider: k8s.Provider;
}

/**
 * A Docker registry container for locally built images, on 127.0.0.1:<port>, restarted with
 * the Docker engine. It starts before the cluster exists (so builds can push while the cluster
 * boots); {@link LocalRegistry.wire} then connects it to the cluster.
 */
export class LocalRegistry extends pulumi.ComponentResource {
  readonly container: command.local.Command;
  /** Address to push to from the host and to reference in pod specs: `localhost:<port>`. */
  readonly address: string;
  readonly containerName: string;
  readonly port: number;
  private readonly presence: Presence;
  private readonly baseName: string;

  constructor(name: string, args: LocalRegistryArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:LocalRegistry", name, {}, opts);
    const containerName = args.name ?? "localkube-registry";
    const port = args.port ?? 5001;
    const listen = args.listenAddress ?? "127.0.0.1";
    if (!CONTAINER_NAME.test(containerName)) {
      throw new Error(`registry name ${JSON.stringify(containerName)} is not a valid container name: use letters, digits, '_', '.', '-' (at most 63)`);
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`registry port must be a whole number from 1 to 65535, got ${port}`);
    }
    const image = args.image ?? DEFAULT_IMAGES.registry;
    this.presence = new Presence(`${name}-presence`, { kind: "docker-container", name: containerName }, { parent: this });
    this.container = new command.local.Command(
      `${name}-container`,
      {
        interpreter: ["/bin/bash", "-c"],
        create: REGISTRY_CREATE_SCRIPT,
        delete: REGISTRY_DELETE_SCRIPT,
        environment: { NAME: containerName, PORT: String(port), LISTEN: listen, IMAGE: image, VOLUME: `${containerName}-data` },
        triggers: [image, port, listen, this.presence.incarnation],
      },
      { parent: this, deleteBeforeReplace: true },
    );
    this.baseName = name;
    this.address = `localhost:${port}`;
    this.containerName = containerName;
    this.port = port;
    this.registerOutputs({ address: this.address });
  }

  /**
   * Connects the registry to the cluster: joins the `kind` network, writes hosts.toml on every
   * node, and publishes the KEP-1755 `local-registry-hosting` ConfigMap. Returns what workloads
   * pulling from the registry must wait for.
   */
  wire(args: RegistryWiringArgs): pulumi.Resource[] {
    const env = { NAME: this.containerName, PORT: String(this.port), CLUSTER: args.clusterName };
    const connect = new command.local.Command(
      `${this.baseName}-network`,
      { interpreter: ["/bin/bash", "-c"], create: REGISTRY_CONNECT_SCRIPT, environment: env, triggers: [args.cluster.id, this.container.id] },
      { parent: this, dependsOn: [args.cluster, this.container] },
    );
    const hosts = new command.local.Command(
      `${this.baseName}-hosts`,
      { interpreter: ["/bin/bash", "-c"], create: REGISTRY_HOSTS_SCRIPT, environment: env, triggers: [args.cluster.id, args.cluster.stdin] },
      { parent: this, dependsOn: [connect] },
    );
    const configMap = new k8s.core.v1.ConfigMap(
      `${this.baseName}-hosting`,
      {
        metadata: { name: "local-registry-hosting", namespace: "kube-public" },
        data: { "localRegistryHosting.v1": `host: "${this.address}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n` },
      },
      { parent: this, provider: args.provider, deletedWith: args.cluster, deleteBeforeReplace: true },
    );
    return [connect, hosts, configMap];
  }
}
