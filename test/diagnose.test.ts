import type {
  CoreV1Event,
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from "@kubernetes/client-node";
import {
  diagnose,
  DiagnoseInput,
  formatProblem,
  logsToFetch,
  registryAnswer,
  unresolvedHost,
} from "../status/diagnose";
import { DEV_LOOP_RETRY } from "../status/problems";
import { currentPods, rolloutStatus, workloadKind } from "../status/rollout";

/* Fixtures: the fields Kubernetes returns for these states (`kubectl get -o json`), trimmed. */

const NS = "localkube";
const json = <T>(value: unknown): T => value as T;

const deployment = (status: object = {}, meta: object = {}) =>
  json<V1Deployment>({
    kind: "Deployment",
    metadata: {
      name: "price",
      namespace: NS,
      uid: "d-uid",
      generation: 2,
      annotations: { "deployment.kubernetes.io/revision": "2" },
      ...meta,
    },
    spec: { replicas: 1, selector: { matchLabels: { "app.kubernetes.io/name": "price" } } },
    status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, ...status },
  });

const replicaSet = (revision: string, uid: string, status: object = {}) =>
  json<V1ReplicaSet>({
    metadata: {
      name: `price-${uid}`,
      namespace: NS,
      uid,
      annotations: { "deployment.kubernetes.io/revision": revision },
      ownerReferences: [{ kind: "Deployment", name: "price", uid: "d-uid" }],
    },
    status: { replicas: 1, ...status },
  });

const RS_OLD = replicaSet("1", "rs1");
const RS = replicaSet("2", "rs2");

/** A pod of the current ReplicaSet with one container `price` in `state`. */
const pod = (
  name: string,
  container: object,
  extra: { conditions?: object[]; owner?: string; limits?: object } = {},
) =>
  json<V1Pod>({
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: "2026-11-24T12:00:00Z",
      labels: { "app.kubernetes.io/name": "price" },
      ownerReferences: [{ kind: "ReplicaSet", name: "x", uid: extra.owner ?? "rs2" }],
    },
    spec: {
      containers: [
        {
          name: "price",
          image: "localhost:5051/mirror/does-not-exist:1",
          resources: { limits: extra.limits ?? { memory: "128Mi" } },
        },
      ],
    },
    status: {
      phase: "Pending",
      conditions: extra.conditions ?? [],
      containerStatuses: [
        { name: "price", ready: false, restartCount: 0, image: "x", imageID: "", ...container },
      ],
    },
  });

const event = (
  about: { kind: string; name: string; uid: string },
  reason: string,
  message: string,
  at = "2026-11-24T12:00:05Z",
) =>
  json<CoreV1Event>({
    metadata: { name: `${about.name}.1`, namespace: NS, creationTimestamp: at },
    involvedObject: { ...about, namespace: NS },
    reason,
    message,
    type: "Warning",
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  });
const aboutPod = (name: string) => ({ kind: "Pod", name, uid: `uid-${name}` });

const input = (pods: V1Pod[], more: Partial<DiagnoseInput> = {}): DiagnoseInput => ({
  service: "price",
  namespace: NS,
  workload: deployment(),
  replicaSets: [RS_OLD, RS],
  pods,
  events: [],
  definedIn: "services/price.yaml",
  ...more,
});

const OVERRIDE = {
  chosenBy: '`localkube:images.overrides` (entry "price")',
  fix: "correct that entry, or publish the image there",
};
const NOT_FOUND =
  'rpc error: code = NotFound desc = failed to pull and unpack image "localhost:5051/mirror/does-not-exist:1": failed to resolve reference "localhost:5051/mirror/does-not-exist:1": localhost:5051/mirror/does-not-exist:1: not found';

describe("diagnose: image cannot be pulled", () => {
  test("ErrImagePull: the image, the registry's answer, the config key that chose the image", () => {
    const p = diagnose(
      input(
        [pod("price-a", { state: { waiting: { reason: "ErrImagePull", message: NOT_FOUND } } })],
        {
          imageOrigins: { price: OVERRIDE },
        },
      ),
    );
    expect(p).toEqual({
      kind: "image-pull",
      terminal: true,
      message:
        'price in namespace localkube: image "localhost:5051/mirror/does-not-exist:1" cannot be pulled (ErrImagePull): the registry answered "not found"',
      detail:
        'failed to pull and unpack image "localhost:5051/mirror/does-not-exist:1": failed to resolve reference "localhost:5051/mirror/does-not-exist:1": localhost:5051/mirror/does-not-exist:1: not found',
      hint: 'the image was chosen by `localkube:images.overrides` (entry "price"): correct that entry, or publish the image there, then run `pulumi up` again',
      pod: "price-a",
      container: "price",
    });
  });

  test("ImagePullBackOff without the error in its message: the registry's answer comes from the pod's latest pull event", () => {
    const unauthorized =
      'Failed to pull image "ghcr.io/acme/price:1": rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/acme/price:1": failed to resolve reference "ghcr.io/acme/price:1": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository:acme/price:pull&service=ghcr.io: 401 Unauthorized';
    const p = diagnose(
      input(
        [
          pod("price-a", {
            state: {
              waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "x"' },
            },
          }),
        ],
        {
          events: [
            event(aboutPod("price-a"), "Failed", "Error: ErrImagePull", "2026-11-24T12:00:06Z"),
            event(aboutPod("price-a"), "Failed", unauthorized, "2026-11-24T12:00:05Z"),
            event(aboutPod("price-b"), "Failed", 'Failed to pull image "y": other pod'),
          ],
        },
      ),
    );
    expect(p?.message).toBe(
      'price in namespace localkube: image "localhost:5051/mirror/does-not-exist:1" cannot be pulled (ImagePullBackOff): the registry answered "401 Unauthorized"',
    );
    expect(p?.hint).toBe(
      "correct the image reference or publish the image, then run `pulumi up` again",
    );
  });

  test("InvalidImageName", () => {
    const p = diagnose(
      input([
        pod("price-a", {
          state: {
            waiting: {
              reason: "InvalidImageName",
              message:
                'Failed to apply default image tag "Mirror/Price:1": couldn\'t parse image name "Mirror/Price:1": invalid reference format: repository name (library/Mirror/Price) must be lowercase',
            },
          },
        }),
      ]),
    );
    expect(p?.message).toBe(
      'price in namespace localkube: image "localhost:5051/mirror/does-not-exist:1" is not a valid image reference (InvalidImageName): repository name (library/Mirror/Price) must be lowercase',
    );
    expect(p?.terminal).toBe(true);
  });

  test("a registry that is down: terminal once pulls failed for 30 s, not at once", () => {
    const refused =
      'rpc error: code = Unknown desc = failed to pull and unpack image "localhost:5001/price:1": failed to resolve reference "localhost:5001/price:1": failed to do request: Head "http://localhost:5001/v2/price/manifests/1": dial tcp 127.0.0.1:5001: connect: connection refused';
    const objects = input([
      pod("price-a", { state: { waiting: { reason: "ErrImagePull", message: refused } } }),
    ]);
    expect(diagnose(objects)?.terminal).toBe(false);
    expect(diagnose({ ...objects, now: "2026-11-24T12:00:29Z" })?.terminal).toBe(false);
    const p = diagnose({ ...objects, now: "2026-11-24T12:00:30Z" });
    expect([p?.terminal, p?.message]).toEqual([
      true,
      'price in namespace localkube: image "localhost:5051/mirror/does-not-exist:1" cannot be pulled (ErrImagePull): connection refused',
    ]);
  });

  test("in the dev loop the hint ends with how it tries again there: a save (no pulumi up to run)", () => {
    const p = diagnose(
      input(
        [pod("price-a", { state: { waiting: { reason: "ErrImagePull", message: NOT_FOUND } } })],
        { imageOrigins: { price: OVERRIDE }, retry: DEV_LOOP_RETRY },
      ),
    );
    expect(p?.hint).toBe(
      'the image was chosen by `localkube:images.overrides` (entry "price"): correct that entry, or publish the image there, then save it: npm run dev applies it',
    );
  });

  test("a registry host that does not resolve: terminal at once, said as such (no registry answered)", () => {
    const dns =
      'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.example/acme/price:1": failed to resolve reference "ghcr.example/acme/price:1": failed to do request: Head "https://ghcr.example/v2/acme/price/manifests/1": dial tcp: lookup ghcr.example on 10.96.0.10:53: no such host';
    const p = diagnose(
      input([pod("price-a", { state: { waiting: { reason: "ErrImagePull", message: dns } } })]),
    );
    expect([p?.terminal, p?.message]).toEqual([
      true,
      'price in namespace localkube: image "localhost:5051/mirror/does-not-exist:1" cannot be pulled (ErrImagePull): cannot resolve ghcr.example (no such host)',
    ]);
    expect(unresolvedHost("dial tcp: lookup registry.internal: no such host")).toBe(
      "registry.internal",
    );
    expect(unresolvedHost("dial tcp 10.0.0.1:443: i/o timeout")).toBeUndefined();
  });

  test("registryAnswer: the last part of containerd's error", () => {
    expect(registryAnswer("dial tcp: lookup ghcr.example on 10.0.0.1:53: no such host")).toBe(
      "no such host",
    );
  });
});

describe("diagnose: container configuration", () => {
  test("CreateContainerConfigError: a missing Secret key", () => {
    expect(
      diagnose(
        input([
          pod("price-a", {
            state: {
              waiting: {
                reason: "CreateContainerConfigError",
                message: "couldn't find key DATABASE_URL in Secret localkube/postgres-connection",
              },
            },
          }),
        ]),
      ),
    ).toEqual({
      kind: "container-config",
      terminal: true,
      message:
        "price in namespace localkube: container price cannot be created (CreateContainerConfigError): couldn't find key DATABASE_URL in Secret localkube/postgres-connection",
      hint: "it refers to a Secret or ConfigMap key that does not exist: create it, or correct the reference in services/price.yaml, then run `pulumi up` again",
      pod: "price-a",
      container: "price",
    });
  });
});

describe("diagnose: crash loop", () => {
  const crashing = (terminated: object, restartCount = 2) =>
    pod("price-a", {
      restartCount,
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: "back-off 20s restarting failed container=price pod=price-a",
        },
      },
      lastState: { terminated: { exitCode: 1, reason: "Error", ...terminated } },
    });

  test("exit code, reason, restarts and the last 20 lines of the previous container's log", () => {
    const lines = Array.from({ length: 24 }, (_, i) => `line ${i + 1}`);
    lines.push("KeyError: 'QUOTE_CURRENCY'", "");
    const objects = input([crashing({})]);
    expect(logsToFetch(objects)).toEqual([{ pod: "price-a", container: "price", previous: true }]);
    const p = diagnose({ ...objects, previousLogs: { "price-a/price": lines } });
    expect(p?.kind).toBe("crash-loop");
    expect(p?.terminal).toBe(true);
    expect(p && formatProblem(p)).toBe(
      [
        "price in namespace localkube keeps crashing: container price exited with code 1 (Error) and was restarted 2 times; its last log line: \"KeyError: 'QUOTE_CURRENCY'\"",
        "last 20 lines of its log:",
        ...lines.slice(5, 25).map((l) => `  | ${l}`),
        "fix: fix what its log shows (the service's code, or its env and dependencies in services/price.yaml), then run `pulumi up` again",
      ].join("\n"),
    );
  });

  test("OOMKilled: the memory limit and where to raise it", () => {
    const p = diagnose(input([crashing({ exitCode: 137, reason: "OOMKilled" }, 1)]));
    expect(p?.message).toBe(
      "price in namespace localkube keeps crashing: container price was killed for using more memory than its limit of 128Mi (OOMKilled, exit code 137) and was restarted 1 time; it wrote no log",
    );
    expect(p?.hint).toBe(
      "raise resources.limits.memory in services/price.yaml, then run `pulumi up` again",
    );
  });

  test("a container that just exited and is being restarted is not terminal yet; its current log explains it", () => {
    const objects = input([
      pod("price-a", { state: { terminated: { exitCode: 3, reason: "Error" } } }),
    ]);
    expect(logsToFetch(objects)).toEqual([{ pod: "price-a", container: "price", previous: false }]);
    const p = diagnose({ ...objects, previousLogs: { "price-a/price": ["boom"] } });
    expect([p?.kind, p?.terminal, p?.message]).toEqual([
      "crash-loop",
      false,
      'price in namespace localkube crashed: container price exited with code 3 (Error); its last log line: "boom"',
    ]);
  });
});

describe("diagnose: unschedulable", () => {
  const pending = (message: string) =>
    pod(
      "price-a",
      { state: { waiting: { reason: "ContainerCreating" } } },
      {
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message,
            lastTransitionTime: "2026-11-24T12:00:00Z",
          },
        ],
      },
    );
  const INSUFFICIENT =
    "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";

  test("insufficient cpu: the scheduler's message, terminal", () => {
    expect(diagnose(input([pending(INSUFFICIENT)]))).toEqual({
      kind: "unschedulable",
      terminal: true,
      message: `price in namespace localkube cannot be scheduled: ${INSUFFICIENT}`,
      hint: "no node has enough free cpu for its requests: lower resources.requests in services/price.yaml, or add capacity to the cluster (locally: localkube:cluster.workers), then run `pulumi up` again",
      pod: "price-a",
    });
  });

  test("a node selector no node matches", () => {
    const p = diagnose(
      input([
        pending(
          "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        ),
      ]),
    );
    expect([p?.terminal, p?.hint]).toEqual([
      true,
      "no node has the labels it asks for: correct its node selector or affinity, or label a node, then run `pulumi up` again",
    ]);
  });

  test("a node that is still starting (its taint), or a scale-up under way, is waited for", () => {
    // Kubernetes 1.34's words for a node whose not-ready taint the pod does not tolerate.
    const TAINTED =
      "0/1 nodes are available: 1 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    const booting = diagnose(input([pending(TAINTED)], { now: "2026-11-24T12:00:30Z" }));
    expect([booting?.kind, booting?.terminal]).toEqual(["unschedulable", false]);
    expect(diagnose(input([pending(TAINTED)]))?.terminal).toBe(false);
    const scaling = diagnose(
      input([pending(INSUFFICIENT)], {
        events: [event(aboutPod("price-a"), "TriggeredScaleUp", "pod triggered scale-up")],
      }),
    );
    expect([scaling?.terminal, scaling?.message]).toEqual([
      false,
      `price in namespace localkube cannot be scheduled: ${INSUFFICIENT} (the cluster autoscaler is adding a node)`,
    ]);
  });

  test("a reason that may pass is terminal once the pod waited a minute for it", () => {
    const TAINTED =
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).";
    const objects = input([pending(TAINTED)]);
    expect(diagnose({ ...objects, now: "2026-11-24T12:00:59Z" })?.terminal).toBe(false);
    expect(diagnose({ ...objects, now: "2026-11-24T12:01:00Z" })).toEqual({
      kind: "unschedulable",
      terminal: true,
      message: `price in namespace localkube cannot be scheduled: ${TAINTED}`,
      hint: "no node has enough free cpu for its requests: lower resources.requests in services/price.yaml, or add capacity to the cluster (locally: localkube:cluster.workers), then run `pulumi up` again",
      pod: "price-a",
    });
  });
});

describe("diagnose: pods refused (quota, limits)", () => {
  const QUOTA =
    'pods "price-rs2-x7k2p" is forbidden: exceeded quota: sandbox, requested: requests.cpu=2,requests.memory=64Mi, used: requests.cpu=150m,requests.memory=160Mi, limited: requests.cpu=1,requests.memory=8Gi';
  const failure = (message: string) =>
    replicaSet("2", "rs2", {
      conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message }],
    });

  test("a quota exceeded in a branch sandbox: a ReplicaFailure of the current ReplicaSet, not a pod", () => {
    expect(diagnose(input([], { replicaSets: [RS_OLD, failure(QUOTA)] }))).toEqual({
      kind: "create-failed",
      terminal: true,
      message: `price in namespace localkube: Kubernetes refuses to create its pods: ${QUOTA}`,
      hint: 'the namespace\'s ResourceQuota "sandbox" has no room for it: raise localkube:quota.cpu and localkube:quota.memory, or lower resources.requests in services/price.yaml, then run `pulumi up` again',
    });
  });

  test("a quota whose usage is not computed yet passes by itself", () => {
    const p = diagnose(
      input([], {
        replicaSets: [
          failure(
            'pods "price-rs2-x7k2p" is forbidden: status unknown for quota: sandbox, resource: requests.cpu',
          ),
        ],
      }),
    );
    expect([p?.kind, p?.terminal]).toEqual(["create-failed", false]);
  });

  test("a LimitRange maximum", () => {
    const p = diagnose(
      input([], {
        replicaSets: [
          failure(
            'pods "price-rs2-x7k2p" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi',
          ),
        ],
      }),
    );
    expect(p?.hint).toBe(
      "the namespace's LimitRange refuses its resources: change resources in services/price.yaml (or localkube:limits.*), then run `pulumi up` again",
    );
  });

  test("a branch sandbox's Pod Security admission: the API server's words, and the catalog field or config key to change", () => {
    const PSA =
      'pods "price-rs2-x7k2p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "price" must not set securityContext.privileged=true), non-default capabilities (container "price" must not include "SYS_ADMIN" in securityContext.capabilities.add)';
    expect(diagnose(input([], { replicaSets: [RS_OLD, failure(PSA)] }))).toEqual({
      kind: "create-failed",
      terminal: true,
      message: `price in namespace localkube: Kubernetes refuses to create its pods: ${PSA}`,
      hint: 'the namespace enforces the Pod Security level "baseline" (localkube:podSecurity.enforce) and the fields listed break it: change them in the securityContext of services/price.yaml, or, if the service must have them, set localkube:podSecurity.enforce to privileged for this sandbox, then run `pulumi up` again',
    });
    const restricted = diagnose(
      input([], {
        replicaSets: [
          failure(
            'pods "price-rs2-x7k2p" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "price" must set securityContext.runAsNonRoot=true)',
          ),
        ],
      }),
    );
    expect(restricted?.hint).toBe(
      'the namespace enforces the Pod Security level "restricted" (localkube:podSecurity.enforce) and the fields listed break it: change them in the securityContext of services/price.yaml, or, if the service must have them, set localkube:podSecurity.enforce to baseline or privileged for this sandbox, then run `pulumi up` again',
    );
  });

  test("a StatefulSet's FailedCreate event counts from `since` on, and only while pods are missing", () => {
    const sts = json<V1StatefulSet>({
      kind: "StatefulSet",
      metadata: { name: "postgres", namespace: NS, uid: "s-uid", generation: 1 },
      spec: { replicas: 1, serviceName: "postgres" },
      status: { replicas: 0, updateRevision: "postgres-1" },
    });
    const refused = (at: string) =>
      event(
        { kind: "StatefulSet", name: "postgres", uid: "s-uid" },
        "FailedCreate",
        'create Pod postgres-0 in StatefulSet postgres failed error: pods "postgres-0" is forbidden: exceeded quota: sandbox, requested: pods=1, used: pods=3, limited: pods=3',
        at,
      );
    const objects = {
      ...input([]),
      service: "postgres",
      workload: sts,
      replicaSets: [],
      definedIn: "localkube's PostgreSQL appliance",
      since: "2026-11-24T12:00:00Z",
    };
    expect(diagnose({ ...objects, events: [refused("2026-11-24T11:58:00Z")] })).toBeUndefined();
    expect(diagnose({ ...objects, events: [refused("2026-11-24T12:00:02Z")] })).toEqual({
      kind: "create-failed",
      terminal: true,
      message:
        'postgres in namespace localkube: Kubernetes refuses to create its pods: pods "postgres-0" is forbidden: exceeded quota: sandbox, requested: pods=1, used: pods=3, limited: pods=3',
      hint: "the namespace's ResourceQuota \"sandbox\" has no room for it: raise localkube:quota.pods, or lower resources.requests in localkube's PostgreSQL appliance, then run `pulumi up` again",
    });
  });
});

describe("diagnose: probes and stalled rollouts", () => {
  const running = pod("price-a", {
    state: { running: { startedAt: "2026-11-24T12:00:01Z" } },
  });

  test("a failing readiness probe: its latest failure, not terminal (the gate's timeout ends it)", () => {
    expect(
      diagnose(
        input([running], {
          events: [
            event(
              aboutPod("price-a"),
              "Unhealthy",
              'Readiness probe failed: Get "http://10.244.0.7:8080/healthz": dial tcp 10.244.0.7:8080: connect: connection refused',
              "2026-11-24T12:00:03Z",
            ),
            event(
              aboutPod("price-a"),
              "Unhealthy",
              "Readiness probe failed: HTTP probe failed with statuscode: 503",
              "2026-11-24T12:00:09Z",
            ),
          ],
        }),
      ),
    ).toEqual({
      kind: "not-ready",
      terminal: false,
      message:
        "price in namespace localkube is not ready: Readiness probe failed: HTTP probe failed with statuscode: 503",
      hint: "it fails its probe (probes in services/price.yaml): check its log (`kubectl -n localkube logs price-a`) and its dependencies; if it only starts slowly, raise localkube:readyTimeout",
      pod: "price-a",
      container: "price",
    });
  });

  test("a running pod without a probe failure yet, a pod being created: nothing wrong", () => {
    expect(diagnose(input([running]))).toBeUndefined();
    expect(
      diagnose(input([pod("price-a", { state: { waiting: { reason: "ContainerCreating" } } })])),
    ).toBeUndefined();
  });

  test("ProgressDeadlineExceeded", () => {
    const p = diagnose(
      input([], {
        workload: deployment({
          conditions: [
            {
              type: "Progressing",
              status: "False",
              reason: "ProgressDeadlineExceeded",
              message: 'ReplicaSet "price-rs2" has timed out progressing.',
            },
          ],
        }),
      }),
    );
    expect(p && formatProblem(p)).toBe(
      [
        'price in namespace localkube: its rollout made no progress: ReplicaSet "price-rs2" has timed out progressing.',
        "fix: `kubectl -n localkube describe deployment price` shows why; fix it, then run `pulumi up` again",
      ].join("\n"),
    );
  });
});

describe("diagnose: which problem, which pods", () => {
  test("a terminal problem wins over a failing probe; pods of an older revision are ignored", () => {
    const old = pod(
      "price-old",
      { state: { waiting: { reason: "CrashLoopBackOff" } } },
      { owner: "rs1" },
    );
    const slow = pod("price-b", { state: { running: {} } });
    const broken = pod("price-c", { state: { waiting: { reason: "ErrImagePull" } } });
    const events = [event(aboutPod("price-b"), "Unhealthy", "Readiness probe failed: 503")];
    expect(currentPods(input([old, slow, broken])).map((p) => p.metadata?.name)).toEqual([
      "price-b",
      "price-c",
    ]);
    expect(diagnose(input([old, slow, broken], { events }))?.kind).toBe("image-pull");
    expect(diagnose(input([old, slow], { events }))?.kind).toBe("not-ready");
  });

  test("terminating and evicted pods are not the service's problem", () => {
    const leaving = json<V1Pod>({
      ...pod("price-a", { state: { waiting: { reason: "ErrImagePull" } } }),
      metadata: {
        ...pod("price-a", {}).metadata,
        deletionTimestamp: "2026-11-24T12:00:09Z",
      },
    });
    const evicted = json<V1Pod>({
      ...pod("price-b", { state: { waiting: { reason: "ErrImagePull" } } }),
      status: { phase: "Failed", reason: "Evicted" },
    });
    expect(diagnose(input([leaving, evicted]))).toBeUndefined();
  });
});

describe("rolloutStatus", () => {
  const ready = { availableReplicas: 1, readyReplicas: 1 };
  test.each([
    [{ observedGeneration: 1 }, {}, "the Deployment controller to see the new spec"],
    [{ updatedReplicas: 0 }, {}, "0 of 1 pods updated"],
    // Mid-rollout the old pod is the available one: the new ReplicaSet's pod is not ready yet.
    [{ replicas: 2, ...ready }, {}, "0 of 1 updated pods ready"],
    [{ replicas: 2, ...ready }, { availableReplicas: 1 }, "1 old pod to terminate"],
    [{ availableReplicas: 0 }, {}, "0 of 1 updated pods ready"],
  ])("Deployment %j, new ReplicaSet %j: waits for %s", (status, current, waitingFor) => {
    const workload = deployment(status);
    const replicaSets = [RS_OLD, replicaSet("2", "rs2", current)];
    expect(rolloutStatus(input([], { workload, replicaSets }))).toEqual({
      ready: false,
      waitingFor,
    });
  });

  test("Deployment: every replica updated and available, none old", () => {
    expect(rolloutStatus(input([], { workload: deployment(ready) }))).toEqual({
      ready: true,
      waitingFor: "",
    });
  });

  const sts = (status: object) =>
    json<V1StatefulSet>({
      metadata: { name: "postgres", generation: 2 },
      spec: { replicas: 1, serviceName: "postgres", updateStrategy: { type: "RollingUpdate" } },
      status: { observedGeneration: 2, replicas: 1, ...status },
    });

  test.each([
    [{ readyReplicas: 0 }, false, "0 of 1 pods ready"],
    [
      { readyReplicas: 1, currentReplicas: 1, currentRevision: "a", updateRevision: "b" },
      false,
      "revision b to roll out",
    ],
    [{ readyReplicas: 1, currentReplicas: 1, currentRevision: "b", updateRevision: "b" }, true, ""],
  ])("StatefulSet (a list item, without kind) %j", (status, isReady, waitingFor) => {
    const workload = sts(status);
    expect(workloadKind(workload)).toBe("StatefulSet");
    expect(rolloutStatus(input([], { workload, replicaSets: [] }))).toEqual({
      ready: isReady,
      waitingFor,
    });
  });

  test("no workload yet", () => {
    expect(rolloutStatus(input([], { workload: undefined }))).toEqual({
      ready: false,
      waitingFor: "the workload to exist",
    });
  });
});

describe("diagnose: the local registry and stale refusals", () => {
  test("an image the local registry does not have: containerd only reports the node's fallback to localhost, which is refused", () => {
    const fallback =
      'failed to pull and unpack image "localhost:5051/mirror/does-not-exist:1": failed to resolve reference "localhost:5051/mirror/does-not-exist:1": failed to do request: Head "http://localhost:5051/v2/mirror/does-not-exist/manifests/1": dial tcp [::1]:5051: connect: connection refused';
    const p = diagnose(
      input([
        pod("price-a", { state: { waiting: { reason: "ErrImagePull", message: fallback } } }),
      ]),
    );
    expect([p?.terminal, p?.message, p?.detail]).toEqual([
      true,
      'price in namespace localkube: image "localhost:5051/mirror/does-not-exist:1" cannot be pulled (ErrImagePull): the local registry at localhost:5051 does not have it, or is not running',
      fallback,
    ]);
  });

  test("a ReplicaSet's refusal from before `since` is not terminal (the cause may be fixed); refused again since, it is", () => {
    const QUOTA =
      'pods "price-rs2-x7k2p" is forbidden: exceeded quota: sandbox, requested: requests.cpu=20m, used: requests.cpu=0, limited: requests.cpu=10m';
    const refused = replicaSet("2", "rs2", {
      conditions: [
        { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: QUOTA },
      ],
    });
    const again = (at: string) =>
      event(
        { kind: "ReplicaSet", name: "price-rs2", uid: "rs2" },
        "FailedCreate",
        `Error creating: ${QUOTA}`,
        at,
      );
    const objects = input([], { replicaSets: [RS_OLD, refused], since: "2026-11-24T12:00:10Z" });
    const stale = diagnose({ ...objects, events: [again("2026-11-24T12:00:09Z")] });
    expect([stale?.kind, stale?.terminal]).toEqual(["create-failed", false]);
    const now = diagnose({ ...objects, events: [again("2026-11-24T12:00:10Z")] });
    expect([now?.terminal, now?.message]).toEqual([
      true,
      `price in namespace localkube: Kubernetes refuses to create its pods: ${QUOTA}`,
    ]);
  });
});
