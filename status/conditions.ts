/**
 * Pure: whether an object that reports readiness through its status conditions is ready — a
 * CustomResourceDefinition (`Established`) or a Gateway API route (`Accepted` and `ResolvedRefs`
 * by its Gateway) — and, when it cannot become ready by itself, why, in words with the fix. The
 * conditions gate (providers/conditionsReady.ts) decides with these; no client calls, no Pulumi.
 */
import { formatSeconds, GateStep } from "./gate";

/** One object a conditions gate waits for, as the API addresses it. */
export interface WatchedObject {
  /** API group, e.g. `apiextensions.k8s.io` or `gateway.networking.k8s.io`. */
  readonly group: string;
  readonly version: string;
  /** Resource name in URLs, e.g. `customresourcedefinitions`, `httproutes`. */
  readonly plural: string;
  /** Kind, named in messages. */
  readonly kind: WatchedKind;
  /** Namespace of a namespaced object. @default cluster-scoped */
  readonly namespace?: string;
  readonly name: string;
  /** For a route: the Gateway it attaches to, whose acceptance it waits for. */
  readonly parent?: { readonly name: string; readonly namespace: string };
}

export type WatchedKind = "CustomResourceDefinition" | "HTTPRoute" | "GRPCRoute";

/** What one look at an object says. */
export type Verdict =
  | { readonly state: "ready" }
  | { readonly state: "waiting"; readonly for: string }
  | { readonly state: "failed"; readonly message: string; readonly fix: string };

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

const conditionOf = (conditions: unknown, type: string): Condition | undefined =>
  (Array.isArray(conditions) ? (conditions as Condition[]) : []).find((c) => c?.type === type);

const said = (c: Condition) => `${c.reason ?? "no reason"}${c.message ? `: ${c.message}` : ""}`;

/** A CRD is ready once `Established`; names another CRD already serves are never accepted. */
export function crdVerdict(crd: { status?: { conditions?: unknown } } | undefined): Verdict {
  if (!crd) return { state: "waiting", for: "it to be created" };
  const conditions = crd.status?.conditions;
  const established = conditionOf(conditions, "Established");
  if (established?.status === "True") return { state: "ready" };
  const names = conditionOf(conditions, "NamesAccepted");
  if (names?.status === "False")
    return {
      state: "failed",
      message: `its names are not accepted (${said(names)})`,
      fix: "another CustomResourceDefinition already serves these names (`kubectl get crd` lists them); remove one of the two",
    };
  return {
    state: "waiting",
    for: `its Established condition${established ? ` (${said(established)})` : ""}`,
  };
}

/** Reasons of `Accepted: False` that last until the route, the Gateway or config change. */
const NOT_ACCEPTED_FIXES: Readonly<Record<string, (o: WatchedObject) => string>> = {
  NotAllowedByListeners: (o) =>
    `the Gateway's listeners do not admit routes from namespace ${o.namespace} (their allowedRoutes); ask the cluster's owners to admit it, or set localkube:gateway.name and gateway.namespace to a Gateway that does`,
  NoMatchingListenerHostname: () =>
    "no listener of the Gateway serves the route's host name; set localkube:baseDomain to a domain one of its listeners serves",
  NoMatchingParent: () =>
    "the Gateway has no such listener; check localkube:gateway.name and gateway.namespace (`kubectl get gateways -A`)",
  UnsupportedValue: () => "the Gateway's implementation does not support a value of the route",
};

/** ResolvedRefs reasons that only a change of the route or a ReferenceGrant can fix. */
const UNRESOLVED_FOR_GOOD = ["RefNotPermitted", "InvalidKind", "UnsupportedProtocol"];

/**
 * A route is ready once the Gateway it attaches to has accepted it and resolved its backends
 * (`status.parents[]` of that Gateway). A Gateway that refuses it for good fails it at once.
 */
export function routeVerdict(
  route: { status?: { parents?: unknown } } | undefined,
  o: WatchedObject,
): Verdict {
  const gateway = o.parent ? `Gateway ${o.parent.namespace}/${o.parent.name}` : "its Gateway";
  if (!route) return { state: "waiting", for: "it to be created" };
  const parents = Array.isArray(route.status?.parents)
    ? (route.status!.parents as {
        parentRef?: { name?: string; namespace?: string };
        conditions?: unknown;
      }[])
    : [];
  const mine = parents.find(
    (p) =>
      !o.parent ||
      (p.parentRef?.name === o.parent.name &&
        (p.parentRef?.namespace ?? o.namespace) === o.parent.namespace),
  );
  const waitGateway = `the ${gateway} to accept it (no controller has reported on it yet: the Gateway must exist and its GatewayClass's controller must run)`;
  if (!mine) return { state: "waiting", for: waitGateway };
  const accepted = conditionOf(mine.conditions, "Accepted");
  if (accepted?.status === "False") {
    const fix = NOT_ACCEPTED_FIXES[accepted.reason ?? ""];
    if (fix)
      return {
        state: "failed",
        message: `the ${gateway} does not accept it (${said(accepted)})`,
        fix: fix(o),
      };
    return { state: "waiting", for: `the ${gateway} to accept it (${said(accepted)})` };
  }
  if (accepted?.status !== "True") return { state: "waiting", for: waitGateway };
  const resolved = conditionOf(mine.conditions, "ResolvedRefs");
  if (resolved?.status === "False") {
    if (UNRESOLVED_FOR_GOOD.includes(resolved.reason ?? ""))
      return {
        state: "failed",
        message: `the ${gateway} cannot resolve its backend (${said(resolved)})`,
        fix: "the route's backend must be a Service of its own namespace; check the entry's ingress.service and ingress.port",
      };
    return { state: "waiting", for: `its backend (${said(resolved)})` };
  }
  return { state: "ready" };
}

/** The verdict for one look at `o` (undefined: not found). */
export function verdictOf(o: WatchedObject, object: unknown): Verdict {
  return o.kind === "CustomResourceDefinition"
    ? crdVerdict(object as Parameters<typeof crdVerdict>[0])
    : routeVerdict(object as Parameters<typeof routeVerdict>[0], o);
}

/** `CustomResourceDefinition greetings.e2e.localkube.dev`, `HTTPRoute localkube/bank`. */
export function describeObject(o: WatchedObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

/**
 * The gate's decision over every object: ready when all are; failed at once when one failed for
 * good; after the timeout, failed with what each of the others still waits for.
 */
export function conditionsGateStep(input: {
  /** Who waits, e.g. `add-on greeter` or `bank`. */
  readonly subject: string;
  readonly looks: readonly { readonly object: WatchedObject; readonly verdict: Verdict }[];
  readonly elapsedMs: number;
  readonly timeoutSeconds: number;
}): GateStep {
  const failed = input.looks.find((l) => l.verdict.state === "failed");
  if (failed && failed.verdict.state === "failed")
    return {
      outcome: "fail",
      message: `${input.subject}: ${describeObject(failed.object)}: ${failed.verdict.message}\nfix: ${failed.verdict.fix}`,
    };
  const waiting = input.looks.filter((l) => l.verdict.state === "waiting");
  if (waiting.length === 0) return { outcome: "ready" };
  if (input.elapsedMs < input.timeoutSeconds * 1000) return { outcome: "wait" };
  const limit = `${formatSeconds(input.timeoutSeconds)} (localkube:readyTimeout)`;
  const lines = waiting.map(
    (l) =>
      `  - ${describeObject(l.object)}: waiting for ${l.verdict.state === "waiting" ? l.verdict.for : ""}`,
  );
  return {
    outcome: "fail",
    message: `${input.subject}: not ready within ${limit}:\n${lines.join("\n")}\nfix: if it only needs longer, raise localkube:readyTimeout (e.g. pulumi config set localkube:readyTimeout 10m)`,
  };
}

/**
 * The CRDs a list names that a rendering did not install: `crds:` of an add-on must name CRDs its
 * chart installs, or branch stacks would check for the wrong ones.
 */
export function unlistedCrds(listed: readonly string[], rendered: readonly string[]): string[] {
  return listed.filter((c) => !rendered.includes(c));
}
