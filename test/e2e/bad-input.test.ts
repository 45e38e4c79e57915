/**
 * Bad input through the real engine: each case fails with its clear message, and nothing is
 * created — no cluster, no container, no resource in the stack besides its root.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { portIsFree } from "../../host/preflight";
import * as h from "./harness";

const CLUSTER = "lk-e2e-bad";
const REGISTRY = "lk-e2e-bad-registry";
const HTTP_PORT = 18080;
let dir: string;

const config = () => ({
  ...h.localE2eConfig(),
  "localkube:cluster.name": CLUSTER,
  "localkube:registry.name": REGISTRY,
  "localkube:registry.port": "5052",
  "localkube:cluster.httpPort": String(HTTP_PORT),
  "localkube:cluster.httpsPort": "18443",
  "localkube:services": "bank",
  "localkube:local": "bank",
});

/** Runs `pulumi up` on a fresh stack and returns its output; asserts nothing was created. */
async function failingUp(
  stack: string,
  extraConfig: Record<string, string> = {},
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  await h.initStack(dir, stack, { ...config(), ...extraConfig });
  const r = await h.pulumi(
    dir,
    ["up", "--yes", "--skip-preview", "--stack", stack],
    env ? { env } : {},
  );
  try {
    expect(r.code).not.toBe(0);
    const types = (await h.deployment(dir, stack)).resources.map((x) => x.type);
    expect(types.filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(h.leftovers(CLUSTER, REGISTRY)).toEqual({
      clusters: [],
      containers: [],
      volumes: [],
      networks: expect.any(Array),
      contexts: [],
    });
  } catch (e) {
    // What a wrongly accepted input created would hold the ports the next cases check.
    await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", stack]);
    throw e;
  }
  return r.stdout + r.stderr;
}

/** Rewrites one catalog file of the project copy. */
function editService(name: string, edit: (text: string) => string): () => void {
  const file = path.join(dir, "services", `${name}.yaml`);
  const original = fs.readFileSync(file, "utf8");
  const edited = edit(original);
  // An edit that no longer matches the catalog would test the unchanged file.
  if (edited === original) throw new Error(`the edit of services/${name}.yaml changed nothing`);
  fs.writeFileSync(file, edited);
  return () => fs.writeFileSync(file, original);
}

beforeAll(async () => {
  await h.ensureToolchain();
  dir = h.projectCopy("bad-input");
}, 90 * 60_000);

test(
  "dependency cycle: the cycle's path, nothing created",
  async () => {
    const restore = editService("price", (t) => `${t}dependsOn: [bank]\n`);
    try {
      const out = await failingUp("bad-cycle");
      expect(out).toContain(
        "services/price.yaml:35: `dependsOn[0]`: dependency cycle: bank → price → bank; a service cannot (indirectly) depend on itself, remove one of these dependencies",
      );
      expect(out).not.toContain("PromiseRejectionHandledWarning");
    } finally {
      restore();
    }
  },
  10 * 60_000,
);

test(
  "unknown dependency: the closest name suggested, nothing created",
  async () => {
    const restore = editService("bank", (t) =>
      t.replace(/^dependsOn: \[postgres,/m, "dependsOn: [postgress,"),
    );
    try {
      const out = await failingUp("bad-dependency");
      expect(out).toContain("services/bank.yaml");
      expect(out).toContain('"postgress"');
      expect(out).toContain('(did you mean "postgres"?)');
    } finally {
      restore();
    }
  },
  10 * 60_000,
);

test(
  "port already taken by another process: names the port and the fix, nothing created",
  async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(HTTP_PORT, "127.0.0.1", resolve));
    try {
      const out = await failingUp("bad-port");
      expect(out).toContain(
        `port ${HTTP_PORT} on 127.0.0.1 (ingress HTTP) is already in use by another process`,
      );
      const suggested =
        /pulumi config set localkube:cluster\.httpPort (\d+)` \((\d+) is free now\)/.exec(out);
      expect(suggested?.[1]).toBe(suggested?.[2]);
      // The suggestion is a port nothing holds (this check runs right after the refusal).
      expect(await portIsFree(Number(suggested?.[1]))).toBe(true);
    } finally {
      server.close();
    }
  },
  10 * 60_000,
);

test(
  "Docker not running: says so and how to start it, nothing created",
  async () => {
    const out = await failingUp(
      "bad-docker",
      {},
      h.toolEnv({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }),
    );
    expect(out).toContain("Docker is not reachable");
    expect(out).toContain("Start Docker");
  },
  10 * 60_000,
);

test(
  "hostile branch name: rejected or slugged, never run by a shell",
  async () => {
    // A fixed marker path, so the expected slug below is a literal (the program's output, not ours).
    const marker = "/tmp/lk-e2e-pwned";
    fs.rmSync(marker, { force: true });
    const hostile = `$(touch ${marker}); touch ${marker} "quoted" 'single' \`touch ${marker}\``;
    await h.initStack(dir, "branch-e2e-hostile", {
      "localkube:branch": hostile,
      // One service without secrets: the preview gets as far as naming the sandbox.
      "localkube:services": "price",
      "localkube:kubeContext": "kind-does-not-exist",
    });
    const r = await h.pulumi(dir, ["preview", "--stack", "branch-e2e-hostile"]);
    const out = r.stdout + r.stderr;
    expect(fs.existsSync(marker)).toBe(false);
    // Slugged to a DNS-1123 namespace with a hash suffix, and the user is told which.
    expect(out).toContain(
      "using slug touch-tmp-lk-e2e-pwned-touch-tmp-lk-e2e-pwned-quo-3f50f0 (lowercased, other characters turned into '-', hash of the name appended), " +
        "namespace branch-touch-tmp-lk-e2e-pwned-touch-tmp-lk-e2e-pwned-quo-3f50f0",
    );
  },
  10 * 60_000,
);
