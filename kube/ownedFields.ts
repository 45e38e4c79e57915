/**
 * Pure: what one field manager applied to an object, read back from the object's
 * `metadata.managedFields` (server-side apply's record of who set which field), so that the same
 * manager can apply it again with one value changed. This is what client-go's `Extract…`
 * functions do: the extracted object holds exactly the fields the manager owns, so applying it
 * (with a change) neither drops fields the manager set nor takes fields of other managers.
 *
 * The record's format (`FieldsV1`, structured-merge-diff): a tree of keys, each `f:<field>` for a
 * field of a map, `k:<json object>` for the item of a keyed list whose key fields have these
 * values, `v:<json value>` for an item of a set-like list, `i:<index>` for an item of an atomic
 * position, and `.` for "the item itself"; an empty tree under a key means the whole value.
 */

/** A `metadata.managedFields` entry, as the API server returns it. */
export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly fieldsType?: string;
  readonly fieldsV1?: object;
  readonly subresource?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Fields = { readonly [key: string]: Fields };

const isMap = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isLeaf = (fields: Fields) => Object.keys(fields).every((k) => k === ".");

/** Whether a list item has every key field of a `k:{…}` entry with the same value. */
function matchesKey(item: Json, key: Record<string, Json>): boolean {
  return (
    isMap(item) &&
    Object.entries(key).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v))
  );
}

function extractList(list: readonly Json[], fields: Fields): Json[] {
  const out: Json[] = [];
  for (const [key, sub] of Object.entries(fields)) {
    if (key === ".") continue;
    if (key.startsWith("k:")) {
      const wanted = JSON.parse(key.slice(2)) as Record<string, Json>;
      const item = list.find((i) => matchesKey(i, wanted));
      // The key fields identify the item: an applied item always carries them.
      if (item !== undefined)
        out.push({ ...(extract(item, sub) as Record<string, Json>), ...wanted });
    } else if (key.startsWith("v:")) {
      const value = JSON.parse(key.slice(2)) as Json;
      if (list.some((i) => JSON.stringify(i) === JSON.stringify(value))) out.push(value);
    } else if (key.startsWith("i:")) {
      const item = list[Number(key.slice(2))];
      if (item !== undefined) out.push(isLeaf(sub) ? item : extract(item, sub));
    }
  }
  return out;
}

function extract(value: Json, fields: Fields): Json {
  if (isLeaf(fields)) return value;
  if (Array.isArray(value)) return extractList(value, fields);
  if (!isMap(value)) return value;
  const out: Record<string, Json> = {};
  for (const [key, sub] of Object.entries(fields)) {
    if (!key.startsWith("f:")) continue;
    const name = key.slice(2);
    if (name in value) out[name] = extract(value[name], sub);
  }
  return out;
}

/**
 * The fields of `obj` that `fields` (one manager's `fieldsV1`) names, with their current values.
 * `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` are always kept: an apply needs them.
 */
export function ownedFields<T extends object>(obj: T, fields: object): T {
  const o = obj as unknown as Record<string, Json>;
  const out = extract(o, fields as Fields) as Record<string, Json>;
  const meta = isMap(o.metadata) ? o.metadata : {};
  return {
    ...out,
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      ...(isMap(out.metadata) ? out.metadata : {}),
      name: meta.name ?? null,
      ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
    },
  } as unknown as T;
}

/** The Kubernetes provider's server-side apply managers are named `pulumi-kubernetes-<random>`. */
const PULUMI_MANAGER = /^pulumi-kubernetes-[0-9a-z]+$/;

/**
 * The manager that applies the object for Pulumi, with what it owns: the one `Apply` entry of
 * the main resource (not a subresource such as `status`) named as the Kubernetes provider names
 * its managers. Undefined when Pulumi never applied the object (or two managers claim it).
 */
export function pulumiManager(
  managedFields: readonly ManagedFieldsEntry[] | undefined,
): { readonly manager: string; readonly fields: object } | undefined {
  const entries = (managedFields ?? []).filter(
    (e) =>
      e.operation === "Apply" &&
      !e.subresource &&
      e.fieldsV1 !== undefined &&
      PULUMI_MANAGER.test(e.manager ?? ""),
  );
  return entries.length === 1
    ? { manager: entries[0].manager!, fields: entries[0].fieldsV1! }
    : undefined;
}
