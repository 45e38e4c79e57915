import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGES } from "../kube/images";
import {
  IngressControllerKind,
  INGRESS_NGINX_CHART,
  ingressNginxValues,
  LOCAL_GATEWAY_NAME,
  localGatewayArgs,
  NGINX_CONTROLLER_CLASS,
  traefikArgs,
  TRAEFIK_GATEWAY_CONTROLLER,
} from "../kube/ingress";
import { selectorLabels, workloadLabels } from "../kube/labels";

/** What Traefik's Gateway provider reads and reports on (Traefik's own RBAC for it). */
const TRAEFIK_GATEWAY_RULES = [
  { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["gateway.networking.k8s.io"],
    resources: [
      "gatewayclasses",
      "gateways",
      "httproutes",
      "grpcroutes",
      "referencegrants",
      "backendtlspolicies",
    ],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["gateway.networking.k8s.io"],
    resources: [
      "gatewayclasses/status",
      "gateways/status",
      "httproutes/status",
      "grpcroutes/status",
      "backendtlspolicies/status",
    ],
    verbs: ["update"],
  },
];

export interface IngressControllerArgs {
  /** Which controller to run; `none` creates nothing. */
  readonly controller: IngressControllerKind;
  /** IngressClass services use. Traefik serves it too, through its NGINX provider. @default "nginx" */
  readonly className?: string;
  /** Namespace of the controller. @default the controller's name */
  readonly namespace?: string;
  /** ingress-nginx: chart version, chart repository (for mirrors), controller image. @default pinned chart, its image */
  readonly nginx?: {
    readonly chartVersion?: string;
    readonly chartRepo?: string;
    readonly image?: string;
  };
  /** Traefik image (a `traefik:v3` compatible one, ≥ v3.5 for the NGINX provider). @default {@link DEFAULT_IMAGES.traefik} */
  readonly traefikImage?: string;
  /**
   * Serve the Gateway API too (Traefik only): its Gateway provider on, a GatewayClass and the
   * Gateway `localkube` in the controller's namespace, after the Gateway API's CRDs are
   * established (`crdsReady`); the Gateway is awaited until Programmed, within `timeoutSeconds`.
   * @default Ingress only
   */
  readonly gatewayApi?: { readonly crdsReady: pulumi.Resource; readonly timeoutSeconds: number };
}

/**
 * The local cluster's ingress controller, listening on the control-plane node's ports 80/443
 * (mapped to 127.0.0.1 by kind). ingress-nginx is the default; Traefik serves the same
 * `nginx`-class Ingresses, so a team switches without touching its services.
 */
export class IngressController extends pulumi.ComponentResource {
  /** What Ingresses must wait for (the controller is up and will publish their status). */
  readonly ready: pulumi.Resource[];
  /** Namespace the controller runs in (for NetworkPolicies); undefined for `none`. */
  readonly namespace?: string;
  /** The Gateway routes attach to, with `gatewayApi`. */
  readonly gateway?: k8s.apiextensions.CustomResource;

  constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:IngressController", name, {}, opts);
    const className = args.className ?? "nginx";
    if (args.gatewayApi && args.controller !== "traefik")
      throw new Error(`internal: ${args.controller} cannot serve the Gateway API; Traefik does`);
    if (args.controller === "none") {
      this.ready = [];
      this.registerOutputs({});
      return;
    }
    const nsName = args.namespace ?? args.controller;
    this.namespace = nsName;
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: nsName } },
      { parent: this },
    );

    if (args.controller === "ingress-nginx") {
      const chart = new k8s.helm.v4.Chart(
        `${name}-chart`,
        {
          chart: "ingress-nginx",
          version: args.nginx?.chartVersion ?? INGRESS_NGINX_CHART.version,
          repositoryOpts: { repo: args.nginx?.chartRepo ?? INGRESS_NGINX_CHART.repo },
          namespace: ns.metadata.name,
          values: ingressNginxValues(className, args.nginx?.image),
        },
        { parent: this },
      );
      this.ready = [chart];
    } else {
      const traefik = this.traefik(
        name,
        ns,
        className,
        args.traefikImage ?? DEFAULT_IMAGES.traefik,
        args.gatewayApi,
      );
      this.ready = [traefik];
      if (args.gatewayApi) {
        const opts = { parent: this, dependsOn: [args.gatewayApi.crdsReady] };
        const gatewayClass = new k8s.apiextensions.CustomResource(
          `${name}-gateway-class`,
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: { name: LOCAL_GATEWAY_NAME },
            spec: { controllerName: TRAEFIK_GATEWAY_CONTROLLER },
          },
          opts,
        );
        this.gateway = new k8s.apiextensions.CustomResource(
          `${name}-gateway`,
          localGatewayArgs(ns.metadata.name, args.gatewayApi.timeoutSeconds),
          { ...opts, dependsOn: [...opts.dependsOn, gatewayClass, traefik] },
        );
        this.ready.push(this.gateway);
      }
    }
    this.registerOutputs({ namespace: this.namespace });
  }

  private traefik(
    name: string,
    ns: k8s.core.v1.Namespace,
    className: string,
    image: string,
    gatewayApi: IngressControllerArgs["gatewayApi"],
  ): pulumi.Resource {
    const labels = workloadLabels("traefik", "ingress-controller");
    const opts = { parent: this };
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: { name: "traefik", namespace: ns.metadata.name, labels } },
      opts,
    );
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-role`,
      {
        metadata: { name: "localkube-traefik", labels },
        rules: [
          {
            apiGroups: [""],
            resources: ["services", "secrets", "endpoints"],
            verbs: ["get", "list", "watch"],
          },
          // Traefik's own Ingress provider (class `traefik`) lists nodes (NodePort backends) and
          // serves nothing until that list has synced.
          { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
          {
            apiGroups: ["discovery.k8s.io"],
            resources: ["endpointslices"],
            verbs: ["list", "watch"],
          },
          {
            apiGroups: ["networking.k8s.io"],
            resources: ["ingresses", "ingressclasses"],
            verbs: ["get", "list", "watch"],
          },
          { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
          ...(gatewayApi ? TRAEFIK_GATEWAY_RULES : []),
        ],
      },
      opts,
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      {
        metadata: { name: "localkube-traefik", labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: role.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns.metadata.name }],
      },
      opts,
    );
    // Services' class is the default one: the NGINX provider's, or Traefik's own when services
    // use `traefik` (then no NGINX provider runs).
    const isDefault = { "ingressclass.kubernetes.io/is-default-class": "true" };
    const own = className === "traefik";
    const classes = [
      new k8s.networking.v1.IngressClass(
        `${name}-class-traefik`,
        {
          metadata: { name: "traefik", labels, ...(own ? { annotations: isDefault } : {}) },
          spec: { controller: "traefik.io/ingress-controller" },
        },
        opts,
      ),
      ...(own
        ? []
        : [
            new k8s.networking.v1.IngressClass(
              `${name}-class-${className}`,
              {
                metadata: { name: className, labels, annotations: isDefault },
                spec: { controller: NGINX_CONTROLLER_CLASS },
              },
              opts,
            ),
          ]),
    ];
    return new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: "traefik", namespace: ns.metadata.name, labels },
        spec: {
          replicas: 1,
          // hostPorts 80/443 can be held by one pod at a time.
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("traefik") },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: sa.metadata.name,
              nodeSelector: { "ingress-ready": "true", "kubernetes.io/os": "linux" },
              tolerations: [
                {
                  key: "node-role.kubernetes.io/control-plane",
                  operator: "Equal",
                  effect: "NoSchedule",
                },
              ],
              terminationGracePeriodSeconds: 0,
              containers: [
                {
                  name: "traefik",
                  image,
                  args: traefikArgs(className, gatewayApi !== undefined),
                  ports: [
                    { name: "web", containerPort: 8000, hostPort: 80 },
                    { name: "websecure", containerPort: 8443, hostPort: 443 },
                    { name: "admin", containerPort: 9000 },
                  ],
                  readinessProbe: {
                    httpGet: { path: "/ping", port: "admin" },
                    periodSeconds: 2,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    httpGet: { path: "/ping", port: "admin" },
                    initialDelaySeconds: 10,
                    periodSeconds: 10,
                  },
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { memory: "256Mi" },
                  },
                },
              ],
            },
          },
        },
      },
      // Its Gateway provider starts watching at once: the Gateway API must be there first.
      { ...opts, dependsOn: [binding, ...classes, ...(gatewayApi ? [gatewayApi.crdsReady] : [])] },
    );
  }
}
