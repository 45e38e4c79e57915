import * as pulumi from "@pulumi/pulumi";
import { epochSeconds } from "../branch/ttl";
import { fakeConfig } from "./mocks";
import { parseDuration } from "../catalog/durations";
import { ConfigError } from "../config/errors";
import { readBranchSettings } from "../config/branchSettings";
import { readLocalSettings } from "../config/localSettings";
import { parseNameList } from "../config/nameList";
import { ConfigReader } from "../config/reader";
import { layeredSource, readDefaultsFile } from "../config/source";

const STACK_FILE = "Pulumi.local.yaml";

/** In-memory stack config, as `pulumi config set localkube:<key>` would hold it. */
const source = (values: Record<string, string>) => fakeConfig(values, {}, STACK_FILE);

/** The error readLocalSettings + done() throw for these values, or undefined. */
function localProblems(values: Record<string, string>): string | undefined {
  const r = new ConfigReader(source(values));
  readLocalSettings(r);
  try {
    r.done();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe("ConfigReader: a value out of a fixed set", () => {
  test("the fix sets the closest allowed value", () => {
    expect(localProblems({ "ingress.controller": "treafik" })).toBe(
      'invalid configuration: Pulumi.local.yaml: `localkube:ingress.controller`: "treafik" is not allowed (did you mean "traefik"?); use one of: ingress-nginx, traefik, none; fix: pulumi config set localkube:ingress.controller traefik',
    );
  });

  test("with no close value, the choices are listed and no fix picks one", () => {
    expect(localProblems({ "ingress.controller": "envoy-gateway-xyz" })).toBe(
      'invalid configuration: Pulumi.local.yaml: `localkube:ingress.controller`: "envoy-gateway-xyz" is not allowed; use one of: ingress-nginx, traefik, none',
    );
  });
});

describe("ConfigReader: unknown keys", () => {
  test("a misspelt key is reported with the closest known key and the command that removes it", () => {
    expect(localProblems({ "ingres.domain": "dev.localhost" })).toBe(
      'invalid configuration: Pulumi.local.yaml: `localkube:ingres.domain`: unknown key for a local stack (did you mean "ingress.domain"?); ' +
        "remove it (`pulumi config rm localkube:ingres.domain`) or correct its name",
    );
  });

  test("a key of the other stack kind is unknown here", () => {
    expect(localProblems({ ttl: "3d" })).toBe(
      'invalid configuration: Pulumi.local.yaml: `localkube:ttl`: unknown key for a local stack; the README\'s "Configuration" section lists the keys of a local stack; remove it (`pulumi config rm localkube:ttl`) or correct its name',
    );
  });

  test("keys are read whatever their values: setting every key read on an empty config reports none as unknown", () => {
    const r = new ConfigReader(source({}));
    readLocalSettings(r);
    const every = Object.fromEntries(
      [...(r as unknown as { known: Set<string> }).known].map((k) => [
        k,
        k === "services" || k === "local" ? "price" : "x",
      ]),
    );
    const message = localProblems(every) ?? "";
    expect(message).not.toContain("unknown key");
  });
});

describe("readLocalSettings: every problem at once", () => {
  test("an unsupported Kubernetes version, a bad port and a misspelt key in one error, each with its fix", () => {
    expect(
      localProblems({ kubernetesVersion: "1.20", "registry.port": "80", "cluster.workrs": "1" }),
    ).toBe(
      [
        "invalid configuration (3 problems):",
        "  - Pulumi.local.yaml: `localkube:kubernetesVersion`: Kubernetes 1.20 has no pinned kind node image; pinned: 1.34 (1.34.11), 1.35 (1.35.8), 1.36 (1.36.4), 1.37 (1.37.0); choose one of those, or set localkube:cluster.nodeImage to an image of your own; fix: pulumi config set localkube:kubernetesVersion 1.37",
        "  - Pulumi.local.yaml: `localkube:registry.port`: port 80 is also used by localkube:cluster.httpPort; each needs its own port; fix: pulumi config set localkube:registry.port 8080",
        '  - Pulumi.local.yaml: `localkube:cluster.workrs`: unknown key for a local stack (did you mean "cluster.workers"?); remove it (`pulumi config rm localkube:cluster.workrs`) or correct its name',
      ].join("\n"),
    );
  });

  test("a patch version that is not the pinned one", () => {
    expect(localProblems({ kubernetesVersion: "1.36.3" })).toBe(
      "invalid configuration: Pulumi.local.yaml: `localkube:kubernetesVersion`: Kubernetes 1.36.3 is not pinned; 1.36 is pinned at 1.36.4; choose one of those, or set localkube:cluster.nodeImage to an image of your own; fix: pulumi config set localkube:kubernetesVersion 1.37",
    );
  });

  test("an image of your own makes any version acceptable, and is used as is", () => {
    const r = new ConfigReader(
      source({ kubernetesVersion: "1.20", "cluster.nodeImage": "mirror.acme.dev/kind-node:1.20" }),
    );
    const s = readLocalSettings(r);
    r.done();
    expect(s.cluster).toEqual({
      name: "localkube",
      kubernetesVersion: "1.20",
      nodeImage: "mirror.acme.dev/kind-node:1.20",
      pinnedImage: false,
      containerdConfigPath: false,
      workers: 0,
      httpPort: 80,
      httpsPort: 443,
    });
  });

  test("defaults: the newest pinned version, ports 80/443/5001, ingress-nginx on localhost", () => {
    const r = new ConfigReader(source({}));
    const s = readLocalSettings(r);
    r.done();
    expect(s.cluster.kubernetesVersion).toBe("1.37");
    expect(s.cluster.nodeImage).toBe(
      "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    );
    expect(s.registry).toEqual({ name: "localkube-registry", port: 5001, image: undefined });
    expect(s.ingress.controller).toBe("ingress-nginx");
    expect(s.ingress.domain).toBe("localhost");
  });
});

describe("localkube:readyTimeout", () => {
  const read = (values: Record<string, string>) => {
    const r = new ConfigReader(source(values));
    const s = readLocalSettings(r);
    r.done();
    return s.readyTimeoutSeconds;
  };

  test("defaults: 120 s on the local stack, 600 s on branch stacks (nodes may have to be added)", () => {
    expect(read({})).toBe(120);
    const r = new ConfigReader(source({}));
    expect(readBranchSettings(r, "branch-foo").readyTimeoutSeconds).toBe(600);
  });

  test.each([
    ["45s", 45],
    ["10m", 600],
    ["2h", 7200],
  ])("%j is %d seconds", (text, seconds) => {
    expect(read({ readyTimeout: text })).toBe(seconds);
  });

  test.each([["2 minutes"], ["5s"], ["1d"], ["90"]])("%j is refused with the fix", (text) => {
    expect(localProblems({ readyTimeout: text })).toBe(
      `invalid configuration: Pulumi.local.yaml: \`localkube:readyTimeout\`: ${JSON.stringify(text)} is not a duration from 10s to 6h: use a whole number with s, m or h, e.g. 120s or 10m; fix: pulumi config set localkube:readyTimeout 120s`,
    );
  });
});

describe("parseDuration", () => {
  test.each([
    ["30s", 30_000],
    ["90m", 5_400_000],
    ["72h", 259_200_000],
    ["3d", 259_200_000],
    ["1w", 604_800_000],
    [" 2h ", 7_200_000],
  ])("%j is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([["0h"], ["h"], ["3"], ["1.5h"], ["-1d"], ["2 h"], ["3y"], [""]])(
    "%j is not a TTL",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  test("epochSeconds: whole Unix seconds, rounded down", () => {
    expect(epochSeconds(new Date(Date.UTC(2026, 10, 24, 12, 0, 0, 999)))).toBe("1795521600");
  });
});

describe("readDefaultsFile (Pulumi.branch.yaml)", () => {
  test("localkube keys without the namespace; lists and maps as JSON", () => {
    expect(
      readDefaultsFile(
        "Pulumi.branch.yaml",
        "config:\n  localkube:ttl: 3d\n  localkube:services: [bank, web]\n  localkube:quota.pods: 12\n",
      ),
    ).toEqual({
      ttl: "3d",
      services: '["bank","web"]',
      "quota.pods": "12",
    });
  });

  test("no file content or no config section is no defaults", () => {
    expect(readDefaultsFile("Pulumi.branch.yaml", "")).toEqual({});
    expect(readDefaultsFile("Pulumi.branch.yaml", "# only comments\n")).toEqual({});
  });

  test("every problem at once: keys of other namespaces and encrypted values", () => {
    expect(() =>
      readDefaultsFile(
        "Pulumi.branch.yaml",
        "config:\n  aws:region: eu-west-1\n  localkube:registry.password:\n    secure: AAAB\n",
      ),
    ).toThrow(
      "invalid defaults file (2 problems):\n" +
        "  - Pulumi.branch.yaml: `config.aws:region`: only localkube:* keys are read from this file; move it to the stack file\n" +
        "  - Pulumi.branch.yaml: `config.localkube:registry.password`: encrypted values cannot be shared defaults (each stack has its own key); set it per stack with `pulumi config set --secret localkube:registry.password …`",
    );
  });

  test("YAML that does not parse, and a config that is not a mapping", () => {
    expect(() => readDefaultsFile("Pulumi.branch.yaml", "config: [a\n")).toThrow(
      /^invalid defaults file: Pulumi\.branch\.yaml: not valid YAML: /,
    );
    expect(() => readDefaultsFile("Pulumi.branch.yaml", "config: [a, b]\n")).toThrow(
      'invalid defaults file: Pulumi.branch.yaml: `config`: expected a mapping of keys to values, got ["a","b"]',
    );
  });
});

describe("layeredSource", () => {
  test("the stack's own value wins, defaults fill the rest, each value names its file, keys are the union", () => {
    const layered = layeredSource(
      source({ ttl: "3d" }),
      { ttl: "72h", "quota.pods": "12" },
      "Pulumi.branch.yaml",
    );
    expect(layered.get("ttl")).toEqual({ value: "3d", file: STACK_FILE });
    expect(layered.get("quota.pods")).toEqual({ value: "12", file: "Pulumi.branch.yaml" });
    expect(layered.get("owner")).toBeUndefined();
    expect(layered.keys().sort()).toEqual(["quota.pods", "ttl"]);
  });
});

describe("parseNameList", () => {
  const SRC = { file: "Pulumi.local.yaml", key: "localkube:services" };

  test.each([
    ["appliances,bank", ["appliances", "bank"]],
    ["appliances bank", ["appliances", "bank"]],
    [" appliances ,  bank\tweb ", ["appliances", "bank", "web"]],
    ['["appliances", "bank"]', ["appliances", "bank"]],
    ["bank,bank,web", ["bank", "web"]],
  ])("%j", (raw, expected) => {
    expect(parseNameList(raw, SRC)).toEqual(expected);
  });

  test("a YAML list as is, items trimmed", () => {
    expect(parseNameList(["bank", " web "], SRC)).toEqual(["bank", "web"]);
  });

  test.each([[undefined], [null], [""], ["  "], [" , "], ["[]"], [[]]])(
    "%j is no selection",
    (raw) => {
      expect(parseNameList(raw, SRC)).toBeUndefined();
    },
  );

  test("a JSON list that does not parse", () => {
    expect(() => parseNameList("[bank", SRC)).toThrow(
      'invalid configuration: Pulumi.local.yaml: `localkube:services`: "[bank" is not a list; write names separated by commas, e.g. appliances,bank',
    );
  });

  test("neither a list nor a string", () => {
    expect(() => parseNameList(5, SRC)).toThrow(
      "invalid configuration: Pulumi.local.yaml: `localkube:services`: expected a list of names or a comma separated string, got 5",
    );
  });

  test("an item that is not a name", () => {
    expect(() => parseNameList('["bank", 3]', SRC)).toThrow(
      "invalid configuration: Pulumi.local.yaml: `localkube:services[1]`: expected a service name, got 3",
    );
    expect(() => parseNameList(["bank", ""], SRC)).toThrow(
      'invalid configuration: Pulumi.local.yaml: `localkube:services[1]`: expected a service name, got ""',
    );
  });
});

test("pulumiConfigSource: isSecret is true only for keys the engine handed over as secrets", async () => {
  const { pulumiConfigSource } = await import("../config/source");
  pulumi.runtime.setAllConfig({ "localkube:secrets.a": "x", "localkube:secrets.b": "y" }, [
    "localkube:secrets.a",
  ]);
  try {
    const src = pulumiConfigSource("local");
    expect([src.isSecret("secrets.a"), src.isSecret("secrets.b"), src.isSecret("unset")]).toEqual([
      true,
      false,
      false,
    ]);
  } finally {
    pulumi.runtime.setAllConfig({}, []);
  }
});
