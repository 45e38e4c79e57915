import { didYouMean, show } from "./problems";
import { SecurityContextSpec, ServiceAccountSpec } from "./types";
import { PathSegment, YamlFile } from "./yamlFile";

/** Top-level service fields read by {@link parseSecurity}. */
export const SECURITY_FIELDS = ["securityContext", "serviceAccount"] as const;

const CONTEXT_FIELDS = [
  "allowPrivilegeEscalation",
  "privileged",
  "capabilities",
  "seccompProfile",
  "runAsNonRoot",
  "runAsUser",
  "runAsGroup",
  "readOnlyRootFilesystem",
] as const;

/** Linux capabilities as Kubernetes names them (without `CAP_`), plus `ALL`. */
export const CAPABILITIES: readonly string[] = [
  "ALL",
  "AUDIT_CONTROL",
  "AUDIT_READ",
  "AUDIT_WRITE",
  "BLOCK_SUSPEND",
  "BPF",
  "CHECKPOINT_RESTORE",
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "IPC_LOCK",
  "IPC_OWNER",
  "KILL",
  "LEASE",
  "LINUX_IMMUTABLE",
  "MAC_ADMIN",
  "MAC_OVERRIDE",
  "MKNOD",
  "NET_ADMIN",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_RAW",
  "PERFMON",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_CHROOT",
  "SYS_MODULE",
  "SYS_NICE",
  "SYS_PACCT",
  "SYS_PTRACE",
  "SYS_RAWIO",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "SYSLOG",
  "WAKE_ALARM",
];

const SECCOMP_TYPES = ["RuntimeDefault", "Localhost", "Unconfined"] as const;
const MAX_ID = 2147483647;

/**
 * The security fields of one service file: `securityContext` (field-by-field changes to the
 * default container securityContext) and `serviceAccount` (`automountToken`). Every problem is
 * recorded in `y`, located at its field; the Kubernetes API server's own refusals (privileged or
 * CAP_SYS_ADMIN without privilege escalation, runAsUser 0 with runAsNonRoot) are caught here first.
 */
export function parseSecurity(
  y: YamlFile,
  doc: Readonly<Record<string, unknown>>,
): { securityContext?: SecurityContextSpec; serviceAccount?: ServiceAccountSpec } {
  return {
    ...(doc.securityContext === undefined
      ? {}
      : { securityContext: parseSecurityContext(y, doc.securityContext) }),
    ...(doc.serviceAccount === undefined
      ? {}
      : { serviceAccount: parseServiceAccount(y, doc.serviceAccount) }),
  };
}

function parseServiceAccount(y: YamlFile, value: unknown): ServiceAccountSpec | undefined {
  const obj = y.object(["serviceAccount"], value, ["automountToken"]);
  if (!obj) return undefined;
  if (obj.automountToken === undefined) {
    return y.report(
      ["serviceAccount"],
      "needs automountToken; write serviceAccount: { automountToken: true } to mount a token, or remove the section",
    );
  }
  const automountToken = y.boolean(["serviceAccount", "automountToken"], obj.automountToken);
  return automountToken === undefined ? undefined : { automountToken };
}

const SC = ["securityContext"];

function parseSecurityContext(y: YamlFile, value: unknown): SecurityContextSpec | undefined {
  const obj = y.object(SC, value, CONTEXT_FIELDS);
  if (!obj) return undefined;
  const flag = (field: string) =>
    obj[field] === undefined ? undefined : y.boolean([...SC, field], obj[field]);
  const id = (field: string) =>
    obj[field] === undefined ? undefined : y.integer([...SC, field], obj[field], 0, MAX_ID);
  const spec: SecurityContextSpec = {
    allowPrivilegeEscalation: flag("allowPrivilegeEscalation"),
    privileged: flag("privileged"),
    capabilities:
      obj.capabilities === undefined ? undefined : parseCapabilities(y, obj.capabilities),
    seccompProfile:
      obj.seccompProfile === undefined ? undefined : parseSeccomp(y, obj.seccompProfile),
    runAsNonRoot: flag("runAsNonRoot"),
    runAsUser: id("runAsUser"),
    runAsGroup: id("runAsGroup"),
    readOnlyRootFilesystem: flag("readOnlyRootFilesystem"),
  };
  const escalation = spec.allowPrivilegeEscalation === true;
  if (spec.privileged === true && !escalation) {
    y.report(
      [...SC, "privileged"],
      "a privileged container always can escalate privileges, but allowPrivilegeEscalation is false (the default); add allowPrivilegeEscalation: true",
    );
  }
  if (spec.capabilities?.add?.includes("SYS_ADMIN") && !escalation) {
    y.report(
      [...SC, "capabilities", "add"],
      "SYS_ADMIN lets the container escalate privileges, but allowPrivilegeEscalation is false (the default); add allowPrivilegeEscalation: true",
    );
  }
  if (spec.runAsNonRoot === true && spec.runAsUser === 0) {
    y.report(
      [...SC, "runAsUser"],
      "0 is root, but runAsNonRoot is true; use the image's non-root user id (e.g. 10001) or remove runAsNonRoot",
    );
  }
  return Object.fromEntries(
    Object.entries(spec).filter(([, v]) => v !== undefined),
  ) as SecurityContextSpec;
}

function parseCapabilities(y: YamlFile, value: unknown): SecurityContextSpec["capabilities"] {
  const p = [...SC, "capabilities"];
  const obj = y.object(p, value, ["add", "drop"]);
  if (!obj) return undefined;
  const list = (field: "add" | "drop") =>
    obj[field] === undefined
      ? undefined
      : y.list([...p, field], obj[field], (q, v) => capability(y, q, v));
  const add = list("add");
  const drop = list("drop");
  if (add?.includes("ALL")) {
    y.report(
      [...p, "add"],
      "ALL grants every capability; add only the ones the service needs, e.g. add: [NET_BIND_SERVICE]",
    );
  }
  return { ...(add ? { add } : {}), ...(drop ? { drop } : {}) };
}

function capability(y: YamlFile, p: readonly PathSegment[], value: unknown): string | undefined {
  const name = y.string(p, value);
  if (name === undefined) return undefined;
  if (CAPABILITIES.includes(name)) return name;
  const bare = name.toUpperCase().replace(/^CAP_/, "");
  if (CAPABILITIES.includes(bare)) {
    return y.report(p, `${show(name)} is written ${bare} in Kubernetes; use ${bare}`);
  }
  return y.report(
    p,
    `${show(name)} is not a Linux capability${didYouMean(bare, CAPABILITIES)}; use a name such as NET_BIND_SERVICE (see \`man 7 capabilities\`, without CAP_)`,
  );
}

function parseSeccomp(y: YamlFile, value: unknown): SecurityContextSpec["seccompProfile"] {
  const p = [...SC, "seccompProfile"];
  const obj = y.object(p, value, ["type", "localhostProfile"]);
  if (!obj) return undefined;
  const type = y.oneOf([...p, "type"], obj.type, SECCOMP_TYPES);
  if (type === undefined) return undefined;
  if (type === "Localhost") {
    const profile =
      obj.localhostProfile === undefined
        ? y.report(
            [...p, "localhostProfile"],
            "missing; Localhost needs the profile's path relative to the kubelet's seccomp directory, e.g. profiles/audit.json",
          )
        : y.string([...p, "localhostProfile"], obj.localhostProfile, {
            pattern: /^[^/\s][^\s]*$/,
            help: "a relative path without spaces, e.g. profiles/audit.json",
          });
    return profile === undefined ? undefined : { type, localhostProfile: profile };
  }
  if (obj.localhostProfile !== undefined) {
    return y.report(
      [...p, "localhostProfile"],
      `is only read with type: Localhost, not ${type}; remove it or set type: Localhost`,
    );
  }
  return { type };
}
