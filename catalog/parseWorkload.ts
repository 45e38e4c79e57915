import * as path from "path";
import { splitImageRef } from "./imageRef";
import { show } from "./problems";
import { DNS_LABEL, DNS_LABEL_HELP, PORT_NAME } from "./patterns";
import { REPLICA_FIELDS } from "./parseReplicas";
import {
  CONCURRENCY_POLICIES,
  INGRESS_PROTOCOLS,
  IngressProtocol,
  CronSpec,
  FileMount,
  IngressSpec,
  ManifestSource,
  WORKLOADS,
  WorkloadKind,
} from "./types";
import { PathSegment, YamlFile } from "./yamlFile";

/** Top-level service fields read here. */
export const WORKLOAD_FIELDS = [
  "workload",
  "schedule",
  "suspend",
  "concurrencyPolicy",
  "files",
  "chart",
  "manifests",
] as const;

/** Fields localkube's own workload uses, meaningless for an entry deployed from its own manifests. */
const WORKLOAD_ONLY_FIELDS = [
  "command",
  "args",
  "ports",
  "env",
  "replicas",
  "resources",
  "probes",
  "workload",
  "schedule",
  "suspend",
  "concurrencyPolicy",
  "files",
  ...REPLICA_FIELDS,
] as const;

const CRON_FIELDS: readonly (readonly [string, number, number, readonly string[]])[] = [
  ["minute", 0, 59, []],
  ["hour", 0, 23, []],
  ["day of month", 1, 31, []],
  [
    "month",
    1,
    12,
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  ],
  ["day of week", 0, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]],
];
const CRON_MACROS = [
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
];
export const CRON_HELP =
  'five fields (minute hour day-of-month month day-of-week) such as "*/5 * * * *" or "0 2 * * MON", or one of @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';

/**
 * What is wrong with a CronJob schedule (the syntax Kubernetes accepts: five fields of `*`,
 * values, ranges, steps and lists, month and weekday names, `?`; or a macro), or undefined.
 */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (/^@every\s/.test(text))
    return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)
      ? undefined
      : `${show(text)} is not "@every" and a duration such as 90s or 1h30m`;
  if (text.startsWith("@"))
    return CRON_MACROS.includes(text) ? undefined : `${show(text)} is not a known macro`;
  if (/^(CRON_)?TZ=/.test(text))
    return "a time zone cannot be part of the schedule (the cluster's time zone applies)";
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `it has ${fields.length} field${fields.length === 1 ? "" : "s"}`;
  for (let i = 0; i < 5; i++) {
    const [what, min, max, names] = CRON_FIELDS[i];
    const value = (v: string) => {
      const n = names.indexOf(v.toUpperCase());
      if (n >= 0) return n + (min === 1 ? 1 : 0);
      return /^\d+$/.test(v) ? Number(v) : NaN;
    };
    for (const item of fields[i].split(",")) {
      if (item === "?" && (i === 2 || i === 4)) continue;
      const m = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(item);
      if (!m) return `${show(item)} is not a valid ${what}`;
      if (m[2] !== undefined && Number(m[2]) === 0) return `the step of ${show(item)} is 0`;
      if (m[1] === "*") continue;
      for (const bound of m[1].split("-")) {
        const n = value(bound);
        if (Number.isNaN(n) || n < min || n > max)
          return `${show(bound)} is not a ${what} (${min}-${max}${names.length ? ` or ${names[0]}-${names[names.length - 1]}` : ""})`;
      }
    }
  }
  return undefined;
}

/** The parts of a service file that say what runs it, and how it reaches its files. */
export interface WorkloadParts {
  readonly workload?: WorkloadKind;
  readonly cron?: CronSpec;
  readonly files?: readonly FileMount[];
  readonly manifests?: ManifestSource;
}

/** True when the entry is deployed from its own chart or YAML files. */
export function hasOwnManifests(doc: Record<string, unknown>): boolean {
  return doc.chart !== undefined || doc.manifests !== undefined;
}

/**
 * Reads `workload`, `schedule`, `suspend`, `concurrencyPolicy`, `files`, `chart` and `manifests`,
 * and reports what does not fit the kind of entry (a schedule without a cronjob, ports on a job,
 * localkube's workload fields on an entry deployed from its own chart).
 *
 * @param fileDir absolute catalog directory: paths are relative to it
 */
export function parseWorkload(
  y: YamlFile,
  doc: Record<string, unknown>,
  fileDir: string,
): WorkloadParts {
  if (hasOwnManifests(doc)) return { manifests: parseOwnManifests(y, doc, fileDir) };
  const workload =
    doc.workload === undefined ? undefined : y.oneOf(["workload"], doc.workload, WORKLOADS);
  const kind = workload ?? "deployment";
  const cronFields = ["schedule", "suspend", "concurrencyPolicy"] as const;
  let cron: CronSpec | undefined;
  if (kind === "cronjob") {
    const schedule =
      doc.schedule === undefined
        ? y.report(
            ["schedule"],
            'missing; a cronjob runs on a schedule: add e.g. schedule: "*/5 * * * *"',
          )
        : y.string(["schedule"], doc.schedule);
    const wrong = schedule === undefined ? undefined : cronProblem(schedule);
    if (wrong)
      y.report(
        ["schedule"],
        `${show(schedule)} is not a cron schedule: ${wrong}; use ${CRON_HELP}`,
      );
    const suspend = doc.suspend === undefined ? false : y.boolean(["suspend"], doc.suspend);
    const concurrencyPolicy =
      doc.concurrencyPolicy === undefined
        ? "Forbid"
        : y.oneOf(["concurrencyPolicy"], doc.concurrencyPolicy, CONCURRENCY_POLICIES);
    if (schedule !== undefined && !wrong && suspend !== undefined && concurrencyPolicy)
      cron = { schedule: schedule.trim(), suspend, concurrencyPolicy };
  } else {
    for (const field of cronFields) {
      if (doc[field] !== undefined)
        y.report(
          [field],
          `only a cronjob has ${field}, and this entry is a ${kind}; set workload: cronjob or remove ${field}`,
        );
    }
  }
  if (kind !== "deployment") checkBatchFields(y, doc, kind);
  const files = doc.files === undefined ? undefined : parseFiles(y, doc.files, fileDir);
  return { workload, cron, files };
}

/** Fields of a long-running service that a job or cron job has no use for. */
function checkBatchFields(y: YamlFile, doc: Record<string, unknown>, kind: WorkloadKind) {
  const why: Record<string, string> = {
    ports: "it has no Service",
    ingress: "it has no Service",
    replicas: "it runs one pod to completion",
    lifecycle: "its pod runs to completion",
    terminationGracePeriodSeconds: "its pod runs to completion",
    strategy: "it has no rollouts",
    disruptionBudget: "its pod runs to completion",
    autoscale: "it runs one pod to completion",
    topologySpread: "it runs one pod",
  };
  for (const field of Object.keys(why)) {
    if (doc[field] !== undefined)
      y.report(
        [field],
        `not used by a ${kind} (${why[field]}); remove it, or use workload: deployment for a long-running service`,
      );
  }
  const probes = doc.probes as Record<string, unknown> | undefined;
  if (probes && typeof probes === "object" && probes.readiness !== undefined)
    y.report(
      ["probes", "readiness"],
      `a ${kind} has no readiness: it is done when its pod completes; remove the readiness probe`,
    );
  const build = doc.build as Record<string, unknown> | undefined;
  if (build && typeof build === "object" && build.liveUpdate !== undefined)
    y.report(
      ["build", "liveUpdate"],
      `live updates change running pods, and a ${kind}'s pods run to completion; remove liveUpdate (a new image runs the ${kind} again)`,
    );
}

/** A path of the repository, relative to the catalog directory. */
/** A path of the repository, relative to the catalog directory: as written, and absolute. */
export function repoPath(
  y: YamlFile,
  p: readonly PathSegment[],
  value: unknown,
  fileDir: string,
  example: string,
): { source: string; abs: string } | undefined {
  const text = y.string(p, value);
  if (text === undefined) return undefined;
  const source = path.posix.normalize(text.replace(/\\/g, "/")).replace(/\/$/, "");
  if (path.posix.isAbsolute(source) || /^[A-Za-z]:/.test(source) || source === ".")
    return y.report(
      p,
      `${show(text)} is not a path of the repository relative to the catalog directory; use e.g. ${example}`,
    );
  return { source, abs: path.resolve(fileDir, source) };
}

function parseFiles(y: YamlFile, value: unknown, fileDir: string): FileMount[] | undefined {
  const targets = new Map<string, number>();
  return y.list(["files"], value, (p, v) => {
    const obj = y.object(p, v, ["from", "to"]);
    if (!obj) return undefined;
    const from = repoPath(y, [...p, "from"], obj.from, fileDir, "bank/config/limits.json");
    const to = y.string([...p, "to"], obj.to, {
      pattern: /^\/[^\0]*[^/\0]$/,
      help: "an absolute file path in the container, e.g. /etc/bank/limits.json",
    });
    const target = to === undefined ? undefined : path.posix.normalize(to);
    const index = p[p.length - 1] as number;
    if (target !== undefined && targets.has(target))
      return y.report(
        [...p, "to"],
        `${show(target)} is already the target of files[${targets.get(target)}]; give each file its own path`,
      );
    if (target !== undefined) targets.set(target, index);
    return from === undefined || target === undefined
      ? undefined
      : { source: from.source, from: from.abs, to: target };
  });
}

function parseOwnManifests(
  y: YamlFile,
  doc: Record<string, unknown>,
  fileDir: string,
): ManifestSource | undefined {
  const what = doc.chart !== undefined ? "its own chart" : "its own manifests";
  const where = doc.chart !== undefined ? "set it in the chart's values" : "set it in those files";
  if (doc.chart !== undefined && doc.manifests !== undefined)
    y.report(
      ["manifests"],
      "chart and manifests are alternatives: keep the chart, or the YAML files, not both",
    );
  for (const field of WORKLOAD_ONLY_FIELDS) {
    if (doc[field] !== undefined)
      y.report(
        [field],
        `not used by an entry deployed from ${what}; ${where}, or remove ${doc.chart !== undefined ? "chart" : "manifests"} to let localkube run the service`,
      );
  }
  const image = doc.image;
  const imageObj =
    image !== null && typeof image === "object" ? (image as Record<string, unknown>) : undefined;
  if (typeof image === "string" && splitImageRef(image).tag !== undefined)
    y.report(["image"], `the tag is not used: ${what} chooses the image's tag; remove it`);
  if (imageObj?.tag !== undefined)
    y.report(["image", "tag"], `not used: ${what} chooses the image's tag; remove it`);
  if (imageObj?.from !== undefined)
    y.report(["image", "from"], `not used: ${what} chooses the images; remove it`);
  const build = doc.build as Record<string, unknown> | undefined;
  if (build !== undefined) {
    const repository = typeof image === "string" ? image : imageObj?.repository;
    if (repository === undefined)
      y.report(
        ["image", "repository"],
        `missing; with build, the local build replaces the image of this repository in every object of ${what}: set it to the repository they use, e.g. ghcr.io/acme/partner`,
      );
    if (build && typeof build === "object" && build.liveUpdate !== undefined)
      y.report(
        ["build", "liveUpdate"],
        `live updates need localkube's own workload, and this entry is deployed from ${what}; remove liveUpdate (a save rebuilds the image)`,
      );
  }
  if (doc.chart !== undefined) return parseChart(y, [], doc.chart, fileDir);
  return parseManifestFiles(y, [], doc.manifests, fileDir, "partner/k8s/deployment.yaml");
}

/**
 * `manifests:` at `at`: a non-empty list of YAML files of the repository (relative to the catalog
 * directory); `example` is shown in the fix of an empty list or a bad path.
 */
export function parseManifestFiles(
  y: YamlFile,
  at: readonly PathSegment[],
  value: unknown,
  fileDir: string,
  example: string,
): ManifestSource | undefined {
  const p = [...at, "manifests"];
  if (Array.isArray(value) && value.length === 0)
    return y.report(p, `needs at least one file; e.g. - ${example}`);
  const files = y.list(p, value, (q, v) => repoPath(y, q, v, fileDir, example));
  return files && { kind: "yaml", files: files.map((f) => f.abs) };
}

/**
 * `chart:` at `at` (`[]` for a service file's own, `["platform", name]` for an add-on): a chart
 * directory of the repository, or `repo` (https or oci) + `name` + a pinned `version`, with values.
 */
export function parseChart(
  y: YamlFile,
  at: readonly PathSegment[],
  value: unknown,
  fileDir: string,
): ManifestSource | undefined {
  const c = [...at, "chart"];
  const obj = y.object(c, value, ["path", "repo", "name", "version", "values"]);
  if (!obj) return undefined;
  const values =
    obj.values === undefined
      ? {}
      : y.object([...c, "values"], obj.values, Object.keys(obj.values ?? {}));
  const remote = obj.repo !== undefined || obj.name !== undefined || obj.version !== undefined;
  if (obj.path !== undefined) {
    if (remote)
      y.report(
        [...c, "path"],
        "path and repo + name + version are alternatives: keep the chart's directory, or the repository's chart, not both",
      );
    const dir = repoPath(y, [...c, "path"], obj.path, fileDir, "charts/partner");
    return dir && values && { kind: "chart", path: dir.abs, values };
  }
  if (!remote)
    return y.report(
      c,
      "needs path (a chart directory of the repository, relative to the catalog directory, e.g. charts/partner) or repo + name + version",
    );
  const repo =
    obj.repo === undefined
      ? y.report(
          [...c, "repo"],
          "missing; give the chart repository's URL, e.g. https://charts.example.com or oci://ghcr.io/acme/charts",
        )
      : y.string([...c, "repo"], obj.repo, {
          pattern: /^(https?|oci):\/\/[^\s]+$/,
          help: "a chart repository URL starting with https://, http:// or oci://",
        });
  const name =
    obj.name === undefined
      ? y.report([...c, "name"], "missing; give the chart's name in the repository")
      : y.string([...c, "name"], obj.name, {
          pattern: /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/,
          help: "a chart name such as partner or ingress-nginx",
        });
  const version =
    obj.version === undefined
      ? y.report(
          [...c, "version"],
          'missing; pin the chart\'s version (e.g. version: "1.4.2") so every laptop runs the same',
        )
      : typeof obj.version === "number"
        ? y.report(
            [...c, "version"],
            `${show(obj.version)} is a number in YAML; quote the version, e.g. version: "${obj.version}"`,
          )
        : y.string([...c, "version"], obj.version);
  return repo && name && version && values
    ? { kind: "chart", repo, name, version, values }
    : undefined;
}

/**
 * What every `ingress:` holds, whichever it routes to: the host prefix, the path (default `/`)
 * and the protocol spoken to the backend (default `http`); undefined where a field is wrong
 * (reported).
 */
export function parseIngressRoute(y: YamlFile, obj: Record<string, unknown>) {
  const host = y.string(["ingress", "host"], obj.host, {
    pattern: DNS_LABEL,
    help: `a host prefix: ${DNS_LABEL_HELP}`,
    maxLength: 63,
  });
  const routePath =
    obj.path === undefined
      ? "/"
      : y.string(["ingress", "path"], obj.path, {
          pattern: /^\/[^\s]*$/,
          help: "a path starting with '/' and without spaces",
        });
  const protocol =
    obj.protocol === undefined
      ? "http"
      : y.oneOf(["ingress", "protocol"], obj.protocol, INGRESS_PROTOCOLS);
  return { host, path: routePath, protocol };
}

/** The route's fields, with `protocol` left out when it is the default. */
export const ingressRouteSpec = (host: string, routePath: string, protocol: IngressProtocol) => ({
  host,
  path: routePath,
  ...(protocol !== "http" ? { protocol } : {}),
});

/**
 * The ingress of an entry deployed from its own manifests: it routes to a Service those make
 * (`service`, default the entry's name) on `port`, a port number or name of that Service.
 */
export function parseOwnIngress(
  y: YamlFile,
  value: unknown,
  entry: string,
): IngressSpec | undefined {
  const obj = y.object(["ingress"], value, ["host", "path", "service", "port", "protocol"]);
  if (!obj) return undefined;
  const { host, path: routePath, protocol } = parseIngressRoute(y, obj);
  const service =
    obj.service === undefined
      ? entry
      : y.string(["ingress", "service"], obj.service, {
          pattern: DNS_LABEL,
          help: `the name of a Service the manifests create: ${DNS_LABEL_HELP}`,
          maxLength: 63,
        });
  let port: string | number | undefined;
  if (obj.port === undefined)
    y.report(
      ["ingress", "port"],
      `missing; give the port of Service ${show(service ?? entry)} it routes to: a number (e.g. 80) or the port's name`,
    );
  else if (typeof obj.port === "number") port = y.integer(["ingress", "port"], obj.port, 1, 65535);
  else port = y.string(["ingress", "port"], obj.port, { ...PORT_NAME, maxLength: 15 });
  return host === undefined ||
    routePath === undefined ||
    service === undefined ||
    port === undefined ||
    protocol === undefined
    ? undefined
    : { ...ingressRouteSpec(host, routePath, protocol), port, service };
}
