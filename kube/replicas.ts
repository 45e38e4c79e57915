import type * as k8s from "@pulumi/kubernetes";
import type { ServiceSpec } from "../catalog/types";
import { selectorLabels } from "./labels";

/**
 * Pure: the Kubernetes fields of how a service's pods start, stop and scale — the container's
 * preStop hook, the pod's grace period and topology spread, the Deployment's rollout strategy, its
 * PodDisruptionBudget and its HorizontalPodAutoscaler — from the catalog's fields. Undefined
 * wherever the catalog says nothing, so Kubernetes' defaults apply.
 */

type Spec = Pick<
  ServiceSpec,
  | "name"
  | "lifecycle"
  | "terminationGracePeriodSeconds"
  | "strategy"
  | "disruptionBudget"
  | "autoscale"
  | "topologySpread"
>;

/**
 * Annotation of a service's Deployment: on a field another client changed (`kubectl scale`, an
 * autoscaler that was removed since), `pulumi up` sets the catalog's value rather than failing on
 * server-side apply's conflict. Fields `pulumi up` does not set (an autoscaler's replicas, see
 * {@link ignoredByUp}) are never touched.
 */
export const CATALOG_WINS: Readonly<Record<string, string>> = { "pulumi.com/patchForce": "true" };

/** The container's `lifecycle`: its preStop hook. */
export function containerLifecycle(spec: Spec): k8s.types.input.core.v1.Lifecycle | undefined {
  const hook = spec.lifecycle?.preStop;
  if (!hook) return undefined;
  return {
    preStop:
      hook.kind === "sleep"
        ? { sleep: { seconds: hook.seconds } }
        : { exec: { command: [...hook.command] } },
  };
}

const TOPOLOGY_KEYS = { node: "kubernetes.io/hostname", zone: "topology.kubernetes.io/zone" };

/**
 * The pod's spread over nodes or zones. Tainted nodes (a kind control plane once workers exist)
 * are left out of the count (`nodeTaintsPolicy: Honor`): counted, a node no pod may run on would
 * hold the skew at its maximum and leave pods pending. Only pods of the same revision count
 * (`matchLabelKeys: pod-template-hash`), so a rollout's new pods spread among themselves.
 */
export function topologySpreadConstraints(
  spec: Spec,
): k8s.types.input.core.v1.TopologySpreadConstraint[] | undefined {
  const s = spec.topologySpread;
  if (!s) return undefined;
  return [
    {
      topologyKey: TOPOLOGY_KEYS[s.across],
      maxSkew: s.maxSkew,
      whenUnsatisfiable: s.whenUnsatisfiable,
      labelSelector: { matchLabels: selectorLabels(spec.name) },
      matchLabelKeys: ["pod-template-hash"],
      nodeTaintsPolicy: "Honor",
    },
  ];
}

/** Pod-level fields: the grace period and the topology spread. */
export function podTermination(spec: Spec): {
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: k8s.types.input.core.v1.TopologySpreadConstraint[];
} {
  const spread = topologySpreadConstraints(spec);
  return {
    ...(spec.terminationGracePeriodSeconds !== undefined
      ? { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds }
      : {}),
    ...(spread ? { topologySpreadConstraints: spread } : {}),
  };
}

/** The Deployment's `strategy`. */
export function deploymentStrategy(
  spec: Spec,
): k8s.types.input.apps.v1.DeploymentStrategy | undefined {
  const s = spec.strategy;
  if (!s) return undefined;
  if (s.type === "Recreate") return { type: "Recreate" };
  const rolling = {
    ...(s.maxSurge !== undefined ? { maxSurge: s.maxSurge } : {}),
    ...(s.maxUnavailable !== undefined ? { maxUnavailable: s.maxUnavailable } : {}),
  };
  return {
    type: "RollingUpdate",
    ...(Object.keys(rolling).length > 0 ? { rollingUpdate: rolling } : {}),
  };
}

/** The PodDisruptionBudget's spec (policy/v1), over the service's pods. */
export function disruptionBudgetSpec(
  spec: Spec,
): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
  const b = spec.disruptionBudget;
  if (!b) return undefined;
  return { ...b, selector: { matchLabels: selectorLabels(spec.name) } };
}

/**
 * The HorizontalPodAutoscaler's spec (autoscaling/v2): the Deployment `deployment` between `min`
 * and `max` pods, at `cpu`% of the CPU request on average. `scaleDownWindowSeconds` shortens (or
 * lengthens) the 5 minutes Kubernetes waits before it removes pods.
 */
export function autoscalerSpec(
  spec: Spec,
  deployment: string,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec | undefined {
  const a = spec.autoscale;
  if (!a) return undefined;
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
    minReplicas: a.min,
    maxReplicas: a.max,
    metrics: [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: a.cpu } },
      },
    ],
    ...(a.scaleDownWindowSeconds !== undefined
      ? { behavior: { scaleDown: { stabilizationWindowSeconds: a.scaleDownWindowSeconds } } }
      : {}),
  };
}

/**
 * Fields of an autoscaled Deployment that `pulumi up` leaves to the autoscaler: `replicas` is only
 * the start. With server-side apply, the Kubernetes provider then leaves out a field another
 * manager (the autoscaler, through the `scale` subresource) owns, and keeps the live value of one
 * it still owns, so no `up` takes the count back.
 */
export function ignoredByUp(spec: Pick<ServiceSpec, "autoscale">): string[] | undefined {
  return spec.autoscale ? ["spec.replicas"] : undefined;
}
