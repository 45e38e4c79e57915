import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LiveUpdateSpec, ServiceSpec } from "../catalog/types";
import { Connection } from "../kube/connection";
import {
  backendProtocol,
  ServiceIngressSettings,
  servicePortNumber,
  serviceUrl,
} from "../kube/ingress";
import {
  selectorLabels,
  workloadLabels,
  SERVICE_ANNOTATIONS,
  WORKLOAD_ANNOTATIONS,
} from "../kube/labels";
import { containerSecurityContext, podIdentity } from "../kube/security";
import { containerCommand, needsConfig, serviceEnv, toProbe } from "../kube/podSpec";
import {
  autoscalerSpec,
  containerLifecycle,
  deploymentStrategy,
  disruptionBudgetSpec,
  ignoredByUp,
  podTermination,
  CATALOG_WINS,
} from "../kube/replicas";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";
import { ServiceConfig } from "./serviceConfig";
import { serviceRoute } from "./serviceRoute";

export interface MicroserviceArgs {
  /** The validated catalog entry: ports, env, probes, resources, replicas, ingress. */
  readonly spec: ServiceSpec;
  /** Image reference to run, by tag or (for local builds) by digest. */
  readonly image: pulumi.Input<string>;
  /** Namespace to deploy into. */
  readonly namespace: pulumi.Input<string>;
  /**
   * Connection info of the service's direct dependencies (groups already expanded), by name.
   * Appliances inject all their keys (`DATABASE_URL`, `PG*`, `KAFKA_BOOTSTRAP_SERVERS`,
   * `SCHEMA_REGISTRY_URL`); a service `x-api` injects `X_API_URL`. @default none
   */
  readonly dependencies?: readonly Connection[];
  /** Ingress settings; required when the spec has an `ingress` section. @default no Ingress */
  readonly ingress?: ServiceIngressSettings;
  /** Labels added to every object (environment, branch). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Secrets used to pull the image. @default none */
  readonly imagePullSecrets?: readonly pulumi.Input<string>[];
  /** ServiceAccount the pods run as. @default the namespace's `default` */
  readonly serviceAccountName?: pulumi.Input<string>;
  /** How readiness is awaited: cluster access and `localkube:readyTimeout`. */
  readonly readiness: ReadinessSettings;
  /** Which config chose the image, named when it cannot be pulled. @default not named */
  readonly imageOrigin?: ImageOrigin;
  /**
   * The service is built from the checkout and live-updated by `npm run dev`: with `restart:
   * process` its command runs under localkube's restart loop. @default not live-updated
   */
  readonly liveUpdate?: LiveUpdateSpec;
  /**
   * The stack's secrets by name (`localkube:secrets.<name>`, secret Outputs): those the spec's env
   * refers to become a Secret of the service. @default none
   */
  readonly secrets?: ReadonlyMap<string, pulumi.Input<string>>;
}

/**
 * One catalog service: a Deployment, its readiness gate, a Service for its ports and, when the
 * catalog asks for one, an Ingress. Created only after its dependencies are ready (Pulumi
 * `dependsOn` on their gates); its own dependents wait for its gate, which fails `pulumi up` with
 * the diagnosis as soon as the Deployment cannot become ready.
 */
export class Microservice extends pulumi.ComponentResource {
  /** The Deployment running the service. */
  readonly deployment: k8s.apps.v1.Deployment;
  /** Completes when the Deployment's rollout is complete. */
  readonly ready: WorkloadReady;
  /** The ClusterIP Service, when the service declares ports. */
  readonly service?: k8s.core.v1.Service;
  /** Its Ingress, or its HTTPRoute (`ingress.api: gateway`). */
  readonly ingress?: k8s.networking.v1.Ingress | k8s.apiextensions.CustomResource;
  /** The PodDisruptionBudget, when the catalog sets `disruptionBudget`. */
  readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
  /** The HorizontalPodAutoscaler, when the catalog sets `autoscale`. */
  readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /** What dependents of this service receive. */
  readonly connection: Connection;
  /** Public URL through the ingress, when exposed. */
  readonly url?: string;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:Microservice", name, {}, opts);
    const spec = args.spec;
    if (spec.ingress && !args.ingress) {
      throw new Error(
        `${spec.file}: service ${spec.name} has an ingress section but the environment gave no ingress settings`,
      );
    }
    const dependencies = args.dependencies ?? [];
    const labels = workloadLabels(spec.name, "service", args.labels);
    const metadata = { name: spec.name, namespace: args.namespace, labels };
    const childOpts: pulumi.CustomResourceOptions = { parent: this, deleteBeforeReplace: true };
    const config = needsConfig(spec)
      ? new ServiceConfig(
          `${name}-config`,
          { spec, namespace: args.namespace, labels, secrets: args.secrets },
          { parent: this },
        )
      : undefined;

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { ...metadata, annotations: { ...WORKLOAD_ANNOTATIONS, ...CATALOG_WINS } },
        spec: {
          replicas: spec.replicas,
          strategy: deploymentStrategy(spec),
          selector: { matchLabels: selectorLabels(spec.name) },
          template: {
            metadata: { labels, annotations: config?.podAnnotations },
            spec: {
              ...podTermination(spec),
              // Discovery is by DNS name; docker-link style *_PORT vars only collide with app config.
              enableServiceLinks: false,
              volumes: config?.volumes,
              imagePullSecrets: args.imagePullSecrets?.map((n) => ({ name: n })),
              ...podIdentity(spec.serviceAccount, args.serviceAccountName),
              containers: [
                {
                  name: spec.name,
                  image: args.image,
                  ...containerCommand(spec, args.liveUpdate),
                  ports: spec.ports.map((p) => ({
                    name: p.name,
                    containerPort: p.containerPort,
                    protocol: p.protocol,
                  })),
                  env: serviceEnv(spec, dependencies),
                  resources: spec.resources && {
                    requests: spec.resources.requests && { ...spec.resources.requests },
                    limits: spec.resources.limits && { ...spec.resources.limits },
                  },
                  readinessProbe: spec.probes.readiness && toProbe(spec.probes.readiness),
                  livenessProbe: spec.probes.liveness && toProbe(spec.probes.liveness),
                  startupProbe: spec.probes.startup && toProbe(spec.probes.startup),
                  lifecycle: containerLifecycle(spec),
                  volumeMounts: config?.volumeMounts,
                  securityContext: containerSecurityContext(spec.securityContext),
                },
              ],
            },
          },
        },
      },
      {
        ...childOpts,
        dependsOn: [...dependencies.flatMap((d) => d.ready), ...(config?.ready ?? [])],
        ignoreChanges: ignoredByUp(spec),
      },
    );
    this.ready = new WorkloadReady(
      `${name}-ready`,
      {
        ...args.readiness,
        kind: "Deployment",
        workload: this.deployment,
        service: spec.name,
        definedIn: spec.file,
        imageOrigins: args.imageOrigin ? { [spec.name]: args.imageOrigin } : undefined,
      },
      { parent: this },
    );

    const budget = disruptionBudgetSpec(spec);
    if (budget) {
      this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
        `${name}-disruption-budget`,
        { metadata, spec: budget },
        { ...childOpts, dependsOn: [this.deployment] },
      );
    }
    const autoscaler = autoscalerSpec(spec, spec.name);
    if (autoscaler) {
      this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-autoscaler`,
        { metadata, spec: autoscaler },
        { ...childOpts, dependsOn: [this.deployment] },
      );
    }

    if (spec.ports.length > 0) {
      // What the ingress speaks to its port (gRPC, h2c), for the controllers that read the Service.
      const backend = backendProtocol(spec.ingress?.protocol);
      this.service = new k8s.core.v1.Service(
        `${name}-service`,
        {
          metadata: {
            ...metadata,
            annotations: { ...SERVICE_ANNOTATIONS, ...backend.serviceAnnotations },
          },
          spec: {
            selector: selectorLabels(spec.name),
            ports: spec.ports.map((p) => ({
              name: p.name,
              port: p.servicePort,
              targetPort: p.name,
              protocol: p.protocol,
              ...(backend.appProtocol && p.name === spec.ingress?.port
                ? { appProtocol: backend.appProtocol }
                : {}),
            })),
          },
        },
        { ...childOpts, dependsOn: [this.deployment] },
      );
    }

    if (spec.ingress && args.ingress && this.service) {
      const port = servicePortNumber(
        spec.name,
        spec.ports.map((p) => ({ name: p.name, port: p.servicePort })),
        spec.ingress.port,
      );
      // The catalog checked that the ingress names one of the service's ports.
      if (typeof port !== "number") throw new Error(`internal: ${spec.file}: ${port.problem}`);
      this.ingress = serviceRoute(
        name,
        { name: spec.name, ingress: spec.ingress },
        args.ingress,
        {
          namespace: args.namespace,
          labels,
          readiness: args.readiness,
          port,
        },
        {
          ...childOpts,
          dependsOn: [this.service, this.ready, ...(args.ingress.dependsOn ?? [])],
        },
      ).resource;
      this.url = serviceUrl(args.ingress, spec.ingress.path);
    }

    const port = spec.ports.find((p) => p.name === "http") ?? spec.ports[0];
    this.connection = {
      name: spec.name,
      kind: "service",
      env: port
        ? {
            URL: { value: `http://${spec.name}:${port.servicePort}` },
            HOST: { value: spec.name },
            PORT: { value: String(port.servicePort) },
          }
        : {},
      ready: [this.ready, ...(this.service ? [this.service] : [])],
    };
    this.registerOutputs({
      deployment: this.deployment,
      ready: this.ready,
      service: this.service,
      ingress: this.ingress,
      disruptionBudget: this.disruptionBudget,
      autoscaler: this.autoscaler,
      url: this.url,
    });
  }
}
