/**
 * A copy of one service as localkube deployed it (its Deployment, Service and Ingress: the same
 * pod spec), in a namespace of its own and at a host of its own, for the floor and for Tilt: each
 * rolls its copy as it likes without touching what the stack owns.
 */
import type * as K from "@kubernetes/client-node";
import { kubeClient } from "../../../dev/cluster";

export interface CopyOptions {
  readonly namespace: string;
  /** The copy's ingress host, e.g. `price-floor.localhost`. */
  readonly host: string;
  /** The image the copy's container starts with. */
  readonly image: string;
}

const meta = (o: { metadata?: K.V1ObjectMeta }, namespace: string): K.V1ObjectMeta => ({
  name: o.metadata!.name,
  namespace,
  ...(o.metadata?.labels ? { labels: o.metadata.labels } : {}),
});

/**
 * The objects of the copy, from the service's objects as the API server returns them: server-set
 * fields and annotations dropped, the namespace, host and the service's container image replaced.
 * Throws when the pod spec refers to something of its namespace the copy would not have. Pure.
 */
export function copyObjects(
  service: string,
  objects: { deployment: K.V1Deployment; service: K.V1Service; ingress: K.V1Ingress },
  opts: CopyOptions,
): K.KubernetesObject[] {
  const d = structuredClone(objects.deployment);
  const pod = d.spec!.template.spec!;
  const refs = [
    ...(pod.volumes ?? []).filter((v) => v.configMap || v.secret || v.persistentVolumeClaim),
    ...pod.containers.flatMap((c) => [
      ...(c.envFrom ?? []),
      ...(c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef),
    ]),
  ];
  if (refs.length > 0)
    throw new Error(
      `${service}: its pod refers to objects of its namespace (${JSON.stringify(refs[0])}): not copied`,
    );
  const container = pod.containers.find((c) => c.name === service);
  if (!container) throw new Error(`${service}: no container named ${service} in its Deployment`);
  container.image = opts.image;
  const deployment: K.V1Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(d, opts.namespace),
    spec: { ...d.spec!, template: { ...d.spec!.template, spec: pod } },
  };
  const s = objects.service;
  const svc: K.V1Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(s, opts.namespace),
    spec: { selector: s.spec!.selector, ports: s.spec!.ports, type: s.spec!.type },
  };
  const i = objects.ingress;
  const ingress: K.V1Ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(i, opts.namespace),
    spec: {
      ingressClassName: i.spec!.ingressClassName,
      rules: (i.spec!.rules ?? []).map((r) => ({ ...r, host: opts.host })),
    },
  };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: opts.namespace } },
    deployment,
    svc,
    ingress,
  ];
}

/** Reads the service's Deployment, Service and Ingress from the stack's namespace. */
export async function readService(
  kc: K.KubeConfig,
  namespace: string,
  service: string,
): Promise<{ deployment: K.V1Deployment; service: K.V1Service; ingress: K.V1Ingress }> {
  const k = kubeClient();
  const [deployment, svc, ingress] = await Promise.all([
    kc.makeApiClient(k.AppsV1Api).readNamespacedDeployment({ name: service, namespace }),
    kc.makeApiClient(k.CoreV1Api).readNamespacedService({ name: service, namespace }),
    kc.makeApiClient(k.NetworkingV1Api).readNamespacedIngress({ name: service, namespace }),
  ]);
  return { deployment, service: svc, ingress };
}
