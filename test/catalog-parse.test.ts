import { splitImageRef } from "../catalog/imageRef";
import * as fs from "fs";
import * as path from "path";
import { parseServiceFile } from "../catalog/parseService";
import { DEFAULT_POLICY, parseSettingsFile } from "../catalog/parseSettings";
import { formatInputProblem } from "../catalog/problems";
import { buildCatalog } from "../catalog/validate";
import { formatPath, YamlFile } from "../catalog/yamlFile";
import { tempCatalogs } from "./tempCatalog";

const DNS_HELP =
  "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
const SERVICE_FIELDS =
  "args, autoscale, build, chart, command, concurrencyPolicy, dependsOn, description, disruptionBudget, env, files, image, ingress, lifecycle, manifests, name, ports, probes, replicas, resources, schedule, securityContext, serviceAccount, strategy, suspend, terminationGracePeriodSeconds, topologySpread, workload";
/** One port on line 1; fixtures append the line under test. */
const PORTS = "ports: [{name: http, containerPort: 8080}]\n";

const catalogDir = tempCatalogs("lk-parse-");

/** Parses `services/<file>` from a temporary catalog, as the loader reads it. */
function parseFile(file: string, text: string, extra: Record<string, string> = {}) {
  const dir = catalogDir({ [file]: text, ...extra });
  return {
    dir,
    ...parseServiceFile(`services/${file}`, fs.readFileSync(path.join(dir, file), "utf8"), dir),
  };
}

/** Every problem of one service file, as printed. */
function problemsOf(text: string, file = "a.yaml"): string[] {
  return parseFile(file, text).problems.map(formatInputProblem);
}

/** Every problem of `services/_catalog.yaml`, as printed. */
function settingsProblems(text: string): string[] {
  const dir = catalogDir({ "_catalog.yaml": text });
  return parseSettingsFile(
    "services/_catalog.yaml",
    fs.readFileSync(path.join(dir, "_catalog.yaml"), "utf8"),
  ).problems.map(formatInputProblem);
}

describe("parseServiceFile: a valid file", () => {
  test("yields the exact spec, with every default filled in", () => {
    const { spec, problems, dir } = parseFile(
      "bank.yaml",
      [
        "description: Accounts",
        "image: localhost:5001/bank",
        "build: {context: src, args: {VERSION: 2}}",
        "ports:",
        "  - {name: http, containerPort: 8080}",
        "  - {name: dns, containerPort: 53, servicePort: 5353, protocol: UDP}",
        "env: {PORT: 8080, DEBUG: true, NAME: bank, DB: {from: postgres, key: DATABASE_URL}}",
        "resources: {requests: {cpu: 0.5, memory: 134217728}, limits: {cpu: 500m, memory: 128Mi}}",
        "probes:",
        "  readiness: {httpGet: {port: http}, periodSeconds: 2}",
        "  liveness: {tcpSocket: {port: 8080}}",
        "  startup: {exec: {command: [cat, /tmp/ready]}, failureThreshold: 30, initialDelaySeconds: 0}",
        "ingress: {host: bank}",
        "dependsOn: [postgres]",
        "",
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(spec).toEqual({
      name: "bank",
      file: "services/bank.yaml",
      description: "Accounts",
      image: { repository: "localhost:5001/bank", tag: undefined },
      build: {
        context: path.join(dir, "src"),
        dockerfile: path.join(dir, "src", "Dockerfile"),
        args: { VERSION: "2" },
        target: undefined,
      },
      ports: [
        { name: "http", containerPort: 8080, servicePort: 8080, protocol: "TCP" },
        { name: "dns", containerPort: 53, servicePort: 5353, protocol: "UDP" },
      ],
      env: {
        PORT: { kind: "literal", value: "8080" },
        DEBUG: { kind: "literal", value: "true" },
        NAME: { kind: "literal", value: "bank" },
        DB: { kind: "ref", from: "postgres", key: "DATABASE_URL" },
      },
      replicas: 1,
      resources: {
        requests: { cpu: "0.5", memory: "134217728" },
        limits: { cpu: "500m", memory: "128Mi" },
      },
      probes: {
        readiness: { handler: { kind: "httpGet", path: "/", port: "http" }, periodSeconds: 2 },
        liveness: { handler: { kind: "tcpSocket", port: 8080 } },
        startup: {
          handler: { kind: "exec", command: ["cat", "/tmp/ready"] },
          failureThreshold: 30,
          initialDelaySeconds: 0,
        },
      },
      ingress: { host: "bank", path: "/", port: "http" },
      dependsOn: ["postgres"],
    });
  });

  test("image shorthand splits the tag after the last '/'; a Dockerfile path is relative to the context", () => {
    const { spec, dir } = parseFile(
      "web.yaml",
      "image: ghcr.io/acme/web:1.2-rc\nbuild: {context: ., dockerfile: docker/Dockerfile.dev, target: prod}\n",
    );
    expect(spec?.image).toEqual({ repository: "ghcr.io/acme/web", tag: "1.2-rc" });
    expect(spec?.build).toEqual({
      context: dir,
      dockerfile: path.join(dir, "docker", "Dockerfile.dev"),
      args: {},
      target: "prod",
    });
  });

  test("the same containerPort over two protocols is not a duplicate", () => {
    expect(
      problemsOf(
        "ports: [{name: dns, containerPort: 53}, {name: dns-udp, containerPort: 53, protocol: UDP}]\n",
      ),
    ).toEqual([]);
  });

  test("a request equal to its limit in other units is allowed", () => {
    expect(
      problemsOf(
        "resources: {requests: {cpu: 0.5, memory: 1Gi}, limits: {cpu: 500m, memory: 1024Mi}}\n",
      ),
    ).toEqual([]);
  });
});

describe("parseServiceFile: YAML and file level", () => {
  test("invalid YAML names the line of the error", () => {
    expect(problemsOf("ports: []\nreplicas: 1\nreplicas: 2\n")).toEqual([
      "services/a.yaml:3: not valid YAML: Map keys must be unique; fix the syntax at that line",
    ]);
  });

  test("an unterminated flow list is located", () => {
    expect(problemsOf("replicas: 1\nports: [\n")).toEqual([
      "services/a.yaml:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]; fix the syntax at that line",
    ]);
  });

  test("an empty file", () => {
    expect(problemsOf("# nothing here yet\n")).toEqual([
      "services/a.yaml: the file is empty; describe the service (e.g. image, ports) or delete the file",
    ]);
  });

  test("a document that is not a mapping", () => {
    expect(problemsOf("- bank\n")).toEqual(['services/a.yaml:1: expected a mapping, got ["bank"]']);
  });
});

describe("parseServiceFile: unknown fields", () => {
  test("a misspelt field suggests the closest allowed one", () => {
    expect(problemsOf(PORTS + "replicaz: 2\n")).toEqual([
      `services/a.yaml:2: \`replicaz\`: unknown field (did you mean "replicas"?); allowed here: ${SERVICE_FIELDS}`,
    ]);
  });

  test("a field unlike any allowed one lists them without a guess", () => {
    expect(problemsOf(PORTS + "colour: red\n")).toEqual([
      `services/a.yaml:2: \`colour\`: unknown field; allowed here: ${SERVICE_FIELDS}`,
    ]);
  });

  test("inside a port: the unknown field, then the field it should have been", () => {
    expect(problemsOf("ports:\n  - name: http\n    containerport: 8080\n")).toEqual([
      'services/a.yaml:3: `ports[0].containerport`: unknown field (did you mean "containerPort"?); allowed here: containerPort, forward, name, protocol, servicePort',
      "services/a.yaml:2: `ports[0].containerPort`: expected a whole number from 1 to 65535, got nothing",
    ]);
  });

  test("an unknown probe kind", () => {
    expect(problemsOf(PORTS + "probes: {readyness: {tcpSocket: {port: http}}}\n")).toEqual([
      'services/a.yaml:2: `probes.readyness`: unknown field (did you mean "readiness"?); allowed here: liveness, readiness, startup',
    ]);
  });

  test("an unknown resources section", () => {
    expect(problemsOf("resources: {request: {cpu: 10m}}\n")).toEqual([
      'services/a.yaml:1: `resources.request`: unknown field (did you mean "requests"?); allowed here: limits, requests',
    ]);
  });
});

describe("parseServiceFile: wrong types", () => {
  test.each([
    ["replicas: two", '`replicas`: expected a whole number from 0 to 100, got "two"'],
    ["replicas: 101", "`replicas`: expected a whole number from 0 to 100, got 101"],
    ["replicas: 1.5", "`replicas`: expected a whole number from 0 to 100, got 1.5"],
    ["ports: http", '`ports`: expected a list, got "http"'],
    ["ports: [8080]", "`ports[0]`: expected a mapping, got 8080"],
    [
      'ports: [{name: http, containerPort: "8080"}]',
      '`ports[0].containerPort`: expected a whole number from 1 to 65535, got "8080"',
    ],
    [
      "ports: [{name: http, containerPort: 0}]",
      "`ports[0].containerPort`: expected a whole number from 1 to 65535, got 0",
    ],
    [
      "ports: [{name: http, containerPort: 8080, protocol: tcp}]",
      '`ports[0].protocol`: "tcp" is not allowed (did you mean "TCP"?); use one of: TCP, UDP, SCTP',
    ],
    ["description: 42", "`description`: expected a non-empty string, got 42"],
    ['description: ""', '`description`: expected a non-empty string, got ""'],
    ["image: 5", "`image`: expected a mapping, got 5"],
    ["image: {repository: [a]}", '`image.repository`: expected a non-empty string, got ["a"]'],
    ["env: [A]", '`env`: expected a mapping, got ["A"]'],
    ["env: {A: [1, 2]}", "`env.A`: expected a string, number or boolean, got [1,2]"],
    ["env: {A: null}", "`env.A`: expected a string, number or boolean, got null"],
    ["dependsOn: bank", '`dependsOn`: expected a list, got "bank"'],
    ["build: context", '`build`: expected a mapping, got "context"'],
    ["probes: {readiness: true}", "`probes.readiness`: expected a mapping, got true"],
  ])("%s", (line, message) => {
    expect(problemsOf(`${line}\n`)).toEqual([`services/a.yaml:1: ${message}`]);
  });
});

describe("parseServiceFile: names", () => {
  test("a file name that is not a DNS-1123 label", () => {
    expect(problemsOf(PORTS, "Bad_Name.yaml")).toEqual([
      `services/Bad_Name.yaml:1: file name "Bad_Name.yaml" is not a valid service name: use ${DNS_HELP}, then ".yaml"`,
    ]);
  });

  test("a file name longer than 63 characters", () => {
    const file = `${"a".repeat(64)}.yaml`;
    expect(problemsOf(PORTS, file)).toEqual([
      `services/${file}:1: file name "${file}" is not a valid service name: use ${DNS_HELP}, then ".yaml"`,
    ]);
  });

  test("a name field that is not a DNS-1123 label", () => {
    expect(problemsOf(PORTS + "name: A\n")).toEqual([
      `services/a.yaml:2: \`name\`: "A" is not allowed: use ${DNS_HELP}`,
    ]);
  });

  test("a name that differs from the file name", () => {
    expect(problemsOf(PORTS + "name: b\n")).toEqual([
      'services/a.yaml:2: `name`: "b" differs from the file name; rename the file to b.yaml or set name: a',
    ]);
  });

  test("a dependency that is not a DNS-1123 label", () => {
    expect(problemsOf("dependsOn: [price, Bank]\n")).toEqual([
      `services/a.yaml:1: \`dependsOn[1]\`: "Bank" is not allowed: use ${DNS_HELP}`,
    ]);
  });

  test("a port name that is not an IANA service name", () => {
    expect(
      problemsOf(
        "ports: [{name: HTTP, containerPort: 8080}, {name: '8443', containerPort: 8443}]\n",
      ),
    ).toEqual([
      "services/a.yaml:1: `ports[0].name`: \"HTTP\" is not allowed: use lowercase letters, digits and '-' with at least one letter, at most 15 characters (e.g. http)",
      "services/a.yaml:1: `ports[1].name`: \"8443\" is not allowed: use lowercase letters, digits and '-' with at least one letter, at most 15 characters (e.g. http)",
    ]);
  });

  test("a service that depends on itself", () => {
    expect(problemsOf("dependsOn: [price, a]\n")).toEqual([
      'services/a.yaml:1: `dependsOn[1]`: a service cannot depend on itself; remove "a"',
    ]);
  });

  test("a dependency listed twice", () => {
    expect(problemsOf("dependsOn:\n  - postgres\n  - postgres\n")).toEqual([
      'services/a.yaml:3: `dependsOn[1]`: "postgres" is listed twice; remove one',
    ]);
  });
});

describe("parseServiceFile: duplicate ports", () => {
  test("a port name used twice, located at the second port", () => {
    expect(
      problemsOf(
        "ports:\n  - name: http\n    containerPort: 8080\n  - name: http\n    containerPort: 8081\n",
      ),
    ).toEqual([
      'services/a.yaml:4: `ports[1].name`: port name "http" is already used by ports[0]; give each port its own name',
    ]);
  });

  test("a containerPort declared twice (its servicePort clash is not repeated)", () => {
    expect(
      problemsOf(
        "ports:\n  - name: http\n    containerPort: 8080\n  - name: admin\n    containerPort: 8080\n",
      ),
    ).toEqual([
      "services/a.yaml:5: `ports[1].containerPort`: TCP port 8080 is already declared by ports[0]; remove the duplicate",
    ]);
  });

  test("two ports published on the same servicePort", () => {
    expect(
      problemsOf(
        "ports:\n  - {name: http, containerPort: 8080, servicePort: 80}\n  - {name: admin, containerPort: 9090, servicePort: 80}\n",
      ),
    ).toEqual([
      "services/a.yaml:3: `ports[1].servicePort`: TCP service port 80 is already used by ports[0]; choose another servicePort",
    ]);
  });
});

describe("parseServiceFile: probes", () => {
  test.each([
    [
      "{readiness: {periodSeconds: 5}}",
      "`probes.readiness`: needs exactly one of httpGet, tcpSocket or exec, got none",
    ],
    [
      "{liveness: {httpGet: {port: http}, tcpSocket: {port: http}}}",
      "`probes.liveness`: needs exactly one of httpGet, tcpSocket or exec, got httpGet and tcpSocket",
    ],
    [
      "{readiness: {httpGet: {path: /healthz, port: metrics}}}",
      '`probes.readiness.httpGet.port`: "metrics" is neither a port number nor a port name of this service (http); use one of those or a number',
    ],
    [
      "{readiness: {httpGet: {path: /healthz}}}",
      "`probes.readiness.httpGet.port`: missing; set a port number or a port name of this service (http)",
    ],
    [
      "{readiness: {tcpSocket: {port: 70000}}}",
      "`probes.readiness.tcpSocket.port`: expected a whole number from 1 to 65535, got 70000",
    ],
    [
      "{readiness: {httpGet: {path: healthz, port: http}}}",
      "`probes.readiness.httpGet.path`: \"healthz\" is not allowed: use a path starting with '/'",
    ],
    [
      "{startup: {exec: {command: []}}}",
      "`probes.startup.exec.command`: must not be empty; give the program and its arguments",
    ],
    [
      "{startup: {exec: {command: cat}}}",
      '`probes.startup.exec.command`: expected a list, got "cat"',
    ],
    [
      "{readiness: {httpGet: {port: http}, periodSeconds: 0}}",
      "`probes.readiness.periodSeconds`: expected a whole number from 1 to 3600, got 0",
    ],
    [
      "{readiness: {httpGet: {port: http}, initialDelaySeconds: -1}}",
      "`probes.readiness.initialDelaySeconds`: expected a whole number from 0 to 3600, got -1",
    ],
    [
      "{readiness: {httpget: {port: http}}}",
      '`probes.readiness.httpget`: unknown field (did you mean "httpGet"?); allowed here: exec, failureThreshold, httpGet, initialDelaySeconds, periodSeconds, tcpSocket, timeoutSeconds',
    ],
  ])("probes: %s", (probes, message) => {
    const problems = problemsOf(`${PORTS}probes: ${probes}\n`);
    // A misspelt handler is also a probe without a handler.
    expect(problems.slice(0, 1)).toEqual([`services/a.yaml:2: ${message}`]);
    expect(problems.slice(1)).toEqual(
      probes.includes("httpget")
        ? [
            "services/a.yaml:2: `probes.readiness`: needs exactly one of httpGet, tcpSocket or exec, got none",
          ]
        : [],
    );
  });

  test("a probe port on a service without ports", () => {
    expect(problemsOf("probes: {liveness: {tcpSocket: {port: http}}}\n")).toEqual([
      'services/a.yaml:1: `probes.liveness.tcpSocket.port`: "http" is neither a port number nor a port name of this service (none declared); use one of those or a number',
    ]);
  });
});

describe("parseServiceFile: resources", () => {
  test("a memory request above its limit", () => {
    expect(
      problemsOf("resources:\n  requests: {memory: 128Mi}\n  limits: {memory: 64Mi}\n"),
    ).toEqual([
      "services/a.yaml:2: `resources.requests.memory`: request 128Mi is above the limit 64Mi; lower the request or raise the limit",
    ]);
  });

  test("a CPU request above its limit, compared across units", () => {
    expect(problemsOf("resources:\n  requests: {cpu: 1}\n  limits: {cpu: 500m}\n")).toEqual([
      "services/a.yaml:2: `resources.requests.cpu`: request 1 is above the limit 500m; lower the request or raise the limit",
    ]);
  });

  test("binary and decimal units are not the same (1Gi > 1000Mi)", () => {
    expect(problemsOf("resources: {requests: {memory: 1Gi}, limits: {memory: 1000Mi}}\n")).toEqual([
      "services/a.yaml:1: `resources.requests.memory`: request 1Gi is above the limit 1000Mi; lower the request or raise the limit",
    ]);
  });

  test("quantities that are not Kubernetes quantities", () => {
    expect(problemsOf("resources: {requests: {cpu: lots, memory: 64MB}}\n")).toEqual([
      'services/a.yaml:1: `resources.requests.cpu`: "lots" is not allowed: use a CPU quantity such as 100m, 0.5 or 2',
      'services/a.yaml:1: `resources.requests.memory`: "64MB" is not allowed: use a memory quantity such as 128Mi or 1Gi',
    ]);
  });
});

describe("parseServiceFile: env", () => {
  test("a variable name that cannot be exported", () => {
    expect(problemsOf("env: {1A: x}\n")).toEqual([
      "services/a.yaml:1: `env.1A`: \"1A\" is not an environment variable name: use letters, digits and '_', not starting with a digit",
    ]);
  });

  test("a reference with an unknown field", () => {
    expect(problemsOf("env: {DB: {from: postgres, key: DATABASE_URL, default: x}}\n")).toEqual([
      "services/a.yaml:1: `env.DB.default`: unknown field; allowed here: from, key",
    ]);
  });

  test("a reference without its key", () => {
    expect(problemsOf("env:\n  DB:\n    from: postgres\n")).toEqual([
      "services/a.yaml:3: `env.DB.key`: expected a non-empty string, got nothing",
    ]);
  });
});

describe("parseServiceFile: port forwards", () => {
  test("forward: a host port is kept on the port", () => {
    expect(
      parseFile("a.yaml", "ports: [{name: http, containerPort: 8080, forward: 9000}]\n").spec
        ?.ports,
    ).toEqual([
      { name: "http", containerPort: 8080, servicePort: 8080, protocol: "TCP", forward: 9000 },
    ]);
  });

  test("forward: out of range, not a number, or on a UDP port", () => {
    expect(
      problemsOf(
        "ports:\n  - {name: a, containerPort: 1, forward: 70000}\n  - {name: b, containerPort: 2, forward: yes}\n  - {name: c, containerPort: 3, protocol: UDP, forward: 5353}\n",
      ),
    ).toEqual([
      "services/a.yaml:2: `ports[0].forward`: expected a whole number from 1 to 65535, got 70000",
      'services/a.yaml:3: `ports[1].forward`: expected a whole number from 1 to 65535, got "yes"',
      "services/a.yaml:4: `ports[2].forward`: a forward carries TCP connections, and this port is UDP; remove forward or use a TCP port",
    ]);
  });
});

describe("parseServiceFile: ingress", () => {
  test("a host that is not a DNS label", () => {
    expect(problemsOf(PORTS + "ingress: {host: Shop}\n")).toEqual([
      `services/a.yaml:2: \`ingress.host\`: "Shop" is not allowed: use a host prefix: ${DNS_HELP}`,
    ]);
  });

  test("a misspelt host field: the unknown field, then the missing host", () => {
    expect(problemsOf(PORTS + "ingress: {hostname: shop}\n")).toEqual([
      "services/a.yaml:2: `ingress.hostname`: unknown field; allowed here: host, path, port, protocol",
      "services/a.yaml:2: `ingress.host`: expected a non-empty string, got nothing",
    ]);
  });

  test("a port that the service does not declare", () => {
    expect(problemsOf(PORTS + "ingress: {host: shop, port: admin}\n")).toEqual([
      'services/a.yaml:2: `ingress.port`: "admin" is not a port name of this service (http); use one of those',
    ]);
  });

  test("a port number instead of a port name", () => {
    expect(problemsOf(PORTS + "ingress: {host: shop, port: 8080}\n")).toEqual([
      "services/a.yaml:2: `ingress.port`: 8080 is not a port name of this service (http); use one of those",
    ]);
  });

  test("an ingress on a service without ports", () => {
    expect(problemsOf("ingress: {host: shop}\n")).toEqual([
      "services/a.yaml:1: `ingress`: an ingress needs a port, but the service declares none; add one under `ports`",
    ]);
  });

  test("protocol: grpc and h2c are kept, http (the default) is left out", () => {
    const ingressOf = (text: string) => parseFile("a.yaml", text).spec?.ingress;
    expect(ingressOf(PORTS + "ingress: {host: shop, protocol: grpc}\n")).toEqual({
      host: "shop",
      path: "/",
      port: "http",
      protocol: "grpc",
    });
    expect(ingressOf(PORTS + "ingress: {host: shop, protocol: h2c}\n")?.protocol).toBe("h2c");
    expect(ingressOf(PORTS + "ingress: {host: shop, protocol: http}\n")).toEqual({
      host: "shop",
      path: "/",
      port: "http",
    });
  });

  test("an unknown protocol, with the closest one", () => {
    expect(problemsOf(PORTS + "ingress: {host: shop, protocol: grcp}\n")).toEqual([
      'services/a.yaml:2: `ingress.protocol`: "grcp" is not allowed (did you mean "grpc"?); use one of: http, grpc, h2c',
    ]);
  });

  test("grpc on a port an httpGet probe reads: the probe could never pass", () => {
    expect(
      problemsOf(
        "ports: [{name: grpc, containerPort: 50051}, {name: admin, containerPort: 8081}]\n" +
          "probes:\n  readiness: {httpGet: {path: /, port: grpc}}\n  liveness: {httpGet: {path: /, port: admin}}\n  startup: {httpGet: {path: /, port: 50051}}\n" +
          "ingress: {host: shop, port: grpc, protocol: grpc}\n",
      ),
    ).toEqual([
      'services/a.yaml:3: `probes.readiness.httpGet`: port "grpc" speaks gRPC (ingress.protocol: grpc) and answers no HTTP/1.1 request, so this probe would never pass; use tcpSocket: { port: grpc } (or an exec probe that runs a gRPC health check)',
      'services/a.yaml:5: `probes.startup.httpGet`: port "grpc" speaks gRPC (ingress.protocol: grpc) and answers no HTTP/1.1 request, so this probe would never pass; use tcpSocket: { port: grpc } (or an exec probe that runs a gRPC health check)',
    ]);
    // h2c servers usually answer HTTP/1.1 too: their probes are the service's business.
    expect(
      problemsOf(
        "ports: [{name: web, containerPort: 8080}]\nprobes: {readiness: {httpGet: {path: /, port: web}}}\ningress: {host: shop, protocol: h2c}\n",
      ),
    ).toEqual([]);
  });

  test("an ingress on a UDP port", () => {
    expect(
      problemsOf("ports: [{name: dns, containerPort: 53, protocol: UDP}]\ningress: {host: shop}\n"),
    ).toEqual([
      'services/a.yaml:2: `ingress.port`: port "dns" is UDP, and an ingress speaks HTTP over TCP; route to a TCP port',
    ]);
  });

  test("a path with a space", () => {
    expect(problemsOf(PORTS + 'ingress: {host: shop, path: "/a b"}\n')).toEqual([
      "services/a.yaml:2: `ingress.path`: \"/a b\" is not allowed: use a path starting with '/' and without spaces",
    ]);
  });
});

describe("parseServiceFile: image and build", () => {
  test("an uppercase repository in the shorthand", () => {
    expect(problemsOf("image: ghcr.io/Acme/bank:1.2\n")).toEqual([
      'services/a.yaml:1: `image.repository`: "ghcr.io/Acme/bank" is not an image repository: use lowercase host/path like ghcr.io/acme/bank',
    ]);
  });

  test("a tag that starts with '-'", () => {
    expect(problemsOf('image: {repository: ghcr.io/acme/bank, tag: "-rc"}\n')).toEqual([
      "services/a.yaml:1: `image.tag`: \"-rc\" is not an image tag: use letters, digits, '_', '.', '-' (at most 128)",
    ]);
  });

  test("a build section without a context", () => {
    expect(problemsOf("build: {dockerfile: Dockerfile.dev}\n")).toEqual([
      "services/a.yaml:1: `build.context`: expected a non-empty string, got nothing",
    ]);
  });

  test("a build argument name with '-'", () => {
    expect(problemsOf("build: {context: ., args: {bad-arg: 1}}\n")).toEqual([
      "services/a.yaml:1: `build.args.bad-arg`: \"bad-arg\" is not a build argument name: use letters, digits and '_'",
    ]);
  });
});

describe("parseServiceFile: build.debug", () => {
  test("runtime and port as given", () => {
    const { spec, problems } = parseFile(
      "a.yaml",
      "build: {context: ., debug: {runtime: go, port: 40000}}\n",
    );
    expect(problems).toEqual([]);
    expect(spec?.build?.debug).toEqual({ runtime: "go", port: 40000 });
  });

  test("an empty section detects both", () => {
    const { spec, problems } = parseFile("a.yaml", "build: {context: ., debug: {}}\n");
    expect(problems).toEqual([]);
    expect(spec?.build?.debug).toEqual({});
  });

  test.each([
    [
      "build: {context: ., debug: {runtime: pyhton}}\n",
      'services/a.yaml:1: `build.debug.runtime`: "pyhton" is not allowed (did you mean "python"?); use one of: go, node, python',
    ],
    [
      "build: {context: ., debug: {port: 70000}}\n",
      "services/a.yaml:1: `build.debug.port`: expected a whole number from 1 to 65535, got 70000",
    ],
    [
      "build: {context: ., debug: {runtim: go}}\n",
      'services/a.yaml:1: `build.debug.runtim`: unknown field (did you mean "runtime"?); allowed here: port, runtime',
    ],
    [
      "ports: [{name: http, containerPort: 8080}]\nbuild: {context: ., debug: {port: 8080}}\n",
      'services/a.yaml:2: `build.debug.port`: 8080 is the container port of "http"; the debugger needs a port of its own, e.g. 8081',
    ],
  ])("%s", (text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });
});

describe("every problem of one file at once", () => {
  const text = [
    "name: b", // 1
    "ports:", // 2
    "  - name: http", // 3
    "    containerPort: 80800", // 4
    "replicas: -1", // 5
    "replicaz: 1", // 6
    "ingress: {host: Shop, port: web}", // 7
    "dependsOn: [Bank]", // 8
    "",
  ].join("\n");

  test("the parser records all seven, in the order it reads the fields", () => {
    expect(problemsOf(text)).toEqual([
      `services/a.yaml:6: \`replicaz\`: unknown field (did you mean "replicas"?); allowed here: ${SERVICE_FIELDS}`,
      'services/a.yaml:1: `name`: "b" differs from the file name; rename the file to b.yaml or set name: a',
      "services/a.yaml:4: `ports[0].containerPort`: expected a whole number from 1 to 65535, got 80800",
      "services/a.yaml:5: `replicas`: expected a whole number from 0 to 100, got -1",
      `services/a.yaml:7: \`ingress.host\`: "Shop" is not allowed: use a host prefix: ${DNS_HELP}`,
      'services/a.yaml:7: `ingress.port`: "web" is not a port name of this service (none declared); use one of those',
      `services/a.yaml:8: \`dependsOn[0]\`: "Bank" is not allowed: use ${DNS_HELP}`,
    ]);
  });

  test("the catalog error lists them in line order, with the count", () => {
    const dir = catalogDir({ "a.yaml": text });
    const files = [
      { file: "services/a.yaml", text: fs.readFileSync(path.join(dir, "a.yaml"), "utf8") },
    ];
    expect(() => buildCatalog("services", dir, files)).toThrow(
      [
        "invalid service catalog in services/ (7 problems):",
        '  - services/a.yaml:1: `name`: "b" differs from the file name; rename the file to b.yaml or set name: a',
        "  - services/a.yaml:4: `ports[0].containerPort`: expected a whole number from 1 to 65535, got 80800",
        "  - services/a.yaml:5: `replicas`: expected a whole number from 0 to 100, got -1",
        `  - services/a.yaml:6: \`replicaz\`: unknown field (did you mean "replicas"?); allowed here: ${SERVICE_FIELDS}`,
        `  - services/a.yaml:7: \`ingress.host\`: "Shop" is not allowed: use a host prefix: ${DNS_HELP}`,
        '  - services/a.yaml:7: `ingress.port`: "web" is not a port name of this service (none declared); use one of those',
        `  - services/a.yaml:8: \`dependsOn[0]\`: "Bank" is not allowed: use ${DNS_HELP}`,
      ].join("\n"),
    );
  });
});

describe("parseSettingsFile", () => {
  test("policy and groups, exactly", () => {
    const dir = catalogDir({
      "_catalog.yaml":
        "policy:\n  requireProbes: [readiness, liveness]\n  requireResources: [limits.memory]\ngroups:\n  payments: [bank, ledger]\n  all: [payments, web]\n",
    });
    const settings = parseSettingsFile(
      "services/_catalog.yaml",
      fs.readFileSync(path.join(dir, "_catalog.yaml"), "utf8"),
    );
    expect(settings.problems).toEqual([]);
    expect(settings.policy).toEqual({
      requireProbes: ["readiness", "liveness"],
      requireResources: ["limits.memory"],
    });
    expect([...settings.groups]).toEqual([
      ["payments", ["bank", "ledger"]],
      ["all", ["payments", "web"]],
    ]);
  });

  test("a file with only comments means the default policy and no groups", () => {
    const dir = catalogDir({ "_catalog.yaml": "# no settings\n" });
    const settings = parseSettingsFile(
      "services/_catalog.yaml",
      fs.readFileSync(path.join(dir, "_catalog.yaml"), "utf8"),
    );
    expect(settings.problems).toEqual([]);
    expect(settings.policy).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY).toEqual({ requireProbes: [], requireResources: [] });
    expect(settings.groups.size).toBe(0);
  });

  test.each([
    [
      "polcy: {}",
      'services/_catalog.yaml:1: `polcy`: unknown field (did you mean "policy"?); allowed here: groups, platform, policy',
    ],
    [
      "policy: {requireProbe: [readiness]}",
      'services/_catalog.yaml:1: `policy.requireProbe`: unknown field (did you mean "requireProbes"?); allowed here: requireProbes, requireResources',
    ],
    [
      "policy: {requireProbes: [readyness]}",
      'services/_catalog.yaml:1: `policy.requireProbes[0]`: "readyness" is not allowed (did you mean "readiness"?); use one of: readiness, liveness, startup',
    ],
    [
      "policy: {requireProbes: readiness}",
      'services/_catalog.yaml:1: `policy.requireProbes`: expected a list, got "readiness"',
    ],
    [
      "policy: {requireResources: [limits.cpus]}",
      'services/_catalog.yaml:1: `policy.requireResources[0]`: "limits.cpus" is not allowed (did you mean "limits.cpu"?); use one of: requests.cpu, requests.memory, limits.cpu, limits.memory',
    ],
    [
      "groups: [payments]",
      'services/_catalog.yaml:1: `groups`: expected a mapping, got ["payments"]',
    ],
    [
      "groups: {Pay_ments: [bank]}",
      `services/_catalog.yaml:1: \`groups.Pay_ments\`: "Pay_ments" is not a valid group name: use ${DNS_HELP}`,
    ],
    [
      "groups: {payments: []}",
      "services/_catalog.yaml:1: `groups.payments`: a group needs at least one member; add members or remove the group",
    ],
    [
      "groups: {payments: bank}",
      'services/_catalog.yaml:1: `groups.payments`: expected a list, got "bank"',
    ],
    [
      "groups: {payments: [Bank]}",
      `services/_catalog.yaml:1: \`groups.payments[0]\`: "Bank" is not allowed: use ${DNS_HELP}`,
    ],
    ["- policy", 'services/_catalog.yaml:1: expected a mapping, got ["policy"]'],
  ])("%s", (text, message) => {
    expect(settingsProblems(`${text}\n`)).toEqual([message]);
  });

  test("every problem of the settings file at once", () => {
    expect(
      settingsProblems(
        "policy:\n  requireProbes: [readyness]\n  requireResources: [cpu]\ngroups:\n  Bad: [x]\n  empty: []\n",
      ),
    ).toEqual([
      'services/_catalog.yaml:2: `policy.requireProbes[0]`: "readyness" is not allowed (did you mean "readiness"?); use one of: readiness, liveness, startup',
      'services/_catalog.yaml:3: `policy.requireResources[0]`: "cpu" is not allowed; use one of: requests.cpu, requests.memory, limits.cpu, limits.memory',
      `services/_catalog.yaml:5: \`groups.Bad\`: "Bad" is not a valid group name: use ${DNS_HELP}`,
      "services/_catalog.yaml:6: `groups.empty`: a group needs at least one member; add members or remove the group",
    ]);
  });
});

describe("YamlFile readers", () => {
  const text = "a:\n  b:\n    - x\n    - 7\n  c: true\n";

  test("formatPath: keys joined by '.', indexes in brackets", () => {
    expect(formatPath(["probes", "readiness", "httpGet", "port"])).toBe(
      "probes.readiness.httpGet.port",
    );
    expect(formatPath(["ports", 1, "name"])).toBe("ports[1].name");
    expect(formatPath([0, "a"])).toBe("[0].a");
    expect(formatPath([])).toBe("");
  });

  test("lineOf: the node's line, else its closest located ancestor's", () => {
    const y = new YamlFile("f.yaml", text);
    expect(y.lineOf(["a"])).toBe(2);
    expect(y.lineOf(["a", "b", 1])).toBe(4);
    expect(y.lineOf(["a", "c"])).toBe(5);
    expect(y.lineOf(["a", "b", 9, "deep"])).toBe(3);
    expect(y.lineOf([])).toBe(1);
  });

  test("each reader returns the value or records one located problem", () => {
    const y = new YamlFile("f.yaml", text);
    expect(y.integer(["a", "b", 1], 7, 0, 10)).toBe(7);
    expect(y.integer(["a", "b", 1], 7, 8, 10)).toBeUndefined();
    expect(y.boolean(["a", "c"], true)).toBe(true);
    expect(y.boolean(["a", "c"], "yes")).toBeUndefined();
    expect(y.scalar(["a", "b", 1], 7)).toBe("7");
    expect(y.scalar(["a"], { k: 1 })).toBeUndefined();
    expect(y.string(["a", "b", 0], "x", { pattern: /^x$/, help: "x", maxLength: 1 })).toBe("x");
    expect(
      y.string(["a", "b", 0], "xx", { pattern: /^x+$/, help: "at most one x", maxLength: 1 }),
    ).toBeUndefined();
    expect(y.oneOf(["a", "b", 0], "udp", ["TCP", "UDP"])).toBeUndefined();
    expect(y.oneOf(["a", "b", 1], 7, ["TCP", "UDP"])).toBeUndefined();
    expect(y.list(["a", "b"], ["x", 7, "y"], (p, v) => y.string(p, v))).toEqual(["x", "y"]);
    expect(y.object(["a"], { b: 1, other: 2 }, ["b", "c"])).toEqual({ b: 1, other: 2 });
    expect(y.problems.map(formatInputProblem)).toEqual([
      "f.yaml:4: `a.b[1]`: expected a whole number from 8 to 10, got 7",
      'f.yaml:5: `a.c`: expected true or false, got "yes"',
      'f.yaml:2: `a`: expected a string, number or boolean, got {"k":1}',
      'f.yaml:3: `a.b[0]`: "xx" is not allowed: use at most one x',
      'f.yaml:3: `a.b[0]`: "udp" is not allowed (did you mean "UDP"?); use one of: TCP, UDP',
      "f.yaml:4: `a.b[1]`: 7 is not allowed; use one of: TCP, UDP",
      "f.yaml:4: `a.b[1]`: expected a non-empty string, got 7",
      "f.yaml:2: `a.other`: unknown field; allowed here: b, c",
    ]);
  });

  test("a syntax error leaves no root and one problem, on the line where the parser stopped", () => {
    const y = new YamlFile("f.yaml", "a: 1\nb: [1, 2\nc: 3\n");
    expect(y.root).toBeUndefined();
    expect(y.problems.map(formatInputProblem)).toEqual([
      "f.yaml:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]; fix the syntax at that line",
    ]);
  });
});

describe("splitImageRef: the one image-reference splitter", () => {
  test.each([
    ["ghcr.io/acme/bank", { repository: "ghcr.io/acme/bank" }],
    ["ghcr.io/acme/bank:1.2", { repository: "ghcr.io/acme/bank", tag: "1.2" }],
    ["localhost:5001/bank", { repository: "localhost:5001/bank" }],
    [
      "localhost:5001/bank:latest@sha256:abc",
      { repository: "localhost:5001/bank", tag: "latest", digest: "sha256:abc" },
    ],
    ["localhost:5001/bank@sha256:abc", { repository: "localhost:5001/bank", digest: "sha256:abc" }],
  ])("%s", (ref, parts) => {
    expect(splitImageRef(ref)).toEqual(parts);
  });
});
