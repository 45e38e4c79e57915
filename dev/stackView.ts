import * as fs from "fs";
import * as path from "path";
import type { ConfigMap, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { expandDependencies } from "../catalog/validate";
import type { Catalog } from "../catalog/types";
import type { ImageBuild } from "../kube/images";
import type { StackFacts } from "../status/model";
import type { ClusterAccess } from "./cluster";

/** What the dev loop knows about the stack after an update: from its outputs and its config. */
export interface StackView {
  readonly facts: StackFacts;
  /** Services built from the checkout (watched). */
  readonly local: ReadonlySet<string>;
  /** How to reach the cluster: the local stack's kubeconfig output, else the stack's config. */
  readonly access: ClusterAccess;
  /** How the stack builds each service built from source (its `devLoop.builds` output). */
  readonly builds: Readonly<Record<string, ImageBuild>>;
  /** `localkube:readyTimeout` as the stack read it, in seconds. */
  readonly readyTimeoutSeconds: number;
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
  // What the stack tells the dev loop for updates without the engine (its `devLoop` output).
  const devLoop = value("devLoop") as
    | { builds?: Record<string, ImageBuild>; readyTimeoutSeconds?: number }
    | undefined;
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
    builds: (devLoop?.builds ?? {}) as Record<string, ImageBuild>,
    readyTimeoutSeconds: Number(devLoop?.readyTimeoutSeconds) || 120,
    outputs,
    config,
  };
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

/**
 * The catalog directory of a stack, read from its stack file before anything runs (the command
 * line is checked against this catalog): `localkube:catalogDir`, else `services`.
 */
export function catalogDirOf(projectDir: string, stack: string): string {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  const doc = fs.existsSync(file)
    ? (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)
    : null;
  const dir = doc?.config?.["localkube:catalogDir"];
  return path.resolve(projectDir, typeof dir === "string" && dir !== "" ? dir : "services");
}

/** The group a service is shown under: the first catalog group (nested groups expanded) that holds it. */
export function groupOf(service: string, groups: ReadonlyMap<string, readonly string[]>): string {
  for (const [name, members] of groups) {
    if (name === "appliances") continue;
    if (expandDependencies(members, groups).includes(service)) return name;
  }
  return "";
}

/** What the status rows are built from: the stack's outputs and its catalog. Services grouped, groups in catalog order. */
export function stackFacts(
  outputs: { namespace?: unknown; services?: unknown; appliances?: unknown; urls?: unknown },
  catalog: Pick<Catalog, "groups">,
): StackFacts {
  const services = Array.isArray(outputs.services) ? (outputs.services as string[]) : [];
  const urls = (outputs.urls ?? {}) as Record<string, string>;
  const groupOrder = [...catalog.groups.keys(), ""];
  const rows = services
    .map((name) => ({ name, group: groupOf(name, catalog.groups), url: urls[name] }))
    .sort(
      (a, b) =>
        groupOrder.indexOf(a.group) - groupOrder.indexOf(b.group) ||
        services.indexOf(a.name) - services.indexOf(b.name),
    );
  return {
    namespace: typeof outputs.namespace === "string" ? outputs.namespace : "",
    services: rows,
    appliances: Array.isArray(outputs.appliances) ? (outputs.appliances as string[]) : [],
  };
}

/** The URL table printed after a converge. */
export function urlTable(facts: StackFacts): string[] {
  const width = Math.max(7, ...facts.services.map((s) => s.name.length));
  return facts.services.filter((s) => s.url).map((s) => `  ${s.name.padEnd(width)}  ${s.url}`);
}
