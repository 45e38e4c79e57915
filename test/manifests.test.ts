import { applianceMappings } from "../kube/hostAccess";
import {
  imageRepository,
  renderedWorkloads,
  replaceImages,
  movedNamespace,
} from "../kube/manifests";
import { fileKey, fileMounts, filesData, secretNames } from "../kube/serviceConfig";
import { renderKindConfig } from "../kind/config";
import { workloadsChanged, WorkloadsReadyInputs } from "../providers/manifestsReady";

describe("imageRepository", () => {
  test.each([
    ["ghcr.io/acme/partner:1.0.0", "ghcr.io/acme/partner"],
    ["ghcr.io/acme/partner@sha256:abc", "ghcr.io/acme/partner"],
    ["ghcr.io/acme/partner:1.0@sha256:abc", "ghcr.io/acme/partner"],
    ["localhost:5001/partner:dev", "localhost:5001/partner"],
    ["localhost:5001/partner", "localhost:5001/partner"],
    ["nginx", "nginx"],
  ])("%s → %s", (ref, repository) => {
    expect(imageRepository(ref)).toBe(repository);
  });
});

describe("replaceImages", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "partner", annotations: { image: "ghcr.io/acme/partner:1.0.0" } },
    spec: {
      template: {
        spec: {
          initContainers: [{ name: "wait", image: "ghcr.io/acme/partner:1.0.0" }],
          containers: [
            {
              name: "partner",
              image: "ghcr.io/acme/partner:1.0.0",
              ports: [{ containerPort: 8080 }],
            },
            { name: "proxy", image: "envoyproxy/envoy:v1.31" },
          ],
        },
      },
    },
  };
  const BUILT = "localhost:5001/partner@sha256:0123";

  test("every container of the repository, init containers too; nothing else", () => {
    expect(replaceImages(deployment, "ghcr.io/acme/partner", BUILT)).toEqual({
      ...deployment,
      spec: {
        template: {
          spec: {
            initContainers: [{ name: "wait", image: BUILT }],
            containers: [
              { name: "partner", image: BUILT, ports: [{ containerPort: 8080 }] },
              { name: "proxy", image: "envoyproxy/envoy:v1.31" },
            ],
          },
        },
      },
    });
    // The input is not modified.
    expect(deployment.spec.template.spec.containers[0].image).toBe("ghcr.io/acme/partner:1.0.0");
  });

  test("a CronJob's job template, a bare Pod", () => {
    const cron = {
      kind: "CronJob",
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { containers: [{ name: "c", image: "ghcr.io/acme/partner" }] } },
          },
        },
      },
    };
    expect(
      replaceImages(cron, "ghcr.io/acme/partner", BUILT).spec.jobTemplate.spec.template.spec
        .containers,
    ).toEqual([{ name: "c", image: BUILT }]);
    const pod = {
      kind: "Pod",
      spec: { containers: [{ name: "c", image: "ghcr.io/acme/partner@sha256:1" }] },
    };
    expect(replaceImages(pod, "ghcr.io/acme/partner", BUILT).spec.containers[0].image).toBe(BUILT);
  });

  test("no container of the repository: the very same object", () => {
    const service = { kind: "Service", spec: { ports: [{ port: 80 }] } };
    expect(replaceImages(service, "ghcr.io/acme/partner", BUILT)).toBe(service);
    expect(replaceImages(deployment, "ghcr.io/acme/other", BUILT)).toBe(deployment);
    // A repository that only starts like it is another one.
    const near = { spec: { containers: [{ name: "c", image: "ghcr.io/acme/partner-api:1" }] } };
    expect(replaceImages(near, "ghcr.io/acme/partner", BUILT)).toBe(near);
  });
});

describe("movedNamespace", () => {
  test("objects the provider put in the stack's namespace move to the add-on's; others are left alone", () => {
    expect(
      movedNamespace(
        { kind: "Deployment", metadata: { name: "a", namespace: "localkube" } },
        "localkube",
        "argo",
      ),
    ).toEqual({ kind: "Deployment", metadata: { name: "a", namespace: "argo" } });
    const own = { kind: "ConfigMap", metadata: { name: "a", namespace: "elsewhere" } };
    expect(movedNamespace(own, "localkube", "argo")).toBe(own);
    const cluster = { kind: "ClusterRole", metadata: { name: "a" } };
    expect(movedNamespace(cluster, "localkube", "argo")).toBe(cluster);
    const bare: { kind: string; metadata?: unknown } = { kind: "Service" };
    expect(movedNamespace(bare, "localkube", "argo")).toBe(bare);
  });
});

describe("renderedWorkloads", () => {
  test("Deployments, StatefulSets and Jobs, by kind and name, with the namespace filled in", () => {
    expect(
      renderedWorkloads(
        [
          { kind: "Service", metadata: { name: "partner" } },
          {
            kind: "StatefulSet",
            metadata: { name: "cache", namespace: "ns", uid: "u2", generation: 3 },
          },
          { kind: "Deployment", metadata: { name: "partner", uid: "u1", generation: 1 } },
          { kind: "Job", metadata: { name: "partner-init", uid: "u3", generation: 1 } },
        ],
        "localkube",
      ),
    ).toEqual([
      { kind: "Deployment", namespace: "localkube", name: "partner", uid: "u1", generation: 1 },
      { kind: "Job", namespace: "localkube", name: "partner-init", uid: "u3", generation: 1 },
      { kind: "StatefulSet", namespace: "ns", name: "cache", uid: "u2", generation: 3 },
    ]);
  });

  test("the gate waits again when a workload is added, replaced or gets a new spec", () => {
    const d = {
      kind: "Deployment" as const,
      namespace: "n",
      name: "partner",
      uid: "u1",
      generation: 1,
    };
    const inputs = (...workloads: (typeof d)[]) =>
      ({ workloads, service: "partner", timeoutSeconds: 120 }) as WorkloadsReadyInputs;
    expect(workloadsChanged(inputs(d), inputs({ ...d }))).toBe(false);
    expect(workloadsChanged(inputs(d), inputs({ ...d, generation: 2 }))).toBe(true);
    expect(workloadsChanged(inputs(d), inputs({ ...d, uid: "u9" }))).toBe(true);
    expect(workloadsChanged(inputs(d), inputs(d, { ...d, name: "other" }))).toBe(true);
  });
});

describe("files and secrets of a service", () => {
  const files = [
    {
      source: "config/bank.json",
      from: "/repo/services/config/bank.json",
      to: "/etc/bank/config.json",
    },
    { source: "certs/ca.der", from: "/repo/services/certs/ca.der", to: "/etc/ssl/ca der" },
  ];
  const contents: Record<string, Buffer> = {
    "/repo/services/config/bank.json": Buffer.from('{"displayName": "demo"}\n'),
    "/repo/services/certs/ca.der": Buffer.from([0x30, 0x82, 0xff, 0x00]),
  };

  test("keys: the index and the base name, in the characters a ConfigMap key allows", () => {
    expect(files.map((f, i) => fileKey(i, f))).toEqual(["0-config.json", "1-ca_der"]);
  });

  test("text goes to data, anything else to binaryData; the hash changes with any byte", () => {
    const read = (p: string) => contents[p];
    const first = filesData(files, read);
    expect(first.data).toEqual({ "0-config.json": '{"displayName": "demo"}\n' });
    expect(first.binaryData).toEqual({
      "1-ca_der": Buffer.from([0x30, 0x82, 0xff, 0x00]).toString("base64"),
    });
    expect(first.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(filesData(files, read).hash).toBe(first.hash);
    const edited = (p: string) =>
      p.endsWith("bank.json") ? Buffer.from('{"displayName": "demo!"}\n') : contents[p];
    expect(filesData(files, edited).hash).not.toBe(first.hash);
    // The same bytes at another path in the container roll the pods too.
    expect(filesData([{ ...files[0], to: "/etc/bank.json" }, files[1]], read).hash).not.toBe(
      first.hash,
    );
  });

  test("one volume from the ConfigMap, one read-only mount per file at its path", () => {
    expect(fileMounts("bank", files)).toEqual({
      volume: {
        name: "localkube-files",
        configMap: {
          name: "bank-files",
          items: [
            { key: "0-config.json", path: "0-config.json" },
            { key: "1-ca_der", path: "1-ca_der" },
          ],
        },
      },
      mounts: [
        {
          name: "localkube-files",
          mountPath: "/etc/bank/config.json",
          subPath: "0-config.json",
          readOnly: true,
        },
        {
          name: "localkube-files",
          mountPath: "/etc/ssl/ca der",
          subPath: "1-ca_der",
          readOnly: true,
        },
      ],
    });
  });

  test("the secrets an env refers to, each once", () => {
    expect(
      secretNames({
        env: {
          B: { kind: "secret", name: "b" },
          A: { kind: "secret", name: "a" },
          C: { kind: "secret", name: "b" },
          D: { kind: "literal", value: "x" },
        },
      }),
    ).toEqual(["a", "b"]);
  });
});

describe("appliances on the host: the kind config", () => {
  const base = { name: "localkube", nodeImage: "kindest/node:v1.37.0@sha256:abc" };

  test("no appliance port: the very config (and hash) of before", () => {
    expect(renderKindConfig({ ...base, extraPortMappings: [] })).toEqual(renderKindConfig(base));
    expect(applianceMappings({})).toEqual([]);
  });

  test("each port maps 127.0.0.1:<host port> to the appliance's node port; the hash changes", () => {
    const mappings = applianceMappings({ postgres: 15432, kafka: 19092 });
    expect(mappings).toEqual([
      { hostPort: 15432, nodePort: 30032 },
      { hostPort: 19092, nodePort: 30082 },
    ]);
    const { yaml, hash } = renderKindConfig({ ...base, extraPortMappings: mappings });
    expect(yaml).toContain(
      [
        "      - containerPort: 443",
        "        hostPort: 443",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "      - containerPort: 30032",
        "        hostPort: 15432",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
        "      - containerPort: 30082",
        "        hostPort: 19092",
        "        listenAddress: 127.0.0.1",
        "        protocol: TCP",
      ].join("\n"),
    );
    expect(hash).not.toBe(renderKindConfig(base).hash);
    expect(applianceMappings({ kafka: 29092 })).toEqual([{ hostPort: 29092, nodePort: 30082 }]);
  });
});
