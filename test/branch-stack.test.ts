import { gitOutput } from "../host/git";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as pulumiType from "@pulumi/pulumi";
import {
  installMocks,
  MOCK_CREATED_MS,
  MOCK_PASSWORD,
  ofType,
  promiseOf,
  Registered,
  settle,
  fakeConfig,
} from "./mocks";

const registered: Registered[] = installMocks();
// A whole program under mocks takes seconds on a busy machine.
jest.setTimeout(30_000);
let mod: typeof import("../stacks/branchStack");
beforeAll(async () => {
  mod = await import("../stacks/branchStack");
}, 60_000);
beforeEach(() => {
  registered.splice(0);
  gitCalls.splice(0);
  notes.splice(0);
});

const REPO = path.resolve(__dirname, "..");
const STACK_FILE = "Pulumi.branch-foo.yaml";
const PASSWORD = "registry-Pa55-7d1e";
const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters: [{name: c, cluster: {server: 'https://k8s.acme.dev'}}]",
  "contexts: [{name: sandboxes, context: {cluster: c, user: u}}, {name: ops, context: {cluster: c, user: u}}]",
  "users: [{name: u, user: {token: Kube-T0ken-55}}]",
  "",
].join("\n");
const DIGEST = "sha256:0123456789abcdef";

/** The stack's own config, as `pulumi config set [--secret] localkube:<key>` would hold it. */
const source = (values: Record<string, string>, secrets: Record<string, string> = {}) =>
  fakeConfig(values, secrets, STACK_FILE);

/** A defaults file like Pulumi.branch.yaml, in a temp dir; `raw` lines are appended as they are. */
function defaultsFile(config: Record<string, string>, raw: string[] = []): string {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), "lk-branch-")),
    "Pulumi.branch.yaml",
  );
  const lines = Object.entries(config).map(([k, v]) => `  localkube:${k}: ${JSON.stringify(v)}`);
  fs.writeFileSync(file, `config:\n${[...lines, ...raw].join("\n")}\n`);
  return file;
}
/** How messages name a defaults file: relative to where `pulumi` runs. */
const shown = (file: string) => path.relative(process.cwd(), file);

const gitCalls: string[][] = [];
const notes: string[] = [];
const git = (args: readonly string[]) => {
  gitCalls.push([...args]);
  return args[0] === "rev-parse" ? "3f2a1c9" : "Dev Person";
};

interface RunOptions {
  readonly defaults?: string;
  readonly secrets?: Record<string, string>;
  readonly git?: (args: readonly string[]) => string | undefined;
}

async function run(stack: string, values: Record<string, string>, o: RunOptions = {}) {
  const out = await mod.branchStack(
    stack,
    source({ catalogDir: path.join(REPO, "services"), ...values }, o.secrets),
    {
      git: o.git ?? git,
      defaultsFile: o.defaults ?? defaultsFile({}),
      log: (m, level) => notes.push(`${level}: ${m}`),
    },
  );
  await settle(registered);
  return out;
}

/** Every output resolved, as `pulumi stack output --show-secrets` would print them. */
async function resolved(out: Record<string, unknown>) {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) r[k] = await promiseOf(v as pulumiType.Input<unknown>);
  return r;
}

const names = (type: string) =>
  ofType(registered, type)
    .map((r) => r.name)
    .sort();
const deployment = (name: string) =>
  ofType(registered, "kubernetes:apps/v1:Deployment").find(
    (r) => r.name === `platform-${name}-deployment`,
  )!;
const hash6 = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 6);

describe("branch stack: a bare `pulumi stack init branch-foo`", () => {
  test("the project's Pulumi.branch.yaml and built-in defaults deploy the whole catalog, published images, per-branch appliances", async () => {
    // A stack whose only config is the secret the example catalog's settlement needs
    // (`pulumi config set --secret localkube:secrets.settlementKey …`), read through the real
    // Pulumi config, as the engine hands it to the program.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const store = require("@pulumi/pulumi/runtime/state").getStore();
    const saved = {
      env: process.env.PULUMI_CONFIG,
      store: store.config.PULUMI_CONFIG,
      secretKeys: store.config.PULUMI_CONFIG_SECRET_KEYS,
    };
    process.env.PULUMI_CONFIG = store.config.PULUMI_CONFIG = JSON.stringify({
      "localkube:secrets.settlementKey": "Settle-K3y",
    });
    store.config.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(["localkube:secrets.settlementKey"]);
    const { pulumiConfigSource } = await import("../config/source");
    let out;
    try {
      out = await mod.branchStack("branch-foo", pulumiConfigSource("branch-foo"), {
        git,
        log: (m, level) => notes.push(`${level}: ${m}`),
      });
    } finally {
      if (saved.env === undefined) delete process.env.PULUMI_CONFIG;
      else process.env.PULUMI_CONFIG = saved.env;
      store.config.PULUMI_CONFIG = saved.store;
      store.config.PULUMI_CONFIG_SECRET_KEYS = saved.secretKeys;
    }
    await settle(registered);
    expect(await resolved(out)).toEqual({
      branch: "foo",
      slug: "foo",
      namespace: "branch-foo",
      gitSha: "3f2a1c9",
      createdAt: "2026-11-24T12:00:00.000Z",
      expiresAt: "2026-11-27T12:00:00.000Z",
      imageTag: "foo-3f2a1c9",
      services: ["ledger", "price", "bank", "fx", "partner", "rates", "web"],
      jobs: ["bank-migrate", "settlement"],
      appliances: ["postgres", "kafka", "schema-registry"],
      sharedAppliances: [],
      addons: [],
      builtFromSource: [],
      urls: {
        bank: "http://bank.foo.sandbox.localhost",
        fx: "http://fx.foo.sandbox.localhost",
        ledger: "http://ledger.foo.sandbox.localhost",
        partner: "http://partner.foo.sandbox.localhost",
        price: "http://price.foo.sandbox.localhost",
        rates: "http://rates.foo.sandbox.localhost",
        web: "http://www.foo.sandbox.localhost",
      },
      // Nothing is built from source: the dev loop has no image of its own to build.
      devLoop: { builds: {}, readyTimeoutSeconds: 600 },
    });
    expect(names("kubernetes:core/v1:Namespace")).toEqual(["sandbox-namespace"]);
    // Readiness gates go with the namespace, like the workloads they wait for.
    const namespace = one("kubernetes:core/v1:Namespace").urn;
    expect(
      ofType(registered, "pulumi-nodejs:dynamic/localkube:WorkloadReady")
        .map((g) => [g.name, g.deletedWith === namespace])
        .sort(),
    ).toEqual(
      [
        "platform-appliances-kafka-ready",
        "platform-appliances-postgres-ready",
        "platform-appliances-schema-registry-ready",
        "platform-bank-migrate-ready",
        "platform-bank-ready",
        "platform-fx-ready",
        "platform-ledger-ready",
        "platform-price-ready",
        "platform-rates-ready",
        "platform-web-ready",
      ].map((name) => [name, true]),
    );
    expect(names("docker-build:index:Image")).toEqual([]);
    expect(names("kubernetes:apps/v1:StatefulSet")).toEqual([
      "platform-appliances-kafka-statefulset",
      "platform-appliances-postgres-statefulset",
    ]);
    expect(deployment("price").inputs.spec.template.spec.containers[0].image).toBe(
      "ghcr.io/localkube-example/price:latest",
    );
    expect(deployment("price").inputs.metadata.namespace).toBe("branch-foo");
    expect(deployment("price").inputs.spec.template.spec.imagePullSecrets).toEqual([]);
    // Objects of a team's YAML files that name no namespace go to the sandbox's.
    expect(one("pulumi:providers:kubernetes").inputs).toEqual({
      deleteUnreachable: "true",
      namespace: "branch-foo",
    });
    expect(gitCalls).toEqual([
      ["rev-parse", "--short=7", "HEAD"],
      ["config", "user.name"],
    ]);
    expect(notes).toEqual([]);
  });
});

const one = (type: string) => {
  const found = ofType(registered, type);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("branch stack: config precedence", () => {
  test("the stack's own values win over Pulumi.branch.yaml, which wins over built-in defaults", async () => {
    const defaults = defaultsFile({
      "quota.cpu": "6",
      "quota.memory": "4Gi",
      services: "bank",
      ttl: "1h",
    });
    const out = await run("branch-p", { services: "price", "quota.cpu": "2" }, { defaults });
    expect(one("kubernetes:core/v1:ResourceQuota").inputs.spec.hard).toEqual({
      "requests.cpu": "2",
      "requests.memory": "4Gi",
      "limits.memory": "4Gi",
      pods: "30",
    });
    expect(names("kubernetes:apps/v1:Deployment")).toEqual(["platform-price-deployment"]);
    expect(await promiseOf(out.expiresAt)).toBe("2026-11-24T13:00:00.000Z");
  });

  test("lists in Pulumi.branch.yaml may be YAML lists", async () => {
    const out = await run(
      "branch-p",
      {},
      { defaults: defaultsFile({}, ["  localkube:services: [price]"]) },
    );
    expect(out.services).toEqual(["price"]);
  });

  test("a bad value is reported with the file it was set in", async () => {
    const defaults = defaultsFile({ "quota.memory": "lots", "quota.cpu": "2" });
    await expect(run("branch-p", { "quota.cpu": "many" }, { defaults })).rejects.toThrow(
      "invalid configuration (2 problems):\n" +
        `  - ${STACK_FILE}: \`localkube:quota.cpu\`: "many" is not allowed: use a CPU quantity such as 100m, 0.5 or 2; fix: pulumi config set localkube:quota.cpu 4\n` +
        `  - ${shown(defaults)}: \`localkube:quota.memory\`: "lots" is not allowed: use a size such as 512Mi or 2Gi; fix: pulumi config set localkube:quota.memory 8Gi`,
    );
    expect(registered).toEqual([]);
  });

  test("secrets cannot be shared defaults", async () => {
    const defaults = defaultsFile({}, ["  localkube:registry.password:", "    secure: AAABAKx1"]);
    await expect(run("branch-p", {}, { defaults })).rejects.toThrow(
      `invalid defaults file: ${shown(defaults)}: \`config.localkube:registry.password\`: encrypted values cannot be shared defaults (each stack has its own key); set it per stack with \`pulumi config set --secret localkube:registry.password …\``,
    );
  });

  test("registry credentials come in pairs", async () => {
    await expect(
      run("branch-p", { services: "price", "registry.username": "bot" }),
    ).rejects.toThrow(
      `invalid configuration (2 problems):\n` +
        `  - ${STACK_FILE}: \`localkube:registry.username\`: is set but localkube:registry.password is not; set both, or neither for an anonymous registry\n` +
        `  - ${STACK_FILE}: \`localkube:registry.address\`: is not set, but registry credentials are; name the registry they log in to; fix: pulumi config set localkube:registry.address ghcr.io/acme/sandboxes`,
    );
    await expect(
      run(
        "branch-p",
        { services: "price", "registry.address": "ghcr.io/acme" },
        { secrets: { "registry.password": PASSWORD } },
      ),
    ).rejects.toThrow(
      `invalid configuration: ${STACK_FILE}: \`localkube:registry.password\`: is set but localkube:registry.username is not; set both, or neither for an anonymous registry`,
    );
  });

  test("a value meant to be secret set without --secret is refused with the command that encrypts it, never repeated", async () => {
    const plain = "Plain-T3xt-Secret";
    await expect(
      run("branch-p", {
        services: "price",
        "registry.address": "ghcr.io/acme",
        "registry.username": "bot",
        "registry.password": plain,
        "shared.postgres": `postgresql://u:${plain}@db:5432/x`,
        kubeconfig: "clusters: [{}]",
      }),
    ).rejects.toThrow(
      `invalid configuration (3 problems):\n` +
        `  - ${STACK_FILE}: \`localkube:registry.password\`: is set in plaintext, but it is a secret (its value is not shown here); encrypt it: \`pulumi config set --secret localkube:registry.password …\`\n` +
        `  - ${STACK_FILE}: \`localkube:shared.postgres\`: is set in plaintext, but it is a secret (its value is not shown here); encrypt it: \`pulumi config set --secret localkube:shared.postgres 'postgres://user:password@host:5432/database'\`\n` +
        `  - ${STACK_FILE}: \`localkube:kubeconfig\`: is set in plaintext, but it is a secret (its value is not shown here); encrypt it: \`pulumi config set --secret localkube:kubeconfig "$(cat kubeconfig)"\``,
    );
    await expect(
      run("branch-p", { services: "price", "registry.password": plain }),
    ).rejects.not.toThrow(plain);
  });

  test("a TTL must be a duration", async () => {
    await expect(run("branch-p", { ttl: "3 days" })).rejects.toThrow(
      `invalid configuration: ${STACK_FILE}: \`localkube:ttl\`: "3 days" is not a duration: use a whole number with s, m, h, d or w; fix: pulumi config set localkube:ttl 72h`,
    );
  });
});

describe("branch stack: cluster access", () => {
  test("a kubeconfig secret reaches the provider as a secret and never an output", async () => {
    const out = await run(
      "branch-k",
      { services: "price", kubeContext: "sandboxes" },
      { secrets: { kubeconfig: KUBECONFIG } },
    );
    const provider = one("pulumi:providers:kubernetes");
    expect(provider.inputs.context).toBe("sandboxes");
    expect(provider.inputs.deleteUnreachable).toBe("true");
    expect(JSON.stringify(provider.inputs.kubeconfig)).toContain(
      "4dabf18193072939515e22adb298388d",
    );
    expect(JSON.stringify(await resolved(out))).not.toContain("Kube-T0ken-55");
  });
});

describe("branch stack: hostnames", () => {
  test("<service>.<branch slug>.<baseDomain> with the configured class; TLS through a cert-manager issuer", async () => {
    const out = await run("branch-Feature_X", {
      services: "bank",
      baseDomain: "sandbox.acme.dev",
      "ingress.className": "public",
      "ingress.tlsIssuer": "letsencrypt",
    });
    const slug = `feature-x-${hash6("Feature_X")}`;
    expect(await promiseOf(out.urls)).toEqual({
      bank: `https://bank.${slug}.sandbox.acme.dev`,
      price: `https://price.${slug}.sandbox.acme.dev`,
    });
    const ingresses = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(
      ingresses.map((i) => [
        i.inputs.metadata.annotations,
        i.inputs.spec.ingressClassName,
        i.inputs.spec.tls,
      ]),
    ).toEqual([
      [
        { "cert-manager.io/cluster-issuer": "letsencrypt", "pulumi.com/timeoutSeconds": "600" },
        "public",
        [{ hosts: [`price.${slug}.sandbox.acme.dev`], secretName: "price-tls" }],
      ],
      [
        { "cert-manager.io/cluster-issuer": "letsencrypt", "pulumi.com/timeoutSeconds": "600" },
        "public",
        [{ hosts: [`bank.${slug}.sandbox.acme.dev`], secretName: "bank-tls" }],
      ],
    ]);
  });
});

describe("branch stack: images", () => {
  const registry = { "registry.address": "ghcr.io/acme/sandboxes", "registry.username": "bot" };

  test("localkube:local services are built and pushed as <slug>-<sha7>, deployed by digest; the rest run their published image", async () => {
    const out = await run(
      "branch-Feature/X",
      { services: "bank", local: "bank", ...registry },
      { secrets: { "registry.password": PASSWORD } },
    );
    const tag = `feature-x-${hash6("Feature/X")}-3f2a1c9`;
    expect(out.imageTag).toBe(tag);
    expect(out.builtFromSource).toEqual(["bank"]);
    const [image] = ofType(registered, "docker-build:index:Image");
    expect(image.inputs.tags).toEqual([`ghcr.io/acme/sandboxes/bank:${tag}`]);
    // A remote registry keeps the image: destroy deletes it like any other resource.
    expect(image.deletedWith).toBe("");
    expect(image.inputs.push).toBe(true);
    expect(image.inputs.context).toEqual({ location: path.join(REPO, "services", "bank") });
    expect(deployment("bank").inputs.spec.template.spec.containers[0].image).toBe(
      `ghcr.io/acme/sandboxes/bank@${DIGEST}`,
    );
    expect(deployment("price").inputs.spec.template.spec.containers[0].image).toBe(
      "ghcr.io/localkube-example/price:latest",
    );
    for (const name of ["bank", "price"])
      expect(deployment(name).inputs.spec.template.spec.imagePullSecrets).toEqual([
        { name: "registry-credentials" },
      ]);
  });

  test("buildAll builds every deployed service that has a build section", async () => {
    const out = await run("branch-x", {
      services: "bank",
      buildAll: "true",
      "registry.address": "ghcr.io/acme/sandboxes",
    });
    expect(out.builtFromSource).toEqual(["bank", "price"]);
    expect(ofType(registered, "docker-build:index:Image").map((i) => i.inputs.tags)).toEqual([
      ["ghcr.io/acme/sandboxes/price:x-3f2a1c9"],
      ["ghcr.io/acme/sandboxes/bank:x-3f2a1c9"],
    ]);
    // An anonymous registry: no pull secret.
    expect(names("kubernetes:core/v1:Secret")).toEqual(["platform-appliances-postgres-secret"]);
  });

  test("the registry password is only ever a secret: pull secret, push login, never an output", async () => {
    const out = await run(
      "branch-x",
      { services: "price", local: "price", ...registry },
      { secrets: { "registry.password": PASSWORD } },
    );
    const pull = ofType(registered, "kubernetes:core/v1:Secret").find(
      (s) => s.name === "sandbox-pull-secret",
    )!;
    expect(Object.keys(pull.inputs.stringData).sort()).toEqual([
      "4dabf18193072939515e22adb298388d",
      "value",
    ]);
    const [image] = ofType(registered, "docker-build:index:Image");
    expect(JSON.stringify(image.inputs.registries)).toContain("4dabf18193072939515e22adb298388d");
    expect(JSON.stringify(await resolved(out))).not.toContain(PASSWORD);
    const plain = registered.filter((r) => r !== pull && r !== image);
    expect(JSON.stringify(plain.map((r) => r.inputs))).not.toContain(PASSWORD);
  });

  test("a build without a registry is refused before anything is created", async () => {
    await expect(run("branch-x", { services: "price", local: "price" })).rejects.toThrow(
      `invalid configuration: ${STACK_FILE}: \`localkube:registry.address\`: price must be built, but no registry to push to is set; \`pulumi config set localkube:registry.address ghcr.io/<org>/sandboxes\``,
    );
    expect(registered).toEqual([]);
  });
});

describe("branch stack: git facts", () => {
  test("localkube:gitSha and localkube:owner win; git is not asked", async () => {
    const out = await run("branch-g", {
      services: "price",
      gitSha: "abcdef0123",
      owner: "ops@acme.example",
    });
    expect(gitCalls).toEqual([]);
    expect(out.gitSha).toBe("abcdef0123");
    expect(out.imageTag).toBe("g-abcdef0");
    // An e-mail address is never written into a label anyone can list: a hash stands in.
    expect(one("kubernetes:core/v1:Namespace").inputs.metadata.labels["localkube.dev/owner"]).toBe(
      `email-${createHash("sha256").update("ops@acme.example").digest("hex").slice(0, 12)}`,
    );
  });

  test("no git: no git-sha output or label, no owner label, images tagged <slug>, and a note when something is built", async () => {
    const out = await run(
      "branch-g",
      { services: "price", local: "price", "registry.address": "r.example/x" },
      { git: () => undefined },
    );
    expect("gitSha" in out).toBe(false);
    expect(out.imageTag).toBe("g");
    const labels = one("kubernetes:core/v1:Namespace").inputs.metadata.labels;
    expect([labels["localkube.dev/git-sha"], labels["localkube.dev/owner"]]).toEqual([
      undefined,
      undefined,
    ]);
    expect(notes).toEqual([
      "warn: no git sha (localkube:gitSha is unset and `git rev-parse` failed): images built from source are tagged g only",
    ]);
  });

  test("git output that is not a sha is ignored", async () => {
    const out = await run(
      "branch-g",
      { services: "price" },
      { git: () => "fatal: not a git repository" },
    );
    expect(out.gitSha).toBeUndefined();
  });

  test("gitOutput runs git with an argument vector: a hostile argument is a literal, never a command", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-git-"));
    const marker = path.join(dir, "pwned");
    expect(
      gitOutput(["rev-parse", `$(touch ${marker})`, `; touch ${marker}`], dir),
    ).toBeUndefined();
    expect(fs.existsSync(marker)).toBe(false);
    expect(gitOutput(["--version"], dir)).toMatch(/^git version \d+\.\d+/);
  });
});

describe("branch stack: hostile branch names", () => {
  test("shell syntax, quotes and spaces are slugged with a hash and a note, and reach nothing raw", async () => {
    const hostile = `$(touch /tmp/x); rm -rf / "a" 'b'`;
    const out = await run("branch-ok", { services: "price", branch: hostile });
    const slug = `touch-tmp-x-rm-rf-a-b-${hash6(hostile)}`;
    expect([out.branch, out.slug, out.namespace]).toEqual([hostile, slug, `branch-${slug}`]);
    expect(notes).toEqual([
      `info: branch ${JSON.stringify(hostile)} is not a DNS-1123 label of at most 56 characters: using slug ${slug} (lowercased, other characters turned into '-', hash of the name appended), namespace branch-${slug}`,
    ]);
    // (The dynamic provider's serialized code is JavaScript, full of ';': left out.)
    expect(
      JSON.stringify(registered.map(({ inputs: { __provider, ...rest } }) => rest)),
    ).not.toMatch(/\$\(|rm -rf|;|"a"|'b'/);
    expect(gitCalls).toEqual([
      ["rev-parse", "--short=7", "HEAD"],
      ["config", "user.name"],
    ]);
  });

  test("200 characters: a 63-character namespace ending in the hash", async () => {
    const long = `feature/${"a".repeat(192)}`;
    const out = await run("branch-ok", { services: "price", branch: long });
    expect(out.namespace).toBe(`branch-feature-${"a".repeat(41)}-${hash6(long)}`);
    expect(out.namespace).toHaveLength(63);
  });

  test("uppercase in the stack name", async () => {
    const out = await run("branch-Fix-LOGIN", { services: "price" });
    expect(out.namespace).toBe(`branch-fix-login-${hash6("Fix-LOGIN")}`);
    expect(out.branch).toBe("Fix-LOGIN");
  });

  test("names that cannot become a namespace are refused with the fix, before anything is created", async () => {
    await expect(run("branch-ok", { services: "price", branch: "feat\nx" })).rejects.toThrow(
      `invalid configuration: localkube:branch: \`branch\`: "feat\\nx" contains control characters; name the branch with letters, digits, '-', '/' or '.', or set localkube:branch`,
    );
    await expect(run("branch-___", { services: "price" })).rejects.toThrow(
      `invalid configuration: the stack name "branch-___": \`branch\`: "___" has no letter or digit to build a namespace from; name the branch with letters, digits, '-', '/' or '.', or set localkube:branch`,
    );
    await expect(run("branch-ok", { services: "price", branch: "x".repeat(256) })).rejects.toThrow(
      "is 256 characters long (git allows 255)",
    );
    expect(registered).toEqual([]);
  });
});

describe("branch stack: appliances", () => {
  test("shared appliances are not deployed per branch; services reach Postgres through the namespace's own Secret", async () => {
    const url = "postgres://app:Sh4red-pw@pg.shared.svc:5432/bank";
    const out = await run(
      "branch-shared",
      { services: "bank,ledger", "shared.kafka": "kafka.shared.svc:9092" },
      { secrets: { "shared.postgres": url } },
    );
    expect([out.appliances, out.sharedAppliances]).toEqual([
      ["schema-registry"],
      ["postgres", "kafka"],
    ]);
    expect(names("kubernetes:apps/v1:StatefulSet")).toEqual([]);
    expect(names("kubernetes:apps/v1:Deployment")).toEqual([
      "platform-appliances-schema-registry-deployment",
      "platform-bank-deployment",
      "platform-ledger-deployment",
      "platform-price-deployment",
    ]);
    expect(deployment("bank").inputs.spec.template.spec.containers[0].env).toContainEqual({
      name: "BANK_DATABASE_URL",
      valueFrom: { secretKeyRef: { name: "shared-postgres-connection", key: "DATABASE_URL" } },
    });
    expect(deployment("ledger").inputs.spec.template.spec.containers[0].env).toContainEqual({
      name: "KAFKA_BOOTSTRAP_SERVERS",
      value: "kafka.shared.svc:9092",
    });
    expect(
      deployment("appliances-schema-registry").inputs.spec.template.spec.containers[0].env,
    ).toContainEqual({
      name: "APICURIO_KAFKASQL_BOOTSTRAP_SERVERS",
      value: "kafka.shared.svc:9092",
    });
    expect(JSON.stringify(await resolved(out))).not.toContain("Sh4red-pw");
  });

  test("by default each branch runs its own appliances in its namespace; their password stays out of outputs", async () => {
    const out = await run("branch-own", { services: "bank" });
    expect([out.appliances, out.sharedAppliances]).toEqual([["postgres"], []]);
    expect(
      ofType(registered, "kubernetes:apps/v1:StatefulSet").map((s) => s.inputs.metadata.namespace),
    ).toEqual(["branch-own"]);
    expect(JSON.stringify(await resolved(out))).not.toContain(MOCK_PASSWORD);
  });
});

test("created-at comes from the recorded creation time, not the clock of this run", async () => {
  const out = await run("branch-t", { services: "price", ttl: "30s" });
  expect(await promiseOf(out.createdAt)).toBe(new Date(MOCK_CREATED_MS).toISOString());
  expect(await promiseOf(out.expiresAt)).toBe(new Date(MOCK_CREATED_MS + 30_000).toISOString());
  expect(names("pulumi-nodejs:dynamic/localkube:CreationTime")).toEqual(["sandbox-created"]);
});

describe("branch stack: replicas and the sandbox's quota", () => {
  test("services that may not fit the quota at their largest: one warning with the key to raise; the objects are made anyway", async () => {
    await run("branch-tight", { services: "bank", "quota.pods": "4" });
    expect(notes).toEqual([
      "warn: the services may run up to 5 pods at once (price (1 replica + 1 during a rollout), bank (1 replica + 1 during a rollout); 1 appliance pod), more than the sandbox's quota of 4: pods above it are refused, so rollouts wait; raise localkube:quota.pods, or run fewer replicas",
    ]);
    expect(names("kubernetes:apps/v1:Deployment")).toEqual([
      "platform-bank-deployment",
      "platform-price-deployment",
    ]);
  });
});

describe("branch stack: a safe neighbour in a shared cluster", () => {
  const DEFAULT_CONTEXT = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };

  test("every workload, services and appliances, runs as the sandbox's ServiceAccount without a token, under the default securityContext", async () => {
    await run("branch-safe", { services: "bank" });
    for (const name of ["bank", "price"]) {
      const pod = deployment(name).inputs.spec.template.spec;
      expect([pod.serviceAccountName, pod.automountServiceAccountToken]).toEqual([
        "sandbox",
        false,
      ]);
      expect(pod.containers[0].securityContext).toEqual(DEFAULT_CONTEXT);
    }
    const postgres = one("kubernetes:apps/v1:StatefulSet").inputs.spec.template.spec;
    expect([postgres.serviceAccountName, postgres.automountServiceAccountToken]).toEqual([
      "sandbox",
      false,
    ]);
    // It starts as root to own its data directory, then runs as its user: these and no others.
    expect(postgres.containers[0].securityContext).toEqual({
      ...DEFAULT_CONTEXT,
      capabilities: { add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"], drop: ["ALL"] },
    });
    expect(names("kubernetes:core/v1:ServiceAccount")).toEqual(["sandbox-service-account"]);
    expect(registered.filter((r) => r.type.includes("rbac"))).toEqual([]);
  });

  test("localkube:podSecurity.enforce and localkube:egress.allow reach the namespace and its egress policy", async () => {
    await run("branch-safe", {
      services: "price",
      "podSecurity.enforce": "restricted",
      "egress.allow": JSON.stringify([
        "10.20.0.0/16",
        "192.0.2.7",
        { namespace: "monitoring" },
        { namespaceSelector: { "acme.dev/team": "data" } },
      ]),
    });
    const labels = one("kubernetes:core/v1:Namespace").inputs.metadata.labels;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const egress = ofType(registered, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
      (p) => p.name === "sandbox-egress",
    )!;
    expect(egress.inputs.spec.egress[2]).toEqual({
      to: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
        { ipBlock: { cidr: "10.20.0.0/16" } },
        { ipBlock: { cidr: "192.0.2.7/32" } },
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        { namespaceSelector: { matchLabels: { "acme.dev/team": "data" } } },
      ],
    });
  });

  test("-c localkube:egress.allow=<cidr>,<cidr> on the command line", async () => {
    await run("branch-safe", { services: "price", "egress.allow": "10.1.0.0/16, 10.2.0.0/16" });
    const egress = ofType(registered, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
      (p) => p.name === "sandbox-egress",
    )!;
    expect(egress.inputs.spec.egress[2].to.slice(1)).toEqual([
      { ipBlock: { cidr: "10.1.0.0/16" } },
      { ipBlock: { cidr: "10.2.0.0/16" } },
    ]);
  });

  test("every bad branch setting is reported at once, before anything is created, and no secret is shown", async () => {
    const secret = "Sup3r-s3cret";
    const err = await run(
      "branch-bad",
      {
        services: "price",
        kubeContext: "prod",
        "podSecurity.enforce": "baselin",
        "egress.allow": JSON.stringify([
          "10.0.0.1/8",
          { namespace: "Bad_NS" },
          { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] },
          "namespace:monitoring",
        ]),
      },
      {
        secrets: {
          "shared.postgres": `mysql://app:${secret}@db:3306/bank`,
          kubeconfig: KUBECONFIG,
        },
      },
    ).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      "invalid configuration (7 problems):\n" +
        `  - ${STACK_FILE}: \`localkube:shared.postgres\`: does not start with postgres:// or postgresql:// (its value is a secret: not shown here); set it with \`pulumi config set --secret localkube:shared.postgres 'postgres://user:password@host:5432/database'\`\n` +
        `  - ${STACK_FILE}: \`localkube:kubeContext\`: "prod" is not a context of localkube:kubeconfig (it has "sandboxes", "ops"); name one of those, or remove localkube:kubeContext to use its current context\n` +
        `  - ${STACK_FILE}: \`localkube:podSecurity.enforce\`: "baselin" is not allowed (did you mean "baseline"?); use one of: privileged, baseline, restricted; fix: pulumi config set localkube:podSecurity.enforce baseline\n` +
        `  - ${STACK_FILE}: \`localkube:egress.allow[0]\`: "10.0.0.1/8" has host bits set: the range is 10.0.0.0/8\n` +
        `  - ${STACK_FILE}: \`localkube:egress.allow[1]\`: namespace "Bad_NS" is not a namespace name: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters\n` +
        `  - ${STACK_FILE}: \`localkube:egress.allow[2]\`: except: 192.168.0.0/16 is not strictly inside 10.0.0.0/8; list only ranges within the cidr\n` +
        `  - ${STACK_FILE}: \`localkube:egress.allow[3]\`: "namespace:monitoring" is not an IP address or address range; a string entry is an address range such as 10.20.0.0/16 or an IP such as 192.0.2.7; a namespace is written {"namespace": "<name>"}`,
    );
    expect((err as Error).message).not.toContain(secret);
    expect(registered).toEqual([]);
  });

  test("secrets are checked without being shown: a kubeconfig that is not one, a shared.postgres that is not a URL", async () => {
    const err = await run(
      "branch-bad",
      { services: "price" },
      { secrets: { kubeconfig: "Kube-T0ken-55", "shared.postgres": "Sup3r-s3cret" } },
    ).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      "invalid configuration (2 problems):\n" +
        `  - ${STACK_FILE}: \`localkube:shared.postgres\`: is not a URL (its value is a secret: not shown here); set it with \`pulumi config set --secret localkube:shared.postgres 'postgres://user:password@host:5432/database'\`\n` +
        `  - ${STACK_FILE}: \`localkube:kubeconfig\`: is not a kubeconfig: not a YAML mapping (its value is a secret: not shown here); set it with \`pulumi config set --secret localkube:kubeconfig "$(cat kubeconfig)"\``,
    );
    expect(registered).toEqual([]);
  });
});
