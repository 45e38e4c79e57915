import type { ConfigMap, OutputMap, Stack } from "@pulumi/pulumi/automation";
import type { Catalog } from "../catalog/types";
import type { StackFacts } from "../status/model";
import type { ClusterAccess } from "./cluster";
import { stackFacts } from "./stackFacts";

/** What the dev loop knows about the stack after an update: from its outputs and its config. */
export interface StackView {
  readonly facts: StackFacts;
  /** Services built from the checkout (watched). */
  readonly local: ReadonlySet<string>;
  /** How to reach the cluster: the local stack's kubeconfig output, else the stack's config. */
  readonly access: ClusterAccess;
  readonly outputs: OutputMap;
  readonly config: ConfigMap;
}

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** Reads the stack's outputs and config into what the dev loop shows and watches. */
export async function readStack(
  stack: Stack,
  catalog: Pick<Catalog, "groups">,
): Promise<StackView> {
  const [outputs, config] = await Promise.all([
    stack.outputs().catch(() => ({}) as OutputMap),
    stack.getAllConfig(),
  ]);
  const value = (k: string) => outputs[k]?.value;
  const kubeconfig = text(value("kubeconfig"));
  return {
    facts: stackFacts(
      {
        namespace: value("namespace"),
        services: value("services"),
        appliances: value("appliances"),
        urls: value("urls"),
      },
      catalog,
    ),
    local: new Set(
      Array.isArray(value("builtFromSource")) ? (value("builtFromSource") as string[]) : [],
    ),
    access: kubeconfig
      ? { kubeconfig }
      : {
          kubeconfig: config["localkube:kubeconfig"]?.value,
          context: config["localkube:kubeContext"]?.value,
        },
    outputs,
    config,
  };
}

/**
 * URNs of everything a service owns in the stack — its image, workload, Service, Ingress and
 * readiness gate, all named `platform-<service>-…` — for a targeted update; undefined when a
 * service was never deployed (only a converge can create it). Pure.
 */
export function serviceTargets(
  urns: readonly string[],
  services: readonly string[],
  known: readonly string[],
): string[] | undefined {
  const out: string[] = [];
  for (const s of services) {
    const mine = urns.filter((u) => {
      const name = u.split("::").pop() ?? "";
      // `platform-bank-` also starts the names of a service `bank-api`: those are not bank's.
      const longer = known.some(
        (k) => k.length > s.length && k.startsWith(`${s}-`) && name.startsWith(`platform-${k}-`),
      );
      return name.startsWith(`platform-${s}-`) && !longer;
    });
    if (mine.length === 0) return undefined;
    out.push(...mine);
  }
  return out;
}

/** What the dashboard says about the stack. */
export interface StackInfo {
  readonly stack: string;
  readonly namespace: string;
  readonly kubeContext?: string;
  /** The API server's version (`v1.34.4`). */
  readonly kubernetesVersion?: string;
  /** Where built images are pushed (`localhost:5001`). */
  readonly registry?: string;
  readonly ingressController?: string;
}

/** The dashboard's stack panel from what the loop read, and the API server's version. Pure. */
export function stackInfo(
  name: string,
  view: StackView | undefined,
  kubernetesVersion: string | undefined,
): StackInfo {
  const outputs = view?.outputs ?? {};
  const config = view?.config ?? {};
  const context = text(outputs.kubeContext?.value);
  return {
    stack: name,
    namespace: view?.facts.namespace ?? "",
    kubeContext: context ?? view?.access.context,
    kubernetesVersion,
    registry: text(outputs.registry?.value) ?? text(config["localkube:registry.address"]?.value),
    ingressController:
      text(config["localkube:ingress.controller"]?.value) ??
      (context?.startsWith("kind-") ? "ingress-nginx" : undefined),
  };
}
