import type * as K from "@kubernetes/client-node";
import { imageChange, imageUsers, routeSaves, Workloads } from "../dev/fastSave";
import type { ImageBuild } from "../kube/images";
import { ownedFields, pulumiManager } from "../kube/ownedFields";

const REPO = "localhost:5001/bank";
const OLD = `${REPO}@sha256:${"a".repeat(64)}`;
const NEW = `${REPO}@sha256:${"b".repeat(64)}`;

/** Fields as the Kubernetes provider's apply of a Deployment records them. */
const PULUMI_FIELDS = {
  "f:metadata": {
    "f:annotations": { "f:pulumi.com/skipAwait": {} },
    "f:labels": { "f:app.kubernetes.io/name": {} },
  },
  "f:spec": {
    "f:replicas": {},
    "f:selector": {},
    "f:template": {
      "f:metadata": { "f:labels": { "f:app.kubernetes.io/name": {} } },
      "f:spec": {
        "f:containers": {
          'k:{"name":"bank"}': {
            ".": {},
            "f:command": {},
            "f:env": { 'k:{"name":"ACCOUNT_ID"}': { ".": {}, "f:name": {}, "f:value": {} } },
            "f:image": {},
            "f:name": {},
            "f:ports": {
              'k:{"containerPort":8080,"protocol":"TCP"}': {
                ".": {},
                "f:containerPort": {},
                "f:name": {},
              },
            },
          },
        },
        "f:enableServiceLinks": {},
      },
    },
  },
};

function deployment(image = OLD, managers = [pulumiEntry()]): K.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "bank",
      namespace: "localkube",
      uid: "u1",
      generation: 3,
      resourceVersion: "812",
      labels: { "app.kubernetes.io/name": "bank" },
      annotations: { "pulumi.com/skipAwait": "true", "deployment.kubernetes.io/revision": "3" },
      managedFields: managers,
    },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { "app.kubernetes.io/name": "bank" } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "bank" } },
        spec: {
          enableServiceLinks: false,
          restartPolicy: "Always",
          containers: [
            {
              name: "bank",
              image,
              command: ["python3", "-u", "/app/app.py"],
              env: [{ name: "ACCOUNT_ID", value: "demo" }],
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              terminationMessagePath: "/dev/termination-log",
            },
          ],
        },
      },
    },
    status: { replicas: 1, readyReplicas: 1 },
  };
}

function pulumiEntry(manager = "pulumi-kubernetes-5d3c8a1f"): K.V1ManagedFieldsEntry {
  return {
    manager,
    operation: "Apply",
    apiVersion: "apps/v1",
    fieldsType: "FieldsV1",
    fieldsV1: PULUMI_FIELDS,
  };
}

const controllerEntry: K.V1ManagedFieldsEntry = {
  manager: "kube-controller-manager",
  operation: "Update",
  apiVersion: "apps/v1",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:metadata": { "f:annotations": { "f:deployment.kubernetes.io/revision": {} } } },
};

describe("ownedFields: what one manager applied, read back from managedFields", () => {
  test("keeps exactly the owned fields with their values, keyed list items by their keys", () => {
    expect(ownedFields(deployment(), PULUMI_FIELDS)).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "bank",
        namespace: "localkube",
        annotations: { "pulumi.com/skipAwait": "true" },
        labels: { "app.kubernetes.io/name": "bank" },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { "app.kubernetes.io/name": "bank" } },
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "bank" } },
          spec: {
            enableServiceLinks: false,
            containers: [
              {
                name: "bank",
                image: OLD,
                command: ["python3", "-u", "/app/app.py"],
                env: [{ name: "ACCOUNT_ID", value: "demo" }],
                ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              },
            ],
          },
        },
      },
    });
  });

  test("set-like list values (v:) and positions (i:) are kept only when present", () => {
    const obj = { apiVersion: "v1", kind: "X", metadata: { name: "x" }, a: ["p", "q"], b: [1, 2] };
    expect(ownedFields(obj, { "f:a": { 'v:"q"': {}, 'v:"z"': {} }, "f:b": { "i:1": {} } })).toEqual(
      { apiVersion: "v1", kind: "X", metadata: { name: "x" }, a: ["q"], b: [2] },
    );
  });
});

describe("pulumiManager", () => {
  test("the one Apply entry named as the Kubernetes provider names its managers", () => {
    expect(pulumiManager([controllerEntry, pulumiEntry()])).toEqual({
      manager: "pulumi-kubernetes-5d3c8a1f",
      fields: PULUMI_FIELDS,
    });
  });
  test.each([
    ["none", []],
    ["only a controller", [controllerEntry]],
    ["kubectl's apply", [{ ...pulumiEntry(), manager: "kubectl" }]],
    ["a status subresource", [{ ...pulumiEntry(), subresource: "status" }]],
    [
      "two Pulumi managers",
      [pulumiEntry("pulumi-kubernetes-aaaa"), pulumiEntry("pulumi-kubernetes-bbbb")],
    ],
  ])("undefined with %s", (_what, entries) => {
    expect(pulumiManager(entries as K.V1ManagedFieldsEntry[])).toBeUndefined();
  });
});

const none: Workloads = { deployments: [], statefulSets: [], jobs: [], cronJobs: [] };

function job(name: string, image: string): K.V1Job {
  return {
    metadata: {
      name,
      labels: { "app.kubernetes.io/name": name },
      managedFields: [
        {
          manager: "pulumi-kubernetes-77aa",
          operation: "Apply",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:spec": {
              "f:template": {
                "f:spec": {
                  "f:containers": { 'k:{"name":"bank-migrate"}': { "f:image": {}, "f:name": {} } },
                  "f:restartPolicy": {},
                },
              },
            },
          },
        },
      ],
    },
    spec: {
      selector: { matchLabels: { "controller-uid": "j1" } },
      template: {
        metadata: { labels: { "controller-uid": "j1", "job-name": name } },
        spec: { restartPolicy: "Never", containers: [{ name: "bank-migrate", image }] },
      },
    },
  };
}

describe("imageUsers and imageChange", () => {
  test("Jobs first, then Deployments; only those running the repository's built image", () => {
    const w: Workloads = {
      ...none,
      deployments: [
        deployment(),
        { ...deployment("ghcr.io/acme/price:1"), metadata: { name: "price" } },
      ],
      jobs: [job("bank-migrate", OLD)],
    };
    expect(imageUsers(REPO, w).map((u) => `${u.kind} ${u.object.metadata?.name}`)).toEqual([
      "Job bank-migrate",
      "Deployment bank",
    ]);
  });

  test("a Job's rerun carries none of what its controller added (selector, controller labels)", () => {
    expect(imageChange("Job", job("bank-migrate", OLD), REPO, NEW)).toEqual({
      kind: "Job",
      name: "bank-migrate",
      manager: "pulumi-kubernetes-77aa",
      applied: {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "bank-migrate" },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "bank-migrate", image: NEW }] },
          },
        },
      },
    });
  });

  test("a Deployment's change is Pulumi's applied fields with the new image", () => {
    const change = imageChange("Deployment", deployment(), REPO, NEW)!;
    expect(change.manager).toBe("pulumi-kubernetes-5d3c8a1f");
    const expected = ownedFields(deployment(NEW), PULUMI_FIELDS);
    expect(change.applied).toEqual(expected);
  });

  test("undefined when Pulumi's manager does not own the object", () => {
    expect(
      imageChange("Deployment", deployment(OLD, [controllerEntry]), REPO, NEW),
    ).toBeUndefined();
  });
});

const build: ImageBuild = {
  context: "/p/services/bank",
  dockerfile: "/p/services/bank/Dockerfile",
  args: { SOURCE_DATE_EPOCH: "0" },
  labels: { "localkube.dev/service": "bank" },
  repository: REPO,
  tag: "localkube",
  login: false,
};

describe("routeSaves: the fast path, or the engine with the reason", () => {
  const builder = () => ({ endpoint: "unix:///run/buildkitd.sock" });
  const workloads: Workloads = {
    ...none,
    deployments: [deployment()],
    jobs: [job("bank-migrate", OLD)],
  };

  test("fast when the stack built it, a builder answers and Pulumi applied every user of the image", () => {
    expect(routeSaves(["bank"], { builds: { bank: build }, workloads, builder })).toEqual([
      {
        path: "fast",
        save: {
          service: "bank",
          build,
          endpoint: "unix:///run/buildkitd.sock",
          users: [
            { kind: "Job", name: "bank-migrate" },
            { kind: "Deployment", name: "bank" },
          ],
        },
      },
    ]);
  });

  test.each([
    [
      "not built by the stack",
      {},
      workloads,
      builder,
      "the stack's last converge did not build bank from source",
    ],
    ["no builder", { bank: build }, workloads, () => ({ missing: "no buildctl" }), "no buildctl"],
    [
      "a registry login",
      { bank: { ...build, login: true } },
      workloads,
      builder,
      "pushing to localhost:5001/bank needs the stack's registry login",
    ],
    ["nothing running it", { bank: build }, none, builder, "nothing runs bank's image yet"],
    [
      "a workload Pulumi does not own",
      { bank: build },
      { ...none, deployments: [deployment(OLD, [controllerEntry])] },
      builder,
      "Deployment bank was not applied by Pulumi (changed outside localkube?)",
    ],
  ])("engine: %s", (_what, builds, w, b, reason) => {
    expect(
      routeSaves(["bank"], {
        builds: builds as Record<string, ImageBuild>,
        workloads: w,
        builder: b,
      }),
    ).toEqual([{ path: "engine", service: "bank", reason }]);
  });
});
