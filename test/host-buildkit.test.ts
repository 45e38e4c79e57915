import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildctlBuild, buildxStoreDir, pickBuilder, readBuildxStore } from "../host/buildkit";

const tmp: string[] = [];
afterEach(() => tmp.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function store(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "buildx-"));
  tmp.push(dir);
  fs.mkdirSync(path.join(dir, "instances"));
  for (const [name, doc] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), typeof doc === "string" ? doc : JSON.stringify(doc));
  return dir;
}

const remote = {
  Name: "localkube",
  Driver: "remote",
  Nodes: [{ Name: "localkube0", Endpoint: "unix:///cache/buildkit/run/buildkitd.sock" }],
};
const container = { Name: "pulumi", Driver: "docker-container", Nodes: [{ Name: "pulumi0" }] };
const docker = {
  Name: "default",
  Driver: "docker",
  Nodes: [{ Name: "default", Endpoint: "default" }],
};

test("buildxStoreDir: BUILDX_CONFIG, else DOCKER_CONFIG/buildx, else ~/.docker/buildx", () => {
  expect(buildxStoreDir({ BUILDX_CONFIG: "/b", DOCKER_CONFIG: "/d" })).toBe("/b");
  expect(buildxStoreDir({ DOCKER_CONFIG: "/d" })).toBe("/d/buildx");
  expect(buildxStoreDir({})).toBe(path.join(os.homedir(), ".docker", "buildx"));
});

test("readBuildxStore: builders with their first node's endpoint; a container builder by its container", () => {
  const dir = store({
    "instances/localkube": remote,
    "instances/pulumi": container,
    "instances/default": docker,
    "instances/broken": "{not json",
    current: { Key: "x", Name: "pulumi" },
  });
  expect(readBuildxStore(dir)).toEqual({
    instances: [
      { name: "default", driver: "docker", endpoint: "default" },
      {
        name: "localkube",
        driver: "remote",
        endpoint: "unix:///cache/buildkit/run/buildkitd.sock",
      },
      {
        name: "pulumi",
        driver: "docker-container",
        endpoint: "docker-container://buildx_buildkit_pulumi0",
      },
    ],
    current: "pulumi",
  });
  expect(readBuildxStore(path.join(dir, "missing"))).toEqual({ instances: [], current: undefined });
});

describe("pickBuilder: the builder docker-build builds with", () => {
  const instances = [
    { name: "default", driver: "docker", endpoint: "default" },
    { name: "localkube", driver: "remote", endpoint: "unix:///bk.sock" },
    {
      name: "pulumi",
      driver: "docker-container",
      endpoint: "docker-container://buildx_buildkit_pulumi0",
    },
  ];
  test.each([
    ["the named one", { instances, current: "pulumi" }, "localkube", "localkube"],
    [
      "the current one when it is a BuildKit builder",
      { instances, current: "pulumi" },
      undefined,
      "pulumi",
    ],
    [
      "the first BuildKit one when the current is Docker's own",
      { instances, current: "default" },
      undefined,
      "localkube",
    ],
  ])("%s", (_what, s, named, expected) => {
    expect(pickBuilder(s, named)).toMatchObject({ name: expected });
  });
  test.each([
    [
      "a name not in the store",
      { instances },
      "ci",
      `the stack's builder "ci" is not in the buildx store`,
    ],
    [
      "a named builder of Docker's own driver",
      { instances },
      "default",
      `the builder "default" uses the docker driver`,
    ],
    [
      "no BuildKit builder at all",
      { instances: [instances[0]] },
      undefined,
      "the buildx store has no BuildKit builder (npm run up starts one)",
    ],
  ])("none: %s", (_what, s, named, missing) => {
    expect(pickBuilder(s, named)).toEqual({ missing });
  });
});

test("buildctlBuild: docker-build's inputs as BuildKit's own, pushed, with the digest in the metadata file", () => {
  expect(
    buildctlBuild(
      {
        context: "/p/services/bank",
        dockerfile: "/p/docker/bank.Dockerfile",
        args: { SOURCE_DATE_EPOCH: "0", PYTHON: "3.11" },
        labels: { "localkube.dev/service": "bank" },
        target: "runtime",
        repository: "localhost:5001/bank",
        tag: "localkube",
        login: false,
      },
      "unix:///bk.sock",
      "/tmp/x/metadata.json",
    ),
  ).toEqual({
    file: "buildctl",
    args: [
      "--addr",
      "unix:///bk.sock",
      "build",
      "--frontend",
      "dockerfile.v0",
      "--local",
      "context=/p/services/bank",
      "--local",
      "dockerfile=/p/docker",
      "--opt",
      "filename=bank.Dockerfile",
      "--opt",
      "target=runtime",
      "--opt",
      "build-arg:PYTHON=3.11",
      "--opt",
      "build-arg:SOURCE_DATE_EPOCH=0",
      "--opt",
      "label:localkube.dev/service=bank",
      "--output",
      "type=image,name=localhost:5001/bank:localkube,push=true",
      "--metadata-file",
      "/tmp/x/metadata.json",
      "--progress",
      "plain",
    ],
  });
});
