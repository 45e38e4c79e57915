import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { selectorLabels, workloadLabels, WORKLOAD_ANNOTATIONS } from "../kube/labels";
import {
  metricsServerArgs,
  METRICS_SERVER_IMAGE,
  METRICS_SERVER_NAMESPACE,
} from "../kube/metricsServer";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";

export interface MetricsServerArgs {
  /** A metrics-server image. @default {@link METRICS_SERVER_IMAGE} */
  readonly image?: string;
  /** How its readiness is awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
}

const NAME = "metrics-server";

/**
 * metrics-server in `kube-system`, as upstream's manifest installs it (ServiceAccount, RBAC, a
 * Service, the Deployment and the `v1beta1.metrics.k8s.io` APIService), with the settings kind's
 * kubelets need. Its readiness gate fails `up` with the diagnosis (an image that cannot be pulled)
 * instead of leaving autoscalers waiting for metrics in silence; nothing else waits for it.
 */
export class MetricsServer extends pulumi.ComponentResource {
  /** Completes when the Deployment is ready (metrics are being collected). */
  readonly ready: WorkloadReady;

  constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:MetricsServer", name, {}, opts);
    const namespace = METRICS_SERVER_NAMESPACE;
    const labels = workloadLabels(NAME, "metrics");
    const child = { parent: this };
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: NAME, namespace, labels } },
      child,
    );
    const subjects = [{ kind: "ServiceAccount", name: NAME, namespace }];
    const roleRef = (kind: "Role" | "ClusterRole", role: string) => ({
      apiGroup: "rbac.authorization.k8s.io",
      kind,
      name: role,
    });
    const reader = new k8s.rbac.v1.ClusterRole(
      `${name}-aggregated-reader`,
      {
        metadata: {
          name: "system:aggregated-metrics-reader",
          labels: {
            ...labels,
            "rbac.authorization.k8s.io/aggregate-to-view": "true",
            "rbac.authorization.k8s.io/aggregate-to-edit": "true",
            "rbac.authorization.k8s.io/aggregate-to-admin": "true",
          },
        },
        rules: [
          {
            apiGroups: ["metrics.k8s.io"],
            resources: ["pods", "nodes"],
            verbs: ["get", "list", "watch"],
          },
        ],
      },
      child,
    );
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-role`,
      {
        metadata: { name: "system:metrics-server", labels },
        rules: [
          { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
          { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
        ],
      },
      child,
    );
    const bindings = [
      new k8s.rbac.v1.RoleBinding(
        `${name}-auth-reader`,
        {
          metadata: { name: "metrics-server-auth-reader", namespace, labels },
          roleRef: roleRef("Role", "extension-apiserver-authentication-reader"),
          subjects,
        },
        child,
      ),
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-auth-delegator`,
        {
          metadata: { name: "metrics-server:system:auth-delegator", labels },
          roleRef: roleRef("ClusterRole", "system:auth-delegator"),
          subjects,
        },
        child,
      ),
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-binding`,
        {
          metadata: { name: "system:metrics-server", labels },
          roleRef: roleRef("ClusterRole", "system:metrics-server"),
          subjects,
        },
        { ...child, dependsOn: [role] },
      ),
    ];
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: NAME, namespace, labels, annotations: WORKLOAD_ANNOTATIONS },
        spec: {
          replicas: 1,
          strategy: { rollingUpdate: { maxUnavailable: 0 } },
          selector: { matchLabels: selectorLabels(NAME) },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: NAME,
              priorityClassName: "system-cluster-critical",
              nodeSelector: { "kubernetes.io/os": "linux" },
              volumes: [{ name: "tmp-dir", emptyDir: {} }],
              containers: [
                {
                  name: NAME,
                  image: args.image ?? METRICS_SERVER_IMAGE,
                  args: metricsServerArgs(),
                  ports: [{ name: "https", containerPort: 10250, protocol: "TCP" }],
                  resources: { requests: { cpu: "50m", memory: "64Mi" } },
                  readinessProbe: {
                    httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" },
                    periodSeconds: 5,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    httpGet: { path: "/livez", port: "https", scheme: "HTTPS" },
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  securityContext: {
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    allowPrivilegeEscalation: false,
                    seccompProfile: { type: "RuntimeDefault" },
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [{ name: "tmp-dir", mountPath: "/tmp" }],
                },
              ],
            },
          },
        },
      },
      { ...child, dependsOn: [account, reader, ...bindings] },
    );
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          name: NAME,
          namespace,
          labels,
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
          selector: selectorLabels(NAME),
          ports: [
            {
              name: "https",
              port: 443,
              protocol: "TCP",
              targetPort: "https",
              appProtocol: "https",
            },
          ],
        },
      },
      child,
    );
    new k8s.apiregistration.v1.APIService(
      `${name}-api`,
      {
        metadata: { name: "v1beta1.metrics.k8s.io", labels },
        spec: {
          service: { name: NAME, namespace },
          group: "metrics.k8s.io",
          version: "v1beta1",
          insecureSkipTLSVerify: true,
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      },
      { ...child, dependsOn: [service] },
    );
    this.ready = new WorkloadReady(
      `${name}-ready`,
      {
        ...args.readiness,
        kind: "Deployment",
        workload: deployment,
        service: NAME,
        definedIn: "localkube's metrics-server (installed because a service autoscales)",
        imageOrigins: {
          [NAME]: args.image
            ? {
                chosenBy: "`localkube:metricsServer.image`",
                fix: "correct it, or mirror the image there",
              }
            : {
                chosenBy: `localkube's default (${METRICS_SERVER_IMAGE})`,
                fix: "set `localkube:metricsServer.image` to a mirror the cluster can pull",
              },
        },
      },
      child,
    );
    this.registerOutputs({ ready: this.ready });
  }
}
