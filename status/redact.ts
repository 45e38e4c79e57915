/**
 * Pure: the values a pod receives from Secrets, and log text with those values taken out. A crash
 * report quotes the last lines of a container's log — in the `pulumi up` error, the terminal, CI
 * logs and the update history — and connection errors commonly print `DATABASE_URL` with its
 * password: every value of every Secret key the pod's containers read (env `secretKeyRef`,
 * `envFrom` of a Secret, mounted Secret volumes) is replaced by {@link REDACTED} before any log
 * line is shown.
 */
import type * as K from "@kubernetes/client-node";

/** What a redacted value is shown as. */
export const REDACTED = "[secret]";

/** Values shorter than this are not redacted: "1" or "on" would blank out unrelated text. */
const MIN_LENGTH = 4;

/** A Secret a pod reads: one key of it, or every key (`envFrom`, a volume). */
export interface SecretRef {
  readonly name: string;
  /** The key read; undefined: every key of the Secret. */
  readonly key?: string;
}

/** Every Secret key the pods' containers (init containers too) and volumes read, deduplicated. */
export function secretRefsOf(pods: readonly Pick<K.V1Pod, "spec">[]): SecretRef[] {
  const refs = new Map<string, SecretRef>();
  const add = (r: SecretRef) => refs.set(`${r.name}\u0000${r.key ?? ""}`, r);
  for (const pod of pods) {
    const spec = pod.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref?.name) add({ name: ref.name, key: ref.key });
      }
      for (const from of c.envFrom ?? [])
        if (from.secretRef?.name) add({ name: from.secretRef.name });
    }
    for (const v of spec?.volumes ?? []) {
      if (v.secret?.secretName) add({ name: v.secret.secretName });
      for (const source of v.projected?.sources ?? [])
        if (source.secret?.name) add({ name: source.secret.name });
    }
  }
  return [...refs.values()];
}

/** The names of the Secrets in `refs`, each once. */
export const secretNames = (refs: readonly SecretRef[]): string[] => [
  ...new Set(refs.map((r) => r.name)),
];

/**
 * The values the refs read from these Secrets (decoded), and for a value that is a URL with a
 * password (`postgres://user:pw@host/db`) that password too, plain and URL-encoded: a program may
 * print the URL taken apart.
 */
export function secretValues(
  refs: readonly SecretRef[],
  secrets: readonly Pick<K.V1Secret, "metadata" | "data" | "stringData">[],
): string[] {
  const values = new Set<string>();
  for (const ref of refs) {
    const secret = secrets.find((s) => s.metadata?.name === ref.name);
    if (!secret) continue;
    const decoded: Record<string, string> = { ...(secret.stringData ?? {}) };
    for (const [k, v] of Object.entries(secret.data ?? {}))
      decoded[k] = Buffer.from(v, "base64").toString("utf8");
    const keys = ref.key === undefined ? Object.keys(decoded) : [ref.key];
    for (const key of keys) {
      const value = decoded[key];
      if (value === undefined) continue;
      values.add(value);
      const password = urlPassword(value);
      if (password) {
        values.add(password);
        values.add(safeDecode(password));
      }
    }
  }
  return [...values].filter((v) => v.trim().length >= MIN_LENGTH);
}

/** The password part of a URL (`scheme://user:password@host…`), as written in it. */
function urlPassword(value: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@/\s]+)@/i.exec(value.trim());
  return m?.[1];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * `text` with every occurrence of each value replaced by {@link REDACTED}, longest values first
 * (a URL before the password inside it).
 */
export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length))
    if (v.length > 0) out = out.split(v).join(REDACTED);
  return out;
}

/** A function that redacts these values from each line. */
export const redactor =
  (values: readonly string[]) =>
  (line: string): string =>
    values.length === 0 ? line : redact(line, values);
