import * as path from "path";
import { splitImageRef } from "./imageRef";
import { parseSecurity, SECURITY_FIELDS } from "./parseSecurity";
import { show } from "./problems";
import { IngressSpec, PortSpec, ProbeKind, ServiceSpec } from "./types";
import { DNS_LABEL, DNS_LABEL_HELP, IMAGE_REPOSITORY, IMAGE_TAG } from "./patterns";
import {
  hasOwnManifests,
  ingressRouteSpec,
  parseIngressRoute,
  parseOwnIngress,
  parseWorkload,
  WORKLOAD_FIELDS,
} from "./parseWorkload";
import { parseArgv, parseBuild } from "./parseBuild";
import { parseReplicas, REPLICA_FIELDS } from "./parseReplicas";
import {
  checkDuplicatePorts,
  parseEnv,
  parsePort,
  parseProbes,
  parseResources,
} from "./parseContainer";
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
  ...REPLICA_FIELDS,
] as const;

/**
 * Parses one `services/<name>.yaml` into a {@link ServiceSpec}. Returns the spec (possibly
 * partial when there were problems) and every problem found in the file. Cross-file rules
 * (unknown dependencies, cycles, host collisions, policy) are checked by {@link buildCatalog} (validate.ts).
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
  const resources = doc.resources === undefined ? undefined : parseResources(y, doc.resources);

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
    ...parseReplicas(y, doc, resources),
    resources,
    probes: doc.probes === undefined ? {} : parseProbes(y, doc.probes, portNames),
    ingress:
      doc.ingress === undefined
        ? undefined
        : hasOwnManifests(doc)
          ? parseOwnIngress(y, doc.ingress, expectedName)
          : parseIngress(y, doc.ingress, ports, doc.probes),
    dependsOn:
      doc.dependsOn === undefined
        ? []
        : (y.list(["dependsOn"], doc.dependsOn, (p, v) =>
            y.string(p, v, { pattern: DNS_LABEL, help: DNS_LABEL_HELP, maxLength: 63 }),
          ) ?? []),
    ...parseSecurity(y, doc),
  };
  const debugPort = spec.build?.debug?.port;
  const taken = ports.find((p) => p.containerPort === debugPort);
  if (taken)
    y.report(
      ["build", "debug", "port"],
      `${debugPort} is the container port of ${show(taken.name)}; the debugger needs a port of its own, e.g. ${debugPort! + 1}`,
    );
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
    // Shorthand `image: ghcr.io/acme/bank:1.2`.
    const { repository, tag } = splitImageRef(value);
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

function parseIngress(
  y: YamlFile,
  value: unknown,
  ports: readonly PortSpec[],
  probes: unknown,
): IngressSpec | undefined {
  const obj = y.object(["ingress"], value, ["host", "path", "port", "protocol"]);
  if (!obj) return undefined;
  const { host, path: routePath, protocol } = parseIngressRoute(y, obj);
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
  const target = ports.find((q) => q.name === port);
  if (target && target.protocol !== "TCP")
    y.report(
      ["ingress", "port"],
      `port ${show(target.name)} is ${target.protocol}, and an ingress speaks HTTP over TCP; route to a TCP port`,
    );
  if (target && protocol === "grpc") checkGrpcProbes(y, target, probes);
  return host === undefined ||
    routePath === undefined ||
    port === undefined ||
    protocol === undefined
    ? undefined
    : { ...ingressRouteSpec(host, routePath, protocol), port };
}

/**
 * A port that speaks only gRPC answers no HTTP/1.1 request: an httpGet probe of it would fail
 * forever. Probe it with tcpSocket (or exec a gRPC health check) instead.
 */
function checkGrpcProbes(y: YamlFile, port: PortSpec, probes: unknown) {
  if (probes === null || typeof probes !== "object") return;
  for (const kind of ["readiness", "liveness", "startup"] as ProbeKind[]) {
    const probe = (probes as Record<string, unknown>)[kind] as
      | { httpGet?: { port?: unknown } }
      | undefined;
    const target = probe?.httpGet?.port;
    if (target !== undefined && (target === port.name || target === port.containerPort))
      y.report(
        ["probes", kind, "httpGet"],
        `port ${show(port.name)} speaks gRPC (ingress.protocol: grpc) and answers no HTTP/1.1 request, so this probe would never pass; use tcpSocket: { port: ${port.name} } (or an exec probe that runs a gRPC health check)`,
      );
  }
}
