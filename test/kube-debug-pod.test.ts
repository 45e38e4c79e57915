import type * as K from "@kubernetes/client-node";
import { debugCommand, DebugCommand } from "../kube/debugRuntime";
import {
  DEBUG_ANNOTATION,
  debugRecord,
  debugWorkload,
  podDebugMark,
  RESTORE_ANNOTATION,
  restoreWorkload,
} from "../kube/debugPod";

const IMAGE = `localhost:5001/bank@sha256:${"a".repeat(64)}`;
const DEBUG_IMAGE = `localhost:5001/fx@sha256:${"d".repeat(64)}`;
const SUPPORT = `localhost:5001/localkube-debug-support@sha256:${"5".repeat(64)}`;

/** bank's Deployment as Pulumi's field manager applied it (the fields it owns). */
function bank(): K.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "bank",
      namespace: "localkube",
      annotations: { "pulumi.com/skipAwait": "true" },
      labels: { "app.kubernetes.io/name": "bank" },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": "bank" } },
      template: {
        metadata: {
          labels: { "app.kubernetes.io/name": "bank" },
          annotations: { "localkube.dev/config-hash": "abc" },
        },
        spec: {
          enableServiceLinks: false,
          volumes: [{ name: "files", configMap: { name: "bank-files" } }],
          containers: [
            {
              name: "bank",
              image: IMAGE,
              command: ["python3", "-u", "/app/app.py"],
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              env: [
                { name: "ACCOUNT_ID", value: "demo" },
                { name: "PYTHONPATH", value: "/srv/lib" },
              ],
              readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2 },
              livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
              volumeMounts: [{ name: "files", mountPath: "/etc/bank" }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

const commandOf = (d: K.V1Deployment) => {
  const c = d.spec!.template.spec!.containers[0];
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ""]));
  const r = debugCommand({ command: c.command, args: c.args, env });
  if ("problem" in r) throw new Error(r.problem);
  return r;
};

describe("debugWorkload: the Deployment under the debugger", () => {
  const before = bank();
  const command = commandOf(before);
  const after = debugWorkload(before, { container: "bank", command, supportImage: SUPPORT });
  const pod = after.spec!.template.spec!;
  const c = pod.containers[0];

  test("the container starts debugpy, listens on its port, finds debugpy on PYTHONPATH", () => {
    expect(c.command).toEqual([
      "python3",
      "-u",
      "-Xfrozen_modules=off",
      "-m",
      "debugpy",
      "--listen",
      "127.0.0.1:5678",
      "/app/app.py",
    ]);
    expect(c.args).toBeUndefined();
    expect(c.env).toEqual([
      { name: "ACCOUNT_ID", value: "demo" },
      { name: "PYTHONPATH", value: "/dbg/python:/srv/lib" },
    ]);
    expect(c.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "lk-debug", containerPort: 5678, protocol: "TCP" },
    ]);
    expect(c.image).toBe(IMAGE);
  });

  test("probes cannot kill a paused process: liveness removed, readiness waits 10 minutes for an answer", () => {
    expect(c.livenessProbe).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    expect(c.readinessProbe).toEqual({
      httpGet: { path: "/healthz", port: "http" },
      periodSeconds: 2,
      timeoutSeconds: 600,
    });
  });

  test("one replica; the debugger's files copied in by an init container into an emptyDir at /dbg", () => {
    expect(after.spec!.replicas).toBe(1);
    expect(pod.volumes).toEqual([
      { name: "files", configMap: { name: "bank-files" } },
      { name: "localkube-debug", emptyDir: {} },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: "files", mountPath: "/etc/bank" },
      { name: "localkube-debug", mountPath: "/dbg" },
    ]);
    expect(pod.initContainers).toEqual([
      {
        name: "localkube-debug-support",
        image: SUPPORT,
        command: ["cp", "-R", "/localkube-debug/.", "/dbg/"],
        volumeMounts: [{ name: "localkube-debug", mountPath: "/dbg" }],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      },
    ]);
  });

  test("pods are marked; the Deployment records the session", () => {
    expect(after.spec!.template.metadata!.labels).toEqual({
      "app.kubernetes.io/name": "bank",
      "localkube.dev/debug": "python",
    });
    expect(after.spec!.template.metadata!.annotations).toEqual({
      "localkube.dev/config-hash": "abc",
      [DEBUG_ANNOTATION]: '{"runtime":"python","port":5678}',
    });
    expect(podDebugMark({ metadata: after.spec!.template.metadata })).toEqual({
      runtime: "python",
      port: 5678,
    });
    expect(debugRecord(after)).toEqual({
      runtime: "python",
      port: 5678,
      container: "bank",
      image: IMAGE,
    });
    expect(debugRecord(before)).toBeUndefined();
  });

  test("what the rewrite is given is not changed", () => {
    expect(before).toEqual(bank());
  });
});

describe("restoreWorkload: exactly what Pulumi's manager applied", () => {
  const nodeCommand: DebugCommand = {
    runtime: "node",
    detectedBy: "the command (node)",
    port: 9229,
    argv: ["node", "--inspect=127.0.0.1:9229", "/app/server.js"],
    env: {},
    support: false,
  };
  const goCommand: DebugCommand = {
    runtime: "go",
    detectedBy: "build.debug.runtime",
    port: 56268,
    argv: ["/dbg/go/bin/dlv", "exec", "/app/fx"],
    env: {},
    support: true,
  };
  /** A Deployment without volumes, init containers, template annotations or args. */
  const bare = (): K.V1Deployment => {
    const d = bank();
    delete d.spec!.template.spec!.volumes;
    delete d.spec!.template.metadata!.annotations;
    delete d.metadata!.annotations;
    d.spec!.template.spec!.containers[0].args = ["--verbose"];
    delete d.spec!.template.spec!.containers[0].volumeMounts;
    return d;
  };

  test.each<[string, () => K.V1Deployment, DebugCommand, string | undefined]>([
    ["python, fields present", bank, commandOf(bank()), undefined],
    ["node, nothing copied in", bank, nodeCommand, undefined],
    ["go with its own image, fields absent before", bare, goCommand, DEBUG_IMAGE],
  ])("%s: restore(debug(x)) = x", (_, make, command, image) => {
    const d = make();
    const debugged = debugWorkload(d, {
      container: "bank",
      command,
      image,
      supportImage: command.support ? SUPPORT : undefined,
    });
    expect(debugged).not.toEqual(d);
    expect(restoreWorkload(debugged, image ? IMAGE : undefined)).toEqual(d);
  });

  test("a build made during the session: restored with the image it is given, every other field as it was", () => {
    const newer = `localhost:5001/bank@sha256:${"b".repeat(64)}`;
    const debugged = debugWorkload(bank(), {
      container: "bank",
      command: commandOf(bank()),
      supportImage: SUPPORT,
    });
    debugged.spec!.template.spec!.containers[0].image = newer; // a fast save while debugging
    const expected = bank();
    expected.spec!.template.spec!.containers[0].image = newer;
    expect(restoreWorkload(debugged)).toEqual(expected);
  });

  test("a Deployment holding no session is returned as it is", () => {
    const d = bank();
    expect(restoreWorkload(d)).toBe(d);
  });

  test("an unreadable record is no session", () => {
    const d = bank();
    d.metadata!.annotations![RESTORE_ANNOTATION] = "{not json";
    expect(debugRecord(d)).toBeUndefined();
    expect(restoreWorkload(d)).toBe(d);
  });
});
