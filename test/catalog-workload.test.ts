import * as fs from "fs";
import { DISK } from "../host/catalogFiles";
import * as path from "path";
import { parseServiceFile } from "../catalog/parseService";
import { cronProblem } from "../catalog/parseWorkload";
import { planDeployment } from "../catalog/plan";
import { CatalogError, formatInputProblem } from "../catalog/problems";
import { Catalog } from "../catalog/types";
import { buildCatalog } from "../catalog/validate";
import { tempCatalogs } from "./tempCatalog";

const catalogDir = tempCatalogs("lk-workload-");

/** Parses `services/a.yaml` from a temporary catalog, as the loader reads it. */
function parse(text: string, extra: Record<string, string> = {}) {
  const dir = catalogDir({ "a.yaml": text, ...extra });
  const parsed = parseServiceFile("services/a.yaml", text, dir);
  return { dir, spec: parsed.spec, problems: parsed.problems.map(formatInputProblem) };
}
const problemsOf = (text: string) => parse(text).problems;

/** The catalog of a temporary directory, shown as `services/`. */
function build(files: Record<string, string>): { catalog: Catalog; dir: string } {
  const dir = catalogDir(files);
  const names = fs
    .readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort();
  const catalog = buildCatalog(
    "services",
    dir,
    names.map((n) => ({ file: `services/${n}`, text: fs.readFileSync(path.join(dir, n), "utf8") })),
  );
  return { catalog, dir };
}

/** The catalog's problems, as printed one per line. */
function catalogProblems(files: Record<string, string>): string[] {
  try {
    build(files);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as CatalogError).problems.map(formatInputProblem);
  }
}

const CRON_HELP =
  'five fields (minute hour day-of-month month day-of-week) such as "*/5 * * * *" or "0 2 * * MON", or one of @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';

describe("workload: job and cronjob", () => {
  test("a job: the workload, no schedule, the rest as for any service", () => {
    const { spec, problems } = parse(
      "workload: job\nimage: ghcr.io/acme/migrate\ncommand: [python3, /app/migrate.py]\ndependsOn: [postgres]\n",
    );
    expect(problems).toEqual([]);
    expect(spec?.workload).toBe("job");
    expect(spec?.cron).toBeUndefined();
    expect(spec?.command).toEqual(["python3", "/app/migrate.py"]);
  });

  test("a cronjob: schedule, and the defaults of suspend (false) and concurrencyPolicy (Forbid)", () => {
    const { spec, problems } = parse('workload: cronjob\nschedule: "0 2 * * *"\n');
    expect(problems).toEqual([]);
    expect(spec?.workload).toBe("cronjob");
    expect(spec?.cron).toEqual({
      schedule: "0 2 * * *",
      suspend: false,
      concurrencyPolicy: "Forbid",
    });
  });

  test("a cronjob with every field", () => {
    const { spec } = parse(
      "workload: cronjob\nschedule: '@hourly'\nsuspend: true\nconcurrencyPolicy: Replace\n",
    );
    expect(spec?.cron).toEqual({
      schedule: "@hourly",
      suspend: true,
      concurrencyPolicy: "Replace",
    });
  });

  test("no workload is a deployment (left unset in the spec)", () => {
    expect(parse("image: a/b\n").spec?.workload).toBeUndefined();
    expect(parse("workload: deployment\n").spec?.workload).toBe("deployment");
  });

  test("an unknown workload, with the closest one", () => {
    expect(problemsOf("workload: cron-job\n")).toEqual([
      'services/a.yaml:1: `workload`: "cron-job" is not allowed (did you mean "cronjob"?); use one of: deployment, job, cronjob',
    ]);
  });

  test("a cronjob without a schedule", () => {
    expect(problemsOf("workload: cronjob\n")).toEqual([
      'services/a.yaml:1: `schedule`: missing; a cronjob runs on a schedule: add e.g. schedule: "*/5 * * * *"',
    ]);
  });

  test("schedule, suspend and concurrencyPolicy on anything but a cronjob", () => {
    expect(
      problemsOf('workload: job\nschedule: "0 * * * *"\nsuspend: true\nconcurrencyPolicy: Allow\n'),
    ).toEqual([
      "services/a.yaml:2: `schedule`: only a cronjob has schedule, and this entry is a job; set workload: cronjob or remove schedule",
      "services/a.yaml:3: `suspend`: only a cronjob has suspend, and this entry is a job; set workload: cronjob or remove suspend",
      "services/a.yaml:4: `concurrencyPolicy`: only a cronjob has concurrencyPolicy, and this entry is a job; set workload: cronjob or remove concurrencyPolicy",
    ]);
    expect(problemsOf('schedule: "0 * * * *"\n')).toEqual([
      "services/a.yaml:1: `schedule`: only a cronjob has schedule, and this entry is a deployment; set workload: cronjob or remove schedule",
    ]);
  });

  test.each([
    ["*/5 * *", "it has 3 fields"],
    ["61 * * * *", '"61" is not a minute (0-59)'],
    ["0 24 * * *", '"24" is not a hour (0-23)'],
    ["0 0 0 * *", '"0" is not a day of month (1-31)'],
    ["0 0 1 FOO *", '"FOO" is not a month (1-12 or JAN-DEC)'],
    ["0 0 * * 8", '"8" is not a day of week (0-7 or SUN-SAT)'],
    ["*/0 * * * *", 'the step of "*/0" is 0'],
    ["0 0 * * 1-", '"1-" is not a valid day of week'],
    ["@every-day", '"@every-day" is not a known macro'],
    ["@every day", '"@every day" is not "@every" and a duration such as 90s or 1h30m'],
    [
      "TZ=UTC 0 2 * * *",
      "a time zone cannot be part of the schedule (the cluster's time zone applies)",
    ],
  ])("schedule %j is refused: %s", (schedule, why) => {
    expect(problemsOf(`workload: cronjob\nschedule: "${schedule}"\n`)).toEqual([
      `services/a.yaml:2: \`schedule\`: "${schedule}" is not a cron schedule: ${why}; use ${CRON_HELP}`,
    ]);
  });

  test.each([
    "0 2 * * *",
    "*/15 9-17 * * MON-FRI",
    "0,30 * 1,15 JAN,jul ?",
    "5 4 * * sun",
    "0 0 29 2 *",
    "@daily",
    "@midnight",
    "@every 1h30m",
  ])("schedule %j is accepted", (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });

  test("suspend and concurrencyPolicy of the wrong type", () => {
    expect(
      problemsOf(
        'workload: cronjob\nschedule: "@daily"\nsuspend: "yes"\nconcurrencyPolicy: forbid\n',
      ),
    ).toEqual([
      'services/a.yaml:3: `suspend`: expected true or false, got "yes"',
      'services/a.yaml:4: `concurrencyPolicy`: "forbid" is not allowed (did you mean "Forbid"?); use one of: Allow, Forbid, Replace',
    ]);
  });

  test("what a job has no use for: ports, ingress, replicas, a readiness probe, live updates", () => {
    expect(
      problemsOf(
        [
          "workload: job",
          "ports: [{name: http, containerPort: 8080}]",
          "ingress: {host: a}",
          "replicas: 2",
          "probes: {readiness: {tcpSocket: {port: 8080}}}",
          "build: {context: a, liveUpdate: {sync: [{from: ., to: /app}]}}",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      "services/a.yaml:2: `ports`: not used by a job (it has no Service); remove it, or use workload: deployment for a long-running service",
      "services/a.yaml:3: `ingress`: not used by a job (it has no Service); remove it, or use workload: deployment for a long-running service",
      "services/a.yaml:4: `replicas`: not used by a job (it runs one pod to completion); remove it, or use workload: deployment for a long-running service",
      "services/a.yaml:5: `probes.readiness`: a job has no readiness: it is done when its pod completes; remove the readiness probe",
      "services/a.yaml:6: `build.liveUpdate`: live updates change running pods, and a job's pods run to completion; remove liveUpdate (a new image runs the job again)",
    ]);
  });

  test("a cronjob is told the same, in its own words", () => {
    expect(problemsOf('workload: cronjob\nschedule: "@daily"\nreplicas: 1\n')).toEqual([
      "services/a.yaml:3: `replicas`: not used by a cronjob (it runs one pod to completion); remove it, or use workload: deployment for a long-running service",
    ]);
  });
});

describe("files", () => {
  test("paths relative to the catalog directory, mounted at absolute paths", () => {
    const { spec, problems, dir } = parse(
      "files:\n  - {from: config/bank.json, to: /etc/bank/config.json}\n  - {from: ../shared/ca.pem, to: /etc/ssl//ca.pem}\n",
    );
    expect(problems).toEqual([]);
    expect(spec?.files).toEqual([
      {
        source: "config/bank.json",
        from: path.join(dir, "config/bank.json"),
        to: "/etc/bank/config.json",
      },
      {
        source: "../shared/ca.pem",
        from: path.resolve(dir, "../shared/ca.pem"),
        to: "/etc/ssl/ca.pem",
      },
    ]);
  });

  test("an absolute source, a relative target, a directory target, the same target twice", () => {
    expect(
      problemsOf(
        [
          "files:",
          "  - {from: /etc/passwd, to: /etc/passwd}",
          "  - {from: a.json, to: etc/a.json}",
          "  - {from: b.json, to: /}",
          "  - {from: c.json, to: /etc/c.json}",
          "  - {from: d.json, to: /etc/c.json}",
          "  - {from: e.json}",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      'services/a.yaml:2: `files[0].from`: "/etc/passwd" is not a path of the repository relative to the catalog directory; use e.g. bank/config/limits.json',
      'services/a.yaml:3: `files[1].to`: "etc/a.json" is not allowed: use an absolute file path in the container, e.g. /etc/bank/limits.json',
      'services/a.yaml:4: `files[2].to`: "/" is not allowed: use an absolute file path in the container, e.g. /etc/bank/limits.json',
      'services/a.yaml:6: `files[4].to`: "/etc/c.json" is already the target of files[3]; give each file its own path',
      "services/a.yaml:7: `files[5].to`: expected a non-empty string, got nothing",
    ]);
  });

  test("files must be a list of mappings", () => {
    expect(problemsOf("files: config.json\n")).toEqual([
      'services/a.yaml:1: `files`: expected a list, got "config.json"',
    ]);
  });
});

describe("env: secrets of the stack's config", () => {
  test("{ secret: name } refers to localkube:secrets.<name>", () => {
    const { spec, problems } = parse("env:\n  API_KEY: {secret: bankApiKey}\n  MODE: live\n");
    expect(problems).toEqual([]);
    expect(spec?.env).toEqual({
      API_KEY: { kind: "secret", name: "bankApiKey" },
      MODE: { kind: "literal", value: "live" },
    });
  });

  test("a name that cannot be a config key, and a secret mixed with a reference", () => {
    expect(
      problemsOf(
        "env:\n  A: {secret: bank.api.key}\n  B: {secret: key, from: postgres}\n  C: {secret: 42}\n",
      ),
    ).toEqual([
      "services/a.yaml:2: `env.A.secret`: \"bank.api.key\" is not allowed: use a secret name: letters, digits, '_' and '-', starting with a letter (set with `pulumi config set --secret localkube:secrets.<name> <value>`)",
      "services/a.yaml:3: `env.B.from`: unknown field; allowed here: secret",
      "services/a.yaml:4: `env.C.secret`: expected a non-empty string, got 42",
    ]);
  });
});

describe("image.from: another service's image", () => {
  test("names the service whose image runs; nothing else of the image", () => {
    const { spec, problems } = parse("image: {from: bank}\n");
    expect(problems).toEqual([]);
    expect(spec?.image).toEqual({ from: "bank" });
  });

  test("with a repository, a tag or a build section", () => {
    expect(
      problemsOf("image: {from: bank, repository: a/b, tag: '1'}\nbuild: {context: a}\n"),
    ).toEqual([
      'services/a.yaml:1: `image.repository`: not used with image.from (this service runs the image of "bank"); remove it',
      'services/a.yaml:1: `image.tag`: not used with image.from (this service runs the image of "bank"); remove it',
      'services/a.yaml:2: `build`: not used with image.from: this service runs the image of "bank", built from that service\'s build section; remove it',
    ]);
  });

  test("catalog rules: an unknown service, an appliance, a group, itself, a chain, a chart entry", () => {
    expect(
      catalogProblems({
        "_catalog.yaml": "groups: {payments: [bank]}\n",
        "bank.yaml": "image: a/bank\n",
        "chained.yaml": "image: {from: migrate}\n",
        "chart.yaml": "chart: {path: charts/c}\n",
        "fromchart.yaml": "image: {from: chart}\n",
        "group.yaml": "image: {from: payments}\n",
        "migrate.yaml": "image: {from: bank}\n",
        "pg.yaml": "image: {from: postgres}\n",
        "self.yaml": "image: {from: self}\n",
        "typo.yaml": "image: {from: bnak}\n",
      }),
    ).toEqual([
      'services/chained.yaml:1: `image.from`: migrate runs the image of bank itself; name "bank" here',
      "services/fromchart.yaml:1: `image.from`: chart is deployed from its own chart, which choose its images; name a service with an image or build section",
      'services/group.yaml:1: `image.from`: "payments" is a group; name a service whose image to run',
      'services/pg.yaml:1: `image.from`: "postgres" is an appliance; name a service whose image to run',
      "services/self.yaml:1: `image.from`: a service cannot run its own image through image.from; set image.repository or build instead",
      'services/typo.yaml:1: `image.from`: unknown service "bnak" (did you mean "bank"?); known: bank, chart',
    ]);
  });
});

describe("chart and manifests: the team's own", () => {
  test("a chart of the repository, with values", () => {
    const { spec, problems, dir } = parse(
      "image: {repository: ghcr.io/acme/partner}\nbuild: {context: partner}\nchart:\n  path: charts/partner\n  values: {replicaCount: 1, image: {tag: dev}}\ningress: {host: partner, port: http}\ndependsOn: [price]\n",
    );
    expect(problems).toEqual([]);
    expect(spec?.manifests).toEqual({
      kind: "chart",
      path: path.join(dir, "charts/partner"),
      values: { replicaCount: 1, image: { tag: "dev" } },
    });
    // The Service's name defaults to the entry's (here the file is a.yaml).
    expect(spec?.ingress).toEqual({ host: "partner", path: "/", port: "http", service: "a" });
    expect(spec?.ports).toEqual([]);
  });

  test("a chart of a repository: repo, name and a quoted version; an ingress to a Service by number", () => {
    const { spec, problems } = parse(
      'chart: {repo: "https://charts.example.com", name: podinfo, version: "6.7.0"}\ningress: {host: info, service: podinfo-http, port: 9898}\n',
    );
    expect(problems).toEqual([]);
    expect(spec?.manifests).toEqual({
      kind: "chart",
      repo: "https://charts.example.com",
      name: "podinfo",
      version: "6.7.0",
      values: {},
    });
    expect(spec?.ingress).toEqual({ host: "info", path: "/", port: 9898, service: "podinfo-http" });
  });

  test("YAML files", () => {
    const { spec, problems, dir } = parse(
      "manifests: [partner/k8s/deployment.yaml, partner/k8s/service.yaml]\n",
    );
    expect(problems).toEqual([]);
    expect(spec?.manifests).toEqual({
      kind: "yaml",
      files: [
        path.join(dir, "partner/k8s/deployment.yaml"),
        path.join(dir, "partner/k8s/service.yaml"),
      ],
    });
  });

  test("localkube's own workload fields are refused, with where to set them instead", () => {
    expect(
      problemsOf(
        "chart: {path: charts/p}\nports: [{name: http, containerPort: 80}]\nenv: {A: b}\nreplicas: 2\nworkload: job\nfiles: []\n",
      ),
    ).toEqual([
      "services/a.yaml:2: `ports`: not used by an entry deployed from its own chart; set it in the chart's values, or remove chart to let localkube run the service",
      "services/a.yaml:3: `env`: not used by an entry deployed from its own chart; set it in the chart's values, or remove chart to let localkube run the service",
      "services/a.yaml:4: `replicas`: not used by an entry deployed from its own chart; set it in the chart's values, or remove chart to let localkube run the service",
      "services/a.yaml:5: `workload`: not used by an entry deployed from its own chart; set it in the chart's values, or remove chart to let localkube run the service",
      "services/a.yaml:6: `files`: not used by an entry deployed from its own chart; set it in the chart's values, or remove chart to let localkube run the service",
    ]);
    expect(problemsOf("manifests: [a.yaml]\ncommand: [x]\n")).toEqual([
      "services/a.yaml:2: `command`: not used by an entry deployed from its own manifests; set it in those files, or remove manifests to let localkube run the service",
    ]);
  });

  test("the image: a tag or image.from are not used; a build needs the repository to replace", () => {
    expect(problemsOf("chart: {path: c}\nimage: {repository: a/b, tag: '2'}\n")).toEqual([
      "services/a.yaml:2: `image.tag`: not used: its own chart chooses the image's tag; remove it",
    ]);
    expect(problemsOf("chart: {path: c}\nimage: a/b:2\n")).toEqual([
      "services/a.yaml:2: `image`: the tag is not used: its own chart chooses the image's tag; remove it",
    ]);
    expect(
      problemsOf(
        "manifests: [m.yaml]\nbuild: {context: p, liveUpdate: {sync: [{from: ., to: /app}]}}\n",
      ),
    ).toEqual([
      "services/a.yaml:1: `image.repository`: missing; with build, the local build replaces the image of this repository in every object of its own manifests: set it to the repository they use, e.g. ghcr.io/acme/partner",
      "services/a.yaml:2: `build.liveUpdate`: live updates need localkube's own workload, and this entry is deployed from its own manifests; remove liveUpdate (a save rebuilds the image)",
    ]);
  });

  test("a chart needs a path or repo + name + version, not both; a version must be a string", () => {
    expect(problemsOf("chart: {values: {a: 1}}\n")).toEqual([
      "services/a.yaml:1: `chart`: needs path (a chart directory of the repository, relative to the catalog directory, e.g. charts/partner) or repo + name + version",
    ]);
    expect(problemsOf("chart: {path: c, repo: 'https://x'}\n")).toEqual([
      "services/a.yaml:1: `chart.path`: path and repo + name + version are alternatives: keep the chart's directory, or the repository's chart, not both",
    ]);
    expect(problemsOf("chart:\n  repo: ftp://charts\n  version: 1.10\n")).toEqual([
      'services/a.yaml:2: `chart.repo`: "ftp://charts" is not allowed: use a chart repository URL starting with https://, http:// or oci://',
      "services/a.yaml:2: `chart.name`: missing; give the chart's name in the repository",
      'services/a.yaml:3: `chart.version`: 1.1 is a number in YAML; quote the version, e.g. version: "1.1"',
    ]);
    expect(problemsOf("chart: {name: p}\n")).toEqual([
      "services/a.yaml:1: `chart.repo`: missing; give the chart repository's URL, e.g. https://charts.example.com or oci://ghcr.io/acme/charts",
      'services/a.yaml:1: `chart.version`: missing; pin the chart\'s version (e.g. version: "1.4.2") so every laptop runs the same',
    ]);
  });

  test("chart and manifests together; an empty manifest list; an ingress without its port", () => {
    expect(problemsOf("chart: {path: c}\nmanifests: [m.yaml]\ningress: {host: p}\n")).toEqual([
      "services/a.yaml:2: `manifests`: chart and manifests are alternatives: keep the chart, or the YAML files, not both",
      'services/a.yaml:3: `ingress.port`: missing; give the port of Service "a" it routes to: a number (e.g. 80) or the port\'s name',
    ]);
    expect(problemsOf("manifests: []\n")).toEqual([
      "services/a.yaml:1: `manifests`: needs at least one file; e.g. - partner/k8s/deployment.yaml",
    ]);
  });

  test("the ingress of a localkube service has no service field", () => {
    expect(
      problemsOf("ports: [{name: http, containerPort: 80}]\ningress: {host: a, service: b}\n"),
    ).toEqual([
      "services/a.yaml:2: `ingress.service`: unknown field; allowed here: host, path, port, protocol",
    ]);
  });
});

describe("catalog rules for jobs, cron jobs and charts", () => {
  const OK =
    "ports: [{name: http, containerPort: 8080}]\nresources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}\nprobes: {readiness: {httpGet: {path: /healthz, port: http}}}\n";
  const RESOURCES = "resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}\n";

  test("a job or cron job offers no connection values; depending on it is enough", () => {
    expect(
      catalogProblems({
        "migrate.yaml": "workload: job\n",
        "nightly.yaml": "workload: cronjob\nschedule: '@daily'\n",
        "partner.yaml": "chart: {path: c}\n",
        "bank.yaml":
          "dependsOn: [migrate, nightly, partner]\nenv:\n  M: {from: migrate, key: URL}\n  N: {from: nightly, key: HOST}\n  P: {from: partner, key: URL}\n",
      }),
    ).toEqual([
      'services/bank.yaml:3: `env.M.from`: "migrate" is a job and offers no connection values; remove this reference (the dependency alone makes bank wait for it)',
      'services/bank.yaml:4: `env.N.from`: "nightly" is a cronjob and offers no connection values; remove this reference (the dependency alone makes bank wait for it)',
      'services/bank.yaml:5: `env.P.from`: "partner" is deployed from its own chart and offers no connection values; remove this reference (the dependency alone makes bank wait for it)',
    ]);
  });

  test("policy: jobs need no readiness probe but their resources; charts are checked where they are written", () => {
    expect(
      catalogProblems({
        "_catalog.yaml": "policy: {requireProbes: [readiness], requireResources: [requests.cpu]}\n",
        "svc.yaml": OK,
        "migrate.yaml": "workload: job\n" + RESOURCES,
        "bare.yaml": "workload: job\n",
        "partner.yaml": "chart: {path: c}\n",
      }),
    ).toEqual([
      "services/bare.yaml:1: `resources.requests.cpu`: missing, and the catalog policy (services/_catalog.yaml) requires it; set e.g. 100m",
    ]);
  });
});

describe("planDeployment: image.from, files, charts and manifests", () => {
  test("a service running another's image: that service is named in the plan, deployed or not", () => {
    const { catalog } = build({
      "bank.yaml": "image: a/bank\n",
      "migrate.yaml": "workload: job\nimage: {from: bank}\n",
    });
    const plan = planDeployment(catalog, {
      files: { ...DISK, exists: () => true },
      selection: ["migrate"],
    });
    expect(plan.services.map((s) => s.name)).toEqual(["migrate"]);
    expect([...plan.imageFrom].map(([k, v]) => [k, v.name])).toEqual([["migrate", "bank"]]);
  });

  test("missing files, a directory as a file, a chart without Chart.yaml, missing manifests", () => {
    const { catalog } = build({
      "a.yaml":
        "files:\n  - {from: there.json, to: /a/there.json}\n  - {from: gone.json, to: /a/gone.json}\n  - {from: dir, to: /a/dir}\n",
      "b.yaml": "chart: {path: charts/b}\n",
      "c.yaml": "manifests: [c/deployment.yaml, c/service.yaml]\n",
      "there.json": "{}",
      "dir/x": "",
      "charts/b/values.yaml": "",
      "c/deployment.yaml": "",
    });
    expect(() => planDeployment(catalog, { files: DISK })).toThrow(CatalogError);
    try {
      planDeployment(catalog, { files: DISK });
    } catch (err) {
      const messages = (err as CatalogError).problems.map(formatInputProblem);
      expect(messages.map((m) => m.replace(/"[^"]*lk-workload-[^/"]*\//g, '"<dir>/'))).toEqual([
        'services/a.yaml: `files[1].from`: file "<dir>/gone.json" does not exist; fix the path (it is relative to the catalog directory)',
        'services/a.yaml: `files[2].from`: "<dir>/dir" is a directory; list each of its files (one entry per file, each with its own path in the container)',
        'services/b.yaml: `chart.path`: "<dir>/charts/b" is not a chart directory (it has no Chart.yaml); fix the path (it is relative to the catalog directory)',
        'services/c.yaml: `manifests[1]`: file "<dir>/c/service.yaml" does not exist; fix the path (it is relative to the catalog directory)',
      ]);
      expect((err as Error).message.startsWith("missing files (4 problems):")).toBe(true);
    }
  });

  test("files of services the selection does not deploy are not checked", () => {
    const { catalog } = build({
      "a.yaml": "files: [{from: gone.json, to: /a/gone.json}]\n",
      "b.yaml": "image: a/b\n",
    });
    expect(
      planDeployment(catalog, { files: DISK, selection: ["b"] }).services.map((s) => s.name),
    ).toEqual(["b"]);
  });
});
