import {
  dockerCalls,
  kindCalls,
  mustRun,
  nodeLabelCall,
  registryHostsToml,
  runTool,
  ToolCall,
} from "../host/tools";
import { fakeTools } from "./fakeTools";

const tools = fakeTools();
const HOSTILE = `$(touch /tmp/pwned); rm -rf / "q" 'q' \`id\` a b`;

describe("host tool calls keep every value one argument (no shell)", () => {
  test("kind calls", () => {
    expect(kindCalls.create(HOSTILE, "cfg")).toEqual({
      file: "kind",
      args: ["create", "cluster", "--name", HOSTILE, "--config", "-"],
      input: "cfg",
    });
    expect(kindCalls.delete(HOSTILE)).toEqual({
      file: "kind",
      args: ["delete", "cluster", "--name", HOSTILE],
    });
    expect(kindCalls.kubeconfig(HOSTILE).args).toEqual(["get", "kubeconfig", "--name", HOSTILE]);
  });

  test("docker calls", () => {
    expect(
      dockerCalls.runRegistry({
        name: HOSTILE,
        image: HOSTILE,
        port: 5001,
        listen: "127.0.0.1",
        volume: HOSTILE,
      }),
    ).toEqual({
      file: "docker",
      args: [
        "run",
        "--detach",
        "--restart=always",
        "--name",
        HOSTILE,
        "--network",
        "kind",
        "--publish",
        "127.0.0.1:5001:5000",
        "--volume",
        `${HOSTILE}:/var/lib/registry`,
        "--label",
        "localkube.dev/registry=true",
        HOSTILE,
      ],
    });
    expect(dockerCalls.connect("kind", HOSTILE).args).toEqual([
      "network",
      "connect",
      "kind",
      HOSTILE,
    ]);
    expect(dockerCalls.removeContainer(HOSTILE).args).toEqual([
      "rm",
      "--force",
      "--volumes",
      HOSTILE,
    ]);
    expect(nodeLabelCall("c", "localkube.dev/config-hash").args).toEqual([
      "exec",
      "c-control-plane",
      "kubectl",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf",
      "get",
      "node",
      "c-control-plane",
      "-o",
      "jsonpath={.metadata.labels.localkube\\.dev/config-hash}",
    ]);
  });

  test("hosts.toml: the host is a positional parameter of the node's sh, the content goes on stdin", () => {
    const call = dockerCalls.writeHostsToml("n1", HOSTILE, registryHostsToml("reg"));
    expect(call.args).toEqual([
      "exec",
      "-i",
      "n1",
      "sh",
      "-c",
      'mkdir -p "/etc/containerd/certs.d/$1" && cat > "/etc/containerd/certs.d/$1/hosts.toml"',
      "sh",
      HOSTILE,
    ]);
    expect(call.input).toBe('[host."http://reg:5000"]\n');
  });

  test("runTool passes arguments verbatim and never through a shell", async () => {
    // A program that prints the argument vector it received: a shell would have expanded $(id).
    const echoArgs = "process.stdout.write(JSON.stringify(process.argv.slice(1)))";
    // (Production calls may only name docker or kind; the test needs a program that reports its argv.)
    const r = await runTool({
      file: process.execPath as ToolCall["file"],
      args: ["-e", echoArgs, HOSTILE, "two words"],
      input: "ignored",
    });
    expect(r).toEqual({
      code: 0,
      stdout: JSON.stringify([HOSTILE, "two words"]),
      stderr: "",
      error: undefined,
    });
  });

  test("runTool reports a program that cannot be started, without waiting for its timeout", async () => {
    const r = await runTool({
      file: "localkube-no-such-tool" as ToolCall["file"],
      args: ["--version"],
    });
    expect(r).toEqual({
      code: null,
      stdout: "",
      stderr: "",
      error: "spawn localkube-no-such-tool ENOENT",
    });
  });

  test("mustRun names the command and ends with the tool's own words", async () => {
    const args = ["inspect", "--type", "container", "no-such-container"];
    tools.scenario({
      kind: [],
      docker: [{ args, code: 1, stderr: "\nError: No such container: no-such-container\n" }],
    });
    await expect(mustRun({ file: "docker", args }, "inspecting")).rejects.toThrow(
      "inspecting failed: `docker inspect --type container no-such-container`: Error: No such container: no-such-container",
    );
  });

  test("mustRun returns the tool's output when it succeeds", async () => {
    tools.scenario({ kind: [{ args: ["get", "clusters"], stdout: "a\nb\n" }], docker: [] });
    expect(await mustRun(kindCalls.listClusters(), "listing")).toBe("a\nb\n");
  });
});
