/**
 * Upgrading Kubernetes the way a user does: the local stack up on the previous minor version, then
 * `localkube:cluster.nodeImage` changed to the newest and `up` again. The cluster is replaced, the
 * example stack answers before and after, registry images survive, appliance data does not.
 *
 * Opt-in (LOCALKUBE_E2E_UPGRADE=1), not in CI: it needs a second node image
 * (LOCALKUBE_K8S_PREVIOUS_VERSION of toolchain/kind/versions.sh, built here with the same scripts:
 * ~8 minutes on 2 cores the first time with a warm toolchain, cached after that).
 */
import * as path from "path";
import * as h from "./harness";

const enabled = process.env.LOCALKUBE_E2E_UPGRADE === "1";
const STACK = "lk-e2e-upgrade";
/** The registry container's URN suffix (the local environment's registry). */
const REGISTRY_CONTAINER = "::local-registry-container";
let dir: string;
const timings: Record<string, number> = {};

/** The toolchain's pinned versions: [previous minor's release, newest release]. */
function versions(): [string, string] {
  const script = path.join(h.TOOLCHAIN, "kind/versions.sh");
  const [previous, newest] = h.lines("bash", [
    "-c",
    `. "${script}" && echo "$LOCALKUBE_K8S_PREVIOUS_VERSION" && echo "$LOCALKUBE_K8S_VERSION"`,
  ]);
  return [previous, newest];
}
const [FROM, TO] = versions();
const image = (version: string) => `localkube-e2e/kind-node:${version}`;

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = (Date.now() - t0) / 1000;
  }
}

async function mustUp(extra: string[] = []) {
  const r = await h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", STACK, ...extra]);
  if (r.code !== 0)
    throw new Error(
      `pulumi up failed (${r.code}):\n${(r.stdout + r.stderr).split("\n").slice(-60).join("\n")}`,
    );
  return r;
}

const kubeletVersion = async () =>
  (
    await h.kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.nodeInfo.kubeletVersion}"])
  ).stdout.trim();

const bankImage = async () =>
  (
    await h.kubectl([
      "get",
      "deployment",
      "bank",
      "-n",
      "localkube",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ])
  ).stdout.trim();

/** Tables named `upgrade_marker` in the app database (0 or 1). */
const markerTables = async () =>
  (
    await h.kubectl([
      "exec",
      "-n",
      "localkube",
      "postgres-0",
      "--",
      "psql",
      "-U",
      "app",
      "-d",
      "app",
      "-tAc",
      "select count(*) from pg_tables where tablename = 'upgrade_marker'",
    ])
  ).stdout.trim();

const bankAnswers = async () => {
  const r = await h.eventually(
    () => h.httpGet("bank.localhost"),
    (x) => x.status === 200,
    180_000,
  );
  expect(r.status).toBe(200);
  const body = JSON.parse(r.body);
  expect(body.message).toBe("bank v1");
  expect(body.postgres.server).toMatch(/^PostgreSQL 15\./);
  expect(body.price.pair).toBe("EUR/USD");
};

const registryId = () =>
  h.lines("docker", ["inspect", "--type", "container", "--format", "{{.Id}}", h.E2E.registry])[0];

(enabled ? describe : describe.skip)(`upgrade ${FROM} → ${TO}`, () => {
  let before: { image: string; registry: string };

  beforeAll(async () => {
    await timed("toolchain", h.ensureToolchain);
    await timed(`node image ${FROM}`, () =>
      h.must("bash", [path.join(h.TOOLCHAIN, "node-image.sh"), FROM], {
        timeoutMs: 90 * 60_000,
        onLine: (line) => process.stderr.write(`${line}\n`),
      }),
    );
    await h.seedRegistry();
    dir = h.projectCopy("upgrade");
    await h.initStack(dir, STACK, {
      ...h.localE2eConfig(),
      "localkube:cluster.nodeImage": image(FROM),
      "localkube:services": "bank",
      "localkube:local": "bank",
      "localkube:images.overrides": JSON.stringify({ price: h.mirrored("localkube-e2e/price:1") }),
    });
  }, 120 * 60_000);

  afterAll(async () => {
    console.log(`upgrade scenario timings (s): ${JSON.stringify(timings)}`);
    if (dir) await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]);
  }, 20 * 60_000);

  test(
    `up on ${FROM}: the example stack answers`,
    async () => {
      await timed(`up (${FROM})`, mustUp);
      expect(await kubeletVersion()).toBe(FROM);
      await bankAnswers();
      // Data that only the cluster holds: a table in the appliance database.
      const created = await h.kubectl([
        "exec",
        "-n",
        "localkube",
        "postgres-0",
        "--",
        "psql",
        "-U",
        "app",
        "-d",
        "app",
        "-c",
        "create table upgrade_marker (x int)",
      ]);
      expect(created.code).toBe(0);
      expect(await markerTables()).toBe("1");
      before = { image: await bankImage(), registry: registryId() };
      expect(before.image).toMatch(new RegExp(`^${h.registryAddress()}/bank@sha256:[0-9a-f]{64}$`));
    },
    30 * 60_000,
  );

  test(
    `nodeImage → ${TO}: preview shows the cluster replaced; up converges everything on ${TO}`,
    async () => {
      await h.must(
        "pulumi",
        [
          "config",
          "set",
          "--stack",
          STACK,
          "localkube:cluster.nodeImage",
          image(TO),
          "--non-interactive",
        ],
        { cwd: dir },
      );
      const preview = await h.must(
        "pulumi",
        ["preview", "--json", "--stack", STACK, "--non-interactive"],
        { cwd: dir },
      );
      const steps = JSON.parse(preview.stdout).steps as { op: string; urn: string }[];
      const cluster = steps.filter((s) => s.urn.endsWith("::local-kind-cluster"));
      expect(cluster.map((s) => s.op)).toContain("replace");
      // The registry container (and so its images) is not touched: it is in the state, and the
      // preview has no step for it but "same" (`preview --json` leaves unchanged resources out).
      const urns = (await h.deployment(dir, STACK)).resources.map((r) => r.urn);
      expect(urns.filter((u) => u.endsWith(REGISTRY_CONTAINER))).toHaveLength(1);
      expect(steps.filter((s) => s.urn.endsWith(REGISTRY_CONTAINER) && s.op !== "same")).toEqual(
        [],
      );

      await timed(`up (${FROM} → ${TO})`, mustUp);
      expect(await kubeletVersion()).toBe(TO);
      await bankAnswers();
      // Images in the registry survive: bank is not rebuilt, the same digest runs.
      expect(await bankImage()).toBe(before.image);
      expect(registryId()).toBe(before.registry);
      // Appliance data does not: the database is a new, empty one.
      expect(await markerTables()).toBe("0");

      const noop = await timed("no-op up", () =>
        h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]),
      );
      expect(noop.code).toBe(0);
    },
    40 * 60_000,
  );
});
