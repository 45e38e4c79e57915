import {
  canonicalCidr,
  egressPolicySpec,
  hostDestination,
  parseEgressAllow,
  sharedApplianceEgress,
} from "../branch/egress";

const NOT_ADDRESS =
  'is not an IP address or address range; a string entry is an address range such as 10.20.0.0/16 or an IP such as 192.0.2.7; a namespace is written {"namespace": "<name>"}';
const EXAMPLE =
  'e.g. \'["10.20.0.0/16", {"namespace": "monitoring"}, {"namespaceSelector": {"team": "data"}}]\'';

describe("parseEgressAllow", () => {
  test("a YAML/JSON list of every kind of entry", () => {
    expect(
      parseEgressAllow(
        JSON.stringify([
          "10.20.0.0/16",
          "192.0.2.7",
          "2001:db8::/32",
          { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12"] },
          { namespace: "monitoring" },
          { namespaceSelector: { team: "data", "acme.dev/tier": "db" } },
        ]),
      ),
    ).toEqual({
      destinations: [
        { kind: "cidr", cidr: "10.20.0.0/16" },
        { kind: "cidr", cidr: "192.0.2.7/32" },
        { kind: "cidr", cidr: "2001:db8::/32" },
        { kind: "cidr", cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12"] },
        { kind: "namespace", name: "monitoring" },
        { kind: "namespaces", labels: { team: "data", "acme.dev/tier": "db" } },
      ],
      problems: [],
    });
  });

  test("CIDRs separated by commas or spaces, as `-c localkube:egress.allow=…` gives them", () => {
    expect(parseEgressAllow(" 10.1.0.0/16, 10.2.0.0/16  192.0.2.1 ").destinations).toEqual([
      { kind: "cidr", cidr: "10.1.0.0/16" },
      { kind: "cidr", cidr: "10.2.0.0/16" },
      { kind: "cidr", cidr: "192.0.2.1/32" },
    ]);
    expect(parseEgressAllow("")).toEqual({ destinations: [], problems: [] });
  });

  test("a list that does not parse is one problem for the whole value", () => {
    expect(parseEgressAllow("[10.0.0.0/8")).toEqual({
      destinations: [],
      problems: [{ message: `"[10.0.0.0/8" is not a list; write a YAML or JSON list, ${EXAMPLE}` }],
    });
  });

  const bad: [string, unknown, string][] = [
    ["not an address", "monitoring", `"monitoring" ${NOT_ADDRESS}`],
    ["host bits set", "10.1.2.3/8", '"10.1.2.3/8" has host bits set: the range is 10.0.0.0/8'],
    ["a prefix too long", "10.0.0.0/33", '"10.0.0.0/33" has prefix length "33"; use 0 to 32'],
    ["an IPv6 prefix too long", "::1/129", '"::1/129" has prefix length "129"; use 0 to 128'],
    ["an octet too big", "10.0.0.256", `"10.0.0.256" ${NOT_ADDRESS}`],
    [
      "neither a string nor a mapping",
      42,
      `expected a CIDR or a mapping with cidr, namespace or namespaceSelector, got 42; ${EXAMPLE}`,
    ],
    [
      "two kinds in one entry",
      { cidr: "10.0.0.0/8", namespace: "x" },
      `needs exactly one of cidr, namespace or namespaceSelector, got cidr and namespace; ${EXAMPLE}`,
    ],
    [
      "no kind",
      { name: "x" },
      `needs exactly one of cidr, namespace or namespaceSelector, got none; ${EXAMPLE}`,
    ],
    [
      "an unknown field",
      { namespace: "x", ports: [443] },
      'unknown field "ports" next to namespace; allowed here: namespace',
    ],
    [
      "a namespace that is not a name",
      { namespace: "Team_A" },
      `namespace "Team_A" is not a namespace name: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
    ],
    [
      "an empty selector",
      { namespaceSelector: {} },
      'namespaceSelector {} would match every namespace; name the labels, e.g. {"team": "data"}, or allow 0.0.0.0/0 on purpose',
    ],
    [
      "a selector that is not a mapping",
      { namespaceSelector: "team=data" },
      'namespaceSelector must be a mapping of labels to values, e.g. {"team": "data"}; got "team=data"',
    ],
    [
      "a bad label key",
      { namespaceSelector: { "team name": "data" } },
      `namespaceSelector: "team name" is not a label key: use [prefix/]name, the name of letters, digits, '-', '_' and '.' (at most 63), e.g. team or acme.dev/team`,
    ],
    [
      "a bad label value",
      { namespaceSelector: { team: "data!" } },
      `namespaceSelector: the value of team, "data!", is not a label value: use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    ],
    [
      "a cidr that is not a string",
      { cidr: 10 },
      "cidr must be a string such as 10.20.0.0/16, got 10",
    ],
    [
      "a bad cidr",
      { cidr: "10.0.0.0/40" },
      'cidr "10.0.0.0/40" has prefix length "40"; use 0 to 32',
    ],
    [
      "an empty except",
      { cidr: "10.0.0.0/8", except: [] },
      "except must be a non-empty list of address ranges inside 10.0.0.0/8, got []",
    ],
    [
      "a hole outside the range",
      { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] },
      "except: 192.168.0.0/16 is not strictly inside 10.0.0.0/8; list only ranges within the cidr",
    ],
    [
      "a hole as big as the range",
      { cidr: "10.0.0.0/8", except: ["10.0.0.0/8"] },
      "except: 10.0.0.0/8 is not strictly inside 10.0.0.0/8; list only ranges within the cidr",
    ],
    [
      "a hole that is not an address",
      { cidr: "10.0.0.0/8", except: ["x"] },
      'except: "x" is not an IP address or address range',
    ],
  ];
  test.each(bad)("%s: one problem at its index, the good entries kept", (_, entry, message) => {
    expect(parseEgressAllow(JSON.stringify(["10.9.0.0/16", entry]))).toEqual({
      destinations: [{ kind: "cidr", cidr: "10.9.0.0/16" }],
      problems: [{ index: 1, message }],
    });
  });
});

describe("canonicalCidr", () => {
  test("IPv4 and IPv6, bare addresses as one-address ranges, IPv6 in its shortest form", () => {
    expect(canonicalCidr("192.0.2.7")).toBe("192.0.2.7/32");
    expect(canonicalCidr("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect(canonicalCidr("2001:DB8:0:0:0:0:0:0/32")).toBe("2001:db8::/32");
    expect(canonicalCidr("fd00::1")).toBe("fd00::1/128");
    expect(canonicalCidr("2001:db8::1:0:0:1/128")).toBe("2001:db8::1:0:0:1/128");
    expect(canonicalCidr("2001:db9::/31")).toEqual({
      problem: "has host bits set: the range is 2001:db8::/31",
    });
  });
});

describe("hostDestination: where a configured host lives", () => {
  test.each([
    ["pg.shared.svc", { kind: "namespace", name: "shared" }],
    ["pg.shared.svc.cluster.local", { kind: "namespace", name: "shared" }],
    ["kafka-0.kafka.streaming.svc.cluster.local", { kind: "namespace", name: "streaming" }],
    ["PG.Shared.SVC", { kind: "namespace", name: "shared" }],
    ["10.20.30.40", { kind: "cidr", cidr: "10.20.30.40/32" }],
    ["fd00::5", { kind: "cidr", cidr: "fd00::5/128" }],
    ["db.acme.internal", undefined],
    ["postgres", undefined],
    ["svc.cluster.local", undefined],
  ])("%s", (host, destination) => {
    expect(hostDestination(host)).toEqual(destination);
  });
});

describe("sharedApplianceEgress", () => {
  const shared = {
    postgres: "10.20.30.40",
    kafka: "kafka-0.kafka.streaming.svc:9092,[fd00::9]:9092,broker.acme.internal:9092",
    schemaRegistry: "https://schema-registry.shared-data.svc:8443/apis/ccompat/v7",
  };

  test("each host of the appliances in use: a namespace, an address, or unresolved with its key", () => {
    expect(
      sharedApplianceEgress(shared, new Set(["postgres", "kafka", "schema-registry"])),
    ).toEqual({
      destinations: [
        { kind: "cidr", cidr: "10.20.30.40/32" },
        { kind: "namespace", name: "streaming" },
        { kind: "cidr", cidr: "fd00::9/128" },
        { kind: "namespace", name: "shared-data" },
      ],
      unresolved: [{ key: "shared.kafka", host: "broker.acme.internal" }],
    });
  });

  test("appliances not in use open nothing", () => {
    expect(sharedApplianceEgress(shared, new Set(["postgres"]))).toEqual({
      destinations: [{ kind: "cidr", cidr: "10.20.30.40/32" }],
      unresolved: [],
    });
    expect(sharedApplianceEgress({}, new Set(["postgres", "kafka"]))).toEqual({
      destinations: [],
      unresolved: [],
    });
  });
});

describe("egressPolicySpec", () => {
  test("own namespace, DNS on UDP and TCP 53, then the ingress controller's namespace and every destination once", () => {
    expect(
      egressPolicySpec("traefik", [
        { kind: "namespace", name: "shared" },
        { kind: "namespace", name: "traefik" },
        { kind: "cidr", cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] },
        { kind: "namespace", name: "shared" },
        { kind: "namespaces", labels: { team: "data" } },
      ]),
    ).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ podSelector: {} }] },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
        {
          to: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shared" } } },
            { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } },
            { namespaceSelector: { matchLabels: { team: "data" } } },
          ],
        },
      ],
    });
  });
});
