import type * as K from "@kubernetes/client-node";
import { age, clusterText, dashboardView, debugView, summary } from "../dashboard/viewModel";
import { ServiceRow } from "../status/model";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

const row = (over: Partial<ServiceRow>): ServiceRow => ({
  name: "price",
  group: "",
  kind: "service",
  source: { kind: "published", image: "ghcr.io/acme/price:1.4", tag: "1.4" },
  ready: 1,
  desired: 1,
  restarts: 0,
  state: "ready",
  pods: [],
  ...over,
});

const event = (over: Partial<K.CoreV1Event>): K.CoreV1Event => ({
  metadata: {},
  involvedObject: { kind: "Pod", name: "price-6d9f7-x2k4p" },
  type: "Normal",
  reason: "Pulled",
  message: "Container image pulled",
  count: 1,
  ...over,
});

const STACK = {
  stack: "local",
  namespace: "localkube",
  kubeContext: "kind-localkube",
  kubernetesVersion: "v1.37.0",
  registry: "localhost:5001",
  ingressController: "traefik",
};

test("dashboardView: groups in the rows' order (appliances first), each service as the page shows it", () => {
  const rows: ServiceRow[] = [
    row({
      name: "postgres",
      group: "appliances",
      kind: "appliance",
      source: { kind: "published", image: "postgres:15", tag: "15" },
      pods: [
        { name: "postgres-0", phase: "Running", ready: true, restarts: 0, created: ago(7200) },
      ],
    }),
    row({
      name: "bank",
      group: "payments",
      source: { kind: "built", digest: "0123456789ab" },
      url: "http://bank.localhost",
      activity: {
        state: "done",
        trigger: "services/bank/app.py",
        startedAt: NOW - 90_000,
        seconds: 8.25,
      },
      pods: [
        { name: "bank-7c5-abcde", phase: "Running", ready: true, restarts: 0, created: ago(80) },
      ],
    }),
    row({
      name: "price",
      group: "payments",
      url: "http://price.localhost",
      state: "problem",
      ready: 0,
      restarts: 3,
      problem: {
        message: "price-6d9f7-x2k4p crashes at start: exit code 1; last line: boom",
        hint: "fix the program",
        terminal: true,
      },
      pods: [
        {
          name: "price-6d9f7-x2k4p",
          phase: "Running",
          ready: false,
          restarts: 3,
          created: ago(45),
        },
      ],
    }),
    row({
      name: "web",
      group: "",
      source: { kind: "unknown" },
      state: "building",
      ready: 0,
      desired: 0,
      activity: { state: "building", trigger: "(rebuild requested)", startedAt: NOW - 4000 },
    }),
  ];
  const events = new Map([
    [
      "price",
      [
        event({ lastTimestamp: new Date(ago(300)), reason: "Pulled" }),
        event({
          lastTimestamp: new Date(ago(20)),
          type: "Warning",
          reason: "BackOff",
          message: "Back-off restarting failed container price in pod price-6d9f7-x2k4p\n",
          count: 4,
        }),
      ],
    ],
  ]);
  expect(
    dashboardView(
      {
        rows,
        stack: STACK,
        lastConverge: { kind: "converge", trigger: "npm run dev", seconds: 42.04, ok: true },
        lastUpdate: {
          kind: "services",
          trigger: "services/price/app.py",
          seconds: 3.1,
          ok: false,
          error: "price: not ready",
        },
        events,
        debug: {
          wanted: new Set(["bank", "web"]),
          sessions: new Map([
            [
              "bank",
              {
                phase: "active",
                runtime: "python",
                podPort: 5678,
                localPort: 5678,
                launch: '{"type":"debugpy"}',
              },
            ],
            ["web", { phase: "failed", error: "its runtime is not recognized", at: 1 }],
          ]),
        },
      },
      NOW,
    ),
  ).toEqual({
    stack: {
      name: "local",
      namespace: "localkube",
      cluster: "kind localkube",
      kubernetesVersion: "v1.37.0",
      registry: "localhost:5001",
      ingress: "traefik",
      lastConverge: { text: "converge (npm run dev) succeeded in 42.0 s", ok: true },
      lastUpdate: {
        text: "update (services/price/app.py) failed after 3.1 s",
        ok: false,
        error: "price: not ready",
      },
    },
    summary: "2/4 ready, 1 updating, 1 problem",
    groups: [
      {
        name: "appliances",
        title: "appliances",
        services: [
          {
            name: "postgres",
            kind: "appliance",
            state: "ready",
            source: "published 15",
            ready: "1/1",
            restarts: 0,
            pods: [{ name: "postgres-0", phase: "Running", ready: true, restarts: 0, age: "2h" }],
            events: [],
          },
        ],
      },
      {
        name: "payments",
        title: "payments",
        services: [
          {
            name: "bank",
            kind: "service",
            state: "ready",
            source: "checkout 0123456789ab",
            ready: "1/1",
            restarts: 0,
            url: "http://bank.localhost",
            lastUpdate: {
              text: "updated in 8.3 s (services/bank/app.py)",
              took: "8.3 s",
              age: "90s ago",
            },
            pods: [
              { name: "bank-7c5-abcde", phase: "Running", ready: true, restarts: 0, age: "80s" },
            ],
            events: [],
            debug: {
              wanted: true,
              text: "python: attach to 127.0.0.1:5678",
              failed: false,
              address: "127.0.0.1:5678",
              launch: '{"type":"debugpy"}',
            },
          },
          {
            name: "price",
            kind: "service",
            state: "problem",
            source: "published 1.4",
            ready: "0/1",
            restarts: 3,
            url: "http://price.localhost",
            problem: {
              message: "price-6d9f7-x2k4p crashes at start: exit code 1; last line: boom",
              hint: "fix the program",
            },
            pods: [
              {
                name: "price-6d9f7-x2k4p",
                phase: "Running",
                ready: false,
                restarts: 3,
                age: "45s",
              },
            ],
            events: [
              {
                type: "Warning",
                reason: "BackOff",
                object: "Pod/price-6d9f7-x2k4p",
                message: "Back-off restarting failed container price in pod price-6d9f7-x2k4p",
                count: 4,
                age: "20s",
              },
              {
                type: "Normal",
                reason: "Pulled",
                object: "Pod/price-6d9f7-x2k4p",
                message: "Container image pulled",
                count: 1,
                age: "5m",
              },
            ],
            debug: { wanted: false, text: "", failed: false },
          },
        ],
      },
      {
        name: "",
        title: "services",
        services: [
          {
            name: "web",
            kind: "service",
            state: "building",
            source: "",
            ready: "0/0",
            restarts: 0,
            lastUpdate: { text: "building (rebuild requested)", took: "running", age: "4s ago" },
            pods: [],
            events: [],
            debug: { wanted: true, text: "failed: its runtime is not recognized", failed: true },
          },
        ],
      },
    ],
    forwards: [],
  });
});

test("dashboardView: before the first converge, no groups and the stack's name only", () => {
  expect(
    dashboardView({ rows: [], stack: { stack: "local", namespace: "" }, events: new Map() }, NOW),
  ).toEqual({
    stack: {
      name: "local",
      namespace: "",
      cluster: "",
      kubernetesVersion: "",
      registry: "",
      ingress: "",
    },
    summary: "no services yet",
    groups: [],
    forwards: [],
  });
});

test("dashboardView: each forward with its address, target and whether a ready pod is behind it", () => {
  const base = { service: "bank", port: 8080, connections: 0, origin: "--forward bank:9000" };
  const view = dashboardView(
    {
      rows: [],
      stack: STACK,
      events: new Map(),
      forwards: [
        {
          ...base,
          address: "127.0.0.1:9000",
          state: "ready",
          pod: "bank-6d9f-x2x1z",
          connections: 1,
        },
        { ...base, service: "rates", port: 50051, address: "127.0.0.1:50051", state: "waiting" },
        {
          ...base,
          service: "price",
          address: "127.0.0.1:8080",
          state: "failed",
          problem:
            "127.0.0.1:8080 is in use by python3 (pid 42); stop it or forward another host port",
        },
      ],
    },
    NOW,
  );
  expect(view.forwards).toEqual([
    {
      address: "127.0.0.1:9000",
      target: "bank:8080",
      state: "ready",
      text: "ready (bank-6d9f-x2x1z), 1 open",
    },
    {
      address: "127.0.0.1:50051",
      target: "rates:50051",
      state: "waiting",
      text: "no ready pod of rates: connections wait up to 30 s",
    },
    {
      address: "127.0.0.1:8080",
      target: "price:8080",
      state: "failed",
      text: "not listening: 127.0.0.1:8080 is in use by python3 (pid 42); stop it or forward another host port",
    },
  ]);
});

test("dashboardView: a live update, a failed update and at most ten events, newest first", () => {
  const live = row({
    state: "live-updated",
    activity: {
      state: "done",
      trigger: "services/price/app.py",
      startedAt: NOW - 3000,
      seconds: 1.5,
      liveUpdate: { files: 1, digest: "0123456789ab" },
    },
  });
  const failed = row({
    name: "bank",
    activity: {
      state: "failed",
      trigger: "services/bank/Dockerfile",
      startedAt: NOW - 10_000,
      seconds: 6,
      error: "build failed: exit code 2",
    },
  });
  const many = Array.from({ length: 12 }, (_, i) =>
    event({ reason: `E${i}`, eventTime: new Date(ago(100 - i)) as any }),
  );
  const view = dashboardView(
    { rows: [live, failed], stack: STACK, events: new Map([["price", many]]) },
    NOW,
  );
  const [price, bank] = view.groups[0].services;
  expect(price.lastUpdate?.text).toBe(
    "live-updated 1 file on 0123456789ab in 1.5 s (services/price/app.py)",
  );
  expect(bank.lastUpdate?.text).toBe(
    "failed after 6.0 s (services/bank/Dockerfile): build failed: exit code 2",
  );
  expect(bank.lastUpdate).toMatchObject({ took: "6.0 s", age: "10s ago" });
  expect(price.events.map((e) => `${e.reason} ${e.age}`)).toEqual([
    "E11 89s",
    "E10 90s",
    "E9 91s",
    "E8 92s",
    "E7 93s",
    "E6 94s",
    "E5 95s",
    "E4 96s",
    "E3 97s",
    "E2 98s",
  ]);
  expect(view.summary).toBe("2/2 ready");
});

test("age: kubectl's units; unknown times are empty", () => {
  expect([0, 59, 119, 120, 7199, 7200, 172_799, 172_800].map((s) => age(ago(s), NOW))).toEqual([
    "0s",
    "59s",
    "119s",
    "2m",
    "119m",
    "2h",
    "47h",
    "2d",
  ]);
  expect(age(undefined, NOW)).toBe("");
  expect(age("not a time", NOW)).toBe("");
  expect(age(new Date(NOW + 5000), NOW)).toBe("0s");
});

test("debugView: each phase of a session in words", () => {
  expect(debugView(false, undefined)).toEqual({ wanted: false, text: "", failed: false });
  expect(debugView(true, undefined)).toEqual({
    wanted: true,
    text: "waiting for its Deployment",
    failed: false,
  });
  expect(debugView(true, { phase: "starting", step: "building the debug-support image" })).toEqual({
    wanted: true,
    text: "starting: building the debug-support image",
    failed: false,
  });
  expect(debugView(false, { phase: "stopping" })).toEqual({
    wanted: false,
    text: "stopping",
    failed: false,
  });
});

test("clusterText and summary", () => {
  expect(clusterText("kind-lk-e2e")).toBe("kind lk-e2e");
  expect(clusterText("sandboxes")).toBe("sandboxes");
  expect(clusterText(undefined)).toBe("");
  expect(summary([row({}), row({ state: "problem" })])).toBe("1/2 ready, 1 problem");
  expect(summary([row({ state: "problem" }), row({ state: "problem" })])).toBe(
    "0/2 ready, 2 problems",
  );
});

test("dashboardView: the stack's last update is left out when it is the last converge", () => {
  const converge = {
    kind: "converge" as const,
    trigger: "services/price.yaml",
    seconds: 20,
    ok: true,
  };
  const view = dashboardView(
    { rows: [], stack: STACK, lastConverge: converge, lastUpdate: converge, events: new Map() },
    NOW,
  );
  expect(view.stack.lastConverge).toEqual({
    text: "converge (services/price.yaml) succeeded in 20.0 s",
    ok: true,
  });
  expect(view.stack).not.toHaveProperty("lastUpdate");
  const rebuild = {
    kind: "services" as const,
    trigger: "(rebuild requested)",
    seconds: 9,
    ok: true,
  };
  expect(
    dashboardView(
      { rows: [], stack: STACK, lastConverge: converge, lastUpdate: rebuild, events: new Map() },
      NOW,
    ).stack.lastUpdate,
  ).toEqual({ text: "update (rebuild requested) succeeded in 9.0 s", ok: true });
});

test("dashboardView: an autoscaled service shows the autoscaler's summary and sentence; a stuck one says so", () => {
  const autoscale = {
    current: 1,
    desired: 0,
    min: 1,
    max: 3,
    cpu: { target: 50 },
    reason: "FailedGetResourceMetric: the HPA was unable to compute the replica count",
    stuck: true,
  };
  const view = dashboardView(
    {
      rows: [row({ autoscale }), row({ name: "bank" })],
      stack: STACK,
      events: new Map(),
    },
    NOW,
  );
  const [price, bank] = view.groups[0].services;
  expect(price.autoscale).toEqual({
    summary: "autoscaled 1 pod (1–3)",
    text: "autoscaled 1 pod (1–3), CPU unknown of 50%: FailedGetResourceMetric: the HPA was unable to compute the replica count",
    stuck: true,
  });
  expect(bank.autoscale).toBeUndefined();
});
