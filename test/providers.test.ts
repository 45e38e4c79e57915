import { spawnSync } from "child_process";
import * as http from "http";
import { CONFIG_HASH_LABEL } from "../kind/config";
import { creationTimeProvider } from "../providers/creationTime";
import { passwordProvider } from "../providers/generatedPassword";
import { kindClusterProvider } from "../providers/kindCluster";
import {
  registryAnswers,
  registryContainerProvider,
  registryVolumeProvider,
  registryWiringProvider,
} from "../providers/registry";
import { fakeTools } from "./fakeTools";

const tools = fakeTools();
const INPUTS = { name: "dev", configYaml: "kind: Cluster\n", configHash: "abc123" };
const CP_ID = ["inspect", "--type", "container", "--format", "{{.Id}}", "dev-control-plane"];
const HASH_LABEL = [
  "exec",
  "dev-control-plane",
  "kubectl",
  "--kubeconfig",
  "/etc/kubernetes/admin.conf",
  "get",
  "node",
  "dev-control-plane",
  "-o",
  `jsonpath={.metadata.labels.${CONFIG_HASH_LABEL.replace(/\./g, "\\.")}}`,
];
const KUBECONFIG = { args: ["get", "kubeconfig", "--name", "dev"], stdout: "kubeconfig-of-dev" };
const callsOf = () => tools.calls().map((c) => `${c.file} ${c.args.join(" ")}`);

describe("kind cluster provider", () => {
  test("creates a missing cluster from the config on stdin and records its control-plane id", async () => {
    tools.scenario({
      kind: [
        { args: ["get", "clusters"], stdout: "other\n" },
        { args: ["create", "cluster", "--name", "dev", "--config", "-"] },
        KUBECONFIG,
      ],
      docker: [{ args: CP_ID, stdout: "c0ffee\n" }],
    });
    const r = await kindClusterProvider.create!(INPUTS);
    expect(r.outs).toEqual({
      ...INPUTS,
      kubeconfig: "kubeconfig-of-dev",
      adopted: false,
      nodeId: "c0ffee",
    });
    expect(r.id).toMatch(/^dev-[0-9a-f]{8}$/);
    expect(tools.calls()[1]).toEqual({
      file: "kind",
      args: ["create", "cluster", "--name", "dev", "--config", "-"],
      input: "kind: Cluster\n",
    });
  });

  test("adopts an existing cluster made from the same config (same hash label), creating nothing", async () => {
    tools.scenario({
      kind: [{ args: ["get", "clusters"], stdout: "dev\n" }, KUBECONFIG],
      docker: [
        { args: HASH_LABEL, stdout: "abc123" },
        { args: CP_ID, stdout: "c0ffee\n" },
      ],
    });
    const r = await kindClusterProvider.create!(INPUTS);
    expect(r.outs.adopted).toBe(true);
    expect(callsOf()).not.toContain("kind create cluster --name dev --config -");
  });

  test("refuses a cluster of that name made from another config, naming both fixes", async () => {
    tools.scenario({
      kind: [{ args: ["get", "clusters"], stdout: "dev\n" }],
      docker: [{ args: HASH_LABEL, stdout: "fff999" }],
    });
    await expect(kindClusterProvider.create!(INPUTS)).rejects.toThrow(
      'kind cluster "dev" already exists but was not made from this configuration (config hash "fff999", expected "abc123"). ' +
        "Delete it with `kind delete cluster --name dev`, or use another name: pulumi config set localkube:cluster.name <name>",
    );
  });

  const OUTS = { ...INPUTS, kubeconfig: "kubeconfig-of-dev", adopted: false, nodeId: "c0ffee" };

  test("diff: a config change replaces it, the old one deleted first (same name)", async () => {
    tools.scenario({ kind: [], docker: [] });
    expect(await kindClusterProvider.diff!("id", OUTS, { ...INPUTS, configHash: "new" })).toEqual({
      changes: true,
      replaces: ["configHash"],
      deleteBeforeReplace: true,
    });
  });

  test("diff: a cluster deleted out of band is replaced, the new one created first", async () => {
    tools.scenario({
      kind: [{ args: ["get", "clusters"], stdout: "" }],
      docker: [{ args: CP_ID, code: 1, stderr: "No such container" }],
    });
    expect(await kindClusterProvider.diff!("id", OUTS, INPUTS)).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
    });
  });

  test("diff: a cluster recreated behind our back (another control-plane id) is replaced too", async () => {
    tools.scenario({
      kind: [{ args: ["get", "clusters"], stdout: "dev\n" }],
      docker: [{ args: CP_ID, stdout: "beef00\n" }],
    });
    expect(await kindClusterProvider.diff!("id", OUTS, INPUTS)).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
    });
  });

  const NODES = {
    args: ["get", "nodes", "--name", "dev"],
    stdout: "dev-control-plane\ndev-worker\n",
  };
  const RUNNING_OF = (node: string) => [
    "inspect",
    "--type",
    "container",
    "--format",
    "{{.State.Running}}",
    node,
  ];
  const running = (cp: string, worker: string) => [
    { args: RUNNING_OF("dev-control-plane"), stdout: `${cp}\n` },
    { args: RUNNING_OF("dev-worker"), stdout: `${worker}\n` },
  ];
  const READYZ = [
    "exec",
    "dev-control-plane",
    "kubectl",
    "--kubeconfig",
    "/etc/kubernetes/admin.conf",
    "get",
    "--raw",
    "/readyz",
  ];

  test("diff: stopped nodes (Docker stopped them) are an update; update starts them, control plane first, and waits for the API server", async () => {
    tools.scenario({
      kind: [{ args: ["get", "clusters"], stdout: "dev\n" }, NODES, KUBECONFIG],
      docker: [{ args: CP_ID, stdout: "c0ffee\n" }, ...running("false", "false")],
    });
    expect(await kindClusterProvider.diff!("id", OUTS, INPUTS)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    tools.scenario({
      kind: [NODES, KUBECONFIG],
      docker: [
        ...running("false", "false"),
        { args: ["start", "dev-control-plane"] },
        { args: ["start", "dev-worker"] },
        { args: READYZ, stdout: "ok" },
        { args: CP_ID, stdout: "c0ffee\n" },
      ],
    });
    expect((await kindClusterProvider.update!("id", OUTS, INPUTS)).outs).toEqual(OUTS);
    expect(callsOf().filter((c) => c.startsWith("docker start") || c.includes("readyz"))).toEqual([
      "docker start dev-control-plane",
      "docker start dev-worker",
      `docker ${READYZ.join(" ")}`,
    ]);
  });

  test("diff: the same cluster with the same kubeconfig is no change", async () => {
    tools.scenario({
      kind: [{ args: ["get", "clusters"], stdout: "dev\n" }, NODES, KUBECONFIG],
      docker: [{ args: CP_ID, stdout: "c0ffee\n" }, ...running("true", "true")],
    });
    expect(await kindClusterProvider.diff!("id", OUTS, INPUTS)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  test("delete: deletes the cluster it made, then the kind network once nothing uses it", async () => {
    tools.scenario({
      kind: [{ args: ["delete", "cluster", "--name", "dev"] }],
      docker: [
        { args: CP_ID, stdout: "c0ffee\n" },
        { args: ["network", "inspect", "--format", "{{len .Containers}}", "kind"], stdout: "0\n" },
        { args: ["network", "rm", "kind"] },
      ],
    });
    await kindClusterProvider.delete!("id", OUTS);
    expect(callsOf()).toEqual([
      `docker ${CP_ID.join(" ")}`,
      "kind delete cluster --name dev",
      "docker network inspect --format {{len .Containers}} kind",
      "docker network rm kind",
    ]);
  });

  test("delete: leaves alone a newer cluster of the same name", async () => {
    tools.scenario({ kind: [], docker: [{ args: CP_ID, stdout: "beef00\n" }] });
    await kindClusterProvider.delete!("id", OUTS);
    expect(callsOf()).toEqual([`docker ${CP_ID.join(" ")}`]);
  });
});

/** Two ports nothing listens on now: the stand-in registry's, and one that stays closed. */
const [REG, FREE] = JSON.parse(
  spawnSync(
    process.execPath,
    [
      "-e",
      `const net=require("net");const a=net.createServer().listen(0,"127.0.0.1",()=>{const b=net.createServer().listen(0,"127.0.0.1",()=>{console.log(JSON.stringify([a.address().port,b.address().port]));a.close();b.close();});});`,
    ],
    { encoding: "utf8" },
  ).stdout,
) as [number, number];

describe("registry container provider", () => {
  // The provider waits until the registry answers `GET /v2/` on its port: a stand-in answers there.
  const registry = http.createServer((_req, res) => res.writeHead(200).end("{}"));
  beforeAll(() => new Promise<void>((resolve) => registry.listen(REG, "127.0.0.1", resolve)));
  afterAll(() => new Promise((resolve) => registry.close(resolve)));

  const SPEC = {
    name: "reg",
    image: "registry:2",
    port: REG,
    listen: "127.0.0.1",
    volume: "reg-data",
  };
  const RUNNING = ["inspect", "--type", "container", "--format", "{{.State.Running}}", "reg"];
  const PORT = { args: ["port", "reg", "5000/tcp"], stdout: `127.0.0.1:${REG}\n` };
  const RUN = [
    "run",
    "--detach",
    "--restart=always",
    "--name",
    "reg",
    "--network",
    "kind",
    "--publish",
    `127.0.0.1:${REG}:5000`,
    "--volume",
    "reg-data:/var/lib/registry",
    "--label",
    "localkube.dev/registry=true",
    "registry:2",
  ];

  const NETWORK = ["network", "inspect", "--format", "{{len .Containers}}", "kind"];
  const CREATE_NETWORK = [
    "network",
    "create",
    "--driver",
    "bridge",
    "--opt",
    "com.docker.network.bridge.enable_ip_masquerade=true",
    "kind",
  ];

  test("starts a new container on kind's network when there is none", async () => {
    tools.scenario({
      kind: [],
      docker: [
        { args: RUNNING, code: 1, stderr: "No such container" },
        { args: NETWORK, stdout: "2\n" },
        { args: RUN },
        PORT,
      ],
    });
    expect(await registryContainerProvider.create!(SPEC)).toEqual({
      id: "reg",
      outs: { ...SPEC, published: `127.0.0.1:${REG}` },
    });
    expect(callsOf()).toEqual([
      `docker ${RUNNING.join(" ")}`,
      `docker ${NETWORK.join(" ")}`,
      `docker ${RUN.join(" ")}`,
      "docker port reg 5000/tcp",
    ]);
  });

  test("creates kind's network first when there is none (before any cluster: kind then uses it)", async () => {
    tools.scenario({
      kind: [],
      docker: [
        { args: RUNNING, code: 1, stderr: "No such container" },
        { args: NETWORK, code: 1, stderr: "network kind not found" },
        { args: CREATE_NETWORK },
        { args: RUN },
        PORT,
      ],
    });
    await registryContainerProvider.create!(SPEC);
    expect(callsOf()).toEqual([
      `docker ${RUNNING.join(" ")}`,
      `docker ${NETWORK.join(" ")}`,
      `docker ${CREATE_NETWORK.join(" ")}`,
      `docker ${RUN.join(" ")}`,
      "docker port reg 5000/tcp",
    ]);
  });

  test("reuses a running container of that name, and starts a stopped one", async () => {
    tools.scenario({ kind: [], docker: [{ args: RUNNING, stdout: "true\n" }, PORT] });
    await registryContainerProvider.create!(SPEC);
    expect(callsOf()).toEqual([`docker ${RUNNING.join(" ")}`, "docker port reg 5000/tcp"]);
    tools.scenario({
      kind: [],
      docker: [{ args: RUNNING, stdout: "false\n" }, { args: ["start", "reg"] }, PORT],
    });
    await registryContainerProvider.create!(SPEC);
    expect(callsOf()).toEqual([
      `docker ${RUNNING.join(" ")}`,
      "docker start reg",
      "docker port reg 5000/tcp",
    ]);
  });

  test("refuses a container of that name that publishes another port, with both fixes", async () => {
    tools.scenario({
      kind: [],
      docker: [
        { args: RUNNING, stdout: "true\n" },
        { ...PORT, stdout: "0.0.0.0:5000\n" },
      ],
    });
    await expect(registryContainerProvider.create!(SPEC)).rejects.toThrow(
      `container "reg" exists but does not publish registry port 5000 on 127.0.0.1:${REG} (it publishes: 0.0.0.0:5000). ` +
        "Remove it with `docker rm -f reg`, or choose another name: pulumi config set localkube:registry.name <name>",
    );
  });

  test("a registry that does not answer its API in time fails, naming the container and its log", async () => {
    const spec = { ...SPEC, port: FREE };
    await expect(registryAnswers(spec, 300)).rejects.toThrow(
      `registry container "reg" runs but http://127.0.0.1:${FREE}/v2/ did not answer within 0.3 s (`,
    );
    await expect(registryAnswers(SPEC, 300)).resolves.toBeUndefined();
  });

  test("delete removes the container (not its volume, a resource of its own), then the kind network if unused", async () => {
    tools.scenario({
      kind: [],
      docker: [
        { args: ["rm", "--force", "--volumes", "reg"] },
        { args: ["network", "inspect", "--format", "{{len .Containers}}", "kind"], stdout: "2\n" },
      ],
    });
    await registryContainerProvider.delete!("reg", { ...SPEC, published: `127.0.0.1:${REG}` });
    expect(callsOf()).toEqual([
      "docker rm --force --volumes reg",
      "docker network inspect --format {{len .Containers}} kind",
    ]);
  });

  test("diff: removed out of band or stopped, it is updated (run again on its volume), never replaced; new settings replace it", async () => {
    const olds = { ...SPEC, published: `127.0.0.1:${REG}` };
    tools.scenario({ kind: [], docker: [{ args: RUNNING, code: 1, stderr: "No such container" }] });
    expect(await registryContainerProvider.diff!("reg", olds, SPEC)).toEqual({
      changes: true,
      replaces: [],
    });
    tools.scenario({ kind: [], docker: [{ args: RUNNING, stdout: "false\n" }] });
    expect(await registryContainerProvider.diff!("reg", olds, SPEC)).toEqual({
      changes: true,
      replaces: [],
    });
    tools.scenario({ kind: [], docker: [{ args: RUNNING, stdout: "true\n" }] });
    expect(await registryContainerProvider.diff!("reg", olds, SPEC)).toEqual({
      changes: false,
      replaces: [],
    });
    expect(await registryContainerProvider.diff!("reg", olds, { ...SPEC, port: 5002 })).toEqual({
      changes: true,
      replaces: ["port"],
      deleteBeforeReplace: true,
    });
  });
});

describe("registry volume provider", () => {
  const UID = "0b6c3f2e-9a41-4c1e-8f6d-2f0a5b7c9d11";
  const CREATE = [
    "volume",
    "create",
    "--label",
    "localkube.dev/registry=true",
    "--label",
    `localkube.dev/volume-uid=${UID}`,
    "reg-data",
  ];
  const INSPECT = [
    "volume",
    "inspect",
    "--format",
    '{{index .Labels "localkube.dev/volume-uid"}}',
    "reg-data",
  ];
  beforeEach(() => {
    jest.spyOn(globalThis.crypto, "randomUUID").mockReturnValue(UID);
  });
  afterEach(() => jest.restoreAllMocks());

  test("create makes the named volume with a new uid label and records the uid it has (an existing one's own)", async () => {
    tools.scenario({ kind: [], docker: [{ args: CREATE }, { args: INSPECT, stdout: `${UID}\n` }] });
    expect(await registryVolumeProvider.create!({ name: "reg-data" })).toEqual({
      id: "reg-data",
      outs: { name: "reg-data", uid: UID },
    });
    // An existing volume keeps its labels: its own uid (none: "") is what is recorded.
    tools.scenario({ kind: [], docker: [{ args: CREATE }, { args: INSPECT, stdout: "\n" }] });
    expect(await registryVolumeProvider.create!({ name: "reg-data" })).toEqual({
      id: "reg-data",
      outs: { name: "reg-data", uid: "" },
    });
  });

  test("diff: the same volume is unchanged, whatever was written into it; a removed or recreated one is replaced, delete first (same name)", async () => {
    const olds = { name: "reg-data", uid: UID };
    tools.scenario({ kind: [], docker: [{ args: INSPECT, stdout: `${UID}\n` }] });
    expect(await registryVolumeProvider.diff!("reg-data", olds, { name: "reg-data" })).toEqual({
      changes: false,
    });
    const replaced = { changes: true, replaces: ["uid"], deleteBeforeReplace: true };
    tools.scenario({ kind: [], docker: [{ args: INSPECT, code: 1, stderr: "no such volume" }] });
    expect(await registryVolumeProvider.diff!("reg-data", olds, { name: "reg-data" })).toEqual(
      replaced,
    );
    tools.scenario({ kind: [], docker: [{ args: INSPECT, stdout: "\n" }] });
    expect(await registryVolumeProvider.diff!("reg-data", olds, { name: "reg-data" })).toEqual(
      replaced,
    );
  });

  test("diff of state written before uids: an existing volume is unchanged, a gone one replaced", async () => {
    const olds = { name: "reg-data", createdAt: "2026-12-07T12:00:00Z" };
    tools.scenario({ kind: [], docker: [{ args: INSPECT, stdout: "\n" }] });
    expect(await registryVolumeProvider.diff!("reg-data", olds, { name: "reg-data" })).toEqual({
      changes: false,
    });
    tools.scenario({ kind: [], docker: [{ args: INSPECT, code: 1, stderr: "no such volume" }] });
    expect(
      (await registryVolumeProvider.diff!("reg-data", olds, { name: "reg-data" })).replaces,
    ).toEqual(["uid"]);
  });

  test("delete removes the volume", async () => {
    tools.scenario({ kind: [], docker: [{ args: ["volume", "rm", "reg-data"] }] });
    await registryVolumeProvider.delete!("reg-data", { name: "reg-data", uid: UID });
    expect(callsOf()).toEqual(["docker volume rm reg-data"]);
  });
});

describe("registry wiring provider", () => {
  test("joins the kind network and writes hosts.toml for both registry names on every node", async () => {
    const networks = [
      "inspect",
      "--type",
      "container",
      "--format",
      "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}\n{{end}}",
      "reg",
    ];
    const hosts = (node: string, host: string) => [
      "exec",
      "-i",
      node,
      "sh",
      "-c",
      'mkdir -p "/etc/containerd/certs.d/$1" && cat > "/etc/containerd/certs.d/$1/hosts.toml"',
      "sh",
      host,
    ];
    tools.scenario({
      kind: [
        { args: ["get", "nodes", "--name", "dev"], stdout: "dev-control-plane\ndev-worker\n" },
      ],
      docker: [
        { args: networks, stdout: "bridge\n" },
        { args: ["network", "connect", "kind", "reg"] },
        ...["dev-control-plane", "dev-worker"].flatMap((n) => [
          { args: hosts(n, "localhost:5001") },
          { args: hosts(n, "reg:5000") },
        ]),
      ],
    });
    const inputs = {
      cluster: "dev",
      container: "reg",
      port: 5001,
      clusterId: "c1",
      containerId: "r1",
    };
    expect(await registryWiringProvider.create!(inputs)).toEqual({ id: "reg@dev", outs: inputs });
    const writes = tools.calls().filter((c) => c.args[0] === "exec");
    expect(writes.map((c) => [c.args[2], c.args[7], c.input])).toEqual([
      ["dev-control-plane", "localhost:5001", '[host."http://reg:5000"]\n'],
      ["dev-control-plane", "reg:5000", '[host."http://reg:5000"]\n'],
      ["dev-worker", "localhost:5001", '[host."http://reg:5000"]\n'],
      ["dev-worker", "reg:5000", '[host."http://reg:5000"]\n'],
    ]);
  });
});

describe("values recorded once", () => {
  test("the creation time never changes once recorded: diff reports no change whatever the inputs", async () => {
    expect(await creationTimeProvider.diff!("1", { epochMs: 1 }, { epochMs: undefined })).toEqual({
      changes: false,
    });
    const before = Date.now();
    const r = await creationTimeProvider.create!({});
    expect(r.outs.epochMs).toBeGreaterThanOrEqual(before);
    expect(r.id).toBe(String(r.outs.epochMs));
  });

  test("a generated password is kept until its length changes; it is URL-safe and of that length", async () => {
    expect(await passwordProvider.diff!("id", { length: 24, value: "x" }, { length: 24 })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await passwordProvider.diff!("id", { length: 24, value: "x" }, { length: 32 })).toEqual({
      changes: true,
      replaces: ["length"],
      deleteBeforeReplace: false,
    });
    const a = await passwordProvider.create!({ length: 40 });
    const b = await passwordProvider.create!({ length: 40 });
    expect(a.outs.value).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(a.outs.value).not.toBe(b.outs.value);
  });
});
