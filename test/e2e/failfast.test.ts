/**
 * `pulumi up` fails fast and says why, on a real cluster: a published image that does not exist,
 * a service that exits at start, a readiness probe that keeps failing, an appliance image that
 * cannot be pulled, a branch sandbox whose quota cannot fit the service. Each case breaks one
 * thing, checks the failure's time and words, fixes it and checks that the next `up` converges.
 * One local stack (a small catalog of its own) and one branch sandbox in its cluster.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as h from "./harness";

const STACK = "failfast";
const BRANCH = "branch-quota";
let dir: string;
let catalog: string;
const timings: Record<string, number> = {};

const GOOD_PRICE = h.mirrored("localkube-e2e/price:1");
const MISSING = `${h.registryAddress()}/mirror/does-not-exist:1`;

/** `board`: shows price's quotes; runs the price stand-in image, and waits for price. */
function board(
  extra: { env?: string; probePath?: string; command?: string; dependsOn?: string } = {},
): string {
  return [
    "description: Quote board",
    `image: { repository: "${h.registryAddress()}/mirror/price", tag: "1" }`,
    ...(extra.command ? [`command: ${extra.command}`] : []),
    "ports: [{ name: http, containerPort: 8080, servicePort: 80 }]",
    ...(extra.env ? [`env: { ${extra.env} }`] : []),
    "resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { memory: 128Mi } }",
    `probes: { readiness: { httpGet: { path: ${extra.probePath ?? "/healthz"}, port: http }, periodSeconds: 2 } }`,
    "ingress: { host: board }",
    `dependsOn: ${extra.dependsOn ?? "[price]"}`,
    "",
  ].join("\n");
}

const writeBoard = (extra: Parameters<typeof board>[0] = {}) =>
  fs.writeFileSync(path.join(catalog, "board.yaml"), board(extra));

const config = (stack: string, key: string, value: string) =>
  h.must("pulumi", ["config", "set", "--stack", stack, key, value, "--non-interactive"], {
    cwd: dir,
  });
const configRm = (stack: string, key: string) =>
  h.must("pulumi", ["config", "rm", "--stack", stack, key, "--non-interactive"], { cwd: dir });

const up = (stack = STACK, extra: string[] = []) =>
  h.pulumi(dir, ["up", "--yes", "--skip-preview", "--stack", stack, ...extra]);

/** An `up` that must fail: its exit code, time and output (stdout + stderr). */
async function failingUp(name: string, stack = STACK) {
  const r = await up(stack);
  timings[name] = r.seconds;
  const text = r.stdout + r.stderr;
  if (r.code === 0) throw new Error(`${name}: pulumi up succeeded:\n${text.slice(-3000)}`);
  return { seconds: r.seconds, text };
}

/** An `up` that must converge. */
async function convergingUp(name: string, stack = STACK, extra: string[] = []) {
  const r = await up(stack, extra);
  timings[name] = r.seconds;
  if (r.code !== 0)
    throw new Error(
      `${name}: pulumi up failed (${r.code}):\n${(r.stdout + r.stderr).split("\n").slice(-60).join("\n")}`,
    );
  return r;
}

/**
 * One case: `breakIt`, an `up` that must fail (checked by `check`), then — even when a check
 * failed, so that the next case starts from a working stack — `fix` and an `up` that must converge.
 */
async function breakAndFix(
  name: string,
  steps: {
    breakIt: () => Promise<unknown>;
    check: (failed: { seconds: number; text: string }) => Promise<void>;
    fix: () => Promise<unknown>;
    stack?: string;
  },
) {
  await steps.breakIt();
  try {
    await steps.check(await failingUp(`${name}: failed up`, steps.stack));
  } finally {
    await steps.fix();
    await convergingUp(`${name}: fixed up`, steps.stack);
  }
}

const exists = async (kind: string, name: string, namespace = "localkube") =>
  (await h.kubectl(["get", kind, name, "-n", namespace])).code === 0;

const answers = (host: string) =>
  h.eventually(
    () => h.httpGet(host, "/healthz"),
    (r) => r.status === 200,
    60_000,
  );

beforeAll(async () => {
  await h.ensureToolchain();
  await h.seedRegistry();
  dir = h.projectCopy("failfast");
  catalog = path.join(dir, "failfast-services");
  fs.mkdirSync(catalog, { recursive: true });
  fs.copyFileSync(path.join(dir, "services/price.yaml"), path.join(catalog, "price.yaml"));
  writeBoard();
  await h.initStack(dir, STACK, {
    ...h.localE2eConfig(),
    "localkube:catalogDir": catalog,
    "localkube:services": "price",
    "localkube:images.overrides": JSON.stringify({ price: GOOD_PRICE }),
  });
  await convergingUp("cold up (price)");
}, 90 * 60_000);

afterAll(async () => {
  fs.mkdirSync(h.ARTIFACTS, { recursive: true });
  fs.writeFileSync(
    path.join(h.ARTIFACTS, "failfast-timings.json"),
    JSON.stringify(timings, null, 2),
  );
  console.log(`fail-fast timings (s): ${JSON.stringify(timings)}`);
  await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", BRANCH]);
  await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]);
}, 20 * 60_000);

test(
  "a published image that does not exist: up fails within 60 s naming the image and the config key; its dependent is not created; price keeps serving; the fix converges",
  async () => {
    await config(STACK, "localkube:services", "price,board");
    await breakAndFix("missing image", {
      breakIt: () =>
        config(STACK, "localkube:images.overrides", JSON.stringify({ price: MISSING })),
      check: async (failed) => {
        expect(failed.seconds).toBeLessThanOrEqual(60);
        // containerd 2 reports the local registry's "not found"; containerd 1.x only its fallback
        // to localhost inside the node.
        expect(failed.text).toMatch(
          /price in namespace localkube: image "localhost:5051\/mirror\/does-not-exist:1" cannot be pulled \((ErrImagePull|ImagePullBackOff)\): (the registry answered "not found"|the local registry at localhost:5051 does not have it, or is not running)/,
        );
        expect(failed.text).toContain(
          'fix: the image was chosen by `localkube:images.overrides` (entry "price"): correct that entry, or publish the image there, then run `pulumi up` again',
        );
        // The dependent was never created; the running price (ready before) stays: the failed up
        // left its pods alone, so this must already hold.
        expect(await exists("deployment", "board")).toBe(false);
        expect((await h.httpGet("price.localhost", "/healthz")).status).toBe(200);
      },
      fix: () => config(STACK, "localkube:images.overrides", JSON.stringify({ price: GOOD_PRICE })),
    });
    expect((await answers("board.localhost")).status).toBe(200);
  },
  20 * 60_000,
);

test(
  "a service whose process exits 1 at start: up fails naming its exit code and last log line; the fix converges",
  async () => {
    await breakAndFix("crash at start", {
      breakIt: async () => writeBoard({ env: 'PORT: "not-a-port"' }),
      check: async (failed) => {
        expect(failed.seconds).toBeLessThanOrEqual(90);
        expect(failed.text).toMatch(
          /board in namespace localkube (keeps crashing|crashed): container board exited with code 1 \(Error\)/,
        );
        expect(failed.text).toContain(
          `its last log line: "ValueError: invalid literal for int() with base 10: 'not-a-port'"`,
        );
        expect(failed.text).toContain("Traceback (most recent call last):");
        // The board that was ready before still answers (must already hold: the new pods crash,
        // the old ones keep serving).
        expect((await h.httpGet("board.localhost", "/healthz")).status).toBe(200);
      },
      fix: async () => writeBoard(),
    });
    expect((await answers("board.localhost")).status).toBe(200);
  },
  20 * 60_000,
);

test(
  "a readiness probe that keeps failing: up fails after localkube:readyTimeout with the probe's last failure; the fix converges with no changes left",
  async () => {
    await breakAndFix("failing probe (readyTimeout 20s)", {
      breakIt: async () => {
        await config(STACK, "localkube:readyTimeout", "20s");
        writeBoard({ probePath: "/not-there" });
      },
      check: async (failed) => {
        expect(failed.seconds).toBeGreaterThanOrEqual(20);
        expect(failed.seconds).toBeLessThanOrEqual(80);
        expect(failed.text).toContain(
          "board in namespace localkube did not become ready within 20s (localkube:readyTimeout)",
        );
        expect(failed.text).toContain(
          "board in namespace localkube is not ready: Readiness probe failed: HTTP probe failed with statuscode: 404",
        );
      },
      fix: async () => {
        writeBoard();
        await configRm(STACK, "localkube:readyTimeout");
      },
    });
    const noop = await h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]);
    timings["no-op up"] = noop.seconds;
    expect(noop.code).toBe(0);
  },
  20 * 60_000,
);

test(
  "an appliance image that cannot be pulled: up fails naming localkube:appliances.postgres.image; the fix converges (the stuck StatefulSet pod is replaced)",
  async () => {
    const good = h.localE2eConfig()["localkube:appliances.postgres.image"];
    const missing = `${h.registryAddress()}/mirror/postgres:does-not-exist`;
    await config(STACK, "localkube:services", "price,board,postgres");
    await breakAndFix("appliance image", {
      breakIt: () => config(STACK, "localkube:appliances.postgres.image", missing),
      check: async (failed) => {
        expect(failed.seconds).toBeLessThanOrEqual(60);
        expect(failed.text).toContain(
          `postgres in namespace localkube: image "${missing}" cannot be pulled`,
        );
        expect(failed.text).toContain(
          "fix: the image was chosen by `localkube:appliances.postgres.image`: correct it, or mirror the image there, then run `pulumi up` again",
        );
      },
      fix: () => config(STACK, "localkube:appliances.postgres.image", good),
    });
    const ready = await h.kubectl([
      "get",
      "statefulset",
      "postgres",
      "-n",
      "localkube",
      "-o",
      "jsonpath={.status.readyReplicas}/{.status.currentRevision}/{.status.updateRevision}",
    ]);
    const [readyReplicas, current, update] = ready.stdout.split("/");
    expect([readyReplicas, current]).toEqual(["1", update]);
  },
  20 * 60_000,
);

test(
  "a crash that prints its DATABASE_URL and password: the error shows [secret]; neither it nor the state backend's files hold the values",
  async () => {
    // postgres is deployed (previous case): board reads its connection Secret.
    const secret = JSON.parse(
      (await h.kubectl(["get", "secret", "postgres-connection", "-n", "localkube", "-o", "json"]))
        .stdout,
    );
    const decode = (k: string) => Buffer.from(secret.data[k], "base64").toString("utf8");
    const [url, password] = [decode("DATABASE_URL"), decode("PGPASSWORD")];
    expect(url).toContain(password);
    await breakAndFix("crash printing DATABASE_URL", {
      breakIt: async () =>
        writeBoard({
          command: `[sh, -c, 'echo "connecting to $DATABASE_URL"; echo "password=$PGPASSWORD"; exit 1']`,
          dependsOn: "[price, postgres]",
        }),
      check: async (failed) => {
        expect(failed.text).toMatch(
          /board in namespace localkube (keeps crashing|crashed): container board exited with code 1 \(Error\)/,
        );
        expect(failed.text).toContain('its last log line: "password=[secret]"');
        expect(failed.text).toContain("connecting to [secret]");
        expect(failed.text).not.toContain(password);
        // Nothing the backend keeps (checkpoints, their backups, the update history) holds them.
        expect(fs.readdirSync(h.stateDir())).toContain(".pulumi");
        const kept = spawnSync("grep", ["-rlF", "-e", password, "-e", url, h.stateDir()]);
        expect([kept.status, kept.stdout.toString()]).toEqual([1, ""]); // 1: no match, no error
      },
      fix: async () => writeBoard(),
    });
    expect((await answers("board.localhost")).status).toBe(200);
  },
  20 * 60_000,
);

test(
  "a branch sandbox whose quota cannot fit the service: up fails with the quota message and the key to raise; the fix converges",
  async () => {
    await h.initStack(dir, BRANCH, {
      "localkube:kubeContext": `kind-${h.E2E.cluster}`,
      "localkube:catalogDir": catalog,
      "localkube:services": "price",
      "localkube:baseDomain": "localhost",
      "localkube:ingress.namespace": "traefik",
      "localkube:gitSha": "0123abc",
      "localkube:owner": "e2e@localkube.test",
      "localkube:images.overrides": JSON.stringify({ price: GOOD_PRICE }),
    });
    await breakAndFix("branch quota", {
      stack: BRANCH,
      // price requests 20m of CPU.
      breakIt: () => config(BRANCH, "localkube:quota.cpu", "10m"),
      check: async (failed) => {
        expect(failed.seconds).toBeLessThanOrEqual(90);
        expect(failed.text).toMatch(
          /price in namespace branch-quota: Kubernetes refuses to create its pods: pods "price-[a-z0-9-]+" is forbidden: exceeded quota: sandbox, requested: requests\.cpu=20m, used: requests\.cpu=0, limited: requests\.cpu=10m/,
        );
        expect(failed.text).toContain(
          'fix: the namespace\'s ResourceQuota "sandbox" has no room for it: raise localkube:quota.cpu, or lower resources.requests in',
        );
      },
      fix: () => config(BRANCH, "localkube:quota.cpu", "1"),
    });
    expect((await answers("price.quota.localhost")).status).toBe(200);
    const destroyed = await h.pulumi(dir, [
      "destroy",
      "--yes",
      "--skip-preview",
      "--stack",
      BRANCH,
    ]);
    expect(destroyed.code).toBe(0);
  },
  20 * 60_000,
);
