import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ProgressTracker, progressLine, serviceOf, stepOf } from "../dev/progress";

const KNOWN = ["bank", "bank-api", "price", "postgres", "schema-registry"];
const urn = (type: string, name: string) =>
  `urn:pulumi:local::localkube::localkube:index:Platform$${type}::${name}`;
const meta = (op: string, type: string, name: string, outputs: Record<string, unknown> = {}) => ({
  op,
  type,
  urn: urn(type, name),
  provider: "",
  new: { type, urn: urn(type, name), id: "", parent: "", inputs: {}, outputs, provider: "" },
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

test("stepOf and serviceOf", () => {
  expect(stepOf("docker-build:index:Image")).toBe("build");
  expect(stepOf("kubernetes:apps/v1:StatefulSet")).toBe("deploy");
  expect(stepOf("pulumi-nodejs:dynamic/localkube:WorkloadReady")).toBe("ready");
  expect(stepOf("kubernetes:core/v1:Service")).toBeUndefined();
  expect(serviceOf("platform-bank-api-deployment", KNOWN)).toBe("bank-api");
  expect(serviceOf("platform-bank-deployment", KNOWN)).toBe("bank");
  expect(serviceOf("platform-appliances-schema-registry-deployment", KNOWN)).toBe(
    "schema-registry",
  );
  expect(serviceOf("local-kind-cluster", KNOWN)).toBeUndefined();
});

test("a build, a rollout and a failure become lines with durations; unchanged resources say nothing", () => {
  const t = new ProgressTracker(KNOWN);
  const events = [
    pre(100, "update", "docker-build:index:Image", "platform-bank-image-image"),
    pre(100, "same", "kubernetes:apps/v1:Deployment", "platform-price-deployment"),
    out(112.5, "update", "docker-build:index:Image", "platform-bank-image-image", {
      digest: "sha256:0123456789abcdef0123",
    }),
    pre(113, "update", "kubernetes:apps/v1:Deployment", "platform-bank-deployment"),
    out(114.25, "update", "kubernetes:apps/v1:Deployment", "platform-bank-deployment"),
    {
      sequence: 0,
      timestamp: 120,
      diagnosticEvent: {
        urn: urn("kubernetes:apps/v1:StatefulSet", "platform-appliances-postgres-statefulset"),
        message: "postgres: image cannot be pulled\n",
        color: "never",
        severity: "error",
      },
    },
    pre(
      115,
      "create",
      "kubernetes:apps/v1:StatefulSet",
      "platform-appliances-postgres-statefulset",
    ),
    {
      sequence: 0,
      timestamp: 121,
      resOpFailedEvent: {
        metadata: meta(
          "create",
          "kubernetes:apps/v1:StatefulSet",
          "platform-appliances-postgres-statefulset",
        ) as any,
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
