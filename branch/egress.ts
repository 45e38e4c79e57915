import ipaddr from "ipaddr.js";
import { DNS_LABEL, DNS_LABEL_HELP } from "../catalog/patterns";
import { show } from "../catalog/problems";

/** Where a sandbox's pods may open connections to, besides their own namespace and cluster DNS. */
export type EgressDestination =
  /** An address range (`ipBlock`), optionally with holes. */
  | { readonly kind: "cidr"; readonly cidr: string; readonly except?: readonly string[] }
  /** One namespace, by name. */
  | { readonly kind: "namespace"; readonly name: string }
  /** Every namespace carrying these labels. */
  | { readonly kind: "namespaces"; readonly labels: Readonly<Record<string, string>> };

/** Label every namespace carries with its own name (Kubernetes ≥ 1.21). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Cluster DNS as kubeadm, kind and the managed clouds deploy it. */
export const CLUSTER_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };

/** A problem with one entry of `localkube:egress.allow` (`index` undefined: the whole value). */
export interface EgressProblem {
  readonly index?: number;
  readonly message: string;
}

const EXAMPLE =
  'e.g. \'["10.20.0.0/16", {"namespace": "monitoring"}, {"namespaceSelector": {"team": "data"}}]\'';

/**
 * Reads `localkube:egress.allow`: a YAML/JSON list whose entries are a CIDR or IP (`10.20.0.0/16`,
 * `192.0.2.7`), `{ cidr, except }`, `{ namespace: <name> }` or `{ namespaceSelector: {<label>:
 * <value>, …} }`; or, for `-c` on the command line, CIDRs separated by commas or spaces. Every bad
 * entry is one problem; the good ones are returned.
 */
export function parseEgressAllow(raw: string): {
  destinations: EgressDestination[];
  problems: EgressProblem[];
} {
  const problems: EgressProblem[] = [];
  let items: unknown[];
  const text = raw.trim();
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed)) {
      return {
        destinations: [],
        problems: [
          { message: `${show(raw)} is not a list; write a YAML or JSON list, ${EXAMPLE}` },
        ],
      };
    }
    items = parsed;
  } else {
    items = text.split(/[\s,]+/).filter((s) => s !== "");
  }
  const destinations: EgressDestination[] = [];
  items.forEach((item, index) => {
    const result = egressEntry(item);
    if (typeof result === "string") problems.push({ index, message: result });
    else destinations.push(result);
  });
  return { destinations, problems };
}

/** One entry, or the message of what is wrong with it. */
function egressEntry(item: unknown): EgressDestination | string {
  if (typeof item === "string") {
    const cidr = canonicalCidr(item);
    if (typeof cidr === "string") return { kind: "cidr", cidr };
    if (cidr.problem !== NOT_AN_ADDRESS) return `${show(item)} ${cidr.problem}`;
    return `${show(item)} ${NOT_AN_ADDRESS}; a string entry is an address range such as 10.20.0.0/16 or an IP such as 192.0.2.7; a namespace is written {"namespace": "<name>"}`;
  }
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    return `expected a CIDR or a mapping with cidr, namespace or namespaceSelector, got ${show(item)}; ${EXAMPLE}`;
  }
  const obj = item as Record<string, unknown>;
  const keys = Object.keys(obj);
  const kinds = keys.filter((k) => ["cidr", "namespace", "namespaceSelector"].includes(k));
  if (kinds.length !== 1) {
    return `needs exactly one of cidr, namespace or namespaceSelector, got ${kinds.length === 0 ? "none" : kinds.join(" and ")}; ${EXAMPLE}`;
  }
  const allowed = kinds[0] === "cidr" ? ["cidr", "except"] : [kinds[0]];
  const unknown = keys.filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    return `unknown field ${show(unknown[0])} next to ${kinds[0]}; allowed here: ${allowed.join(", ")}`;
  }
  if (kinds[0] === "namespace") {
    const name = obj.namespace;
    return typeof name === "string" && DNS_LABEL.test(name) && name.length <= 63
      ? { kind: "namespace", name }
      : `namespace ${show(name)} is not a namespace name: use ${DNS_LABEL_HELP}`;
  }
  if (kinds[0] === "namespaceSelector") return namespaceSelector(obj.namespaceSelector);
  return cidrBlock(obj.cidr, obj.except);
}

function namespaceSelector(value: unknown): EgressDestination | string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return `namespaceSelector must be a mapping of labels to values, e.g. {"team": "data"}; got ${show(value)}`;
  }
  const labels = value as Record<string, unknown>;
  if (Object.keys(labels).length === 0) {
    return 'namespaceSelector {} would match every namespace; name the labels, e.g. {"team": "data"}, or allow 0.0.0.0/0 on purpose';
  }
  for (const [key, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key) || key.split("/").pop()!.length > 63) {
      return `namespaceSelector: ${show(key)} is not a label key: use [prefix/]name, the name of letters, digits, '-', '_' and '.' (at most 63), e.g. team or acme.dev/team`;
    }
    if (typeof v !== "string" || !LABEL_VALUE.test(v) || v.length > 63) {
      return `namespaceSelector: the value of ${key}, ${show(v)}, is not a label value: use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
    }
  }
  return { kind: "namespaces", labels: labels as Record<string, string> };
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function cidrBlock(cidr: unknown, except: unknown): EgressDestination | string {
  if (typeof cidr !== "string")
    return `cidr must be a string such as 10.20.0.0/16, got ${show(cidr)}`;
  const base = canonicalCidr(cidr);
  if (typeof base !== "string") return `cidr ${show(cidr)} ${base.problem}`;
  if (except === undefined) return { kind: "cidr", cidr: base };
  if (!Array.isArray(except) || except.length === 0) {
    return `except must be a non-empty list of address ranges inside ${base}, got ${show(except)}`;
  }
  const holes: string[] = [];
  for (const e of except) {
    const hole = typeof e === "string" ? canonicalCidr(e) : { problem: "is not a string" };
    if (typeof hole !== "string") return `except: ${show(e)} ${hole.problem}`;
    if (!strictlyInside(hole, base)) {
      return `except: ${hole} is not strictly inside ${base}; list only ranges within the cidr`;
    }
    holes.push(hole);
  }
  return { kind: "cidr", cidr: base, except: holes };
}

/** An IP address (IPv4 in its four-part dotted form, IPv6 without an embedded IPv4 or zone). */
function parseIp(address: string): Addr | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address);
  if (ipaddr.IPv6.isValid(address) && !/[.%]/.test(address)) return ipaddr.IPv6.parse(address);
  return undefined;
}

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
const bitsOf = (a: Addr) => (a.kind() === "ipv4" ? 32 : 128);
/** The canonical text (RFC 5952 for IPv6: the longest run of zero groups becomes "::"). */
const formatIp = (a: Addr) => (a instanceof ipaddr.IPv6 ? a.toRFC5952String() : a.toString());

const NOT_AN_ADDRESS = "is not an IP address or address range";

/**
 * `a.b.c.d/n` (or an IPv6 range) in canonical form; a bare IP becomes a one-address range (/32,
 * /128). A range with host bits set is refused with the range it probably means.
 */
export function canonicalCidr(text: string): string | { problem: string } {
  const [address, prefix, ...more] = text.split("/");
  const ip = parseIp(address);
  if (!ip || more.length > 0) return { problem: NOT_AN_ADDRESS };
  const bits = bitsOf(ip);
  if (prefix === undefined) return `${formatIp(ip)}/${bits}`;
  const n = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(n >= 0 && n <= bits)) {
    return { problem: `has prefix length ${show(prefix)}; use 0 to ${bits}` };
  }
  const network = (ip instanceof ipaddr.IPv6 ? ipaddr.IPv6 : ipaddr.IPv4).networkAddressFromCIDR(
    `${formatIp(ip)}/${n}`,
  );
  const canonical = `${formatIp(network)}/${n}`;
  if (formatIp(network) !== formatIp(ip))
    return { problem: `has host bits set: the range is ${canonical}` };
  return canonical;
}

function strictlyInside(inner: string, outer: string): boolean {
  const [i, ip] = ipaddr.parseCIDR(inner);
  const [o, op] = ipaddr.parseCIDR(outer);
  return i.kind() === o.kind() && ip > op && i.match(o, op);
}

/** Host of `host:port`, of `[v6]:port`, or of a URL. */
function hostOf(endpoint: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    try {
      return new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return endpoint;
    }
  }
  const v6 = /^\[([^\]]+)\](:\d+)?$/.exec(endpoint);
  if (v6) return v6[1];
  return endpoint.replace(/:\d+$/, "");
}

/**
 * Where a host lives, as an egress destination: a Service's DNS name `<svc>.<ns>.svc[.<domain>]`
 * is its namespace; an IP is that one address. Any other name (outside the cluster) has no
 * address this program can know: undefined.
 */
export function hostDestination(host: string): EgressDestination | undefined {
  const ip = parseIp(host);
  if (ip) return { kind: "cidr", cidr: `${formatIp(ip)}/${bitsOf(ip)}` };
  // `<service>.<namespace>.svc…`, or a pod of a headless Service: `<pod>.<service>.<namespace>.svc…`.
  const svc =
    /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.|$)/.exec(
      host.toLowerCase(),
    );
  return svc ? { kind: "namespace", name: svc[2] } : undefined;
}

/** Endpoints of the shared appliances a sandbox uses, as their `localkube:shared.*` keys hold them. */
export interface SharedEndpoints {
  /** Host of `shared.postgres` (the URL itself is a secret; its host is not). */
  readonly postgres?: string;
  /** `shared.kafka`: bootstrap servers `host:port[,host:port…]`. */
  readonly kafka?: string;
  /** `shared.schemaRegistry`: a URL. */
  readonly schemaRegistry?: string;
}

/**
 * Egress destinations of the shared appliances in `used`, and the hosts that are neither a
 * Service DNS name nor an IP (they need an `egress.allow` entry of their own).
 */
export function sharedApplianceEgress(
  shared: SharedEndpoints,
  used: ReadonlySet<string>,
): { destinations: EgressDestination[]; unresolved: { key: string; host: string }[] } {
  const hosts: { key: string; host: string }[] = [];
  if (shared.postgres && used.has("postgres"))
    hosts.push({ key: "shared.postgres", host: hostOf(shared.postgres) });
  if (shared.kafka && used.has("kafka"))
    for (const server of shared.kafka.split(","))
      hosts.push({ key: "shared.kafka", host: hostOf(server.trim()) });
  if (shared.schemaRegistry && used.has("schema-registry"))
    hosts.push({ key: "shared.schemaRegistry", host: hostOf(shared.schemaRegistry) });
  const destinations: EgressDestination[] = [];
  const unresolved: { key: string; host: string }[] = [];
  for (const h of hosts) {
    const d = hostDestination(h.host);
    if (d) destinations.push(d);
    else unresolved.push(h);
  }
  return { destinations, unresolved };
}

/** The NetworkPolicy peer of a destination. */
function peer(d: EgressDestination) {
  switch (d.kind) {
    case "cidr":
      return { ipBlock: { cidr: d.cidr, ...(d.except ? { except: [...d.except] } : {}) } };
    case "namespace":
      return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: d.name } } };
    case "namespaces":
      return { namespaceSelector: { matchLabels: { ...d.labels } } };
  }
}

/**
 * Spec of the sandbox's egress NetworkPolicy: every pod of the namespace may connect to the
 * namespace itself, to cluster DNS (UDP and TCP 53), and to the ingress controller's namespace and
 * `destinations` (shared appliances, then `localkube:egress.allow`), each peer once; nothing else
 * — not other tenants, not the Kubernetes API, not the internet.
 */
export function egressPolicySpec(
  ingressNamespace: string,
  destinations: readonly EgressDestination[],
) {
  const peers = [{ kind: "namespace", name: ingressNamespace } as const, ...destinations].map(peer);
  const unique = peers.filter(
    (p, i) => peers.findIndex((q) => JSON.stringify(q) === JSON.stringify(p)) === i,
  );
  return {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      { to: [{ podSelector: {} }] },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: CLUSTER_DNS.namespace } },
            podSelector: { matchLabels: { ...CLUSTER_DNS.podLabels } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      { to: unique },
    ],
  };
}
