import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ownerOf, ProgressTracker, progressLine, stepOf } from "../dev/progress";

const KNOWN = new Set(["bank", "bank-api", "price", "postgres", "schema-registry"]);
const urn = (type: string, name: string) =>
  `urn:pulumi:local::localkube::localkube:index:Platform$${type}::${name}`;
/** The inputs each resource of the platform carries: who owns it is read from there. */
const inputsOf = (type: string, owner: string) =>
  type === "docker-build:index:Image"
    ? { labels: { "localkube.dev/service": owner } }
    : type.startsWith("kubernetes:")
      ? { metadata: { labels: { "app.kubernetes.io/name": owner } } }
      : { service: owner };
const meta = (op: string, type: string, name: string, outputs: Record<string, unknown> = {}) => ({
  op,
  type,
  urn: urn(type, name),
  provider: "",
  new: {
    type,
    urn: urn(type, name),
    id: "",
    parent: "",
    inputs: inputsOf(type, name.split("/")[0]),
    outputs,
    provider: "",
  },
});
const pre = (t: number, op: string, type: string, name: string): EngineEvent => ({
  sequence: 0,
  timestamp: t,
  resourcePreEvent: { metadata: meta(op, type, name) as any },
});
const out = (t: number, op: string, type: string, name: string, outputs = {}): EngineEvent => ({
  sequence: 0,
  timestamp: t,
  resOutputsEvent: { metadata: meta(op, type, name, outputs) as any },
});

test("stepOf and ownerOf: the owner is read from the resource's own inputs, never its name", () => {
  expect(stepOf("docker-build:index:Image")).toBe("build");
  expect(stepOf("kubernetes:apps/v1:StatefulSet")).toBe("deploy");
  expect(stepOf("pulumi-nodejs:dynamic/localkube:WorkloadReady")).toBe("ready");
  expect(stepOf("kubernetes:core/v1:Service")).toBeUndefined();
  expect(
    ownerOf("docker-build:index:Image", { labels: { "localkube.dev/service": "bank-api" } }),
  ).toBe("bank-api");
  expect(
    ownerOf("kubernetes:apps/v1:Deployment", {
      metadata: { name: "platform-bank-x", labels: { "app.kubernetes.io/name": "bank" } },
    }),
  ).toBe("bank");
  expect(ownerOf("pulumi-nodejs:dynamic/localkube:WorkloadReady", { service: "postgres" })).toBe(
    "postgres",
  );
  expect(ownerOf("localkube:index:KindCluster", { name: "platform-bank" })).toBeUndefined();
  expect(
    ownerOf("kubernetes:core/v1:Namespace", { metadata: { name: "localkube" } }),
  ).toBeUndefined();
});

test("a build, a rollout and a failure become lines with durations; unchanged resources say nothing", () => {
  const t = new ProgressTracker(KNOWN);
  const events = [
    pre(100, "update", "docker-build:index:Image", "bank/image"),
    pre(100, "same", "kubernetes:apps/v1:Deployment", "price/deployment"),
    out(112.5, "update", "docker-build:index:Image", "bank/image", {
      digest: "sha256:0123456789abcdef0123",
    }),
    pre(113, "update", "kubernetes:apps/v1:Deployment", "bank/deployment"),
    out(114.25, "update", "kubernetes:apps/v1:Deployment", "bank/deployment"),
    {
      sequence: 0,
      timestamp: 120,
      diagnosticEvent: {
        urn: urn("kubernetes:apps/v1:StatefulSet", "postgres/statefulset"),
        message: "postgres: image cannot be pulled\n",
        color: "never",
        severity: "error",
      },
    },
    pre(115, "create", "kubernetes:apps/v1:StatefulSet", "postgres/statefulset"),
    {
      sequence: 0,
      timestamp: 121,
      resOpFailedEvent: {
        metadata: meta("create", "kubernetes:apps/v1:StatefulSet", "postgres/statefulset") as any,
        status: 1,
        steps: 1,
      },
    },
  ] as EngineEvent[];
  const lines = events.flatMap((e) => t.onEvent(e)).map((e) => progressLine(e, 8));
  expect(lines).toEqual([
    "bank      building",
    "bank      built                 sha256:0123456789ab  12.5 s",
    "bank      deploying",
    "bank      deployed              1.3 s",
    "postgres  deploying",
    "postgres  failed                postgres: image cannot be pulled  6.0 s",
  ]);
});

test("a service leaving the stack: its workload is removing/removed; its image and gate say nothing", () => {
  const t = new ProgressTracker(KNOWN);
  const events = [
    pre(200, "delete", "pulumi-nodejs:dynamic/localkube:WorkloadReady", "price/ready"),
    out(201, "delete", "pulumi-nodejs:dynamic/localkube:WorkloadReady", "price/ready"),
    pre(201, "delete", "kubernetes:apps/v1:Deployment", "price/deployment"),
    out(203.5, "delete", "kubernetes:apps/v1:Deployment", "price/deployment"),
    pre(203.5, "delete", "docker-build:index:Image", "price/image"),
    out(204, "delete", "docker-build:index:Image", "price/image"),
    pre(205, "delete-replaced", "kubernetes:apps/v1:Deployment", "bank/deployment"),
    out(206, "delete-replaced", "kubernetes:apps/v1:Deployment", "bank/deployment"),
  ] as EngineEvent[];
  expect(events.flatMap((e) => t.onEvent(e)).map((e) => progressLine(e, 8))).toEqual([
    "price     removing",
    "price     removed               2.5 s",
  ]);
});
