import { renderKindConfig } from "../kind/config";
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
      nodeImage: "kindest/node:v1.34.0@sha256:abc",
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
  test("pins each supported minor version by digest; the newest is the default", () => {
    expect(Object.keys(KIND_NODE_IMAGES)).toEqual(["1.34", "1.33", "1.32", "1.31"]);
    expect(nodeImageFor("1.34")).toEqual({
      ok: true,
      image:
        "kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
      configPath: false,
    });
    expect(nodeImageFor("1.34.0")).toEqual(nodeImageFor("1.34"));
    expect(DEFAULT_KUBERNETES_VERSION).toBe("1.34");
  });

  test("unsupported versions name what is pinned", () => {
    expect(nodeImageFor("1.29")).toEqual({
      ok: false,
      message:
        "Kubernetes 1.29 has no pinned kind node image; pinned: 1.31 (1.31.12), 1.32 (1.32.8), 1.33 (1.33.4), 1.34 (1.34.0)",
    });
    expect(nodeImageFor("1.34.2")).toEqual({
      ok: false,
      message: "Kubernetes 1.34.2 is not pinned; 1.34 is pinned at 1.34.0",
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
