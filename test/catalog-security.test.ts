import * as fs from "fs";
import * as path from "path";
import { parseServiceFile } from "../catalog/parseService";
import { formatInputProblem } from "../catalog/problems";
import { tempCatalogs } from "./tempCatalog";

const catalogDir = tempCatalogs("lk-parse-security-");
/** One port on line 1; fixtures append the lines under test. */
const PORTS = "ports: [{name: http, containerPort: 8080}]\n";

function parse(text: string) {
  const dir = catalogDir({ "a.yaml": PORTS + text });
  return parseServiceFile(
    "services/a.yaml",
    fs.readFileSync(path.join(dir, "a.yaml"), "utf8"),
    dir,
  );
}
const problemsOf = (text: string) => parse(text).problems.map(formatInputProblem);

describe("parseSecurity: valid sections", () => {
  test("a relaxation as the README shows it, and a token asked for", () => {
    const { spec, problems } = parse(
      [
        "securityContext: { capabilities: { add: [NET_BIND_SERVICE] }, allowPrivilegeEscalation: true }",
        "serviceAccount: { automountToken: true }",
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(spec?.securityContext).toEqual({
      allowPrivilegeEscalation: true,
      capabilities: { add: ["NET_BIND_SERVICE"] },
    });
    expect(spec?.serviceAccount).toEqual({ automountToken: true });
  });

  test("every field", () => {
    const { spec, problems } = parse(
      [
        "securityContext:",
        "  allowPrivilegeEscalation: true",
        "  privileged: true",
        "  capabilities: { add: [SYS_ADMIN, NET_ADMIN], drop: [] }",
        "  seccompProfile: { type: Localhost, localhostProfile: profiles/audit.json }",
        "  runAsNonRoot: true",
        "  runAsUser: 10001",
        "  runAsGroup: 0",
        "  readOnlyRootFilesystem: true",
        "serviceAccount: { automountToken: false }",
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(spec?.securityContext).toEqual({
      allowPrivilegeEscalation: true,
      privileged: true,
      capabilities: { add: ["SYS_ADMIN", "NET_ADMIN"], drop: [] },
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" },
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 0,
      readOnlyRootFilesystem: true,
    });
    expect(spec?.serviceAccount).toEqual({ automountToken: false });
  });

  test("neither section: neither field in the spec (the defaults apply)", () => {
    const { spec } = parse("");
    expect(spec && "securityContext" in spec).toBe(false);
    expect(spec && "serviceAccount" in spec).toBe(false);
  });
});

describe("parseSecurity: one exact message per problem", () => {
  const cases: [string, string, string][] = [
    [
      "an unknown field, with the closest one",
      "securityContext: { runAsUsr: 1 }",
      'services/a.yaml:2: `securityContext.runAsUsr`: unknown field (did you mean "runAsUser"?); allowed here: allowPrivilegeEscalation, capabilities, privileged, readOnlyRootFilesystem, runAsGroup, runAsNonRoot, runAsUser, seccompProfile',
    ],
    [
      "not a mapping",
      "securityContext: [privileged]",
      'services/a.yaml:2: `securityContext`: expected a mapping, got ["privileged"]',
    ],
    [
      "a flag that is not a boolean",
      "securityContext: { allowPrivilegeEscalation: 'no' }",
      'services/a.yaml:2: `securityContext.allowPrivilegeEscalation`: expected true or false, got "no"',
    ],
    [
      "privileged without privilege escalation",
      "securityContext: { privileged: true }",
      "services/a.yaml:2: `securityContext.privileged`: a privileged container always can escalate privileges, but allowPrivilegeEscalation is false (the default); add allowPrivilegeEscalation: true",
    ],
    [
      "SYS_ADMIN without privilege escalation",
      "securityContext: { capabilities: { add: [SYS_ADMIN] } }",
      "services/a.yaml:2: `securityContext.capabilities.add`: SYS_ADMIN lets the container escalate privileges, but allowPrivilegeEscalation is false (the default); add allowPrivilegeEscalation: true",
    ],
    [
      "root with runAsNonRoot",
      "securityContext: { runAsNonRoot: true, runAsUser: 0 }",
      "services/a.yaml:2: `securityContext.runAsUser`: 0 is root, but runAsNonRoot is true; use the image's non-root user id (e.g. 10001) or remove runAsNonRoot",
    ],
    [
      "a user id out of range",
      "securityContext: { runAsUser: -1 }",
      "services/a.yaml:2: `securityContext.runAsUser`: expected a whole number from 0 to 2147483647, got -1",
    ],
    [
      "a capability with its CAP_ prefix",
      "securityContext: { capabilities: { add: [CAP_NET_BIND_SERVICE] } }",
      'services/a.yaml:2: `securityContext.capabilities.add[0]`: "CAP_NET_BIND_SERVICE" is written NET_BIND_SERVICE in Kubernetes; use NET_BIND_SERVICE',
    ],
    [
      "a capability in lowercase",
      "securityContext: { capabilities: { drop: [net_raw] } }",
      'services/a.yaml:2: `securityContext.capabilities.drop[0]`: "net_raw" is written NET_RAW in Kubernetes; use NET_RAW',
    ],
    [
      "a misspelt capability",
      "securityContext: { capabilities: { add: [NET_BIND_SERVIC] } }",
      'services/a.yaml:2: `securityContext.capabilities.add[0]`: "NET_BIND_SERVIC" is not a Linux capability (did you mean "NET_BIND_SERVICE"?); use a name such as NET_BIND_SERVICE (see `man 7 capabilities`, without CAP_)',
    ],
    [
      "adding ALL",
      "securityContext: { allowPrivilegeEscalation: true, capabilities: { add: [ALL] } }",
      "services/a.yaml:2: `securityContext.capabilities.add`: ALL grants every capability; add only the ones the service needs, e.g. add: [NET_BIND_SERVICE]",
    ],
    [
      "an unknown capabilities field",
      "securityContext: { capabilities: { remove: [ALL] } }",
      "services/a.yaml:2: `securityContext.capabilities.remove`: unknown field; allowed here: add, drop",
    ],
    [
      "a seccomp type that does not exist",
      "securityContext: { seccompProfile: { type: Runtimedefault } }",
      'services/a.yaml:2: `securityContext.seccompProfile.type`: "Runtimedefault" is not allowed (did you mean "RuntimeDefault"?); use one of: RuntimeDefault, Localhost, Unconfined',
    ],
    [
      "Localhost without its profile",
      "securityContext: { seccompProfile: { type: Localhost } }",
      "services/a.yaml:2: `securityContext.seccompProfile.localhostProfile`: missing; Localhost needs the profile's path relative to the kubelet's seccomp directory, e.g. profiles/audit.json",
    ],
    [
      "a Localhost profile as an absolute path",
      "securityContext: { seccompProfile: { type: Localhost, localhostProfile: /var/lib/kubelet/seccomp/a.json } }",
      'services/a.yaml:2: `securityContext.seccompProfile.localhostProfile`: "/var/lib/kubelet/seccomp/a.json" is not allowed: use a relative path without spaces, e.g. profiles/audit.json',
    ],
    [
      "a profile path with another type",
      "securityContext: { seccompProfile: { type: RuntimeDefault, localhostProfile: a.json } }",
      "services/a.yaml:2: `securityContext.seccompProfile.localhostProfile`: is only read with type: Localhost, not RuntimeDefault; remove it or set type: Localhost",
    ],
    [
      "a service account section without its field",
      "serviceAccount: {}",
      "services/a.yaml:2: `serviceAccount`: needs automountToken; write serviceAccount: { automountToken: true } to mount a token, or remove the section",
    ],
    [
      "automountToken that is not a boolean",
      "serviceAccount: { automountToken: yes }",
      'services/a.yaml:2: `serviceAccount.automountToken`: expected true or false, got "yes"',
    ],
    [
      "a service account name (no RoleBindings: there is nothing to name)",
      "serviceAccount: { name: admin, automountToken: true }",
      "services/a.yaml:2: `serviceAccount.name`: unknown field; allowed here: automountToken",
    ],
  ];
  test.each(cases)("%s", (_, text, message) => {
    expect(problemsOf(text)).toEqual([message]);
  });

  test("every problem of both sections at once, each at its line", () => {
    expect(
      problemsOf(
        [
          "securityContext:",
          "  privileged: true",
          "  capabilities: { add: [CAP_SYS_ADMIN, BOGUS] }",
          "serviceAccount: { automountToken: 1 }",
        ].join("\n"),
      ),
    ).toEqual([
      'services/a.yaml:4: `securityContext.capabilities.add[0]`: "CAP_SYS_ADMIN" is written SYS_ADMIN in Kubernetes; use SYS_ADMIN',
      'services/a.yaml:4: `securityContext.capabilities.add[1]`: "BOGUS" is not a Linux capability; use a name such as NET_BIND_SERVICE (see `man 7 capabilities`, without CAP_)',
      "services/a.yaml:3: `securityContext.privileged`: a privileged container always can escalate privileges, but allowPrivilegeEscalation is false (the default); add allowPrivilegeEscalation: true",
      "services/a.yaml:5: `serviceAccount.automountToken`: expected true or false, got 1",
    ]);
  });
});
