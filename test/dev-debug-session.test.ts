import type * as K from "@kubernetes/client-node";
import type { ServiceSpec } from "../catalog/types";
import { DEBUG_ANNOTATION, RESTORE_ANNOTATION } from "../kube/debugPod";
import type { ImageBuild } from "../kube/images";
import {
  buildsWhileDebugging,
  debugForwards,
  DebugSession,
  DebugState,
  debugTargetProblems,
  goDebugBuild,
  INITIAL_DEBUG_STATE,
  localPortFor,
  nextDebugOp,
  reduceDebug,
  sessionPod,
  takenPorts,
} from "../dev/debug/session";

const deployment = (service: string, held = false, deleting = false): K.V1Deployment => ({
  metadata: {
    name: service,
    labels: { "app.kubernetes.io/name": service },
    ...(deleting ? { deletionTimestamp: new Date(0) } : {}),
    ...(held
      ? {
          annotations: {
            [RESTORE_ANNOTATION]: JSON.stringify({
              runtime: "python",
              port: 5678,
              container: service,
              image: "x",
              original: { name: service },
            }),
          },
        }
      : {}),
  },
});

const active = (localPort: number, runtime: "go" | "python" = "python"): DebugSession => ({
  phase: "active",
  runtime,
  podPort: 5678,
  localPort,
  launch: "{}",
});

const state = (over: Partial<DebugState> & { running?: unknown; convergedAt?: number } = {}) => ({
  ...INITIAL_DEBUG_STATE,
  convergedAt: 0,
  ...over,
});

describe("reduceDebug", () => {
  test("wanted on and off; asking again forgets a failure, so it is tried again", () => {
    let s: DebugState = INITIAL_DEBUG_STATE;
    s = reduceDebug(s, {
      type: "debug-session",
      service: "bank",
      session: { phase: "failed", error: "x", at: 5 },
    });
    s = reduceDebug(s, { type: "debug-wanted", service: "bank", on: true });
    expect([...s.debugWanted]).toEqual(["bank"]);
    expect(s.debugSessions.size).toBe(0);
    s = reduceDebug(s, { type: "debug-session", service: "bank", session: active(5678) });
    s = reduceDebug(s, { type: "debug-wanted", service: "bank", on: false });
    expect([...s.debugWanted]).toEqual([]);
    expect(s.debugSessions.get("bank")).toEqual(active(5678));
    s = reduceDebug(s, { type: "debug-session", service: "bank" });
    expect(s.debugSessions.size).toBe(0);
  });

  test("the running operation", () => {
    const s = reduceDebug(INITIAL_DEBUG_STATE, {
      type: "debug-op",
      op: { service: "bank", kind: "start" },
    });
    expect(s.debugOp).toEqual({ service: "bank", kind: "start" });
    expect(reduceDebug(s, { type: "debug-op" }).debugOp).toBeUndefined();
  });
});

describe("nextDebugOp", () => {
  const wanted = (...names: string[]) => new Set(names);
  test.each<[string, ReturnType<typeof state>, K.V1Deployment[], unknown]>([
    ["nothing wanted, nothing held", state(), [deployment("bank")], undefined],
    [
      "wanted, not held: start",
      state({ debugWanted: wanted("bank") }),
      [deployment("bank")],
      { service: "bank", kind: "start" },
    ],
    [
      "wanted, held, no session known (an earlier run's): adopt",
      state({ debugWanted: wanted("bank") }),
      [deployment("bank", true)],
      { service: "bank", kind: "adopt" },
    ],
    [
      "wanted, held, active: nothing",
      state({ debugWanted: wanted("bank"), debugSessions: new Map([["bank", active(5678)]]) }),
      [deployment("bank", true)],
      undefined,
    ],
    [
      "active but no longer held (a converge applied the program's spec): start again",
      state({ debugWanted: wanted("bank"), debugSessions: new Map([["bank", active(5678)]]) }),
      [deployment("bank")],
      { service: "bank", kind: "start" },
    ],
    [
      "held, not wanted: stop — before any start",
      state({ debugWanted: wanted("price") }),
      [deployment("price"), deployment("bank", true)],
      { service: "bank", kind: "stop" },
    ],
    ["held but being deleted: nothing", state(), [deployment("bank", true, true)], undefined],
    ["wanted, no Deployment yet: nothing", state({ debugWanted: wanted("bank") }), [], undefined],
    [
      "an update runs: nothing",
      state({ debugWanted: wanted("bank"), running: {} }),
      [deployment("bank")],
      undefined,
    ],
    [
      "an operation runs: nothing",
      state({ debugWanted: wanted("bank"), debugOp: { service: "x", kind: "start" } }),
      [deployment("bank")],
      undefined,
    ],
    [
      "failed after the last converge: not again",
      state({
        debugWanted: wanted("bank"),
        debugSessions: new Map([["bank", { phase: "failed", error: "x", at: 10 }]]),
        convergedAt: 5,
      }),
      [deployment("bank")],
      undefined,
    ],
    [
      "failed before the last converge: again",
      state({
        debugWanted: wanted("bank"),
        debugSessions: new Map([["bank", { phase: "failed", error: "x", at: 10 }]]),
        convergedAt: 20,
      }),
      [deployment("bank")],
      { service: "bank", kind: "start" },
    ],
    [
      "several wanted: in name order",
      state({ debugWanted: wanted("web", "fx", "bank") }),
      [deployment("web"), deployment("fx")],
      { service: "fx", kind: "start" },
    ],
  ])("%s", (_, s, deployments, expected) => {
    expect(nextDebugOp(s, deployments)).toEqual(expected);
  });
});

test("debugForwards: each active session's port on 127.0.0.1 to its debugger in the running pods under it", () => {
  expect(
    debugForwards(
      new Map<string, DebugSession>([
        ["fx", active(56268, "go")],
        ["bank", active(5679)],
        ["web", { phase: "starting", step: "rolling out" }],
      ]),
    ),
  ).toEqual([
    {
      service: "bank",
      port: 5678,
      hostPort: 5679,
      selector: { "app.kubernetes.io/name": "bank", "localkube.dev/debug": "python" },
      require: "running",
      origin: "--debug bank",
    },
    {
      service: "fx",
      port: 5678,
      hostPort: 56268,
      selector: { "app.kubernetes.io/name": "fx", "localkube.dev/debug": "go" },
      require: "running",
      origin: "--debug fx",
    },
  ]);
});

describe("ports on 127.0.0.1", () => {
  test("the debugger's own port, else the next free one", () => {
    expect(localPortFor(5678, new Set())).toBe(5678);
    expect(localPortFor(5678, new Set([5678, 5679, 5681]))).toBe(5680);
  });
  test("taken: the other active sessions' ports", () => {
    const sessions = new Map<string, DebugSession>([
      ["bank", active(5678)],
      ["price", active(5679)],
      ["web", { phase: "starting", step: "rolling out" }],
    ]);
    expect(takenPorts(sessions, "price")).toEqual(new Set([5678]));
  });
});

describe("Go services being debugged are built without optimizations", () => {
  const build: ImageBuild = {
    context: "/p/services/fx",
    dockerfile: "/p/services/fx/Dockerfile",
    args: { SOURCE_DATE_EPOCH: "0" },
    labels: {},
    repository: "localhost:5001/fx",
    tag: "localkube",
    login: false,
  };
  test("goDebugBuild: the gcflags build arg and a tag of its own", () => {
    expect(goDebugBuild(build)).toEqual({
      ...build,
      args: { SOURCE_DATE_EPOCH: "0", LOCALKUBE_GO_GCFLAGS: "all=-N -l" },
      tag: "localkube-debug",
    });
  });
  test("buildsWhileDebugging: only active Go sessions change the build", () => {
    const builds = { fx: build, bank: { ...build, repository: "localhost:5001/bank" } };
    expect(
      buildsWhileDebugging(
        builds,
        new Map([
          ["fx", active(56268, "go")],
          ["bank", active(5678)],
        ]),
      ),
    ).toEqual({ fx: goDebugBuild(build), bank: builds.bank });
    expect(buildsWhileDebugging(builds, new Map([["fx", { phase: "stopping" }]]))).toEqual(builds);
  });
});

describe("sessionPod: the newest ready pod running under the debugger", () => {
  const pod = (name: string, created: string, ready: boolean, marked = true): K.V1Pod => ({
    metadata: {
      name,
      creationTimestamp: new Date(created),
      labels: { "app.kubernetes.io/name": "bank" },
      ...(marked
        ? { annotations: { [DEBUG_ANNOTATION]: '{"runtime":"python","port":5678}' } }
        : {}),
    },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  });
  test.each<[string, K.V1Pod[], string | undefined]>([
    ["one ready", [pod("a", "2026-01-01T00:00:00Z", true)], "a"],
    ["not ready yet", [pod("a", "2026-01-01T00:00:00Z", false)], undefined],
    [
      "not marked (the old pod of a rollout)",
      [pod("a", "2026-01-01T00:00:00Z", true, false)],
      undefined,
    ],
    [
      "the newest of two",
      [pod("a", "2026-01-01T00:00:00Z", true), pod("b", "2026-01-01T00:01:00Z", true)],
      "b",
    ],
  ])("%s", (_, pods, expected) => {
    expect(sessionPod(pods, "bank")?.metadata?.name).toBe(expected);
  });
});

describe("debugTargetProblems: --debug's names against the plan", () => {
  const spec = (name: string, over: Partial<ServiceSpec> = {}) =>
    ({ name, file: `services/${name}.yaml`, ...over }) as ServiceSpec;
  const plan = {
    services: [
      spec("bank"),
      spec("bank-migrate", { workload: "job" }),
      spec("settlement", { workload: "cronjob" }),
      spec("partner", { manifests: { kind: "chart", values: {} } }),
    ],
  };
  test("a service the plan deploys: no problem", () => {
    expect(debugTargetProblems(plan, ["bank"])).toEqual([]);
  });
  test.each([
    [
      "bnak",
      '"bnak" is not a service this run deploys (did you mean "bank"?); these can be debugged: bank',
    ],
    [
      "bank-migrate",
      "bank-migrate is a job (services/bank-migrate.yaml); only long-running services can be debugged",
    ],
    [
      "settlement",
      "settlement is a cron job (services/settlement.yaml); only long-running services can be debugged",
    ],
    [
      "partner",
      "partner runs the workloads of its own chart (services/partner.yaml); only services localkube deploys itself can be debugged",
    ],
  ])("%s", (name, message) => {
    expect(debugTargetProblems(plan, [name])).toEqual([
      { file: "npm run dev", path: "--debug", message },
    ]);
  });
});
