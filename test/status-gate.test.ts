import type { Problem } from "../status/diagnose";
import { formatSeconds, gateStep } from "../status/gate";

const base = { service: "bank", namespace: "localkube", timeoutSeconds: 120 };
const waiting = { ready: false, waitingFor: "0 of 1 updated pods ready" };
const probe: Problem = {
  kind: "not-ready",
  terminal: false,
  message:
    "bank in namespace localkube is not ready: Readiness probe failed: HTTP probe failed with statuscode: 503",
  hint: "it fails its probe",
};

describe("gateStep", () => {
  test("ready as soon as the rollout is complete, whatever was seen before", () => {
    expect(
      gateStep({ ...base, status: { ready: true, waitingFor: "" }, problem: probe, elapsedMs: 1 }),
    ).toEqual({ outcome: "ready" });
  });

  test("a terminal problem fails at once, with its diagnosis and fix", () => {
    const pull: Problem = {
      kind: "image-pull",
      terminal: true,
      message: 'bank in namespace localkube: image "x:1" cannot be pulled (ErrImagePull)',
      detail: "not found",
      hint: "publish it",
    };
    expect(gateStep({ ...base, status: waiting, problem: pull, elapsedMs: 3000 })).toEqual({
      outcome: "fail",
      message:
        'bank in namespace localkube: image "x:1" cannot be pulled (ErrImagePull)\nnot found\nfix: publish it',
    });
  });

  test("a failing probe is waited for until readyTimeout, then reported with its last failure", () => {
    expect(gateStep({ ...base, status: waiting, problem: probe, elapsedMs: 119_999 })).toEqual({
      outcome: "wait",
    });
    expect(gateStep({ ...base, status: waiting, problem: probe, elapsedMs: 120_000 })).toEqual({
      outcome: "fail",
      message: [
        "bank in namespace localkube did not become ready within 2m (localkube:readyTimeout); waiting for 0 of 1 updated pods ready",
        "bank in namespace localkube is not ready: Readiness probe failed: HTTP probe failed with statuscode: 503",
        "fix: it fails its probe",
      ].join("\n"),
    });
  });

  test("a timeout without any problem seen says what the rollout waits for and how to look", () => {
    expect(gateStep({ ...base, timeoutSeconds: 90, status: waiting, elapsedMs: 95_000 })).toEqual({
      outcome: "fail",
      message: [
        "bank in namespace localkube did not become ready within 1m30s (localkube:readyTimeout); waiting for 0 of 1 updated pods ready",
        "fix: `kubectl -n localkube get pods -l app.kubernetes.io/name=bank` shows its pods; if it only needs longer, raise localkube:readyTimeout (e.g. pulumi config set localkube:readyTimeout 10m)",
      ].join("\n"),
    });
  });
});

test.each([
  [120, "2m"],
  [45, "45s"],
  [600, "10m"],
  [5430, "1h30m30s"],
  [0, "0s"],
])("formatSeconds(%d) is %s", (seconds, text) => {
  expect(formatSeconds(seconds)).toBe(text);
});
