import type * as K from "@kubernetes/client-node";
import { copyObjects } from "./e2e/bench/serviceCopy";
import { renderTiltfile, restartCommandLine } from "./e2e/bench/tiltfile";

/** price as the API server returns it: server-set fields, Pulumi's annotations. */
const deployment = (container: Partial<K.V1Container> = {}, volumes?: K.V1Volume[]) =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "price",
      namespace: "localkube",
      labels: { "app.kubernetes.io/name": "price" },
      annotations: { "pulumi.com/skipAwait": "true" },
      uid: "u1",
      resourceVersion: "42",
      managedFields: [{ manager: "pulumi-kubernetes-abc" }],
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "price" } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "price" } },
        spec: {
          containers: [{ name: "price", image: "localhost:5051/price@sha256:aa", ...container }],
          ...(volumes ? { volumes } : {}),
        },
      },
    },
    status: { readyReplicas: 1 },
  }) as K.V1Deployment;

const service = {
  metadata: { name: "price", namespace: "localkube", uid: "u2" },
  spec: {
    selector: { "app.kubernetes.io/name": "price" },
    ports: [{ name: "http", port: 80, targetPort: "http" }],
    type: "ClusterIP",
    clusterIP: "10.96.0.7",
  },
} as K.V1Service;

const ingress = {
  metadata: { name: "price", namespace: "localkube", annotations: { a: "b" } },
  spec: {
    ingressClassName: "nginx",
    rules: [
      {
        host: "price.localhost",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "price", port: { name: "http" } } },
            },
          ],
        },
      },
    ],
  },
  status: { loadBalancer: {} },
} as K.V1Ingress;

describe("copyObjects", () => {
  const opts = { namespace: "bench-floor", host: "price-floor.localhost", image: "img@sha256:bb" };

  test("the same pod spec in a namespace and at a host of its own, server fields dropped", () => {
    expect(copyObjects("price", { deployment: deployment(), service, ingress }, opts)).toEqual([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-floor" } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "price",
          namespace: "bench-floor",
          labels: { "app.kubernetes.io/name": "price" },
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: { "app.kubernetes.io/name": "price" } },
          template: {
            metadata: { labels: { "app.kubernetes.io/name": "price" } },
            spec: { containers: [{ name: "price", image: "img@sha256:bb" }] },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "price", namespace: "bench-floor" },
        spec: {
          selector: { "app.kubernetes.io/name": "price" },
          ports: [{ name: "http", port: 80, targetPort: "http" }],
          type: "ClusterIP",
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "price", namespace: "bench-floor" },
        spec: {
          ingressClassName: "nginx",
          rules: [{ ...ingress.spec!.rules![0], host: "price-floor.localhost" }],
        },
      },
    ]);
  });

  test("the service's own objects are left as they were", () => {
    const d = deployment();
    copyObjects("price", { deployment: d, service, ingress }, opts);
    expect(d.spec!.template.spec!.containers[0].image).toBe("localhost:5051/price@sha256:aa");
    expect(d.metadata!.namespace).toBe("localkube");
  });

  test("a pod that needs a Secret of its namespace is not copied", () =>
    expect(() =>
      copyObjects(
        "price",
        {
          deployment: deployment({
            env: [{ name: "K", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
          }),
          service,
          ingress,
        },
        opts,
      ),
    ).toThrow(
      'price: its pod refers to objects of its namespace ({"name":"K","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}): not copied',
    ));

  test("a pod that mounts a ConfigMap is not copied", () =>
    expect(() =>
      copyObjects(
        "price",
        {
          deployment: deployment({}, [{ name: "f", configMap: { name: "price-files" } }]),
          service,
          ingress,
        },
        opts,
      ),
    ).toThrow(
      'price: its pod refers to objects of its namespace ({"name":"f","configMap":{"name":"price-files"}}): not copied',
    ));

  test("a Deployment without the service's container is refused", () =>
    expect(() => copyObjects("bank", { deployment: deployment(), service, ingress }, opts)).toThrow(
      "bank: no container named bank in its Deployment",
    ));
});

describe("renderTiltfile", () => {
  test("docker_build with the live update localkube does, k8s_yaml of the objects", () =>
    expect(
      renderTiltfile({
        kubeContext: "kind-lk-e2e",
        image: "price-tilt",
        context: "price",
        objects: "objects.yaml",
        sync: [
          { from: "app.py", to: "/app/app.py" },
          { from: "static", to: "/app/static" },
        ],
        run: restartCommandLine(),
      }),
    ).toBe(
      [
        "# Written by npm run bench:e2e (test/e2e/bench/tilt.ts).",
        'allow_k8s_contexts("kind-lk-e2e")',
        'k8s_yaml("objects.yaml")',
        'docker_build("price-tilt", "price", live_update=[',
        '    sync("price/app.py", "/app/app.py"),',
        '    sync("price/static", "/app/static"),',
        '    run("touch /tmp/.localkube/restart && kill \\"$(cat /tmp/.localkube/pid)\\""),',
        "])",
        "",
      ].join("\n"),
    ));
});
