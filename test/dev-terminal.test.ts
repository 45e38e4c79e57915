import { changedLines, renderTable, statusText } from "../dev/terminal";
import { ServiceRow } from "../status/model";

const row = (over: Partial<ServiceRow>): ServiceRow => ({
  name: "price",
  group: "",
  kind: "service",
  source: { kind: "published", image: "ghcr.io/acme/price:1.4", tag: "1.4" },
  ready: 1,
  desired: 1,
  restarts: 0,
  url: "http://price.localhost",
  state: "ready",
  pods: [],
  ...over,
});

test("renderTable: aligned columns, the source and the status in words; no colour on a pipe", () => {
  const rows = [
    row({ name: "postgres", group: "appliances", kind: "appliance", url: undefined }),
    row({
      name: "bank",
      group: "payments",
      source: { kind: "built", digest: "0123456789ab" },
      state: "problem",
      ready: 0,
      restarts: 4,
      problem: { message: "crash loop: exit code 1", hint: "fix the app", terminal: true },
    }),
  ];
  expect(renderTable(rows, { color: false, width: 0 })).toEqual([
    "SERVICE   GROUP       SOURCE                 READY  RESTARTS  URL                     STATUS",
    "postgres  appliances  published 1.4          1/1    0                                 ready",
    "bank      payments    checkout 0123456789ab  0/1    4         http://price.localhost  problem: crash loop: exit code 1 — fix the app",
  ]);
  expect(renderTable(rows, { color: false, width: 60 })[2]).toBe(
    "bank      payments    checkout 0123456789ab  0/1    4      …",
  );
});

test("statusText: activity with its trigger, a live update's files and digest, a failed update", () => {
  expect(
    statusText(
      row({
        state: "building",
        activity: { state: "building", trigger: "services/price/app.py", startedAt: 0 },
      }),
    ),
  ).toBe("building (services/price/app.py)");
  expect(
    statusText(
      row({
        state: "live-updated",
        activity: {
          state: "done",
          trigger: "x",
          startedAt: 0,
          liveUpdate: { files: 2, digest: "0123456789ab" },
        },
      }),
    ),
  ).toBe("live-updated (2 files on 0123456789ab)");
  expect(
    statusText(
      row({
        activity: {
          state: "failed",
          trigger: "x",
          startedAt: 0,
          error: "build failed: COPY app.py",
        },
      }),
    ),
  ).toBe("ready; last update failed: build failed: COPY app.py");
});

test("changedLines: on a pipe, one line per row whose status changed", () => {
  const first = changedLines(new Map(), [row({ state: "deploying", ready: 0 })]);
  expect(first.lines).toEqual(["price: deploying 0/1"]);
  const same = changedLines(first.now, [row({ state: "deploying", ready: 0 })]);
  expect(same.lines).toEqual([]);
  expect(changedLines(same.now, [row({ restarts: 2 })]).lines).toEqual([
    "price: ready 1/1, 2 restarts, http://price.localhost",
  ]);
});

test("an autoscaled service: the table shows the autoscaler with its CPU use; pipe lines leave the use out", () => {
  const autoscale = {
    current: 2,
    desired: 3,
    min: 1,
    max: 4,
    cpu: { current: 140, target: 50 },
    reason: "SucceededRescale: the HPA controller was able to update the target scale to 3",
    stuck: false,
  };
  const r = row({ ready: 2, desired: 3, state: "deploying", autoscale });
  expect(statusText(r)).toBe(
    "deploying · autoscaled 2 → 3 pods (1–4), CPU 140% of 50%: SucceededRescale: the HPA controller was able to update the target scale to 3",
  );
  expect(changedLines(new Map(), [r]).lines).toEqual([
    "price: deploying 2/3 · autoscaled 2 → 3 pods (1–4): SucceededRescale: the HPA controller was able to update the target scale to 3",
  ]);
  // Only the CPU use moved: no new line.
  const first = changedLines(new Map(), [r]);
  const moved = row({ ...r, autoscale: { ...autoscale, cpu: { current: 150, target: 50 } } });
  expect(changedLines(first.now, [moved]).lines).toEqual([]);
});
