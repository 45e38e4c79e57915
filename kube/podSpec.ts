import type * as k8s from "@pulumi/kubernetes";
import { envPrefix } from "../catalog/appliances";
import { LiveUpdateSpec, ProbeSpec, ServiceSpec } from "../catalog/types";
import { Connection, ConnectionValue, toEnvVar } from "./connection";
import { secretsObjectName } from "./serviceConfig";
import { supervisedCommand } from "./supervisor";

/** The container's command and args: the catalog's, under the restart loop when live updates restart it. */
export function containerCommand(
  spec: Pick<ServiceSpec, "command" | "args">,
  liveUpdate?: Pick<LiveUpdateSpec, "restart">,
): { command?: string[]; args?: string[] } {
  if (liveUpdate?.restart === "process" && spec.command)
    return { command: supervisedCommand(spec.command, spec.args) };
  return { command: spec.command && [...spec.command], args: spec.args && [...spec.args] };
}

/** Environment variables for a service, sorted by name: dependencies first, the spec's own win. */
export function serviceEnv(
  spec: ServiceSpec,
  dependencies: readonly Connection[],
): k8s.types.input.core.v1.EnvVar[] {
  const byName = new Map(dependencies.map((d) => [d.name, d]));
  const vars = new Map<string, ConnectionValue>();
  for (const dep of dependencies) {
    if (dep.kind === "appliance") for (const [k, v] of Object.entries(dep.env)) vars.set(k, v);
    else if (dep.env.URL) vars.set(`${envPrefix(dep.name)}_URL`, dep.env.URL);
  }
  for (const [key, value] of Object.entries(spec.env)) {
    if (value.kind === "literal") {
      vars.set(key, { value: value.value });
      continue;
    }
    if (value.kind === "secret") {
      vars.set(key, { secretName: secretsObjectName(spec.name), key: value.name });
      continue;
    }
    const source = byName.get(value.from)?.env[value.key];
    if (!source) {
      throw new Error(
        `${spec.file}: \`env.${key}\`: ${value.from} offers no ${value.key} in this environment`,
      );
    }
    vars.set(key, source);
  }
  return [...vars.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => toEnvVar(k, v));
}

/** Whether a service needs a {@link ServiceConfig}: it mounts files or reads secrets. */
export function needsConfig(spec: Pick<ServiceSpec, "files" | "env">): boolean {
  return (spec.files ?? []).length > 0 || Object.values(spec.env).some((v) => v.kind === "secret");
}

/** A Kubernetes probe from a catalog probe. */
export function toProbe(probe: ProbeSpec): k8s.types.input.core.v1.Probe {
  const h = probe.handler;
  const handler =
    h.kind === "httpGet"
      ? { httpGet: { path: h.path, port: h.port } }
      : h.kind === "tcpSocket"
        ? { tcpSocket: { port: h.port } }
        : { exec: { command: [...h.command] } };
  return {
    ...handler,
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    failureThreshold: probe.failureThreshold,
  };
}
