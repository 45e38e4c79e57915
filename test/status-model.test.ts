import { ciVerdict, imageSource, objectsOf, serviceRow, statusRows } from "../status/model";

const labels = (name: string) => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/instance": name,
});
const deployment = (name: string, image: string, replicas = 1) => ({
  metadata: { name, labels: labels(name) },
  spec: { replicas, template: { spec: { containers: [{ name, image }] } } },
});
const pod = (
  name: string,
  service: string,
  ready: boolean,
  restarts = 0,
  created = "2026-11-30T10:00:00Z",
) => ({
  metadata: { name, labels: labels(service), creationTimestamp: created },
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    containerStatuses: [{ name: service, restartCount: restarts, ready, image: "", imageID: "" }],
  },
});
const ALL = {
  deployments: [
    deployment("bank", "localhost:5001/bank@sha256:0123456789abcdef0123"),
    deployment("price", "ghcr.io/acme/price:1.4", 2),
  ],
  statefulSets: [
    {
      metadata: { name: "postgres", labels: labels("postgres") },
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: "postgres", image: "postgres:15" }] } },
      },
    },
  ],
  replicaSets: [{ metadata: { name: "price-5d4f", labels: labels("price") } }],
  pods: [
    pod("bank-1", "bank", true),
    pod("price-a", "price", true, 0, "2026-11-30T10:00:01Z"),
    pod("price-b", "price", false, 3),
    pod("postgres-0", "postgres", true),
  ],
  events: [
    { involvedObject: { name: "price-b" }, reason: "BackOff" },
    { involvedObject: { name: "price-5d4f" }, reason: "SuccessfulCreate" },
    { involvedObject: { name: "other" }, reason: "X" },
  ],
} as any;
const FACTS = {
  namespace: "localkube",
  services: [
    { name: "price", group: "", url: "http://price.localhost" },
    { name: "bank", group: "payments", url: "http://bank.localhost" },
  ],
  appliances: ["postgres"],
};

test("objectsOf: a service's workload, ReplicaSets, pods and only their events", () => {
  const o = objectsOf("price", "localkube", ALL);
  expect(o.workload?.metadata?.name).toBe("price");
  expect(o.service).toBe("price");
  expect(o.pods.map((p) => p.metadata?.name)).toEqual(["price-a", "price-b"]);
  expect(o.events!.map((e) => e.reason)).toEqual(["BackOff", "SuccessfulCreate"]);
});

test("imageSource: a local build by digest, a published image by tag", () => {
  expect(imageSource("localhost:5001/bank@sha256:0123456789abcdef0123")).toEqual({
    kind: "built",
    digest: "0123456789ab",
  });
  expect(imageSource("ghcr.io/acme/price:1.4")).toEqual({
    kind: "published",
    image: "ghcr.io/acme/price:1.4",
    tag: "1.4",
  });
  expect(imageSource("localhost:5001/price")).toEqual({
    kind: "published",
    image: "localhost:5001/price",
    tag: "latest",
  });
  expect(imageSource(undefined)).toEqual({ kind: "unknown" });
});

test("statusRows: appliances first, ready/desired, restarts, source, URL and state", () => {
  const rows = statusRows(FACTS, ALL, new Map(), new Map());
  expect(
    rows.map((r) => [
      r.name,
      r.group,
      r.kind,
      `${r.ready}/${r.desired}`,
      r.restarts,
      r.state,
      r.url,
    ]),
  ).toEqual([
    ["postgres", "appliances", "appliance", "1/1", 0, "ready", undefined],
    ["price", "", "service", "1/2", 3, "deploying", "http://price.localhost"],
    ["bank", "payments", "service", "1/1", 0, "ready", "http://bank.localhost"],
  ]);
  expect(rows[1].pods.map((p) => [p.name, p.ready, p.restarts])).toEqual([
    ["price-b", false, 3],
    ["price-a", true, 0],
  ]);
});

test("the state: the loop's activity first, then a problem, then readiness", () => {
  const entry = { name: "bank", group: "", kind: "service" as const };
  const o = objectsOf("bank", "localkube", ALL);
  const problem = { message: "crash loop", terminal: true };
  expect(
    serviceRow(entry, o, problem, {
      state: "building",
      trigger: "services/bank/app.py",
      startedAt: 0,
    }).state,
  ).toBe("building");
  expect(serviceRow(entry, o, problem, { state: "done", trigger: "x", startedAt: 0 }).state).toBe(
    "problem",
  );
  expect(
    serviceRow(entry, o, undefined, {
      state: "done",
      trigger: "x",
      startedAt: 0,
      liveUpdate: { files: 2, digest: "0123" },
    }).state,
  ).toBe("live-updated");
  expect(
    serviceRow(entry, objectsOf("nothing", "localkube", ALL), undefined, undefined).state,
  ).toBe("pending");
});

test("ciVerdict: ready when all are; failed at the first terminal problem; else waiting", () => {
  const rows = statusRows(FACTS, ALL, new Map(), new Map());
  expect(ciVerdict(rows)).toBe("waiting");
  expect(ciVerdict(rows.filter((r) => r.name !== "price"))).toBe("ready");
  expect(
    ciVerdict(
      statusRows(FACTS, ALL, new Map([["price", { message: "x", terminal: true }]]), new Map()),
    ),
  ).toBe("failed");
  expect(
    ciVerdict(
      statusRows(FACTS, ALL, new Map([["price", { message: "x", terminal: false }]]), new Map()),
    ),
  ).toBe("waiting");
  expect(ciVerdict([])).toBe("waiting");
});

test("a service with an autoscaler: its row carries what the HPA says (matched by the service's label)", () => {
  const hpa = {
    metadata: { name: "price", labels: labels("price") },
    spec: { minReplicas: 1, maxReplicas: 3, metrics: [] },
    status: { currentReplicas: 2, desiredReplicas: 3 },
  };
  const rows = statusRows(FACTS, { ...ALL, autoscalers: [hpa] }, new Map(), new Map());
  expect(rows.map((r) => [r.name, r.autoscale])).toEqual([
    ["postgres", undefined],
    ["price", { current: 2, desired: 3, min: 1, max: 3, stuck: false }],
    ["bank", undefined],
  ]);
});
