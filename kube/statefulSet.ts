import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { selectorLabels } from "./labels";
import { podIdentity } from "./security";

/** A single-replica stateful appliance: one container with one data volume. */
export interface VolumeStatefulSetInput {
  /** Object name; also the headless service name and the selector's name label. */
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  /** Labels of the StatefulSet, its pods and its volume claim. */
  readonly labels: Readonly<Record<string, string>>;
  /** The container, without its volume mount (added here). */
  readonly container: k8s.types.input.core.v1.Container;
  /** Group owning the volume's files (the image's user). */
  readonly fsGroup: number;
  /** Where the data volume is mounted in the container. */
  readonly mountPath: string;
  /** Size of the data volume, e.g. `1Gi`. */
  readonly storage: string;
  /** StorageClass of the volume. @default the cluster's default class */
  readonly storageClassName?: string;
  /** ServiceAccount of the pod (no token is mounted). @default the namespace's `default` */
  readonly serviceAccountName?: string;
}

/**
 * StatefulSet args shared by PostgreSQL and Kafka: one replica, a `data` volume claim removed with
 * the StatefulSet, and no docker-link env vars (a Service named `kafka` would inject `KAFKA_PORT`,
 * which the image reads as a setting).
 */
export function volumeStatefulSet(input: VolumeStatefulSetInput): k8s.apps.v1.StatefulSetArgs {
  const { name, labels } = input;
  return {
    metadata: { name, namespace: input.namespace, labels },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: selectorLabels(name) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { fsGroup: input.fsGroup },
          enableServiceLinks: false,
          ...podIdentity(undefined, input.serviceAccountName),
          containers: [
            { ...input.container, volumeMounts: [{ name: "data", mountPath: input.mountPath }] },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: input.storageClassName,
            resources: { requests: { storage: input.storage } },
          },
        },
      ],
    },
  };
}
