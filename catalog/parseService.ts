import * as path from "path";
import { parseSecurity, SECURITY_FIELDS } from "./parseSecurity";
import { show } from "./problems";
import {
  BuildSpec,
  EnvValue,
  IngressSpec,
  LiveUpdateSpec,
  PortProtocol,
  PortSpec,
  ProbeHandler,
  ProbeKind,
  ProbeSpec,
  ResourceList,
  ResourcesSpec,
  ServiceSpec,
} from "./types";
import {
  CPU_QUANTITY,
  DNS_LABEL,
  DNS_LABEL_HELP,
  ENV_NAME,
  IMAGE_REPOSITORY,
  IMAGE_TAG,
  MEMORY_QUANTITY,
  PORT_NAME,
} from "./patterns";
import { hasOwnManifests, parseOwnIngress, parseWorkload, WORKLOAD_FIELDS } from "./parseWorkload";
import { PathSegment, YamlFile } from "./yamlFile";

const SERVICE_FIELDS = [
  "name",
  "description",
  "image",
  "build",
  "command",
  "args",
  "ports",
  "env",
  "replicas",
  "resources",
  "probes",
  "ingress",
  "dependsOn",
  ...WORKLOAD_FIELDS,
  ...SECURITY_FIELDS,
] as const;

const PROBE_KINDS: readonly ProbeKind[] = ["readiness", "liveness", "startup"];

/** Name of a secret in the stack's config, `localkube:secrets.<name>`. */
export const SECRET_NAME = {
  pattern: /^[A-Za-z][A-Za-z0-9_-]{0,62}$/,
  help: "a secret name: letters, digits, '_' and '-', starting with a letter (set with `pulumi config set --secret localkube:secrets.<name> <value>`)",
};

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

/**
 * Parses one `services/<name>.yaml` into a {@link ServiceSpec}. Returns the spec (possibly
 * partial when there were problems) and every problem found in the file. Cross-file rules
 * (unknown dependencies, cycles, host collisions, policy) are checked by `validateCatalog`.
 *
 * @param file path shown in messages, e.g. `services/bank.yaml`
 * @param text file contents
 * @param fileDir absolute directory of the file; `build.context` is relative to it
 */
export function parseServiceFile(file: string, text: string, fileDir: string) {
  const y = new YamlFile(file, text);
  const lineOf = (p: readonly PathSegment[]) => y.lineOf(p);
  if (y.problems.length > 0) return { spec: undefined, problems: y.problems, lineOf };
  if (y.root === null || y.root === undefined) {
    y.report([], "the file is empty; describe the service (e.g. image, ports) or delete the file");
    return { spec: undefined, problems: y.problems, lineOf };
  }
  const doc = y.object([], y.root, SERVICE_FIELDS);
  if (!doc) return { spec: undefined, problems: y.problems, lineOf };

  const expectedName = path.basename(file).replace(/\.ya?ml$/, "");
  const name =
    doc.name === undefined
      ? expectedName
      : y.string(["name"], doc.name, { pattern: DNS_LABEL, help: DNS_LABEL_HELP, maxLength: 63 });
  if (name !== undefined && name !== expectedName) {
    y.report(
      ["name"],
      `${show(name)} differs from the file name; rename the file to ${name}.yaml or set name: ${expectedName}`,
    );
  }
  if (!DNS_LABEL.test(expectedName) || expectedName.length > 63) {
    y.report(
      [],
      `file name ${show(path.basename(file))} is not a valid service name: use ${DNS_LABEL_HELP}, then ".yaml"`,
    );
  }

  const ports =
    doc.ports === undefined
      ? []
      : (y.list(["ports"], doc.ports, (p, v) => parsePort(y, p, v)) ?? []);
  checkDuplicatePorts(y, ports);
  const portNames = new Set(ports.map((p) => p.name));

  const spec: ServiceSpec = {
    name: expectedName,
    file,
    description:
      doc.description === undefined ? undefined : y.string(["description"], doc.description),
    image: parseImage(y, doc.image, doc.build !== undefined),
    ...parseWorkload(y, doc, fileDir),
    build:
      doc.build === undefined
        ? undefined
        : parseBuild(y, doc.build, fileDir, doc.command !== undefined),
    command: doc.command === undefined ? undefined : parseArgv(y, ["command"], doc.command),
    args: doc.args === undefined ? undefined : parseArgv(y, ["args"], doc.args),
    ports,
    env: doc.env === undefined ? {} : parseEnv(y, doc.env),
    replicas: doc.replicas === undefined ? 1 : (y.integer(["replicas"], doc.replicas, 0, 100) ?? 1),
    resources: doc.resources === undefined ? undefined : parseResources(y, doc.resources),
    probes: doc.probes === undefined ? {} : parseProbes(y, doc.probes, portNames),
    ingress:
      doc.ingress === undefined
        ? undefined
        : hasOwnManifests(doc)
          ? parseOwnIngress(y, doc.ingress, expectedName)
          : parseIngress(y, doc.ingress, ports),
    dependsOn:
      doc.dependsOn === undefined
        ? []
        : (y.list(["dependsOn"], doc.dependsOn, (p, v) =>
            y.string(p, v, { pattern: DNS_LABEL, help: DNS_LABEL_HELP, maxLength: 63 }),
          ) ?? []),
    ...parseSecurity(y, doc),
  };
  spec.dependsOn.forEach((dep, i) => {
    if (dep === spec.name)
      y.report(["dependsOn", i], `a service cannot depend on itself; remove ${show(dep)}`);
    if (spec.dependsOn.indexOf(dep) !== i)
      y.report(["dependsOn", i], `${show(dep)} is listed twice; remove one`);
  });
  return { spec, problems: y.problems, lineOf };
}

function parseImage(y: YamlFile, value: unknown, hasBuild: boolean): ServiceSpec["image"] {
  if (value === undefined) return {};
  if (typeof value === "string") {
    // Shorthand `image: ghcr.io/acme/bank:1.2` (a tag after the last ':' that follows the last '/').
    const slash = value.lastIndexOf("/");
    const colon = value.lastIndexOf(":");
    const [repository, tag] =
      colon > slash ? [value.slice(0, colon), value.slice(colon + 1)] : [value, undefined];
    checkImage(y, ["image"], repository, tag);
    return { repository, tag };
  }
  const obj = y.object(["image"], value, ["repository", "tag", "from"]);
  if (!obj) return {};
  if (obj.from !== undefined) {
    const from = y.string(["image", "from"], obj.from, {
      pattern: DNS_LABEL,
      help: `the name of another service of the catalog: ${DNS_LABEL_HELP}`,
      maxLength: 63,
    });
    for (const field of ["repository", "tag"])
      if (obj[field] !== undefined)
        y.report(
          ["image", field],
          `not used with image.from (this service runs the image of ${show(obj.from)}); remove it`,
        );
    if (hasBuild)
      y.report(
        ["build"],
        `not used with image.from: this service runs the image of ${show(obj.from)}, built from that service's build section; remove it`,
      );
    return { from };
  }
  const repository =
    obj.repository === undefined ? undefined : y.string(["image", "repository"], obj.repository);
  const tag = obj.tag === undefined ? undefined : y.scalar(["image", "tag"], obj.tag);
  checkImage(y, ["image"], repository, tag);
  return { repository, tag };
}

function checkImage(
  y: YamlFile,
  p: PathSegment[],
  repository: string | undefined,
  tag: string | undefined,
) {
  if (repository !== undefined && !IMAGE_REPOSITORY.pattern.test(repository)) {
    y.report(
      [...p, "repository"],
      `${show(repository)} is not an image repository: use ${IMAGE_REPOSITORY.help}`,
    );
  }
  if (tag !== undefined && !IMAGE_TAG.pattern.test(tag)) {
    y.report([...p, "tag"], `${show(tag)} is not an image tag: use ${IMAGE_TAG.help}`);
  }
}

/** A container command or its arguments: a list of strings (numbers and booleans as written). */
function parseArgv(y: YamlFile, p: readonly PathSegment[], value: unknown): string[] | undefined {
  if (p[0] === "command" && Array.isArray(value) && value.length === 0) {
    return y.report(
      p,
      "must not be empty; give the program and its arguments, or leave it out to run the image's own",
    );
  }
  return y.list(p, value, (q, v) => y.scalar(q, v));
}

function parseBuild(
  y: YamlFile,
  value: unknown,
  fileDir: string,
  hasCommand: boolean,
): BuildSpec | undefined {
  const obj = y.object(["build"], value, ["context", "dockerfile", "args", "target", "liveUpdate"]);
  if (!obj) return undefined;
  const context = y.string(["build", "context"], obj.context);
  const dockerfile =
    obj.dockerfile === undefined ? "Dockerfile" : y.string(["build", "dockerfile"], obj.dockerfile);
  const args: Record<string, string> = {};
  if (obj.args !== undefined) {
    const a = y.object(["build", "args"], obj.args, Object.keys(obj.args ?? {}));
    for (const [k, v] of Object.entries(a ?? {})) {
      if (!ENV_NAME.test(k))
        y.report(
          ["build", "args", k],
          `${show(k)} is not a build argument name: use letters, digits and '_'`,
        );
      const s = y.scalar(["build", "args", k], v);
      if (s !== undefined) args[k] = s;
    }
  }
  const target = obj.target === undefined ? undefined : y.string(["build", "target"], obj.target);
  const liveUpdate =
    obj.liveUpdate === undefined ? undefined : parseLiveUpdate(y, obj.liveUpdate, hasCommand);
  if (context === undefined || dockerfile === undefined) return undefined;
  const contextAbs = path.resolve(fileDir, context);
  return {
    context: contextAbs,
    dockerfile: path.resolve(contextAbs, dockerfile),
    args,
    target,
    ...(liveUpdate ? { liveUpdate } : {}),
  };
}

const LU = ["build", "liveUpdate"];

/** A path inside the build context: relative, `/`-separated, never leaving it. */
function contextPath(y: YamlFile, p: readonly PathSegment[], value: unknown): string | undefined {
  const text = y.string(p, value);
  if (text === undefined) return undefined;
  const norm = path.posix.normalize(text.replace(/\\/g, "/")).replace(/\/$/, "");
  if (path.posix.isAbsolute(norm) || norm === ".." || norm.startsWith("../")) {
    return y.report(
      p,
      `${show(text)} is not inside the build context; use a path relative to build.context, e.g. src or app.py`,
    );
  }
  return norm;
}

/** `.dockerignore`-style patterns of context files. */
function patterns(y: YamlFile, p: readonly PathSegment[], value: unknown): string[] | undefined {
  return y.list(p, value, (q, v) => contextPath(y, q, v));
}

function parseLiveUpdate(
  y: YamlFile,
  value: unknown,
  hasCommand: boolean,
): LiveUpdateSpec | undefined {
  const obj = y.object(LU, value, ["sync", "run", "fallBackOn", "restart"]);
  if (!obj) return undefined;
  const sync =
    obj.sync === undefined
      ? (y.report(
          [...LU, "sync"],
          "missing; add at least one rule, e.g. sync: [{ from: ., to: /app }]",
        ) ?? [])
      : (y.list([...LU, "sync"], obj.sync, (p, v) => {
          const rule = y.object(p, v, ["from", "to"]);
          if (!rule) return undefined;
          const from = contextPath(y, [...p, "from"], rule.from);
          const to = y.string([...p, "to"], rule.to, {
            pattern: /^\/[^\0]*$/,
            help: "an absolute path in the container, e.g. /app",
          });
          return from === undefined || to === undefined
            ? undefined
            : { from, to: path.posix.normalize(to).replace(/(.)\/$/, "$1") };
        }) ?? []);
  if (Array.isArray(obj.sync) && obj.sync.length === 0) {
    y.report([...LU, "sync"], "needs at least one rule; e.g. - { from: ., to: /app }");
  }
  const run =
    obj.run === undefined
      ? []
      : (y.list([...LU, "run"], obj.run, (p, v) => {
          const step = y.object(p, v, ["command", "when"]);
          if (!step) return undefined;
          const command = parseArgv(y, [...p, "command"], step.command);
          if (command && command.length === 0)
            return y.report(
              [...p, "command"],
              "must not be empty; give the program and its arguments",
            );
          const when = step.when === undefined ? undefined : patterns(y, [...p, "when"], step.when);
          return command === undefined ? undefined : { command, ...(when ? { when } : {}) };
        }) ?? []);
  const fallBackOn =
    obj.fallBackOn === undefined ? [] : (patterns(y, [...LU, "fallBackOn"], obj.fallBackOn) ?? []);
  const restart =
    obj.restart === undefined
      ? "none"
      : y.oneOf([...LU, "restart"], obj.restart, ["none", "process"] as const);
  if (restart === "process" && !hasCommand) {
    y.report(
      [...LU, "restart"],
      "process restarts the service's command inside the container, but the service sets none; add `command:` (e.g. [python3, /app/app.py]) or use restart: none when the app reloads itself",
    );
  }
  return restart === undefined ? undefined : { sync, run, fallBackOn, restart };
}

function parsePort(y: YamlFile, p: readonly PathSegment[], value: unknown): PortSpec | undefined {
  const obj = y.object(p, value, ["name", "containerPort", "servicePort", "protocol"]);
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
  if (
    name === undefined ||
    containerPort === undefined ||
    servicePort === undefined ||
    protocol === undefined
  ) {
    return undefined;
  }
  return { name, containerPort, servicePort, protocol };
}

function checkDuplicatePorts(y: YamlFile, ports: readonly PortSpec[]) {
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

function parseEnv(y: YamlFile, value: unknown): Record<string, EnvValue> {
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

function parseResources(y: YamlFile, value: unknown): ResourcesSpec | undefined {
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

function parseProbes(
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

function parseIngress(
  y: YamlFile,
  value: unknown,
  ports: readonly PortSpec[],
): IngressSpec | undefined {
  const obj = y.object(["ingress"], value, ["host", "path", "port"]);
  if (!obj) return undefined;
  const host = y.string(["ingress", "host"], obj.host, {
    pattern: DNS_LABEL,
    help: `a host prefix: ${DNS_LABEL_HELP}`,
    maxLength: 63,
  });
  const ingressPath =
    obj.path === undefined
      ? "/"
      : y.string(["ingress", "path"], obj.path, {
          pattern: /^\/[^\s]*$/,
          help: "a path starting with '/' and without spaces",
        });
  let port: string | undefined;
  if (obj.port === undefined) {
    port = ports[0]?.name;
    if (port === undefined)
      y.report(
        ["ingress"],
        "an ingress needs a port, but the service declares none; add one under `ports`",
      );
  } else if (typeof obj.port === "string" && ports.some((q) => q.name === obj.port)) {
    port = obj.port;
  } else {
    y.report(
      ["ingress", "port"],
      `${show(obj.port)} is not a port name of this service (${ports.map((q) => q.name).join(", ") || "none declared"}); use one of those`,
    );
  }
  return host === undefined || ingressPath === undefined || port === undefined
    ? undefined
    : { host, path: ingressPath, port };
}
