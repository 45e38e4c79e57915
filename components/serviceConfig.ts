import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec } from "../catalog/types";
import {
  fileMounts,
  filesData,
  filesObjectName,
  FILES_HASH_ANNOTATION,
  secretNames,
  secretsObjectName,
  SECRETS_VERSION_ANNOTATION,
} from "../kube/serviceConfig";

export interface ServiceConfigArgs {
  /** The catalog entry: its `files` and the `{ secret: name }` values of its `env`. */
  readonly spec: Pick<ServiceSpec, "name" | "file" | "files" | "env">;
  /** Namespace of the service. */
  readonly namespace: pulumi.Input<string>;
  /** Labels of the service's objects. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The stack's secrets by name (`localkube:secrets.<name>`), as secret Outputs; every name the
   * env refers to must be here (the stack checked it before creating anything). @default none
   */
  readonly secrets?: ReadonlyMap<string, pulumi.Input<string>>;
  /** Reads a file of the repository. @default fs.readFileSync */
  readonly readFile?: (absolutePath: string) => Buffer;
}

/**
 * What a catalog entry reads besides its image: its files (a ConfigMap mounted file by file, read
 * only) and its secrets (a Secret whose data stays a Pulumi secret; the env refers to its keys).
 * The pod template carries the files' hash and the Secret's version, so pods roll when either
 * changes.
 */
export class ServiceConfig extends pulumi.ComponentResource {
  readonly configMap?: k8s.core.v1.ConfigMap;
  readonly secret?: k8s.core.v1.Secret;
  /** Volumes for the pod spec. */
  readonly volumes: k8s.types.input.core.v1.Volume[];
  /** Mounts for the container. */
  readonly volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  /** Annotations for the pod template. */
  readonly podAnnotations: Record<string, pulumi.Input<string>>;
  /** What the workload must wait for. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: ServiceConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super("localkube:index:ServiceConfig", name, {}, opts);
    const spec = args.spec;
    const metadata = { namespace: args.namespace, labels: { ...(args.labels ?? {}) } };
    const childOpts: pulumi.CustomResourceOptions = { parent: this, deleteBeforeReplace: true };
    this.volumes = [];
    this.volumeMounts = [];
    this.podAnnotations = {};
    this.ready = [];

    const files = spec.files ?? [];
    if (files.length > 0) {
      const content = filesData(files, args.readFile ?? ((p) => fs.readFileSync(p)));
      this.configMap = new k8s.core.v1.ConfigMap(
        `${name}-files`,
        {
          metadata: { ...metadata, name: filesObjectName(spec.name) },
          data: content.data,
          binaryData: Object.keys(content.binaryData).length > 0 ? content.binaryData : undefined,
        },
        childOpts,
      );
      const { volume, mounts } = fileMounts(spec.name, files);
      this.volumes.push(volume);
      this.volumeMounts.push(...mounts);
      this.podAnnotations[FILES_HASH_ANNOTATION] = content.hash;
      this.ready.push(this.configMap);
    }

    const names = secretNames(spec);
    if (names.length > 0) {
      const stringData: Record<string, pulumi.Output<string>> = {};
      for (const secretName of names) {
        const value = args.secrets?.get(secretName);
        if (value === undefined)
          throw new Error(
            `internal: ${spec.file} refers to the secret ${secretName}, which the stack did not read`,
          );
        stringData[secretName] = pulumi.secret(value);
      }
      this.secret = new k8s.core.v1.Secret(
        `${name}-secrets`,
        { metadata: { ...metadata, name: secretsObjectName(spec.name) }, stringData },
        childOpts,
      );
      // The version, not a hash of the values: nothing derived from a secret leaves the state.
      this.podAnnotations[SECRETS_VERSION_ANNOTATION] = this.secret.metadata.resourceVersion;
      this.ready.push(this.secret);
    }
    this.registerOutputs({ configMap: this.configMap, secret: this.secret });
  }
}
