import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IngressSpec } from "../catalog/types";
import {
  routeKind,
  serviceIngressArgs,
  ServiceIngressSettings,
  serviceRouteArgs,
} from "../kube/ingress";
import { ConditionsReady } from "../providers/conditionsReady";
import { ReadinessSettings } from "../providers/workloadReady";

/** An entry's way in from outside: an Ingress, or a route (HTTPRoute, GRPCRoute) and the gate of its acceptance. */
export interface ServiceRoute {
  /** The Ingress or the route. */
  readonly resource: k8s.networking.v1.Ingress | k8s.apiextensions.CustomResource;
  /** What must be ready for the host to answer (the route's gate; an Ingress is awaited itself). */
  readonly ready: readonly pulumi.Resource[];
}

/**
 * Creates the route of a catalog entry under `parent`, as `settings.api` says: the Ingress of
 * {@link serviceIngressArgs} (named `<name>-ingress`, as it always was), or the route of
 * {@link serviceRouteArgs} (`<name>-route`) with a conditions gate (`<name>-route-ready`) that
 * waits for the Gateway to accept it and fails at once, with the fix, when it refuses it.
 */
export function serviceRoute(
  name: string,
  entry: { readonly name: string; readonly ingress: IngressSpec },
  settings: ServiceIngressSettings,
  meta: {
    readonly namespace: pulumi.Input<string>;
    readonly labels: Readonly<Record<string, string>>;
    readonly readiness: ReadinessSettings;
    /** The backend Service's port number (HTTPRoutes need it); an Ingress takes names too. */
    readonly port: pulumi.Input<number>;
  },
  opts: pulumi.CustomResourceOptions,
): ServiceRoute {
  if (settings.api !== "gateway") {
    const ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      serviceIngressArgs(entry, settings, {
        namespace: meta.namespace,
        labels: meta.labels,
        timeoutSeconds: meta.readiness.timeoutSeconds,
      }),
      opts,
    );
    return { resource: ingress, ready: [ingress] };
  }
  const route = new k8s.apiextensions.CustomResource(
    `${name}-route`,
    serviceRouteArgs(entry, settings, meta),
    opts,
  );
  if (settings.await === false) return { resource: route, ready: [route] };
  const gate = new ConditionsReady(
    `${name}-route-ready`,
    {
      ...meta.readiness,
      subject: entry.name,
      objects: [
        pulumi.all([route.metadata]).apply(([m]) => ({
          group: "gateway.networking.k8s.io",
          version: "v1",
          ...routeKind(entry.ingress),
          namespace: m.namespace ?? "",
          name: m.name ?? entry.name,
          parent: settings.gateway,
          revision: `${m.uid ?? ""}/${m.generation ?? 0}`,
        })),
      ],
    },
    { parent: opts.parent, dependsOn: [route] },
  );
  return { resource: route, ready: [gate] };
}
