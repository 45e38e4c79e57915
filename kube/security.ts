import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { SecurityContextSpec, ServiceAccountSpec } from "../catalog/types";

type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/**
 * The container securityContext every workload gets in both stack kinds: no privilege escalation,
 * every capability dropped, the container runtime's default seccomp profile. It passes the Pod
 * Security `restricted` level except for `runAsNonRoot`, which only the image's user can tell.
 */
export const DEFAULT_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/**
 * The default securityContext with a service's changes, field by field: a field the service sets
 * replaces the default's; `capabilities.add` is granted on top of what `drop` leaves (`drop: [ALL]`
 * plus `add: [NET_BIND_SERVICE]` is exactly NET_BIND_SERVICE), `capabilities.drop` replaces the
 * dropped list (`drop: []` keeps the runtime's default capabilities).
 */
export function containerSecurityContext(overrides: SecurityContextSpec = {}): SecurityContext {
  const { capabilities, seccompProfile, allowPrivilegeEscalation, ...rest } = overrides;
  const add = capabilities?.add ?? [];
  const drop = capabilities?.drop ?? DEFAULT_SECURITY_CONTEXT.capabilities.drop;
  const caps = {
    ...(add.length > 0 ? { add: [...add] } : {}),
    ...(drop.length > 0 ? { drop: [...drop] } : {}),
  };
  return {
    allowPrivilegeEscalation:
      allowPrivilegeEscalation ?? DEFAULT_SECURITY_CONTEXT.allowPrivilegeEscalation,
    ...(Object.keys(caps).length > 0 ? { capabilities: caps } : {}),
    seccompProfile: seccompProfile
      ? { ...seccompProfile }
      : { ...DEFAULT_SECURITY_CONTEXT.seccompProfile },
    ...rest,
  };
}

/**
 * A pod's identity: the environment's ServiceAccount (a branch sandbox's own; the namespace's
 * `default` when none is given) and no token of it mounted unless the service asks for one with
 * `serviceAccount: { automountToken: true }`.
 */
export function podIdentity(
  serviceAccount: ServiceAccountSpec | undefined,
  serviceAccountName: pulumi.Input<string> | undefined,
): { serviceAccountName?: pulumi.Input<string>; automountServiceAccountToken: boolean } {
  return {
    ...(serviceAccountName === undefined ? {} : { serviceAccountName }),
    automountServiceAccountToken: serviceAccount?.automountToken ?? false,
  };
}

/**
 * What each appliance keeps beyond the default, nothing more; each passes the `baseline` level.
 * PostgreSQL's entrypoint starts as root to own its data directory, then switches to its user
 * (uid 999): it keeps the capabilities for exactly that. Kafka (uid 1000) and the Schema Registry
 * (uid 185) run as their images' non-root users and need none, so they pass `restricted`.
 */
export const APPLIANCE_SECURITY: Readonly<
  Record<"postgres" | "kafka" | "schemaRegistry", SecurityContextSpec>
> = {
  postgres: { capabilities: { add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] } },
  kafka: { runAsNonRoot: true, runAsUser: 1000 },
  schemaRegistry: { runAsNonRoot: true },
};
