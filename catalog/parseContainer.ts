import { show } from "./problems";
import {
  EnvValue,
  PortProtocol,
  PortSpec,
  ProbeHandler,
  ProbeKind,
  ProbeSpec,
  ResourceList,
  ResourcesSpec,
} from "./types";
import { CPU_QUANTITY, ENV_NAME, MEMORY_QUANTITY, PORT_NAME, SECRET_NAME } from "./patterns";
import { PathSegment, YamlFile } from "./yamlFile";

/* What a service's container is: ports, env, resources and probes. */

const PROBE_KINDS: readonly ProbeKind[] = ["readiness", "liveness", "startup"];

/** Value of a Kubernetes quantity in base units (cores or bytes), for comparisons. */
export function quantityValue(q: string): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q);
  if (!m) return NaN;
  const factors: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(m[1]) * (m[2] ? factors[m[2]] : 1);
}

export function parsePort(
  y: YamlFile,
  p: readonly PathSegment[],
  value: unknown,
): PortSpec | undefined {
  const obj = y.object(p, value, ["name", "containerPort", "servicePort", "protocol", "forward"]);
  if (!obj) return undefined;
  const name = y.string([...p, "name"], obj.name, {
    ...PORT_NAME,
    maxLength: 15,
  });
  const containerPort = y.integer([...p, "containerPort"], obj.containerPort, 1, 65535);
  const servicePort =
    obj.servicePort === undefined
      ? containerPort
      : y.integer([...p, "servicePort"], obj.servicePort, 1, 65535);
  const protocol: PortProtocol | undefined =
    obj.protocol === undefined
      ? "TCP"
      : y.oneOf([...p, "protocol"], obj.protocol, ["TCP", "UDP", "SCTP"] as const);
  const forward =
    obj.forward === undefined ? undefined : y.integer([...p, "forward"], obj.forward, 1, 65535);
  if (forward !== undefined && protocol !== undefined && protocol !== "TCP")
    y.report(
      [...p, "forward"],
      `a forward carries TCP connections, and this port is ${protocol}; remove forward or use a TCP port`,
    );
  if (
    name === undefined ||
    containerPort === undefined ||
    servicePort === undefined ||
    protocol === undefined
  ) {
    return undefined;
  }
  return {
    name,
    containerPort,
    servicePort,
    protocol,
    ...(forward !== undefined ? { forward } : {}),
  };
}

export function checkDuplicatePorts(y: YamlFile, ports: readonly PortSpec[]) {
  ports.forEach((port, i) => {
    const first = ports.findIndex((q) => q.name === port.name);
    if (first !== i)
      y.report(
        ["ports", i, "name"],
        `port name ${show(port.name)} is already used by ports[${first}]; give each port its own name`,
      );
    const firstContainer = ports.findIndex(
      (q) => q.containerPort === port.containerPort && q.protocol === port.protocol,
    );
    if (firstContainer !== i) {
      y.report(
        ["ports", i, "containerPort"],
        `${port.protocol} port ${port.containerPort} is already declared by ports[${firstContainer}]; remove the duplicate`,
      );
    }
    const firstService = ports.findIndex(
      (q) => q.servicePort === port.servicePort && q.protocol === port.protocol,
    );
    if (firstService !== i && firstContainer === i) {
      y.report(
        ["ports", i, "servicePort"],
        `${port.protocol} service port ${port.servicePort} is already used by ports[${firstService}]; choose another servicePort`,
      );
    }
  });
}

export function parseEnv(y: YamlFile, value: unknown): Record<string, EnvValue> {
  const obj = y.object(["env"], value, Object.keys((value as object) ?? {}));
  const env: Record<string, EnvValue> = {};
  for (const [key, v] of Object.entries(obj ?? {})) {
    const p = ["env", key];
    if (!ENV_NAME.test(key)) {
      y.report(
        p,
        `${show(key)} is not an environment variable name: use letters, digits and '_', not starting with a digit`,
      );
      continue;
    }
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "secret" in v) {
      const ref = y.object(p, v, ["secret"]);
      const name = y.string([...p, "secret"], ref?.secret, SECRET_NAME);
      if (name !== undefined) env[key] = { kind: "secret", name };
    } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const ref = y.object(p, v, ["from", "key"]);
      const from = y.string([...p, "from"], ref?.from);
      const refKey = y.string([...p, "key"], ref?.key);
      if (from !== undefined && refKey !== undefined) env[key] = { kind: "ref", from, key: refKey };
    } else {
      const s = y.scalar(p, v);
      if (s !== undefined) env[key] = { kind: "literal", value: s };
    }
  }
  return env;
}

function parseResourceList(
  y: YamlFile,
  p: PathSegment[],
  value: unknown,
): ResourceList | undefined {
  const obj = y.object(p, value, ["cpu", "memory"]);
  if (!obj) return undefined;
  const cpu =
    obj.cpu === undefined
      ? undefined
      : y.string(
          [...p, "cpu"],
          typeof obj.cpu === "number" ? String(obj.cpu) : obj.cpu,
          CPU_QUANTITY,
        );
  const memory =
    obj.memory === undefined
      ? undefined
      : y.string(
          [...p, "memory"],
          typeof obj.memory === "number" ? String(obj.memory) : obj.memory,
          MEMORY_QUANTITY,
        );
  return { cpu, memory };
}

export function parseResources(y: YamlFile, value: unknown): ResourcesSpec | undefined {
  const obj = y.object(["resources"], value, ["requests", "limits"]);
  if (!obj) return undefined;
  const requests =
    obj.requests === undefined
      ? undefined
      : parseResourceList(y, ["resources", "requests"], obj.requests);
  const limits =
    obj.limits === undefined
      ? undefined
      : parseResourceList(y, ["resources", "limits"], obj.limits);
  for (const res of ["cpu", "memory"] as const) {
    const req = requests?.[res];
    const lim = limits?.[res];
    if (req !== undefined && lim !== undefined && quantityValue(req) > quantityValue(lim)) {
      y.report(
        ["resources", "requests", res],
        `request ${req} is above the limit ${lim}; lower the request or raise the limit`,
      );
    }
  }
  return { requests, limits };
}

export function parseProbes(
  y: YamlFile,
  value: unknown,
  portNames: ReadonlySet<string>,
): Partial<Record<ProbeKind, ProbeSpec>> {
  const obj = y.object(["probes"], value, PROBE_KINDS);
  const probes: Partial<Record<ProbeKind, ProbeSpec>> = {};
  for (const kind of PROBE_KINDS) {
    if (obj?.[kind] === undefined) continue;
    const probe = parseProbe(y, ["probes", kind], obj[kind], portNames);
    if (probe) probes[kind] = probe;
  }
  return probes;
}

const PROBE_HANDLERS = ["httpGet", "tcpSocket", "exec"] as const;
const PROBE_TIMINGS = [
  "initialDelaySeconds",
  "periodSeconds",
  "timeoutSeconds",
  "failureThreshold",
] as const;

function parseProbe(
  y: YamlFile,
  p: PathSegment[],
  value: unknown,
  portNames: ReadonlySet<string>,
): ProbeSpec | undefined {
  const obj = y.object(p, value, [...PROBE_HANDLERS, ...PROBE_TIMINGS]);
  if (!obj) return undefined;
  const given = PROBE_HANDLERS.filter((h) => obj[h] !== undefined);
  if (given.length !== 1) {
    return y.report(
      p,
      `needs exactly one of httpGet, tcpSocket or exec, got ${given.length === 0 ? "none" : given.join(" and ")}`,
    );
  }
  const handler = parseHandler(y, [...p, given[0]], given[0], obj[given[0]], portNames);
  const timings: Record<string, number | undefined> = {};
  for (const t of PROBE_TIMINGS) {
    if (obj[t] !== undefined)
      timings[t] = y.integer([...p, t], obj[t], t === "initialDelaySeconds" ? 0 : 1, 3600);
  }
  return handler && { handler, ...timings };
}

function parseProbePort(
  y: YamlFile,
  p: PathSegment[],
  value: unknown,
  portNames: ReadonlySet<string>,
) {
  if (typeof value === "number") return y.integer(p, value, 1, 65535);
  if (typeof value === "string" && portNames.has(value)) return value;
  const names = [...portNames].join(", ") || "none declared";
  if (value === undefined)
    return y.report(p, `missing; set a port number or a port name of this service (${names})`);
  return y.report(
    p,
    `${show(value)} is neither a port number nor a port name of this service (${names}); use one of those or a number`,
  );
}

function parseHandler(
  y: YamlFile,
  p: PathSegment[],
  kind: (typeof PROBE_HANDLERS)[number],
  value: unknown,
  portNames: ReadonlySet<string>,
): ProbeHandler | undefined {
  if (kind === "exec") {
    const obj = y.object(p, value, ["command"]);
    const command = obj && y.list([...p, "command"], obj.command, (q, v) => y.string(q, v));
    if (command && command.length === 0)
      return y.report([...p, "command"], "must not be empty; give the program and its arguments");
    return command ? { kind, command } : undefined;
  }
  if (kind === "tcpSocket") {
    const obj = y.object(p, value, ["port"]);
    const port = obj && parseProbePort(y, [...p, "port"], obj.port, portNames);
    return port === undefined ? undefined : { kind, port };
  }
  const obj = y.object(p, value, ["path", "port"]);
  if (!obj) return undefined;
  const httpPath =
    obj.path === undefined
      ? "/"
      : y.string([...p, "path"], obj.path, { pattern: /^\//, help: "a path starting with '/'" });
  const port = parseProbePort(y, [...p, "port"], obj.port, portNames);
  return httpPath === undefined || port === undefined ? undefined : { kind, path: httpPath, port };
}
