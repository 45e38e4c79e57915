import * as path from "path";
import {
  APPLIANCE_SECURITY,
  containerSecurityContext,
  DEFAULT_SECURITY_CONTEXT,
  podIdentity,
} from "../kube/security";
import { installMocks, ofType, Registered, settle, fakeConfig, noContainers } from "./mocks";
import { tempCatalogs } from "./tempCatalog";

const registered: Registered[] = installMocks();
let local: typeof import("../stacks/localStack");
let branch: typeof import("../stacks/branchStack");
beforeAll(async () => {
  local = await import("../stacks/localStack");
  branch = await import("../stacks/branchStack");
});
beforeEach(() => registered.splice(0));

const catalogDir = tempCatalogs("lk-security-");

/** The default every container gets, written out (not computed by the helper under test). */
const DEFAULT_CONTEXT = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

describe("containerSecurityContext: the default, relaxed field by field", () => {
  test("nothing asked: no privilege escalation, every capability dropped, the runtime's seccomp profile", () => {
    expect(containerSecurityContext()).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(containerSecurityContext({})).toEqual(DEFAULT_CONTEXT);
  });

  test("a capability added on top of drop ALL, privilege escalation allowed: the rest of the default stays", () => {
    expect(
      containerSecurityContext({
        capabilities: { add: ["NET_BIND_SERVICE"] },
        allowPrivilegeEscalation: true,
      }),
    ).toEqual({
      allowPrivilegeEscalation: true,
      capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  test("drop replaces the dropped list; an empty one keeps the runtime's capabilities (no capabilities field)", () => {
    expect(containerSecurityContext({ capabilities: { drop: ["NET_RAW"] } }).capabilities).toEqual({
      drop: ["NET_RAW"],
    });
    expect(containerSecurityContext({ capabilities: { drop: [] } })).toEqual({
      allowPrivilegeEscalation: false,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  test("every other field is the service's own: seccomp profile, user, group, non-root, read-only root, privileged", () => {
    expect(
      containerSecurityContext({
        allowPrivilegeEscalation: true,
        privileged: true,
        seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" },
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        readOnlyRootFilesystem: true,
      }),
    ).toEqual({
      allowPrivilegeEscalation: true,
      privileged: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" },
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
    });
  });

  test("each call is a fresh object: changing one never changes the default", () => {
    const a = containerSecurityContext() as { capabilities: { drop: string[] } };
    a.capabilities.drop.push("X");
    expect(containerSecurityContext().capabilities).toEqual({ drop: ["ALL"] });
    expect(DEFAULT_SECURITY_CONTEXT.capabilities.drop).toEqual(["ALL"]);
  });

  test("appliances keep only what they need: PostgreSQL's start as root, Kafka and the Schema Registry as their non-root users", () => {
    expect(containerSecurityContext(APPLIANCE_SECURITY.postgres)).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"], drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(containerSecurityContext(APPLIANCE_SECURITY.kafka)).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    expect(containerSecurityContext(APPLIANCE_SECURITY.schemaRegistry)).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
      runAsNonRoot: true,
    });
  });
});

describe("podIdentity", () => {
  test("no token unless the service asks; the environment's ServiceAccount when it has one", () => {
    expect(podIdentity(undefined, undefined)).toEqual({ automountServiceAccountToken: false });
    expect(podIdentity({ automountToken: false }, "sandbox")).toEqual({
      serviceAccountName: "sandbox",
      automountServiceAccountToken: false,
    });
    expect(podIdentity({ automountToken: true }, "sandbox")).toEqual({
      serviceAccountName: "sandbox",
      automountServiceAccountToken: true,
    });
  });
});

describe("one service file, both stack kinds", () => {
  const EDGE = [
    "image: { repository: ghcr.io/acme/edge, tag: '1' }",
    "ports: [{ name: http, containerPort: 80 }]",
    "securityContext: { capabilities: { add: [NET_BIND_SERVICE] }, runAsNonRoot: true }",
    "serviceAccount: { automountToken: true }",
    "",
  ].join("\n");
  const PLAIN = "image: { repository: ghcr.io/acme/plain, tag: '1' }\n";
  const source = (values: Record<string, string>, stackFile: string) =>
    fakeConfig(values, {}, stackFile);
  /** The pod spec of each service's Deployment, by service name, once both are registered. */
  const pods = async () => {
    const specs = () =>
      Object.fromEntries(
        ofType(registered, "kubernetes:apps/v1:Deployment")
          .filter((d) => d.name.startsWith("platform-"))
          .map((d) => [d.inputs.metadata.name, d.inputs.spec.template.spec]),
      );
    for (let i = 0; i < 100 && Object.keys(specs()).length < 2; i++) await settle(registered);
    return specs();
  };
  const EDGE_CONTEXT = {
    allowPrivilegeEscalation: false,
    capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
    runAsNonRoot: true,
  };

  test("the local stack: the default securityContext with the service's changes; a token only where asked, the namespace's default ServiceAccount", async () => {
    const dir = catalogDir({ "edge.yaml": EDGE, "plain.yaml": PLAIN });
    await local.localStack("local", source({ catalogDir: dir }, "Pulumi.local.yaml"), {
      containers: noContainers,
      preflight: async () =>
        ({
          docker: { ok: true, detail: "" },
          kind: { ok: true, detail: "" },
          ports: new Map(),
        }) as any,
    });
    await settle(registered);
    const p = await pods();
    expect(p.edge.containers[0].securityContext).toEqual(EDGE_CONTEXT);
    expect(p.plain.containers[0].securityContext).toEqual(DEFAULT_CONTEXT);
    expect([p.edge.serviceAccountName, p.edge.automountServiceAccountToken]).toEqual([
      undefined,
      true,
    ]);
    expect([p.plain.serviceAccountName, p.plain.automountServiceAccountToken]).toEqual([
      undefined,
      false,
    ]);
    // No Pod Security labels or egress policy: those are a branch sandbox's.
    expect(ofType(registered, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
    const ns = ofType(registered, "kubernetes:core/v1:Namespace").map(
      (n) => n.inputs.metadata.labels ?? {},
    );
    expect(ns.flatMap((l) => Object.keys(l)).filter((k) => k.startsWith("pod-security"))).toEqual(
      [],
    );
  }, 60_000);

  test("a branch sandbox: the same containers, run as the sandbox's ServiceAccount", async () => {
    const dir = catalogDir({ "edge.yaml": EDGE, "plain.yaml": PLAIN });
    await branch.branchStack("branch-x", source({ catalogDir: dir }, "Pulumi.branch-x.yaml"), {
      git: () => undefined,
      defaultsFile: path.join(dir, "no-defaults.yaml"),
      log: () => undefined,
    });
    await settle(registered);
    const p = await pods();
    expect(p.edge.containers[0].securityContext).toEqual(EDGE_CONTEXT);
    expect(p.plain.containers[0].securityContext).toEqual(DEFAULT_CONTEXT);
    expect([p.edge.serviceAccountName, p.edge.automountServiceAccountToken]).toEqual([
      "sandbox",
      true,
    ]);
    expect([p.plain.serviceAccountName, p.plain.automountServiceAccountToken]).toEqual([
      "sandbox",
      false,
    ]);
  }, 60_000);
});
