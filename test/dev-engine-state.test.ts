import { Decision } from "../dev/affected";
import { EngineState, INITIAL_STATE, nextUpdate, reduce, serviceUpdate } from "../dev/engine/state";

const file = (path: string) => ({ kind: "file", path }) as const;
const save = (service: string, path: string) => serviceUpdate(service, file(path));
const run = (s: EngineState, ...actions: Parameters<typeof reduce>[1][]) =>
  actions.reduce(reduce, s);
const record = { kind: "services" as const, trigger: "x", seconds: 1, ok: true };

describe("the engine's state: saves coalesce while an update runs", () => {
  test("saves during an update wait, merged; the next update takes them all at once", () => {
    const s1 = run(
      INITIAL_STATE,
      { type: "queued", decision: save("price", "a.py") },
      {
        type: "started",
        at: 1,
      },
    );
    expect(s1.running?.decision).toEqual(save("price", "a.py"));
    expect(s1.pending).toEqual({ kind: "none" });
    expect(nextUpdate(s1)).toBeUndefined();

    const s2 = run(
      s1,
      { type: "queued", decision: save("price", "b.py") },
      { type: "queued", decision: save("bank", "app.py") },
      { type: "queued", decision: save("price", "b.py") },
    );
    expect(nextUpdate(s2)).toBeUndefined();
    const s3 = run(s2, { type: "finished", record, rebuilt: ["price"], refreshed: false, at: 2 });
    const expected: Decision = {
      kind: "services",
      services: new Map([
        ["price", [file("b.py")]],
        ["bank", [file("app.py")]],
      ]),
    };
    expect(nextUpdate(s3)).toEqual(expected);
  });

  test("a converge absorbs the service updates that wait", () => {
    const s = run(
      INITIAL_STATE,
      { type: "queued", decision: save("price", "a.py") },
      { type: "queued", decision: { kind: "converge", trigger: file("services/price.yaml") } },
    );
    expect(nextUpdate(s)).toEqual({ kind: "converge", trigger: file("services/price.yaml") });
  });

  test("nothing to do starts nothing; a stopped loop takes nothing more", () => {
    expect(nextUpdate(INITIAL_STATE)).toBeUndefined();
    const stopped = run(
      INITIAL_STATE,
      { type: "stopped" },
      { type: "queued", decision: save("a", "x") },
    );
    expect(stopped.pending).toEqual({ kind: "none" });
    expect(nextUpdate(stopped)).toBeUndefined();
  });
});

describe("live updates in the state", () => {
  const synced = run(INITIAL_STATE, { type: "live-synced", service: "price", containers: ["c1"] });

  test("a rebuild's start forgets the service's synced containers: its own rollout replaces them", () => {
    const s = run(
      synced,
      { type: "queued", decision: save("price", "Dockerfile") },
      {
        type: "started",
        at: 5,
      },
    );
    expect(s.liveSynced.has("price")).toBe(false);
  });

  test("a failed live update is remembered until a rebuild of the service ends", () => {
    const failed = run(synced, { type: "live-failed", service: "price" });
    expect(failed.liveFailed.has("price")).toBe(true);
    const after = run(failed, {
      type: "finished",
      record,
      rebuilt: ["price"],
      refreshed: false,
      at: 9,
    });
    expect(after.liveFailed.has("price")).toBe(false);
    const converged = run(failed, {
      type: "finished",
      record: { ...record, kind: "converge" },
      rebuilt: "all",
      refreshed: true,
      at: 9,
    });
    expect([converged.liveFailed.size, converged.liveSynced.size]).toEqual([0, 0]);
  });
});

describe("fast saves and drift: the next converge refreshes those services first", () => {
  test("fast-saved services are refreshed by the next converge, then forgotten", () => {
    const s = run(INITIAL_STATE, { type: "fast-saved", services: ["bank"] });
    expect([...s.refreshBeforeConverge]).toEqual(["bank"]);
    const failedConverge = run(s, {
      type: "finished",
      record: { ...record, kind: "converge", ok: false },
      rebuilt: [],
      refreshed: false,
      at: 3,
    });
    expect([...failedConverge.refreshBeforeConverge]).toEqual(["bank"]);
    const converged = run(s, {
      type: "finished",
      record: { ...record, kind: "converge" },
      rebuilt: "all",
      refreshed: true,
      at: 4,
    });
    expect(converged.refreshBeforeConverge.size).toBe(0);
    expect(converged.convergedAt).toBe(4);
  });

  test("a new finding queues one converge; the same finding again queues nothing more", () => {
    const what = "bank's workload was deleted outside localkube";
    const s1 = run(INITIAL_STATE, {
      type: "watched",
      seen: [],
      drift: [{ service: "bank", what }],
    });
    expect(nextUpdate(s1)).toEqual({ kind: "converge", trigger: { kind: "drift", what } });
    expect([...s1.refreshBeforeConverge]).toEqual(["bank"]);
    const s2 = run(
      s1,
      { type: "started", at: 1 },
      {
        type: "watched",
        seen: [],
        drift: [{ service: "bank", what }],
      },
    );
    expect(s2.pending).toEqual({ kind: "none" });
    const restored = run(s2, {
      type: "finished",
      record: { ...record, kind: "converge" },
      rebuilt: "all",
      refreshed: true,
      at: 2,
    });
    expect(restored.drift.size).toBe(0);
  });

  test("the watch's look replaces the set of services whose workloads it holds", () => {
    const s = run(
      INITIAL_STATE,
      { type: "watched", seen: ["bank", "price"], drift: [] },
      {
        type: "watched",
        seen: ["price"],
        drift: [],
      },
    );
    expect([...s.workloadsSeen]).toEqual(["price"]);
    expect(s.pending).toEqual({ kind: "none" });
  });
});
