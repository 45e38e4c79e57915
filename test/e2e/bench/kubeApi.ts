/**
 * The benchmark's own calls to the Kubernetes API (no kubectl): its cluster's config, objects
 * applied and namespaces removed, a service's pods settled.
 */
import type * as K from "@kubernetes/client-node";
import { kubeClient } from "../../../dev/cluster";
import * as h from "../harness";
import { sleep } from "./common";

/** The suite's cluster through the kubeconfig kind wrote for it. */
export function benchKubeConfig(): K.KubeConfig {
  const kc = new (kubeClient().KubeConfig)();
  kc.loadFromFile(h.toolEnv().KUBECONFIG!);
  kc.setCurrentContext(`kind-${h.E2E.cluster}`);
  return kc;
}

/** Applies objects (server-side apply, forced, as the benchmark's own field manager). */
export async function applyObjects(
  kc: K.KubeConfig,
  objects: readonly K.KubernetesObject[],
): Promise<void> {
  const k = kubeClient();
  const api = k.KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects)
    await api.patch(
      o,
      undefined,
      undefined,
      "localkube-bench",
      true,
      k.PatchStrategy.ServerSideApply,
    );
}

/** Deletes a namespace of the benchmark's and waits until it is gone. */
export async function deleteNamespace(kc: K.KubeConfig, namespace: string): Promise<void> {
  const core = kc.makeApiClient(kubeClient().CoreV1Api);
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  const end = Date.now() + 180_000;
  while (Date.now() < end) {
    const gone = await core.readNamespace({ name: namespace }).then(
      () => false,
      () => true,
    );
    if (gone) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${namespace} still there after 180 s`);
}

/** Waits until a service runs exactly `count` pods, none of them terminating: its rollout ended. */
export async function settledPods(
  kc: K.KubeConfig,
  namespace: string,
  service: string,
  count = 1,
): Promise<void> {
  const core = kc.makeApiClient(kubeClient().CoreV1Api);
  const end = Date.now() + 120_000;
  for (;;) {
    const pods = (
      await core.listNamespacedPod({
        namespace,
        labelSelector: `app.kubernetes.io/name=${service}`,
      })
    ).items;
    if (pods.length === count && pods.every((p) => !p.metadata?.deletionTimestamp)) return;
    if (Date.now() > end) throw new Error(`${service} still has ${pods.length} pods after 120 s`);
    await sleep(250);
  }
}
