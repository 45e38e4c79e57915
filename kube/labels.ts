/** Label keys localkube sets on everything it creates. */
export const LABELS = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/** Recommended Kubernetes labels for one workload. */
export function workloadLabels(
  name: string,
  component:
    | "service"
    | "job"
    | "cronjob"
    | "database"
    | "broker"
    | "schema-registry"
    | "ingress-controller"
    | "metrics",
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    [LABELS.name]: name,
    [LABELS.instance]: name,
    [LABELS.component]: component,
    [LABELS.partOf]: "localkube",
    [LABELS.managedBy]: "pulumi",
  };
}

/** The immutable subset used as a selector. */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABELS.name]: name, [LABELS.instance]: name };
}

/**
 * Annotations of every Service: no await of its own. Readiness is awaited once, on the workload
 * behind it (created first); the provider's Service await would add a ~10 s endpoint poll per
 * Service on every dependency chain.
 */
export const SERVICE_ANNOTATIONS: Readonly<Record<string, string>> = {
  "pulumi.com/skipAwait": "true",
};

/**
 * Annotations of every Deployment and StatefulSet: no await by the Kubernetes provider. Its await
 * only ends at its timeout (10 minutes) whatever goes wrong; each workload's readiness gate waits
 * instead, and fails as soon as Kubernetes reports a problem that will not pass.
 */
export const WORKLOAD_ANNOTATIONS: Readonly<Record<string, string>> = {
  "pulumi.com/skipAwait": "true",
};

/** A Kubernetes label value from free text (owner emails, …): invalid characters become '_'. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
