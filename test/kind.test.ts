import { cgroupV1Workaround, kubernetesVersionOfImage, renderKindConfig } from "../kind/config";
import {
  compareVersions,
  DEFAULT_KUBERNETES_VERSION,
  KIND_NODE_IMAGES,
  nodeImageFor,
} from "../kind/nodeImages";

describe("renderKindConfig", () => {
  test("renders the exact config: pinned image, ingress-ready + config hash labels, ports on 127.0.0.1", () => {
    const { yaml, hash } = renderKindConfig({
      name: "localkube",
      nodeImage: "kindest/node:v1.37.0@sha256:abc",
      httpPort: 8080,
      httpsPort: 8443,
      workers: 1,
    });
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(yaml).toBe(
      [
        "kind: Cluster",
        "apiVersion: kind.x-k8s.io/v1alpha4",
        "name: localkube",
        "nodes:",
        "  - role: control-plane",
        "    image: kindest/node:v1.37.0@sha256:abc",
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
        "    image: kindest/node:v1.37.0@sha256:abc",
        "",
      ].join("\n"),
    );
  });

  test("the hash changes exactly when the config does", () => {
    const base = { name: "localkube", nodeImage: "kindest/node:v1.37.0@sha256:abc" };
    expect(renderKindConfig(base).hash).toBe(renderKindConfig({ ...base }).hash);
    expect(renderKindConfig({ ...base, httpPort: 81 }).hash).not.toBe(renderKindConfig(base).hash);
    expect(renderKindConfig({ ...base, workers: 1 }).hash).not.toBe(renderKindConfig(base).hash);
  });

  test("adds the containerd config_path patch for older node images", () => {
    const { yaml } = renderKindConfig({
      name: "a",
      nodeImage: "kindest/node:v1.26.0",
      containerdConfigPath: true,
    });
    expect(yaml).toContain('config_path = "/etc/containerd/certs.d"');
    expect(renderKindConfig({ name: "a", nodeImage: "x" }).yaml).not.toContain(
      "containerdConfigPatches",
    );
  });

  test("refuses names kind cannot carry and impossible worker counts", () => {
    expect(() => renderKindConfig({ name: "My Cluster", nodeImage: "x" })).toThrow(
      "kind cluster name \"My Cluster\" is not allowed: use lowercase letters, digits and '-' (at most 40)",
    );
    expect(() => renderKindConfig({ name: "a", nodeImage: "x", workers: 11 })).toThrow(
      "kind workers must be a whole number from 0 to 10, got 11",
    );
  });
});

describe("nodeImageFor", () => {
  test("pins what kind v0.33.0 published, by digest; the newest is the default", () => {
    expect(Object.keys(KIND_NODE_IMAGES)).toEqual(["1.37", "1.36", "1.35", "1.34"]);
    expect(Object.values(KIND_NODE_IMAGES).map((e) => e.image)).toEqual([
      "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
      "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
      "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
      "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
    ]);
    expect(nodeImageFor("1.37")).toEqual({
      ok: true,
      image:
        "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
      configPath: false,
    });
    expect(nodeImageFor("1.37.0")).toEqual(nodeImageFor("1.37"));
    expect(nodeImageFor("1.34.11")).toEqual(nodeImageFor("1.34"));
    expect(DEFAULT_KUBERNETES_VERSION).toBe("1.37");
  });

  test("unsupported versions name what is pinned", () => {
    expect(nodeImageFor("1.33")).toEqual({
      ok: false,
      message:
        "Kubernetes 1.33 has no pinned kind node image; pinned: 1.34 (1.34.11), 1.35 (1.35.8), 1.36 (1.36.4), 1.37 (1.37.0)",
    });
    expect(nodeImageFor("1.37.2")).toEqual({
      ok: false,
      message: "Kubernetes 1.37.2 is not pinned; 1.37 is pinned at 1.37.0",
    });
  });

  test("versions compare by number, not by text", () => {
    expect(["1.10", "1.9", "1.34.1", "1.34"].sort(compareVersions)).toEqual([
      "1.9",
      "1.10",
      "1.34",
      "1.34.1",
    ]);
  });
});

describe("kubernetesVersionOfImage", () => {
  test.each([
    ["kindest/node:v1.37.0@sha256:abc", "1.37.0"],
    ["kindest/node:v1.36.4", "1.36.4"],
    ["localkube-e2e/kind-node:v1.37.2", "1.37.2"],
    ["localhost:5000/kind-node:v1.36", "1.36"],
    ["mirror.acme.dev:443/team/node:v1.35.8-acme.1", "1.35.8"],
  ])("%s names %s", (image, version) => {
    expect(kubernetesVersionOfImage(image)).toBe(version);
  });

  test.each([
    ["kindest/node@sha256:abc"],
    ["kindest/node"],
    ["kindest/node:latest"],
    ["mirror.acme.dev/kind-node:1.20"],
    ["localhost:5000/kind-node"],
  ])("%s names no version", (image) => {
    expect(kubernetesVersionOfImage(image)).toBeUndefined();
  });
});

describe("cgroup v1 hosts", () => {
  const v137 = "kindest/node:v1.37.0@sha256:abc";
  const patch = [
    "kubeadmConfigPatches:",
    "  - |",
    "    kind: KubeletConfiguration",
    "    failCgroupV1: false",
  ];

  test("cgroup v1 + Kubernetes ≥ 1.35: every node's kubelet gets failCgroupV1: false, and one warning says why", () => {
    const { yaml, hash, warning } = renderKindConfig({
      name: "localkube",
      nodeImage: v137,
      workers: 1,
      hostCgroupVersion: 1,
    });
    expect(yaml).toBe(
      [
        "kind: Cluster",
        "apiVersion: kind.x-k8s.io/v1alpha4",
        "name: localkube",
        "nodes:",
        "  - role: control-plane",
        `    image: ${v137}`,
        "    kubeadmConfigPatches:",
        "      - >",
        "        kind: InitConfiguration",
        "",
        "        nodeRegistration:",
        "          kubeletExtraArgs:",
        `            node-labels: ingress-ready=true,localkube.dev/config-hash=${hash}`,
        "    extraPortMappings:",
        "      - containerPort: 80",
        "        hostPort: 80",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "      - containerPort: 443",
        "        hostPort: 443",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "  - role: worker",
        `    image: ${v137}`,
        ...patch,
        "",
      ].join("\n"),
    );
    expect(warning).toBe(
      "this Docker host runs cgroup v1, which Kubernetes 1.37.0 refuses by default: the kind config sets the kubelet's failCgroupV1: false. cgroup v1 is deprecated in Kubernetes and kind; move Docker to cgroup v2 (e.g. boot with systemd.unified_cgroup_hierarchy=1) to drop this setting.",
    );
  });

  test("cgroup v2 or an unknown host: the config and its hash are exactly those of before, no warning", () => {
    const base = { name: "localkube", nodeImage: v137 };
    const plain = renderKindConfig(base);
    expect(plain.warning).toBeUndefined();
    expect(renderKindConfig({ ...base, hostCgroupVersion: 2 })).toEqual(plain);
    expect(plain.yaml).not.toContain("KubeletConfiguration");
    expect(renderKindConfig({ ...base, hostCgroupVersion: 1 }).hash).not.toBe(plain.hash);
  });

  test("Kubernetes ≤ 1.34 on cgroup v1 needs nothing", () => {
    const input = {
      name: "a",
      nodeImage: "kindest/node:v1.34.11@sha256:abc",
      hostCgroupVersion: 1 as const,
    };
    expect(cgroupV1Workaround(input)).toBeUndefined();
    expect(renderKindConfig(input)).toEqual(renderKindConfig({ ...input, hostCgroupVersion: 2 }));
  });

  test("the threshold is 1.35, by number", () => {
    const at = (image: string) => cgroupV1Workaround({ nodeImage: image, hostCgroupVersion: 1 });
    expect(at("localkube-e2e/kind-node:v1.35.0")).toBeDefined();
    expect(at("localkube-e2e/kind-node:v1.36.3")).toBeDefined();
    expect(at("localkube-e2e/kind-node:v1.34.4")).toBeUndefined();
    expect(at("localkube-e2e/kind-node:v1.9.0")).toBeUndefined();
  });

  test("a custom image whose tag names no version is taken as current, and the warning says so", () => {
    expect(
      cgroupV1Workaround({ nodeImage: "mirror.acme.dev/node@sha256:abc", hostCgroupVersion: 1 }),
    ).toEqual({
      warning:
        "this Docker host runs cgroup v1, which the node image mirror.acme.dev/node@sha256:abc (Kubernetes version not in its tag, taken as ≥ 1.35) refuses by default: the kind config sets the kubelet's failCgroupV1: false. cgroup v1 is deprecated in Kubernetes and kind; move Docker to cgroup v2 (e.g. boot with systemd.unified_cgroup_hierarchy=1) to drop this setting.",
    });
    expect(
      renderKindConfig({
        name: "a",
        nodeImage: "mirror.acme.dev/node@sha256:abc",
        hostCgroupVersion: 1,
      }).yaml,
    ).toContain("failCgroupV1: false");
  });
});
