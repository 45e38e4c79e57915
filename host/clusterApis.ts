import type * as K from "@kubernetes/client-node";

/** How to reach a cluster: a kubeconfig document, or a context of the user's kubeconfig. */
export interface ClusterAccess {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Read-only questions a stack asks a cluster before it creates anything. */
export interface ClusterProbe {
  /**
   * The resources the API serves in these groups, as `<plural>.<group>` (a CRD's name). Uses
   * API discovery, which every authenticated user may read: no RBAC on CRDs is needed.
   */
  served(groups: readonly string[]): Promise<ReadonlySet<string>>;
  /** Whether a Gateway exists; `unknown` when the user may not read it. */
  gateway(namespace: string, name: string): Promise<"found" | "missing" | "unknown">;
}

/** Thrown when the cluster cannot be asked; nothing has been created at that point. */
export class ClusterUnreachableError extends Error {
  constructor(what: string, cause: unknown) {
    super(
      `cannot ask the cluster ${what}, nothing was created: ${messageOf(cause)}; check localkube:kubeContext or localkube:kubeconfig (the current context when neither is set)`,
    );
    this.name = "ClusterUnreachableError";
  }
}

function messageOf(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  if (typeof e.body === "string") {
    try {
      return (JSON.parse(e.body) as { message?: string }).message ?? e.body;
    } catch {
      return e.body;
    }
  }
  return e.message ?? String(err);
}

const codeOf = (err: unknown) => (err as { code?: number }).code;

/** A probe of the cluster `access` reaches, through @kubernetes/client-node. */
export function clusterProbe(access: ClusterAccess): ClusterProbe {
  // An ES module (Node 20.19+ requires it from CommonJS): loaded only when a stack asks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const client = require("@kubernetes/client-node") as typeof K;
  const kc = new client.KubeConfig();
  if (access.kubeconfig) kc.loadFromString(access.kubeconfig);
  else kc.loadFromDefault();
  if (access.context) kc.setCurrentContext(access.context);
  return {
    async served(groups) {
      const out = new Set<string>();
      let list: K.V1APIGroupList;
      try {
        list = await kc.makeApiClient(client.ApisApi).getAPIVersions();
      } catch (err) {
        throw new ClusterUnreachableError("which APIs it serves", err);
      }
      const objects = kc.makeApiClient(client.CustomObjectsApi);
      for (const group of list.groups.filter((g) => groups.includes(g.name))) {
        for (const { version } of group.versions) {
          try {
            const resources = await objects.getAPIResources({ group: group.name, version });
            for (const r of resources.resources)
              if (!r.name.includes("/")) out.add(`${r.name}.${group.name}`);
          } catch (err) {
            // A version the group lists but does not serve (an aggregated API that is down).
            if (codeOf(err) !== 404 && codeOf(err) !== 503)
              throw new ClusterUnreachableError(`which ${group.name} resources it serves`, err);
          }
        }
      }
      return out;
    },
    async gateway(namespace, name) {
      const objects = kc.makeApiClient(client.CustomObjectsApi);
      try {
        await objects.getNamespacedCustomObject({
          group: "gateway.networking.k8s.io",
          version: "v1",
          namespace,
          plural: "gateways",
          name,
        });
        return "found";
      } catch (err) {
        if (codeOf(err) === 404) return "missing";
        if (codeOf(err) === 403 || codeOf(err) === 401) return "unknown";
        throw new ClusterUnreachableError(`for Gateway ${namespace}/${name}`, err);
      }
    },
  };
}
