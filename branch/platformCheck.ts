/**
 * Pure: what a branch sandbox needs its shared cluster to have before anything is created — the
 * CRDs of the platform add-ons its selection uses (branch stacks never install cluster-wide
 * tools: the cluster's owners do) and, with `ingress.api: gateway`, the Gateway API and the
 * Gateway its routes attach to — and the problems, in words, when the cluster lacks one.
 */
import { InputProblem } from "../catalog/problems";
import { AddonSpec } from "../catalog/types";

/** One CRD (`<plural>.<group>`) the sandbox needs, and why. */
export interface CrdNeed {
  readonly crd: string;
  /** The add-on that provides it, with the entries that need that add-on. */
  readonly addon?: { readonly spec: AddonSpec; readonly neededBy: readonly string[] };
  /** Needed for routes (`localkube:ingress.api: gateway`), set in this file. */
  readonly gatewayApi?: { readonly file: string };
}

/** What the cluster was found to have. */
export interface ClusterFacts {
  /** Resources the API serves, as `<plural>.<group>` (what a CRD of that name adds). */
  readonly served: ReadonlySet<string>;
  /** Whether the Gateway routes attach to exists (`unknown`: not allowed to look). @default not asked */
  readonly gateway?: "found" | "missing" | "unknown";
}

/** The Gateway API resources routes need. */
export const GATEWAY_API_CRDS = {
  http: "httproutes.gateway.networking.k8s.io",
  grpc: "grpcroutes.gateway.networking.k8s.io",
} as const;

/**
 * The CRDs a sandbox needs: each add-on's (its `crds:`, else those its files define: `fileCrds`)
 * and, for routes, the HTTPRoute CRD (and the GRPCRoute one when a service speaks gRPC). `neededBy`
 * names the entries that depend on each add-on.
 */
export function crdNeeds(
  addons: readonly AddonSpec[],
  neededBy: (addon: string) => readonly string[],
  fileCrds: (addon: AddonSpec) => readonly string[],
  gatewayApi?: { readonly file: string; readonly grpc?: boolean },
): CrdNeed[] {
  return [
    ...addons.flatMap((spec) =>
      (spec.crds ?? fileCrds(spec)).map((crd) => ({
        crd,
        addon: { spec, neededBy: neededBy(spec.name) },
      })),
    ),
    ...(gatewayApi ? [{ crd: GATEWAY_API_CRDS.http, gatewayApi }] : []),
    ...(gatewayApi?.grpc ? [{ crd: GATEWAY_API_CRDS.grpc, gatewayApi }] : []),
  ];
}

/** The API groups to look at: those of the needed CRDs. */
export function groupsOf(needs: readonly CrdNeed[]): string[] {
  return [...new Set(needs.map((n) => n.crd.slice(n.crd.indexOf(".") + 1)))].sort();
}

/** One problem per needed CRD the cluster does not serve, and one when the Gateway is missing. */
export function missingInCluster(
  needs: readonly CrdNeed[],
  facts: ClusterFacts,
  gateway?: { readonly name: string; readonly namespace: string; readonly file: string },
): InputProblem[] {
  const out: InputProblem[] = [];
  for (const need of needs) {
    if (facts.served.has(need.crd)) continue;
    if (need.addon) {
      const { spec, neededBy } = need.addon;
      const users =
        neededBy.length > 0
          ? `, which ${neededBy.join(", ")} ${neededBy.length === 1 ? "needs" : "need"}`
          : "";
      const drop =
        neededBy.length > 0
          ? `leave ${neededBy.join(", ")} out of localkube:services`
          : `leave ${spec.name} out of localkube:services`;
      out.push({
        file: spec.file,
        path: `platform.${spec.name}`,
        message: `the cluster has no CRD ${need.crd} (of add-on ${spec.name}${users}); branch stacks do not install cluster-wide add-ons: ask the cluster's owners to install ${spec.name}, or ${drop}`,
      });
    } else if (need.gatewayApi) {
      out.push({
        file: need.gatewayApi.file,
        path: "localkube:ingress.api",
        message: `is gateway, but the cluster has no CRD ${need.crd} (the Gateway API is not installed there); ask the cluster's owners to install it, or set localkube:ingress.api to ingress`,
      });
    }
  }
  if (gateway && facts.gateway === "missing")
    out.push({
      file: gateway.file,
      path: "localkube:gateway.name",
      message: `Gateway ${gateway.namespace}/${gateway.name} does not exist in the cluster; set localkube:gateway.name and localkube:gateway.namespace to the Gateway the sandbox's routes attach to (\`kubectl get gateways -A\` lists them)`,
    });
  return out;
}
