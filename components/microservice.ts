import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { envPrefix } from "../catalog/appliances";
import { LiveUpdateSpec, ProbeSpec, ServiceSpec } from "../catalog/types";
import { Connection, ConnectionValue, toEnvVar } from "../kube/connection";
import {
  selectorLabels,
  workloadLabels,
  SERVICE_ANNOTATIONS,
  WORKLOAD_ANNOTATIONS,
} from "../kube/labels";
import { containerSecurityContext, podIdentity } from "../kube/security";
import { secretsObjectName } from "../kube/serviceConfig";
import { supervisedCommand } from "../kube/supervisor";
import { ReadinessSettings, WorkloadReady } from "../providers/workloadReady";
import type { ImageOrigin } from "../status/diagnose";
import { ServiceConfig } from "./serviceConfig";

/** How a service is exposed through the ingress controller. */
export interface MicroserviceIngress {
  /** Full host name, e.g. `bank.localhost` or `bank.feature-x.sandbox.example.com`. */
  readonly host: string;
  /** `spec.ingressClassName` of the Ingress. */
  readonly className: string;
  /** Extra annotations (e.g. a cert-manager issuer). @default none */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Name of the TLS Secret to serve the host with. @default no TLS */
  readonly tlsSecretName?: string;
  /**
   * Wait until the controller publishes a load-balancer status. Off when no controller will
   * ever set one (ingress controller `none`). @default true
   */
  readonly await?: boolean;
  /** Resources the Ingress waits for (the ingress controller). @default none */
  readonly dependsOn?: readonly pulumi.Resource[];
}

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
  readonly ingress?: MicroserviceIngress;
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

/** The container's command and args: the catalog's, under the restart loop when live updates restart it. */
export function containerCommand(
  spec: Pick<ServiceSpec, "command" | "args">,
  liveUpdate?: Pick<LiveUpdateSpec, "restart">,
): { command?: string[]; args?: string[] } {
  if (liveUpdate?.restart === "process" && spec.command)
    return { command: supervisedCommand(spec.command, spec.args) };
  return { command: spec.command && [...spec.command], args: spec.args && [...spec.args] };
}

/** Environment variables for a service, sorted by name: dependencies first, the spec's own win. */
export function serviceEnv(
  spec: ServiceSpec,
  dependencies: readonly Connection[],
): k8s.types.input.core.v1.EnvVar[] {
  const byName = new Map(dependencies.map((d) => [d.name, d]));
  const vars = new Map<string, ConnectionValue>();
  for (const dep of dependencies) {
    if (dep.kind === "appliance") for (const [k, v] of Object.entries(dep.env)) vars.set(k, v);
    else if (dep.env.URL) vars.set(`${envPrefix(dep.name)}_URL`, dep.env.URL);
  }
  for (const [key, value] of Object.entries(spec.env)) {
    if (value.kind === "literal") {
      vars.set(key, { value: value.value });
      continue;
    }
    if (value.kind === "secret") {
      vars.set(key, { secretName: secretsObjectName(spec.name), key: value.name });
      continue;
    }
    const source = byName.get(value.from)?.env[value.key];
    if (!source) {
      throw new Error(
        `${spec.file}: \`env.${key}\`: ${value.from} offers no ${value.key} in this environment`,
      );
    }
    vars.set(key, source);
  }
  return [...vars.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => toEnvVar(k, v));
}

/** Whether a service needs a {@link ServiceConfig}: it mounts files or reads secrets. */
export function needsConfig(spec: Pick<ServiceSpec, "files" | "env">): boolean {
  return (spec.files ?? []).length > 0 || Object.values(spec.env).some((v) => v.kind === "secret");
}

/** An Ingress backend's port: by name, or by number. */
export function backendPort(port: string | number) {
  return typeof port === "number" ? { number: port } : { name: port };
}

/** A Kubernetes probe from a catalog probe. */
export function toProbe(probe: ProbeSpec): k8s.types.input.core.v1.Probe {
  const h = probe.handler;
  const handler =
    h.kind === "httpGet"
      ? { httpGet: { path: h.path, port: h.port } }
      : h.kind === "tcpSocket"
        ? { tcpSocket: { port: h.port } }
        : { exec: { command: [...h.command] } };
  return {
    ...handler,
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    failureThreshold: probe.failureThreshold,
  };
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
  readonly ingress?: k8s.networking.v1.Ingress;
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
        metadata: { ...metadata, annotations: WORKLOAD_ANNOTATIONS },
        spec: {
          replicas: spec.replicas,
          selector: { matchLabels: selectorLabels(spec.name) },
          template: {
            metadata: { labels, annotations: config?.podAnnotations },
            spec: {
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

    if (spec.ports.length > 0) {
      this.service = new k8s.core.v1.Service(
        `${name}-service`,
        {
          metadata: { ...metadata, annotations: SERVICE_ANNOTATIONS },
          spec: {
            selector: selectorLabels(spec.name),
            ports: spec.ports.map((p) => ({
              name: p.name,
              port: p.servicePort,
              targetPort: p.name,
              protocol: p.protocol,
            })),
          },
        },
        { ...childOpts, dependsOn: [this.deployment] },
      );
    }

    if (spec.ingress && args.ingress && this.service) {
      const ing = args.ingress;
      const annotations: Record<string, string> = { ...(ing.annotations ?? {}) };
      // The provider's own await, bounded like the workloads': the controller publishes an
      // address once the (ready) backends have endpoints.
      if (ing.await === false) annotations["pulumi.com/skipAwait"] = "true";
      else annotations["pulumi.com/timeoutSeconds"] = String(args.readiness.timeoutSeconds);
      this.ingress = new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
          metadata: { ...metadata, annotations },
          spec: {
            ingressClassName: ing.className,
            tls: ing.tlsSecretName
              ? [{ hosts: [ing.host], secretName: ing.tlsSecretName }]
              : undefined,
            rules: [
              {
                host: ing.host,
                http: {
                  paths: [
                    {
                      path: spec.ingress.path,
                      pathType: "Prefix",
                      backend: {
                        service: { name: spec.name, port: backendPort(spec.ingress.port) },
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
        { ...childOpts, dependsOn: [this.service, this.ready, ...(ing.dependsOn ?? [])] },
      );
      this.url = `${ing.tlsSecretName ? "https" : "http"}://${ing.host}${spec.ingress.path === "/" ? "" : spec.ingress.path}`;
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
      url: this.url,
    });
  }
}
