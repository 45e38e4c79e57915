import { dockerCalls, kindCalls, mustRun, nodeLabelCall, registryHostsToml, runTool, ToolCall } from "../components/hostTools";
import { inClusterTransform } from "../components/environment";
import { KIND_NODE_IMAGES, nodeImageFor, renderKindConfig } from "../components/kindCluster";

const HOSTILE = `$(touch /tmp/pwned); rm -rf / "q" 'q' \`id\` a b`;

describe("renderKindConfig", () => {
  test("renders the exact config: pinned image, ingress-ready + config hash labels, ports on 127.0.0.1", () => {
    const { yaml, hash } = renderKindConfig({ name: "localkube", nodeImage: "kindest/node:v1.34.0@sha256:abc", httpPort: 8080, httpsPort: 8443, workers: 1 });
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(yaml).toBe(
      [
        "kind: Cluster",
        "apiVersion: kind.x-k8s.io/v1alpha4",
        "name: localkube",
        "nodes:",
        "  - role: control-plane",
        "    image: kindest/node:v1.34.0@sha256:abc",
        "    kubeadmConfigPatches:",
        "      - >",
        "        kind: InitConfiguration",
        "",
        "        nodeRegistration:",
        "          kubeletExtraArgs:",
        `            node-labels: ingress-ready=true,localkube.dev/config-hash=${hash}`,
        "    extraPortMappings:",
        "      - containerPort: 80",
        "        hostPort: 8080",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "      - containerPort: 443",
        "        hostPort: 8443",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "  - role: worker",
        "    image: kindest/node:v1.34.0@sha256:abc",
        "",
      ].join("\n"),
    );
  });

  test("the hash changes exactly when the config does", () => {
    const base = { name: "localkube", nodeImage: "kindest/node:v1.34.0@sha256:abc" };
    expect(renderKindConfig(base).hash).toBe(renderKindConfig({ ...base }).hash);
    expect(renderKindConfig({ ...base, httpPort: 81 }).hash).not.toBe(renderKindConfig(base).hash);
    expect(renderKindConfig({ ...base, workers: 1 }).hash).not.toBe(renderKindConfig(base).hash);
  });

  test("adds the containerd config_path patch for older node images", () => {
    const { yaml } = renderKindConfig({ name: "a", nodeImage: "kindest/node:v1.26.0", containerdConfigPath: true });
    expect(yaml).toContain('config_path = "/etc/containerd/certs.d"');
    expect(renderKindConfig({ name: "a", nodeImage: "x" }).yaml).not.toContain("containerdConfigPatches");
  });

  test("refuses names kind cannot carry and impossible worker counts", () => {
    expect(() => renderKindConfig({ name: "My Cluster", nodeImage: "x" })).toThrow(
      "kind cluster name \"My Cluster\" is not allowed: use lowercase letters, digits and '-' (at most 40)",
    );
    expect(() => renderKindConfig({ name: "a", nodeImage: "x", workers: 11 })).toThrow("kind workers must be a whole number from 0 to 10, got 11");
  });
});

describe("nodeImageFor", () => {
  test("pins each supported minor version by digest", () => {
    expect(Object.keys(KIND_NODE_IMAGES)).toEqual(["1.34", "1.33", "1.32", "1.31"]);
    expect(nodeImageFor("1.34").image).toBe("kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a");
    expect(nodeImageFor("1.34.0")).toEqual(nodeImageFor("1.34"));
  });

  test("unsupported versions name the supported ones and the fix", () => {
    expect(() => nodeImageFor("1.29")).toThrow(
      "Kubernetes 1.29 has no pinned kind node image (supported: 1.34, 1.33, 1.32, 1.31); set localkube:kubernetesVersion to one of those, or localkube:cluster.nodeImage to an image of your own",
    );
    expect(() => nodeImageFor("1.34.2")).toThrow(
      "Kubernetes 1.34.2 is not pinned; 1.34 is pinned at 1.34.0: set localkube:kubernetesVersion to 1.34 or 1.34.0, or localkube:cluster.nodeImage to an image of your own",
    );
  });
});

describe("host tool calls keep every value one argument (no shell)", () => {
  test("kind calls", () => {
    expect(kindCalls.create(HOSTILE, "cfg")).toEqual({ file: "kind", args: ["create", "cluster", "--name", HOSTILE, "--config", "-"], input: "cfg" });
    expect(kindCalls.delete(HOSTILE)).toEqual({ file: "kind", args: ["delete", "cluster", "--name", HOSTILE] });
    expect(kindCalls.kubeconfig(HOSTILE).args).toEqual(["get", "kubeconfig", "--name", HOSTILE]);
  });

  test("docker calls", () => {
    expect(dockerCalls.runRegistry({ name: HOSTILE, image: HOSTILE, port: 5001, listen: "127.0.0.1", volume: HOSTILE })).toEqual({
      file: "docker",
      args: [
        "run",
        "--detach",
        "--restart=always",
        "--name",
        HOSTILE,
        "--publish",
        "127.0.0.1:5001:5000",
        "--volume",
        `${HOSTILE}:/var/lib/registry`,
        "--label",
        "localkube.dev/registry=true",
        HOSTILE,
      ],
    });
    expect(dockerCalls.connect("kind", HOSTILE).args).toEqual(["network", "connect", "kind", HOSTILE]);
    expect(dockerCalls.removeContainer(HOSTILE).args).toEqual(["rm", "--force", "--volumes", HOSTILE]);
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
    const r = await runTool({ file: process.execPath as ToolCall["file"], args: ["-e", echoArgs, HOSTILE, "two words"], input: "ignored" });
    expect(r).toEqual({ code: 0, stdout: JSON.stringify([HOSTILE, "two words"]), stderr: "", error: undefined });
  });

  test("runTool reports a program that cannot be started, without waiting for its timeout", async () => {
    const r = await runTool({ file: "localkube-no-such-tool" as ToolCall["file"], args: ["--version"] });
    expect(r).toEqual({ code: null, stdout: "", stderr: "", error: "spawn localkube-no-such-tool ENOENT" });
  });

  test("mustRun names the command and ends with the tool's own words", async () => {
    await expect(mustRun({ file: "docker", args: ["inspect", "--type", "container", "no-such-container-xyz"] }, "inspecting")).rejects.toThrow(
      /^inspecting failed: `docker inspect --type container no-such-container-xyz`: /,
    );
  });
});

describe("inClusterTransform", () => {
  test("Kubernetes objects wait for the environment and are deleted with the cluster; others are untouched", () => {
    const ready = [{ urn: "ready" }] as any[];
    const cluster = { urn: "cluster" } as any;
    const t = inClusterTransform({ ready, deletedWith: cluster });
    const out = t({ type: "kubernetes:apps/v1:Deployment", name: "d", custom: true, props: { a: 1 }, opts: {} } as any) as any;
    expect(out.props).toEqual({ a: 1 });
    expect(out.opts.dependsOn).toEqual(ready);
    expect(out.opts.deletedWith).toBe(cluster);
    expect(t({ type: "docker-build:index:Image", name: "i", custom: true, props: {}, opts: {} } as any)).toBeUndefined();
    expect(t({ type: "kubernetes:helm.sh/v4:Chart", name: "c", custom: false, props: {}, opts: {} } as any)).toBeUndefined();
  });
});
