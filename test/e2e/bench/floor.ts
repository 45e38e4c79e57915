/**
 * The floor of a rebuild: the fewest steps that carry a save to a new answer served, done
 * directly by a small program and nothing else — BuildKit builds the image with the stack's own
 * builder (`buildctl`, its cache warm) and pushes it, the Deployment's image is set to the new
 * digest through the Kubernetes API, a watch on its pods waits until a pod of the new image is
 * ready, then the new answer is read through the ingress (127.0.0.1 with the Host header).
 * No Pulumi, no kubectl, no process started but `buildctl`.
 *
 * It works on a copy of the service (./serviceCopy.ts: same pod spec, a namespace and host of its
 * own), so that it changes nothing the stack owns.
 */
import type * as K from "@kubernetes/client-node";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildxStoreDir, pickBuilder, readBuildxStore } from "../../../host/buildkit";
import { kubeClient } from "../../../dev/cluster";
import * as h from "../harness";
import { seconds } from "./common";

export interface FloorTarget {
  readonly kc: K.KubeConfig;
  readonly namespace: string;
  /** The Deployment and its container (both named after the service). */
  readonly service: string;
  /** The build context (its Dockerfile at the root). */
  readonly context: string;
  /** The repository pods pull from and the build pushes to: `localhost:5051/price-floor`. */
  readonly repository: string;
}

/** How long each step of one floor save took. */
export interface FloorSteps {
  readonly build: number;
  readonly setImage: number;
  readonly podReady: number;
  readonly answer: number;
}

/** The BuildKit daemon the stack builds with (the buildx store's builder docker-build picks). */
export function stackBuilder(): string {
  const picked = pickBuilder(readBuildxStore(buildxStoreDir(h.toolEnv())), undefined);
  if ("missing" in picked) throw new Error(`no builder for the floor: ${picked.missing}`);
  return picked.endpoint;
}

/** `buildctl build` of the context, pushed; resolves with the image's digest. */
export async function buildAndPush(
  endpoint: string,
  context: string,
  image: string,
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "localkube-floor-"));
  try {
    const metadata = path.join(dir, "metadata.json");
    await h.must("buildctl", [
      "--addr",
      endpoint,
      "build",
      "--frontend",
      "dockerfile.v0",
      "--local",
      `context=${context}`,
      "--local",
      `dockerfile=${context}`,
      "--output",
      `type=image,name=${image},push=true`,
      "--metadata-file",
      metadata,
    ]);
    const digest = JSON.parse(fs.readFileSync(metadata, "utf8"))["containerimage.digest"];
    if (typeof digest !== "string") throw new Error("buildctl reported no image digest");
    return digest;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Sets the Deployment's container to `image` (a strategic merge patch through the API). */
async function setImage(t: FloorTarget, image: string): Promise<void> {
  const k = kubeClient();
  await t.kc.makeApiClient(k.AppsV1Api).patchNamespacedDeployment(
    {
      name: t.service,
      namespace: t.namespace,
      fieldManager: "localkube-bench-floor",
      body: { spec: { template: { spec: { containers: [{ name: t.service, image }] } } } },
    },
    k.setHeaderOptions("Content-Type", k.PatchStrategy.StrategicMergePatch),
  );
}

const readyWith = (pod: K.V1Pod, image: string) =>
  !pod.metadata?.deletionTimestamp &&
  (pod.spec?.containers ?? []).some((c) => c.image === image) &&
  (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Resolves once a pod of the Deployment running `image` is ready: a list, then a watch from it. */
export async function podReady(
  t: Pick<FloorTarget, "kc" | "namespace" | "service">,
  image: string,
  timeoutMs = 300_000,
): Promise<void> {
  const k = kubeClient();
  const selector = `app.kubernetes.io/name=${t.service}`;
  const list = await t.kc
    .makeApiClient(k.CoreV1Api)
    .listNamespacedPod({ namespace: t.namespace, labelSelector: selector });
  if (list.items.some((p) => readyWith(p, image))) return;
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    let abort: AbortController | undefined;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      abort?.abort();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`no ready pod of ${image} after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    new k.Watch(t.kc)
      .watch(
        `/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods`,
        { labelSelector: selector, resourceVersion: list.metadata?.resourceVersion },
        (phase, pod: K.V1Pod) => {
          if (phase !== "DELETED" && readyWith(pod, image)) finish();
        },
        (err) => finish(err ?? new Error("the pod watch ended")),
      )
      .then((a) => {
        abort = a;
        if (finished) a.abort();
      }, finish);
  });
}

/**
 * One floor save: `change()` has just been saved; builds, pushes, sets the image, waits for the
 * pod, then until `answered()` says the new answer is served. Returns each step's seconds.
 */
export async function floorSave(
  t: FloorTarget,
  endpoint: string,
  tag: string,
  answered: () => Promise<boolean>,
): Promise<FloorSteps> {
  let digest = "";
  const build = await seconds(async () => {
    digest = await buildAndPush(endpoint, t.context, `${t.repository}:${tag}`);
  });
  const image = `${t.repository}@${digest}`;
  const setImageSeconds = await seconds(() => setImage(t, image));
  const ready = await seconds(() => podReady(t, image));
  const answer = await seconds(async () => {
    const end = Date.now() + 120_000;
    while (!(await answered())) {
      if (Date.now() > end)
        throw new Error(`${t.service}: no new answer 120 s after its pod was ready`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return { build, setImage: setImageSeconds, podReady: ready, answer };
}
