import {
  changedForwardLines,
  changedLines,
  paint,
  renderForwards,
  renderTable,
  Screen,
  statusText,
} from "../dev/terminal";
import type { ForwardStatus } from "../dev/forwards";
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

test("colours: styleText's codes when on; a terminal that refuses colours (NO_COLOR) gets none", () => {
  expect(paint(true, "red", "x")).toBe("\u001b[31mx\u001b[39m");
  expect(paint(false, "red", "x")).toBe("x");
  const stream = (hasColors: boolean) =>
    ({
      isTTY: true,
      hasColors: () => hasColors,
      write: () => true,
    }) as unknown as NodeJS.WriteStream;
  expect([new Screen(stream(true)).colors, new Screen(stream(false)).colors]).toEqual([
    true,
    false,
  ]);
  // A pipe never gets colours, whatever it says.
  const pipe = { isTTY: false, hasColors: () => true, write: () => true } as any;
  expect(new Screen(pipe).colors).toBe(false);
});

describe("forwards", () => {
  const forward = (over: Partial<ForwardStatus>): ForwardStatus => ({
    service: "bank",
    port: 8080,
    address: "127.0.0.1:9000",
    state: "ready",
    pod: "bank-6d9f-x2x1z",
    connections: 0,
    origin: "--forward bank:9000",
    ...over,
  });

  test("renderForwards: address, service and port, status in words; nothing without forwards", () => {
    expect(
      renderForwards(
        [
          forward({ connections: 2 }),
          forward({
            service: "price",
            address: "127.0.0.1:8080",
            state: "waiting",
            pod: undefined,
          }),
          forward({
            service: "greeter",
            port: 50051,
            address: "127.0.0.1:50051",
            state: "failed",
            pod: undefined,
            problem:
              "127.0.0.1:50051 is in use by python3 (pid 42); stop it or forward another host port",
          }),
        ],
        { color: false, width: 0 },
      ),
    ).toEqual([
      "FORWARD          TO             STATUS",
      "127.0.0.1:9000   bank:8080      ready (bank-6d9f-x2x1z), 2 open",
      "127.0.0.1:8080   price:8080     no ready pod of price: connections wait up to 30 s",
      "127.0.0.1:50051  greeter:50051  not listening: 127.0.0.1:50051 is in use by python3 (pid 42); stop it or forward another host port",
    ]);
    expect(renderForwards([], { color: false, width: 0 })).toEqual([]);
  });

  test("changedForwardLines: a line when a forward's pod or state changes, not for connections coming and going", () => {
    const first = changedForwardLines(new Map(), [forward({})]);
    expect(first.lines).toEqual(["forward 127.0.0.1:9000 → bank:8080: ready (bank-6d9f-x2x1z)"]);
    expect(changedForwardLines(first.now, [forward({ connections: 3 })]).lines).toEqual([]);
    expect(
      changedForwardLines(first.now, [forward({ state: "waiting", pod: undefined })]).lines,
    ).toEqual([
      "forward 127.0.0.1:9000 → bank:8080: no ready pod of bank: connections wait up to 30 s",
    ]);
  });
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
