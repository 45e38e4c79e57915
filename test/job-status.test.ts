import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import { jobFailedBefore, jobRerun } from "../providers/workloadReady";
import { diagnose, formatProblem, logsToFetch } from "../status/diagnose";
import { currentPods, rolloutStatus, workloadKind } from "../status/rollout";

/* Fixtures: what `kubectl get -o json` returns for a Job and its pods, trimmed. */

const NS = "localkube";
const json = <T>(value: unknown): T => value as T;
const UID_LABELS = {
  "batch.kubernetes.io/controller-uid": "j-uid",
  "controller-uid": "j-uid",
  "batch.kubernetes.io/job-name": "bank-migrate",
  "job-name": "bank-migrate",
};

const job = (status: object = {}, withKind = true) =>
  json<V1Job>({
    ...(withKind ? { kind: "Job" } : {}),
    metadata: {
      name: "bank-migrate",
      namespace: NS,
      uid: "j-uid",
      generation: 1,
      labels: { "app.kubernetes.io/name": "bank-migrate" },
      annotations: { "pulumi.com/skipAwait": "true" },
      resourceVersion: "42",
      creationTimestamp: "2026-11-24T12:00:00Z",
    },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "j-uid" } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "bank-migrate", ...UID_LABELS } },
        spec: {
          restartPolicy: "Never",
          containers: [
            { name: "bank-migrate", image: "bank:1", resources: { limits: { memory: "128Mi" } } },
          ],
        },
      },
    },
    status,
  });

const condition = (type: string, reason: string, message = "", at = "2026-11-24T12:01:00Z") => ({
  type,
  status: "True",
  reason,
  message,
  lastTransitionTime: at,
});

const pod = (name: string, phase: string, state: object, created = "2026-11-24T12:00:01Z") =>
  json<V1Pod>({
    metadata: {
      name,
      namespace: NS,
      uid: `${name}-uid`,
      creationTimestamp: created,
      labels: UID_LABELS,
    },
    spec: {
      containers: [
        { name: "bank-migrate", image: "bank:1", resources: { limits: { memory: "128Mi" } } },
      ],
    },
    status: {
      phase,
      containerStatuses: [
        {
          name: "bank-migrate",
          ready: false,
          restartCount: 0,
          image: "bank:1",
          imageID: "",
          state,
        },
      ],
    },
  });

const failedRun = (name: string, created: string, exitCode = 1, reason = "Error") =>
  pod(name, "Failed", { terminated: { exitCode, reason } }, created);

const objects = (j: V1Job, pods: V1Pod[], extra: object = {}) => ({
  service: "bank-migrate",
  namespace: NS,
  workload: j,
  pods,
  definedIn: "services/bank-migrate.yaml",
  ...extra,
});

describe("a Job's status", () => {
  test("a Job is told apart from a Deployment or StatefulSet even without its kind", () => {
    expect(workloadKind(job({}, false))).toBe("Job");
    expect(workloadKind(job())).toBe("Job");
  });

  test.each([
    [{}, false, "the job to complete (no pod running yet)"],
    [{ active: 1 }, false, "the job to complete (1 pod running)"],
    [{ active: 2 }, false, "the job to complete (2 pods running)"],
    [{ succeeded: 1, conditions: [condition("Complete", "")] }, true, ""],
    [
      { failed: 1, conditions: [condition("Failed", "BackoffLimitExceeded")] },
      false,
      "a job that failed",
    ],
  ])("status %j: ready %s, waiting for %j", (status, ready, waitingFor) => {
    expect(rolloutStatus(objects(job(status), []))).toEqual({ ready, waitingFor });
  });

  test("a suspended Job waits, and says so", () => {
    const j = job();
    j.spec!.suspend = true;
    expect(rolloutStatus(objects(j, []))).toEqual({
      ready: false,
      waitingFor: "the job, which is suspended",
    });
  });

  test("its current pods are the running ones", () => {
    const running = pod("bank-migrate-b", "Running", { running: {} });
    const failed = failedRun("bank-migrate-a", "2026-11-24T12:00:01Z");
    expect(currentPods(objects(job({ active: 1 }), [failed, running]))).toEqual([running]);
  });
});

describe("a Job's diagnosis", () => {
  const LOG = [
    "connecting to postgres",
    "psycopg2.errors.InsufficientPrivilege: permission denied for schema public",
    "",
  ];

  test("failed: its failed pod's exit, the last log line and the tail of the log", () => {
    const o = objects(
      job({
        failed: 1,
        conditions: [
          condition(
            "Failed",
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
          ),
        ],
      }),
      [failedRun("bank-migrate-x1", "2026-11-24T12:00:01Z")],
    );
    expect(logsToFetch(o)).toEqual([
      { pod: "bank-migrate-x1", container: "bank-migrate", previous: false },
    ]);
    const problem = diagnose({ ...o, previousLogs: { "bank-migrate-x1/bank-migrate": LOG } });
    expect(problem).toEqual({
      kind: "job-failed",
      terminal: true,
      message:
        'bank-migrate in namespace localkube: the job failed: container bank-migrate exited with code 1 (Error); its last log line: "psycopg2.errors.InsufficientPrivilege: permission denied for schema public"',
      detail:
        "last 2 lines of its log:\n  | connecting to postgres\n  | psycopg2.errors.InsufficientPrivilege: permission denied for schema public",
      hint: "fix what its log shows (the job's code, or its env and dependencies in services/bank-migrate.yaml), then run `pulumi up` again: it runs the job again",
      pod: "bank-migrate-x1",
      container: "bank-migrate",
    });
    expect(formatProblem(problem!)).toBe(
      [
        'bank-migrate in namespace localkube: the job failed: container bank-migrate exited with code 1 (Error); its last log line: "psycopg2.errors.InsufficientPrivilege: permission denied for schema public"',
        "last 2 lines of its log:",
        "  | connecting to postgres",
        "  | psycopg2.errors.InsufficientPrivilege: permission denied for schema public",
        "fix: fix what its log shows (the job's code, or its env and dependencies in services/bank-migrate.yaml), then run `pulumi up` again: it runs the job again",
      ].join("\n"),
    );
  });

  test("of several failed pods, the newest one speaks", () => {
    const o = objects(
      job({ failed: 2, conditions: [condition("Failed", "BackoffLimitExceeded")] }),
      [
        failedRun("bank-migrate-old", "2026-11-24T12:00:01Z", 2),
        failedRun("bank-migrate-new", "2026-11-24T12:00:30Z", 3),
      ],
    );
    expect(logsToFetch(o)).toEqual([
      { pod: "bank-migrate-new", container: "bank-migrate", previous: false },
    ]);
    expect(diagnose(o)?.message).toBe(
      "bank-migrate in namespace localkube: the job failed: container bank-migrate exited with code 3 (Error); it wrote no log",
    );
  });

  test("killed for its memory: the limit to raise", () => {
    const o = objects(job({ conditions: [condition("Failed", "BackoffLimitExceeded")] }), [
      failedRun("bank-migrate-m", "2026-11-24T12:00:01Z", 137, "OOMKilled"),
    ]);
    const problem = diagnose(o);
    expect(problem?.message).toBe(
      "bank-migrate in namespace localkube: the job failed: container bank-migrate was killed for using more memory than its limit of 128Mi (OOMKilled, exit code 137); it wrote no log",
    );
    expect(problem?.hint).toBe(
      "raise resources.limits.memory in services/bank-migrate.yaml, then run `pulumi up` again",
    );
  });

  test("failed without a pod (its deadline passed): the Job's own reason", () => {
    const o = objects(
      job({
        conditions: [
          condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline"),
        ],
      }),
      [],
    );
    expect(logsToFetch(o)).toEqual([]);
    expect(diagnose(o)?.message).toBe(
      "bank-migrate in namespace localkube: the job failed (DeadlineExceeded): Job was active longer than specified deadline",
    );
  });

  test("pods refused by a quota: the Job controller's event", () => {
    const event = json<CoreV1Event>({
      metadata: { name: "e1" },
      involvedObject: { kind: "Job", name: "bank-migrate", uid: "j-uid" },
      reason: "FailedCreate",
      message:
        'Error creating: pods "bank-migrate-x" is forbidden: exceeded quota: branch-quota, requested: limits.memory=128Mi, used: limits.memory=8Gi, limited: limits.memory=8Gi',
      lastTimestamp: "2026-11-24T12:00:05Z",
    });
    const problem = diagnose({ ...objects(job(), []), events: [event] });
    expect(problem?.kind).toBe("create-failed");
    expect(problem?.terminal).toBe(true);
    expect(problem?.message).toBe(
      'bank-migrate in namespace localkube: Kubernetes refuses to create its pods: pods "bank-migrate-x" is forbidden: exceeded quota: branch-quota, requested: limits.memory=128Mi, used: limits.memory=8Gi, limited: limits.memory=8Gi',
    );
    expect(problem?.hint).toBe(
      'the namespace\'s ResourceQuota "branch-quota" has no room for it: raise localkube:quota.memory, or lower resources.requests in services/bank-migrate.yaml, then run `pulumi up` again',
    );
  });

  test("a running pod that cannot pull its image is diagnosed as for any workload", () => {
    const pulling = pod("bank-migrate-p", "Pending", {
      waiting: {
        reason: "ImagePullBackOff",
        message: 'Back-off pulling image "bank:1": not found',
      },
    });
    expect(diagnose(objects(job({ active: 1 }), [pulling]))?.kind).toBe("image-pull");
  });
});

describe("a Job that failed in an earlier up runs again", () => {
  const failedAt = Date.parse("2026-11-24T12:01:00Z");
  const failed = job({ conditions: [condition("Failed", "BackoffLimitExceeded")] });

  test("failed before this attempt: run again; failed during it, complete, or running: not", () => {
    expect(jobFailedBefore(objects(failed, []), failedAt + 1)).toBe(true);
    expect(jobFailedBefore(objects(failed, []), failedAt)).toBe(false);
    expect(
      jobFailedBefore(objects(job({ conditions: [condition("Complete", "")] }), []), failedAt + 1),
    ).toBe(false);
    expect(jobFailedBefore(objects(job({ active: 1 }), []), failedAt + 1)).toBe(false);
  });

  test("the rerun is the same Job without what its controller added", () => {
    expect(jobRerun(failed)).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "bank-migrate",
        namespace: NS,
        labels: { "app.kubernetes.io/name": "bank-migrate" },
        annotations: { "pulumi.com/skipAwait": "true" },
      },
      spec: {
        backoffLimit: 0,
        completions: 1,
        parallelism: 1,
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "bank-migrate" } },
          spec: {
            restartPolicy: "Never",
            containers: [
              { name: "bank-migrate", image: "bank:1", resources: { limits: { memory: "128Mi" } } },
            ],
          },
        },
      },
    });
    // The original is left as it was.
    expect(failed.spec?.selector).toEqual({
      matchLabels: { "batch.kubernetes.io/controller-uid": "j-uid" },
    });
  });

  test("a Job with its own selector keeps it", () => {
    const manual = job();
    manual.spec!.manualSelector = true;
    expect(jobRerun(manual).spec?.selector).toEqual(manual.spec?.selector);
    expect(jobRerun(manual).spec?.template.metadata?.labels).toEqual(
      manual.spec?.template.metadata?.labels,
    );
  });
});
