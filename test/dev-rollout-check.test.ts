import * as fs from "fs";
import * as http from "http";
import type { ConfigMap, OutputMap } from "@pulumi/pulumi/automation";
import type { AddressInfo } from "net";
import { checkRollout, localHttpPort, runRolloutChecks, serviceTarget } from "../dev/checkRollout";
import {
  checksExitCode,
  podsToDelete,
  reportLines,
  RequestRecord,
  RolloutCheck,
  rolloutCheckProblem,
  settled,
  summarize,
  trafficTarget,
} from "../dev/rolloutCheck";
import { request, startTraffic } from "../dev/traffic";

const ok = (at: number, ms = 10): RequestRecord => ({ at, ms, status: 200 });

describe("summarize: what a request log says", () => {
  test("every request answered: nothing failed; the longest gap is the longest wait for an answer", () => {
    expect(summarize([ok(0), ok(50), ok(100, 40), ok(150)])).toEqual({
      requests: 4,
      failed: 0,
      failures: [],
      // answers at 10, 60, 140, 160: the longest wait is from 60 to 140
      longestGapMs: 80,
      longestGapAt: 60,
      slowestMs: 40,
    });
  });

  test("failures by status or error, most frequent first, and when; the gap spans them; times from the origin", () => {
    const log: RequestRecord[] = [
      ok(0),
      { at: 50, ms: 5, status: 502 },
      { at: 100, ms: 3, error: "ECONNREFUSED" },
      { at: 150, ms: 5, status: 502 },
      { at: 200, ms: 5, status: 404 },
      { at: 250, ms: 5000, error: "timeout" },
      ok(300),
    ];
    expect(summarize(log, 40)).toEqual({
      requests: 7,
      failed: 4,
      failures: [
        ["502", 2],
        ["ECONNREFUSED", 1],
        ["timeout", 1],
      ],
      // sent from 50 (the first 502) to 5250 (the timeout's end), from the origin at 40
      failedBetween: [10, 5210],
      // a 404 is an answer (at 205); the next one at 310; the timeout ends the log at 5250
      longestGapMs: 4940,
      longestGapAt: 270,
      slowestMs: 10,
    });
  });

  test("an empty log and a log without any answer", () => {
    expect(summarize([])).toEqual({
      requests: 0,
      failed: 0,
      failures: [],
      longestGapMs: 0,
      longestGapAt: 0,
      slowestMs: 0,
    });
    expect(summarize([{ at: 0, ms: 100, error: "ECONNREFUSED" }]).longestGapMs).toBe(100);
  });
});

describe("where the requests go", () => {
  test.each([
    [
      "http://bank.localhost",
      80,
      { connect: "127.0.0.1", port: 80, host: "bank.localhost", path: "/", tls: false },
    ],
    [
      "http://bank.localhost/api?x=1",
      8080,
      { connect: "127.0.0.1", port: 8080, host: "bank.localhost", path: "/api?x=1", tls: false },
    ],
    [
      "https://bank.feat-x.sandbox.acme.dev/api",
      undefined,
      {
        connect: "bank.feat-x.sandbox.acme.dev",
        port: 443,
        host: "bank.feat-x.sandbox.acme.dev",
        path: "/api",
        tls: true,
      },
    ],
  ])("%s (local ingress port %s)", (url, port, expected) => {
    expect(trafficTarget(url, port)).toEqual({ ...expected, url });
  });

  const view = (context: string | undefined, httpPort?: string) => ({
    outputs: (context ? { kubeContext: { value: context, secret: false } } : {}) as OutputMap,
    config: (httpPort
      ? { "localkube:cluster.httpPort": { value: httpPort, secret: false } }
      : {}) as ConfigMap,
    facts: {
      namespace: "localkube",
      services: [
        { name: "bank", group: "", url: "http://bank.localhost" },
        { name: "worker", group: "" },
      ],
      appliances: [],
    },
  });

  test("the local stack's ingress port from its config (80 by default); none for another cluster", () => {
    expect(localHttpPort(view("kind-localkube"))).toBe(80);
    expect(localHttpPort(view("kind-localkube", "8080"))).toBe(8080);
    expect(localHttpPort(view("gke_acme_sandboxes", "8080"))).toBeUndefined();
  });

  test("a service's target, or why it has none", () => {
    expect(serviceTarget(view("kind-lk", "8081"), "bank")).toEqual({
      connect: "127.0.0.1",
      port: 8081,
      host: "bank.localhost",
      path: "/",
      tls: false,
      url: "http://bank.localhost",
    });
    expect(serviceTarget(view("kind-lk"), "worker")).toBe(
      "worker has no ingress: the check sends its requests through the ingress; add ingress: { host: worker } to its catalog file",
    );
    expect(serviceTarget(view("kind-lk"), "ledger")).toBe(
      "ledger is not deployed by this stack (it deploys bank, worker)",
    );
  });
});

describe("rolloutCheckProblem: what --check-rollout can check", () => {
  const catalog = {
    services: new Map<string, any>([
      ["bank", { name: "bank", file: "services/bank.yaml", ingress: { host: "bank" } }],
      ["worker", { name: "worker", file: "services/worker.yaml" }],
      ["migrate", { name: "migrate", file: "services/migrate.yaml", workload: "job" }],
      [
        "partner",
        {
          name: "partner",
          file: "services/partner.yaml",
          manifests: { kind: "chart" },
          ingress: {},
        },
      ],
    ]),
  };
  test.each([
    ["bank", undefined],
    ["bnk", '--check-rollout: no service "bnk" in the catalog (did you mean "bank"?)'],
    [
      "worker",
      "--check-rollout: worker has no ingress, and the check sends its requests through the ingress; add ingress: { host: worker } to services/worker.yaml",
    ],
    ["migrate", "--check-rollout: migrate is a job: it runs to completion and has no rollout"],
    [
      "partner",
      "--check-rollout: partner is deployed from its own chart; the check rolls out localkube's own Deployments",
    ],
  ])("%s", (name, problem) => {
    expect(rolloutCheckProblem(catalog, name)).toBe(problem);
  });
});

const labels = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };
const UID = "d-1";
const deployment = (generation: number, status: Record<string, number>) => ({
  kind: "Deployment",
  metadata: {
    name: "web",
    uid: UID,
    generation,
    labels,
    annotations: { "deployment.kubernetes.io/revision": "2" },
  },
  spec: { replicas: 2 },
  status: { observedGeneration: generation, ...status },
});
const rs = {
  metadata: {
    name: "web-2",
    uid: "rs-2",
    labels,
    ownerReferences: [{ uid: UID }],
    annotations: { "deployment.kubernetes.io/revision": "2" },
  },
  status: { replicas: 2, availableReplicas: 2 },
};
const pod = (name: string, ready: boolean, extra: Record<string, unknown> = {}) => ({
  metadata: {
    name,
    labels,
    ownerReferences: [{ uid: "rs-2" }],
    creationTimestamp: `2026-12-01T10:00:0${name.slice(-1)}Z`,
    ...extra,
  },
  status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});
const DONE = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
const objects = (d: object, pods: object[]) =>
  ({ deployments: [d], statefulSets: [], replicaSets: [rs], pods, events: [] }) as any;

describe("settled: when a disruption is over", () => {
  test.each([
    [
      "the restart has not reached the Deployment yet",
      objects(deployment(3, DONE), [pod("web-1", true), pod("web-2", true)]),
      { sinceGeneration: 3 },
      "the restart to reach the Deployment",
    ],
    [
      "new pods not all updated",
      objects(deployment(4, { ...DONE, updatedReplicas: 1 }), [
        pod("web-1", true),
        pod("web-2", true),
      ]),
      { sinceGeneration: 3 },
      "1 of 2 pods updated",
    ],
    [
      "an old pod still stopping (its preStop sleep)",
      objects(deployment(4, DONE), [
        pod("web-1", true),
        pod("web-2", true),
        pod("web-0", false, { deletionTimestamp: "2026-12-01T10:00:09Z" }),
      ]),
      { sinceGeneration: 3 },
      "1 old pod to stop",
    ],
    [
      "a deleted pod still listed",
      objects(deployment(3, DONE), [pod("web-1", true), pod("web-2", true), pod("web-3", true)]),
      { gone: ["web-3"] },
      "pod web-3 to stop",
    ],
    [
      "its replacement not ready yet",
      objects(deployment(3, DONE), [pod("web-1", true), pod("web-4", false)]),
      { gone: ["web-3"] },
      "1 of 2 pods ready",
    ],
    [
      "done",
      objects(deployment(4, DONE), [pod("web-1", true), pod("web-2", true)]),
      { sinceGeneration: 3 },
      "",
    ],
  ])("%s", (_what, all, after, waitingFor) => {
    expect(settled("web", "localkube", all, after)).toEqual({
      done: waitingFor === "",
      waitingFor,
    });
  });

  test("pods to delete: the ready ones, oldest first", () => {
    expect(
      podsToDelete("web", [
        pod("web-3", true),
        pod("web-1", true),
        pod("web-2", false),
        pod("web-4", true, { deletionTimestamp: "x" }),
      ] as any),
    ).toEqual(["web-1", "web-3"]);
  });
});

describe("the report and the exit code", () => {
  const summary = (over: object = {}) => ({ ...summarize([ok(0), ok(50)]), ...over });
  const check = (over: Partial<RolloutCheck>): RolloutCheck => ({
    service: "web",
    disruption: "rollout",
    url: "http://web.localhost",
    summary: summary(),
    disruptionMs: 12_300,
    ...over,
  });

  test("a clean rollout: one line, exit 0", () => {
    const checks = [
      check({
        summary: summary({ requests: 250, longestGapMs: 180, longestGapAt: 3020, slowestMs: 95 }),
      }),
    ];
    expect(reportLines(checks)).toEqual([
      "web: rollout in 12.3 s under 250 requests to http://web.localhost: 0 failed, longest gap 0.2 s (at +3.0 s), slowest answer 0.1 s",
    ]);
    expect(checksExitCode(checks)).toBe(0);
  });

  test("failures: the counts by status, the gap, what to change; exit 1", () => {
    const checks = [
      check({
        service: "abrupt",
        disruption: "delete-pods",
        summary: summary({
          requests: 300,
          failed: 7,
          failures: [
            ["502", 6],
            ["ECONNRESET", 1],
          ],
          failedBetween: [-450, 2610],
          longestGapMs: 1240,
          longestGapAt: 1300,
        }),
        logFile: "/tmp/localkube-check-abrupt-1.jsonl",
      }),
      check({
        service: "gone",
        error: "gone does not answer at http://gone.localhost (last: 404)",
      }),
    ];
    expect(reportLines(checks)).toEqual([
      "abrupt: pod deletions in 12.3 s under 300 requests to http://web.localhost: 7 failed (502 ×6, ECONNRESET ×1), failures between -0.5 s and +2.6 s, longest gap 1.2 s (at +1.3 s); requests: /tmp/localkube-check-abrupt-1.jsonl",
      "gone: check failed: gone does not answer at http://gone.localhost (last: 404)",
      "requests fail while pods start or stop when a pod receives traffic before it is ready (add a readiness probe) or stops while the ingress still sends it requests (add lifecycle.preStop: { sleep: { seconds: 5 } }, and keep the old pods until new ones are ready: strategy: { maxSurge: 1, maxUnavailable: 0 }); see docs/replicas.md",
    ]);
    expect(checksExitCode(checks)).toBe(1);
    expect(checksExitCode([])).toBe(1);
  });
});

describe("the traffic and the check, against a server on 127.0.0.1", () => {
  let server: http.Server;
  let port: number;
  /** What the server answers now. */
  let answer = 200;
  const hosts: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? "");
      res.statusCode = answer;
      res.end("x");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    answer = 200;
    hosts.length = 0;
  });

  const target = () => trafficTarget("http://web.localhost/", port);

  test("a request: its status, with the service's Host header; a refused connection", async () => {
    answer = 503;
    expect(await request(target(), 1000)).toMatchObject({ status: 503 });
    expect(hosts).toEqual(["web.localhost"]);
    const closed = { ...target(), port: 1 };
    expect(await request(closed, 1000)).toMatchObject({ error: "ECONNREFUSED" });
  });

  test("a stream at a steady rate: every request logged once it ended", async () => {
    const traffic = startTraffic(target(), { intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 230));
    const log = await traffic.stop();
    expect(log.length).toBeGreaterThanOrEqual(8);
    expect(log.every((r) => r.status === 200)).toBe(true);
  });

  /** A cluster whose restart makes the server fail for 300 ms, then reports the rollout done. */
  function fakeCluster(failFor: number) {
    let generation = 3;
    return {
      kc: {} as any,
      namespace: "localkube",
      snapshot: () =>
        objects(deployment(generation, DONE), [pod("web-1", true), pod("web-2", true)]),
      restart: async () => {
        answer = failFor > 0 ? 502 : 200;
        setTimeout(
          () => {
            answer = 200;
            generation = 4;
          },
          Math.max(failFor, 300),
        );
      },
    };
  }

  test("a rollout during which the service answers 502: the failures are counted", async () => {
    const lines: string[] = [];
    const result = await checkRollout(fakeCluster(300), "web", target(), {
      disruption: "rollout",
      timeoutMs: 10_000,
      print: (l) => lines.push(l),
      traffic: { intervalMs: 20 },
      tailMs: 200,
    });
    expect(result.error).toBeUndefined();
    expect(result.summary.failed).toBeGreaterThan(0);
    expect(result.summary.failures.map(([k]) => k)).toEqual(["502"]);
    expect(result.disruptionMs).toBeGreaterThanOrEqual(300);
    // Every request is listed, with its time from the restart.
    const listed = fs
      .readFileSync(result.logFile!, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(listed.length).toBe(result.summary.requests);
    expect(listed.filter((r) => r.status === 502).length).toBe(result.summary.failed);
    expect(listed.find((r) => r.status === 502).at).toBeGreaterThanOrEqual(0);
    fs.rmSync(result.logFile!);
    expect(lines).toEqual(["web: rollout restart under 50 requests a second"]);
  });

  test("a rollout the service does not notice: nothing failed", async () => {
    const result = await checkRollout(fakeCluster(0), "web", target(), {
      disruption: "rollout",
      timeoutMs: 10_000,
      print: () => undefined,
      traffic: { intervalMs: 20 },
      tailMs: 200,
    });
    expect(result.error).toBeUndefined();
    expect(result.summary.failed).toBe(0);
    expect(result.summary.requests).toBeGreaterThan(10);
    fs.rmSync(result.logFile!);
  });

  test("runRolloutChecks: a service the stack does not expose is a failed check, without traffic", async () => {
    const results = await runRolloutChecks(
      {
        view: {
          outputs: {},
          config: {},
          readyTimeoutSeconds: 120,
          facts: { namespace: "localkube", services: [], appliances: [] },
        },
        cluster: fakeCluster(0),
      },
      ["web"],
      "rollout",
      () => undefined,
    );
    expect(results.map((r) => r.error)).toEqual([
      "web is not deployed by this stack (it deploys no service)",
    ]);
    expect(hosts).toEqual([]);
  });
});
