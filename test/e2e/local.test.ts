/**
 * The local stack on a real kind cluster through the real Pulumi engine: cold up, no-op up, the
 * inner loop, Kafka + Schema Registry, interrupted ups, the cluster deleted out of band, destroy.
 * Scenarios run in order on one stack; each asserts the outcome, not only the exit code.
 */
import { spawnSync } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "./grpc";
import * as h from "./harness";

/** The suite's own stack name: a developer's `local` stack is never touched. */
const STACK = "lk-e2e";
let dir: string;
const timings: Record<string, number> = {};

/** Times a scenario step into the suite's timing report. */
async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = (Date.now() - t0) / 1000;
  }
}

const up = (extra: string[] = [], onSpawn?: (pid: number) => void) =>
  h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", STACK, ...extra], { onSpawn });
const mustUp = async (extra: string[] = []) => {
  const r = await up(extra);
  if (r.code !== 0)
    throw new Error(
      `pulumi up failed (${r.code}):\n${(r.stdout + r.stderr).split("\n").slice(-60).join("\n")}`,
    );
  return r;
};

/** Pod UIDs by app name in the workload namespace. */
async function podUids(): Promise<Record<string, string[]>> {
  const r = await h.kubectl(["get", "pods", "-n", "localkube", "-o", "json"]);
  const pods = JSON.parse(r.stdout).items as any[];
  const byApp: Record<string, string[]> = {};
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const app = p.metadata.labels["app.kubernetes.io/name"];
    (byApp[app] ??= []).push(p.metadata.uid);
  }
  for (const k of Object.keys(byApp)) byApp[k].sort();
  return byApp;
}

/** The stack's checkpoint: resources and pending operations. */
async function checkpoint(): Promise<{ urns: string[]; pending: unknown[] }> {
  const d = await h.deployment(dir, STACK);
  return { urns: d.resources.map((x) => x.urn), pending: d.pendingOperations };
}

/** `kubectl … -n localkube`, parsed as JSON. */
async function kubeJson(args: string[]): Promise<any> {
  const r = await h.kubectl([...args, "-n", "localkube", "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The value the suite sets as the settlement key (`localkube:secrets.settlementKey`). */
const SETTLEMENT_KEY = "e2e-Settle-K3y-4f1d9c";

/**
 * Debian's PostgreSQL and Kafka clients on the host (psql, kcat), installed when missing: what a
 * developer runs against the appliances' host ports. Quick when they are there.
 */
function ensureHostClients(): void {
  const missing = [
    ["psql", "postgresql-client"],
    ["kcat", "kcat"],
  ].filter(([bin]) => spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0);
  if (missing.length === 0) return;
  const apt = (args: string[]) =>
    spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  const install = ["install", "-y", "--no-install-recommends", ...missing.map(([, pkg]) => pkg)];
  if (!apt(install) && !(apt(["update"]) && apt(install)))
    throw new Error(`apt-get install ${missing.map(([, p]) => p).join(" ")} failed`);
}

const bankAnswers = (text: string) => async () => {
  const r = await h.httpGet("bank.localhost");
  return r.status === 200 && r.body.includes(text);
};

beforeAll(async () => {
  await timed("toolchain", h.ensureToolchain);
  await timed("seed registry", h.seedRegistry);
  dir = h.projectCopy("local");
  await h.initStack(dir, STACK, {
    ...h.localE2eConfig(),
    "localkube:services": "bank",
    "localkube:local": "bank",
    "localkube:images.overrides": JSON.stringify({ price: h.mirrored("localkube-e2e/price:1") }),
  });
}, 90 * 60_000);

afterAll(() => {
  fs.mkdirSync(h.ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(h.ARTIFACTS, "local-timings.json"), JSON.stringify(timings, null, 2));
  console.log(`local stack scenario timings (s): ${JSON.stringify(timings)}`);
});

test(
  "cold up: bank built locally, pushed to the local registry, pulled by the node, reachable through the ingress",
  async () => {
    await timed("cold up", mustUp);
    const out = await h.outputs(dir, STACK);
    expect(out.services).toEqual(["price", "bank"]);
    expect(out.appliances).toEqual(["postgres"]);
    expect(out.builtFromSource).toEqual(["bank"]);
    expect(out.urls).toEqual({ bank: "http://bank.localhost", price: "http://price.localhost" });
    expect(out.registry).toBe(h.registryAddress());
    expect(out.kubeContext).toBe(`kind-${h.E2E.cluster}`);
    expect(out.kubeconfig).toBe("[secret]");

    const image = await h.kubectl([
      "get",
      "deployment",
      "bank",
      "-n",
      "localkube",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    expect(image.stdout).toMatch(new RegExp(`^${h.registryAddress()}/bank@sha256:[0-9a-f]{64}$`));

    // Must already hold: `up` returns once bank's gate saw it ready and its Ingress was served
    // (the controller published the Ingress's address with bank's endpoints in its config).
    const r = await h.httpGet("bank.localhost");
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.message).toBe("bank v1");
    expect(body.postgres.database).toBe("app");
    expect(body.postgres.server).toMatch(/^PostgreSQL 15\./);
    expect(body.price.pair).toBe("EUR/USD");
    expect(body.account.value).toEqual({ USD: 108 });
  },
  30 * 60_000,
);

test(
  "jobs, files and host access: bank-migrate succeeded before bank started, bank reads its tables and its mounted file, psql on the host reaches PostgreSQL",
  async () => {
    await timed("migration, file and psql checks", async () => {
      const out = await h.outputs(dir, STACK);
      expect(out.jobs).toEqual(["bank-migrate"]);
      expect(out.hostAccess).toEqual({ postgres: "127.0.0.1:15432" });
      expect(out.postgresUrl).toBe("[secret]");

      // The migration Job succeeded, and bank's pod was created only after it completed.
      const job = await kubeJson(["get", "job", "bank-migrate"]);
      expect(job.status.succeeded).toBe(1);
      expect(job.spec.template.spec.containers[0].image).toMatch(
        new RegExp(`^${h.registryAddress()}/bank@sha256:[0-9a-f]{64}$`),
      );
      const pods = (await kubeJson(["get", "pods", "-l", "app.kubernetes.io/name=bank"])).items;
      expect(pods).toHaveLength(1);
      expect(Date.parse(job.status.completionTime)).toBeLessThanOrEqual(
        Date.parse(pods[0].metadata.creationTimestamp),
      );
      // bank reads the tables the migration created (bank itself creates none), and the file
      // services/config/bank.json mounted at /etc/bank/config.json. Nothing changed since the
      // cold up's answer: this must already hold.
      const body = JSON.parse((await h.httpGet("bank.localhost")).body);
      expect(body.postgres.schema.version).toBe(1);
      expect(body.bank).toBe("localkube demo bank");

      // PostgreSQL from the laptop: psql on 127.0.0.1:15432, with the stack's secret output.
      ensureHostClients();
      const url = await h.must(
        "pulumi",
        ["stack", "output", "postgresUrl", "--show-secrets", "--stack", STACK, "--non-interactive"],
        { cwd: dir },
      );
      expect(url.stdout.trim()).toMatch(
        /^postgresql:\/\/app:[^@]+@127\.0\.0\.1:15432\/app\?sslmode=disable$/,
      );
      const psql = await h.must("psql", [
        url.stdout.trim(),
        "-At",
        "-c",
        "SELECT balance::int, currency FROM accounts WHERE id = 'demo'",
      ]);
      expect(psql.stdout.trim()).toBe("100|EUR");
    });
  },
  10 * 60_000,
);

test(
  "second up --expect-no-changes succeeds",
  async () => {
    const r = await timed("no-op up", () =>
      h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]),
    );
    expect(r.stdout + r.stderr).toMatch(/\d+ unchanged/);
    expect(r.code).toBe(0);
  },
  10 * 60_000,
);

test(
  "inner loop: an edit of bank's source rebuilds and rolls bank only",
  async () => {
    const before = await podUids();
    const app = path.join(dir, "services/bank/app.py");
    fs.writeFileSync(
      app,
      fs.readFileSync(app, "utf8").replace('GREETING = "bank v1"', 'GREETING = "bank v2"'),
    );

    const preview = await h.must(
      "pulumi",
      ["preview", "--json", "--stack", STACK, "--non-interactive"],
      { cwd: dir },
    );
    const changed = (JSON.parse(preview.stdout).steps as any[])
      .filter((s) => s.op !== "same")
      .map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    // bank-migrate runs bank's image: a new image is a new migration run (its Job replaced).
    expect(changed.sort()).toEqual([
      "replace platform-bank-migrate-job",
      "update platform-bank-deployment",
      "update platform-bank-image-image",
      "update platform-bank-migrate-ready",
      "update platform-bank-ready",
    ]);

    await timed("inner loop up", mustUp);
    expect(await h.eventually(bankAnswers("bank v2"), (ok) => ok, 60_000)).toBe(true);
    const after = await podUids();
    expect(after.price).toEqual(before.price);
    expect(after.postgres).toEqual(before.postgres);
    expect(after.bank).not.toEqual(before.bank);
  },
  20 * 60_000,
);

test(
  "a failing migration: up fails with the job's last log lines and bank keeps serving; the fix runs it again",
  async () => {
    const migrate = path.join(dir, "services/bank/migrate.py");
    const original = fs.readFileSync(migrate, "utf8");
    const bankBefore = (await podUids()).bank;
    fs.writeFileSync(
      migrate,
      original.replace(
        "VERSION = 1\n",
        'VERSION = 1\nraise SystemExit("bank-migrate: column balance_cents is missing")\n',
      ),
    );
    const failed = await timed("up with a failing migration", () => up());
    const text = failed.stdout + failed.stderr;
    expect(failed.code).not.toBe(0);
    expect(text).toContain(
      'bank-migrate in namespace localkube: the job failed: container bank-migrate exited with code 1 (Error); its last log line: "bank-migrate: column balance_cents is missing"',
    );
    expect(text).toContain("fix: fix what its log shows");
    // bank, which depends on the migration, was not rolled: its pods serve as before (this must
    // already hold: the failed up never touched bank).
    expect((await podUids()).bank).toEqual(bankBefore);
    expect(await bankAnswers("bank v2")()).toBe(true);

    fs.writeFileSync(migrate, original);
    await timed("up after the fix", mustUp);
    // Must already hold: the migration's gate waited for the Job to succeed.
    const job = await kubeJson(["get", "job", "bank-migrate"]);
    expect(job.status.succeeded).toBe(1);
    expect(await h.eventually(bankAnswers("bank v2"), (ok) => ok, 60_000)).toBe(true);
  },
  20 * 60_000,
);

test(
  "appliances: ledger registers a schema in the Schema Registry and round-trips a Kafka message",
  async () => {
    await timed("up with kafka + schema registry + ledger", () =>
      mustUp([
        "--config",
        "localkube:services=bank,ledger",
        "--config",
        "localkube:local=bank,ledger",
      ]),
    );
    const out = await h.outputs(dir, STACK);
    expect(out.appliances).toEqual(["postgres", "kafka", "schema-registry"]);
    const r = await h.eventually(
      () => h.httpGet("ledger.localhost"),
      (x) => x.status === 200,
      120_000,
    );
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.service).toBe("ledger");
    expect(body.schemaId).toEqual(expect.any(Number));
    expect(body.subject).toBe("ledger-entries-value");
    // The consumed record is Confluent wire format: magic byte 0, the registered schema's id, the entry.
    expect(body.consumed).toEqual({ magic: 0, schemaId: body.schemaId, entry: body.produced });
  },
  30 * 60_000,
);

test(
  "Kafka on the host: kcat on localhost:19092 sees the broker advertised there, produces and consumes a message",
  async () => {
    await timed("kafka from the host", async () => {
      ensureHostClients();
      const out = await h.outputs(dir, STACK);
      expect(out.hostAccess).toEqual({ postgres: "127.0.0.1:15432", kafka: "localhost:19092" });
      const meta = await h.must("kcat", ["-b", "localhost:19092", "-L", "-J", "-m", "30"]);
      expect(JSON.parse(meta.stdout).brokers).toEqual([
        expect.objectContaining({ name: "localhost:19092" }),
      ]);
      const message = `from-the-host-${Date.now()}`;
      const topic = "e2e-host-access";
      await h.must("kcat", ["-b", "localhost:19092", "-t", topic, "-P", "-m", "30"], {
        input: `${message}\n`,
        timeoutMs: 90_000,
      });
      const consumed = await h.must(
        "kcat",
        ["-b", "localhost:19092", "-t", topic, "-C", "-o", "-1", "-c", "1", "-e", "-q", "-m", "30"],
        { timeoutMs: 90_000 },
      );
      expect(consumed.stdout.trim()).toBe(message);
    });
  },
  10 * 60_000,
);

test(
  "a cron job, a chart and a secret: settlement runs from its CronJob with the secret, partner's chart answers with its local build; the secret is in no output, state or log",
  async () => {
    await h.must(
      "pulumi",
      [
        "config",
        "set",
        "--secret",
        "--stack",
        STACK,
        "localkube:secrets.settlementKey",
        SETTLEMENT_KEY,
        "--non-interactive",
      ],
      { cwd: dir },
    );
    const upRun = await timed("up with settlement + partner (chart, local build)", () =>
      mustUp([
        "--config",
        "localkube:services=bank,ledger,settlement,partner",
        "--config",
        "localkube:local=bank,ledger,partner",
      ]),
    );
    await timed("cron job, chart and secret checks", async () => {
      const out = await h.outputs(dir, STACK);
      expect(out.services).toEqual(["ledger", "price", "bank", "partner"]);
      expect(out.jobs).toEqual(["bank-migrate", "settlement"]);
      expect(out.urls.partner).toBe("http://partner.localhost");

      // partner, from its own Helm chart, answers through the ingress with its local build.
      const partner = await h.eventually(
        () => h.httpGet("partner.localhost"),
        (x) => x.status === 200,
        60_000,
      );
      expect(partner.status).toBe(200);
      const offer = JSON.parse(partner.body);
      expect(offer.message).toBe("partner v1");
      expect(offer.offer["EUR/USD"]).toBe(10.8);
      const deployment = await kubeJson(["get", "deployment", "partner"]);
      expect(deployment.spec.template.spec.containers[0].image).toMatch(
        new RegExp(`^${h.registryAddress()}/partner@sha256:[0-9a-f]{64}$`),
      );
      // The chart's own values, not localkube's: 1 replica (the catalog's values), its labels.
      expect(deployment.metadata.labels["app.kubernetes.io/instance"]).toBe("partner");

      // A run of settlement now: a Job created from the CronJob's template.
      const cron = await kubeJson(["get", "cronjob", "settlement"]);
      expect(cron.spec.schedule).toBe("0 2 * * *");
      await h.must("docker", [
        "exec",
        `${h.E2E.cluster}-control-plane`,
        "kubectl",
        "--kubeconfig",
        "/etc/kubernetes/admin.conf",
        "-n",
        "localkube",
        "create",
        "job",
        "settlement-e2e",
        "--from=cronjob/settlement",
      ]);
      const done = await h.kubectl([
        "-n",
        "localkube",
        "wait",
        "--for=condition=complete",
        "job/settlement-e2e",
        "--timeout=120s",
      ]);
      expect(done.stdout + done.stderr).toContain("condition met");
      // Its row went through bank, signed with the key: the secret reached the container.
      const settled = JSON.parse((await h.httpGet("bank.localhost", "/settlements")).body);
      const row = settled.settlements[0];
      expect(row.batch).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\/settlement-e2e-/);
      expect(row.signature).toBe(
        createHmac("sha256", SETTLEMENT_KEY).update(row.batch).digest("hex"),
      );

      // Nowhere in plaintext: stack outputs, the state, the update's output, the pods' logs.
      const encoded = Buffer.from(SETTLEMENT_KEY).toString("base64");
      const outputsText = (
        await h.must(
          "pulumi",
          ["stack", "output", "--json", "--stack", STACK, "--non-interactive"],
          {
            cwd: dir,
          },
        )
      ).stdout;
      const state = (
        await h.must("pulumi", ["stack", "export", "--stack", STACK, "--non-interactive"], {
          cwd: dir,
        })
      ).stdout;
      const logs = await h.kubectl(["-n", "localkube", "logs", "job/settlement-e2e"]);
      expect(logs.stdout).toContain("settlement: batch");
      for (const [what, text] of [
        ["stack outputs", outputsText],
        ["state", state],
        ["pulumi up's output", upRun.stdout + upRun.stderr],
        ["settlement's log", logs.stdout],
      ])
        expect([what, text.includes(SETTLEMENT_KEY) || text.includes(encoded)]).toEqual([
          what,
          false,
        ]);
    });

    // Back to the selection the next scenarios expect: partner and settlement are removed.
    await timed("up back to bank + ledger", () =>
      mustUp([
        "--config",
        "localkube:services=bank,ledger",
        "--config",
        "localkube:local=bank,ledger",
      ]),
    );
    // Deleted without waiting (skipAwait): gone within moments.
    const left = await h.eventually(
      () => h.kubectl(["get", "deployments,cronjobs", "-n", "localkube", "-o", "name"]),
      (r) => !/partner|settlement/.test(r.stdout),
      60_000,
    );
    expect(left.stdout).not.toMatch(/partner|settlement/);
  },
  30 * 60_000,
);

/** Files under `dir` holding a kubeconfig (what the Kubernetes provider writes at every configure). */
function kubeconfigsIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const text = fs.readFileSync(p, "utf8");
        if (/^kind: Config$/m.test(text) && /^clusters:/m.test(text))
          out.push(path.relative(dir, p));
      }
    }
  };
  walk(dir);
  return out;
}

test(
  "Gateway API: with ingress.api gateway, bank, price and ledger answer through Traefik's Gateway at *.localhost and rates (gRPC) through a GRPCRoute; back to ingress (rates left out) converges on the same cluster",
  async () => {
    const node = () =>
      h.lines("docker", ["inspect", "--format", "{{.Id}}", `${h.E2E.cluster}-control-plane`]);
    const cluster = node();
    expect(cluster).toHaveLength(1);
    const answers = async () =>
      Promise.all([
        h.httpGet("bank.localhost"),
        h.httpGet("price.localhost"),
        h.httpGet("ledger.localhost", "/healthz"),
      ]);
    const allAnswer = (rs: { status: number }[]) => rs.every((r) => r.status === 200);

    const ratesAnswers = async () => {
      try {
        return await grpc.quote(`127.0.0.1:${h.E2E.httpPort}`, "eur", {
          authority: "rates.localhost",
        });
      } catch (err) {
        return (err as Error).message;
      }
    };
    const quoted = (q: unknown) => typeof q === "object" && (q as any)?.pair === "EUR/USD";
    // rates (built from source) joins the selection: a gRPC service gets a GRPCRoute.
    await timed("up with ingress.api gateway", () =>
      mustUp([
        "--config",
        "localkube:ingress.api=gateway",
        "--config",
        "localkube:services=bank,ledger,rates",
        "--config",
        "localkube:local=bank,ledger,rates",
      ]),
    );
    await timed("gateway checks", async () => {
      // The Gateway API's CRDs, established; Traefik's Gateway, programmed; one route per service,
      // each accepted by it (the up waited for both); no Ingress left.
      for (const crd of ["gateways", "httproutes", "grpcroutes"]) {
        const established = await h.kubectl([
          "get",
          "crd",
          `${crd}.gateway.networking.k8s.io`,
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ]);
        expect([crd, established.stdout]).toEqual([crd, "True"]);
      }
      const gateway = JSON.parse(
        (await h.kubectl(["get", "gateway", "localkube", "-n", "traefik", "-o", "json"])).stdout,
      );
      expect(gateway.spec.gatewayClassName).toBe("localkube");
      expect(gateway.status.conditions.find((c: any) => c.type === "Programmed")?.status).toBe(
        "True",
      );
      const routes = (await kubeJson(["get", "httproutes"])).items;
      expect(routes.map((r: any) => [r.metadata.name, r.spec.hostnames]).sort()).toEqual([
        ["bank", ["bank.localhost"]],
        ["ledger", ["ledger.localhost"]],
        ["price", ["price.localhost"]],
      ]);
      const grpcRoutes = (await kubeJson(["get", "grpcroutes"])).items;
      expect(grpcRoutes.map((r: any) => [r.metadata.name, r.spec.hostnames])).toEqual([
        ["rates", ["rates.localhost"]],
      ]);
      for (const route of [...routes, ...grpcRoutes])
        expect([
          route.metadata.name,
          route.status.parents[0].parentRef.name,
          route.status.parents[0].conditions.find((c: any) => c.type === "Accepted")?.status,
        ]).toEqual([route.metadata.name, "localkube", "True"]);
      expect((await kubeJson(["get", "ingresses"])).items).toEqual([]);
      // Deleted Ingresses and new routes reach Traefik moments apart.
      const served = await h.eventually(answers, allAnswer, 60_000);
      expect(served.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(JSON.parse(served[0].body).price.pair).toBe("EUR/USD");
      expect(JSON.parse(served[1].body).service).toBe("price");
      // A new route reaches Traefik moments after it is accepted.
      const quote = await h.eventually(ratesAnswers, quoted, 60_000);
      expect(quote).toMatchObject({ pair: "EUR/USD", rate: 1.08 });
    });

    // Back to Ingresses, and to the selection the next scenarios expect (rates leaves).
    await timed("up back to ingress", () =>
      mustUp([
        "--config",
        "localkube:ingress.api=ingress",
        "--config",
        "localkube:services=bank,ledger",
        "--config",
        "localkube:local=bank,ledger",
      ]),
    );
    const ingresses = (await kubeJson(["get", "ingresses"])).items;
    expect(ingresses.map((i: any) => i.metadata.name).sort()).toEqual(["bank", "ledger", "price"]);
    // The routes are gone; their CRDs stay (a route someone made by hand would survive).
    expect((await kubeJson(["get", "httproutes"])).items).toEqual([]);
    expect((await kubeJson(["get", "grpcroutes"])).items).toEqual([]);
    const back = await h.eventually(answers, allAnswer, 60_000);
    expect(back.map((r) => r.status)).toEqual([200, 200, 200]);
    // Both switches converged on the same cluster: its node container was never replaced.
    expect(node()).toEqual(cluster);
  },
  20 * 60_000,
);

async function interruptedUp(signal: NodeJS.Signals, greeting: string) {
  const app = path.join(dir, "services/bank/app.py");
  fs.writeFileSync(
    app,
    fs.readFileSync(app, "utf8").replace(/GREETING = "[^"]*"/, `GREETING = "${greeting}"`),
  );
  let pid = 0;
  // The CLI the suite spawned (no shell in between): killed by its own pid, mid-build.
  const running = up([], (p) => (pid = p));
  await new Promise((r) => setTimeout(r, 6000));
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, signal);
  const interrupted = await running;
  expect(interrupted.code === 0 && interrupted.signal === null).toBe(false);
  return interrupted;
}

test.each([["SIGINT"], ["SIGKILL"]] as const)(
  "up interrupted with %s, then re-run: converges, no duplicates, no pending operations",
  async (signal) => {
    const greeting = `bank ${signal}`;
    await interruptedUp(signal, greeting);
    // Re-run the way the README says: the bring-up command (clears a killed update's stale lock).
    // Its engine gets a private TMPDIR, removed afterwards: the Kubernetes provider's kubeconfig
    // files (admin credentials, one per configure) do not outlive the run.
    const tmp = fs.mkdtempSync(path.join(h.ARTIFACTS, "tmp-up-"));
    const rerun = await timed(`re-run after ${signal}`, () =>
      h.run("bash", [path.join(dir, "scripts/up.sh"), "--skip-preview"], {
        cwd: dir,
        env: h.toolEnv({ LOCALKUBE_STACK: STACK, TMPDIR: tmp }),
      }),
    );
    if (rerun.code !== 0)
      throw new Error(
        `re-run failed:\n${(rerun.stdout + rerun.stderr).split("\n").slice(-40).join("\n")}`,
      );
    expect(kubeconfigsIn(tmp)).toEqual([]);
    const state = await checkpoint();
    expect(state.pending).toEqual([]);
    expect(new Set(state.urns).size).toBe(state.urns.length);
    const deployments = await h.kubectl([
      "get",
      "deployments",
      "-n",
      "localkube",
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]);
    expect(deployments.stdout.split(" ").sort()).toEqual([
      "bank",
      "ledger",
      "price",
      "schema-registry",
    ]);
    expect(await h.eventually(bankAnswers(greeting), (ok) => ok, 60_000)).toBe(true);
    // A plain `pulumi up` (what the README warns about) leaves the provider's kubeconfig behind.
    const plainTmp = fs.mkdtempSync(path.join(h.ARTIFACTS, "tmp-plain-"));
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK], {
      env: h.toolEnv({ TMPDIR: plainTmp }),
    });
    expect(noop.code).toBe(0);
    expect(kubeconfigsIn(plainTmp).length).toBeGreaterThan(0);
  },
  30 * 60_000,
);

/** bank's image as its Deployment runs it: `localhost:5051/bank@sha256:…`. */
async function bankImage(): Promise<string> {
  const d = await kubeJson(["get", "deployment", "bank"]);
  return d.spec.template.spec.containers[0].image as string;
}

/** Whether the stack's registry serves that image's manifest (what a node's pull asks first). */
async function registryServes(image: string): Promise<boolean> {
  const [repository, digest] = image.replace(/^localhost:\d+\//, "").split("@");
  const r = await h.run("curl", [
    "-s",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "-H",
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
    `http://127.0.0.1:${h.E2E.registryPort}/v2/${repository}/manifests/${digest}`,
  ]);
  return r.stdout === "200";
}

const registryVolume = `${h.E2E.registry}-data`;
/** The registry volume's identity: the uid label localkube created it with. */
const volumeUid = () =>
  h.lines("docker", [
    "volume",
    "inspect",
    "--format",
    '{{index .Labels "localkube.dev/volume-uid"}}',
    registryVolume,
  ])[0];

test(
  "faults: the registry container removed (volume kept): up runs it again on its volume and says so; bank's image is still served, nothing rebuilt",
  async () => {
    const image = await bankImage();
    const uid = volumeUid();
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await registryServes(image)).toBe(true);
    await h.must("docker", ["rm", "-f", h.E2E.registry]);
    const r = await timed("up after docker rm of the registry", mustUp);
    expect(r.stdout + r.stderr).toContain(
      `registry container "${h.E2E.registry}" is gone: it runs again on its volume "${registryVolume}", with the images it held`,
    );
    // Its volume is the same one: nothing built from source had to be pushed again.
    expect(volumeUid()).toBe(uid);
    expect(r.stdout).not.toMatch(/platform-bank-image-image.*(replaced|updated|created)/);
    expect(await registryServes(image)).toBe(true);
    expect(await bankImage()).toBe(image);
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    expect(noop.code).toBe(0);
  },
  20 * 60_000,
);

test(
  "faults: the registry container and its volume removed: up creates both and builds and pushes bank's image again, saying so",
  async () => {
    const image = await bankImage();
    await h.must("docker", ["rm", "-f", h.E2E.registry]);
    await h.must("docker", ["volume", "rm", registryVolume]);
    const r = await timed("up after the registry's volume was removed", mustUp);
    expect(r.stdout + r.stderr).toContain(
      `registry volume "${registryVolume}" is gone, and its container "${h.E2E.registry}" too: the registry starts empty, and every image built from source is built and pushed again`,
    );
    // The image is reproducible: pushed again under the same digest, so bank's pods stay.
    expect(await bankImage()).toBe(image);
    expect(await registryServes(image)).toBe(true);
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    expect(noop.code).toBe(0);
    // The stand-ins a company mirror serves went with the volume: put them back for what follows.
    await h.seedRegistry();
  },
  20 * 60_000,
);

test(
  "faults: the node container stopped (Docker restarted without it): up starts it, waits for the API server, and bank answers again",
  async () => {
    await h.must("docker", ["stop", `${h.E2E.cluster}-control-plane`]);
    const r = await timed("up after docker stop of the node", mustUp);
    expect(r.stdout + r.stderr).toContain(
      `kind cluster "${h.E2E.cluster}": node ${h.E2E.cluster}-control-plane is stopped (Docker restarted without it, or a laptop that slept badly): starting it and waiting for the API server`,
    );
    expect(
      h.lines("docker", [
        "inspect",
        "--format",
        "{{.State.Running}}",
        `${h.E2E.cluster}-control-plane`,
      ]),
    ).toEqual(["true"]);
    // The node's pods come back by themselves once it runs: waited for with a bound.
    expect(await h.eventually(bankAnswers("bank SIGKILL"), (ok) => ok, 180_000)).toBe(true);
  },
  20 * 60_000,
);

test(
  "faults: the laptop restarts (docker restart of node and registry): everything answers again without an up",
  async () => {
    await h.must("docker", ["restart", `${h.E2E.cluster}-control-plane`, h.E2E.registry]);
    expect(await h.eventually(bankAnswers("bank SIGKILL"), (ok) => ok, 180_000)).toBe(true);
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    expect(noop.code).toBe(0);
  },
  20 * 60_000,
);

test(
  "faults: a Deployment deleted by hand: plain pulumi up does not notice (no refresh); npm run up restores it",
  async () => {
    await h.kubectl(["delete", "deployment", "price", "-n", "localkube", "--wait=true"]);
    const plain = await h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", STACK]);
    expect(plain.code).toBe(0);
    // What the README says of plain `pulumi up`: it diffs against its state, not the cluster.
    expect((await h.kubectl(["get", "deployment", "price", "-n", "localkube"])).code).not.toBe(0);
    const restored = await timed("npm run up after a Deployment was deleted", () =>
      h.run("bash", [path.join(dir, "scripts/up.sh"), "--skip-preview"], {
        cwd: dir,
        env: h.toolEnv({ LOCALKUBE_STACK: STACK }),
      }),
    );
    expect(restored.code).toBe(0);
    const price = await h.eventually(
      () => h.httpGet("price.localhost", "/healthz"),
      (x) => x.status === 200,
      120_000,
    );
    expect(price.status).toBe(200);
  },
  20 * 60_000,
);

test(
  "cluster deleted out of band: the next up recreates everything",
  async () => {
    await h.must("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
    await timed("up after kind delete", mustUp);
    expect(await h.eventually(bankAnswers("bank SIGKILL"), (ok) => ok, 120_000)).toBe(true);
    const ledger = await h.eventually(
      () => h.httpGet("ledger.localhost"),
      (x) => x.status === 200,
      120_000,
    );
    expect(ledger.status).toBe(200);
  },
  30 * 60_000,
);

test(
  "cluster deleted out of band: destroy succeeds and leaves nothing behind",
  async () => {
    await h.must("kind", ["delete", "cluster", "--name", h.E2E.cluster]);
    const r = await timed("destroy (cluster gone)", () =>
      h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]),
    );
    expect(r.code).toBe(0);
    expect((await checkpoint()).urns).toEqual([]);
    expect(h.leftovers()).toEqual({
      clusters: [],
      containers: [],
      volumes: [],
      networks: [],
      contexts: [],
    });
  },
  20 * 60_000,
);

test(
  "up again from nothing, then destroy leaves no container, network, volume or kube context",
  async () => {
    await h.seedRegistry();
    await timed("cold up (2)", mustUp);
    expect(await h.eventually(bankAnswers("bank SIGKILL"), (ok) => ok, 120_000)).toBe(true);
    const r = await timed("destroy", () =>
      h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]),
    );
    expect(r.code).toBe(0);
    expect((await checkpoint()).urns).toEqual([]);
    expect(h.leftovers()).toEqual({
      clusters: [],
      containers: [],
      volumes: [],
      networks: [],
      contexts: [],
    });
  },
  30 * 60_000,
);
