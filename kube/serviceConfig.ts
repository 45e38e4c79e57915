import { createHash } from "crypto";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";
import { FileMount, ServiceSpec } from "../catalog/types";

/** Name of the ConfigMap holding a service's mounted files. */
export const filesObjectName = (service: string) => `${service}-files`;
/** Name of the Secret holding a service's secrets from the stack's config. */
export const secretsObjectName = (service: string) => `${service}-secrets`;
/** Pod-template annotation: hash of the mounted files, so that pods roll when one changes. */
export const FILES_HASH_ANNOTATION = "localkube.dev/files-hash";
/** Pod-template annotation: version of the service's Secret, so that pods roll when a secret changes. */
export const SECRETS_VERSION_ANNOTATION = "localkube.dev/secrets-version";
/** Name of the pod volume the files are mounted from. */
const VOLUME = "localkube-files";

/** Names of the stack secrets a service's env refers to (`{ secret: name }`), each once, sorted. */
export function secretNames(spec: Pick<ServiceSpec, "env">): string[] {
  const names = Object.values(spec.env).flatMap((v) => (v.kind === "secret" ? [v.name] : []));
  return [...new Set(names)].sort();
}

/** ConfigMap key of the `i`-th file: its index and base name (keys allow `[-._a-zA-Z0-9]`). */
export function fileKey(index: number, file: Pick<FileMount, "to">): string {
  return `${index}-${path.posix.basename(file.to).replace(/[^-._a-zA-Z0-9]/g, "_")}`;
}

/**
 * The ConfigMap contents of a service's files: UTF-8 text in `data`, anything else in
 * `binaryData`, and a hash of every key and byte (what the pods roll on).
 */
export function filesData(
  files: readonly FileMount[],
  read: (absolutePath: string) => Buffer,
): { data: Record<string, string>; binaryData: Record<string, string>; hash: string } {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  const hash = createHash("sha256");
  files.forEach((f, i) => {
    const key = fileKey(i, f);
    const bytes = read(f.from);
    const text = bytes.toString("utf8");
    if (Buffer.from(text, "utf8").equals(bytes)) data[key] = text;
    else binaryData[key] = bytes.toString("base64");
    hash.update(`${key}\0${f.to}\0${bytes.length}\0`).update(bytes);
  });
  return { data, binaryData, hash: hash.digest("hex").slice(0, 16) };
}

/** The pod volume of a service's files and each file's read-only mount at its path. */
export function fileMounts(
  service: string,
  files: readonly FileMount[],
): { volume: k8s.types.input.core.v1.Volume; mounts: k8s.types.input.core.v1.VolumeMount[] } {
  return {
    volume: {
      name: VOLUME,
      configMap: {
        name: filesObjectName(service),
        items: files.map((f, i) => ({ key: fileKey(i, f), path: fileKey(i, f) })),
      },
    },
    mounts: files.map((f, i) => ({
      name: VOLUME,
      mountPath: f.to,
      subPath: fileKey(i, f),
      readOnly: true,
    })),
  };
}
