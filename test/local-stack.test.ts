import * as path from "path";
import {
  byUrn,
  installMocks,
  MOCK_KUBECONFIG,
  MOCK_PASSWORD,
  ofType,
  promiseOf,
  Registered,
  settle,
  fakeConfig,
  noContainers,
} from "./mocks";

const registered: Registered[] = installMocks();
// A whole program under mocks takes seconds on a busy machine.
jest.setTimeout(30_000);
let stacks: typeof import("../stacks/localStack");

beforeAll(async () => {
  stacks = await import("../stacks/localStack");
}, 60_000);
beforeEach(() => registered.splice(0));

const REPO = path.resolve(__dirname, "..");
/** Pulumi's marker of a secret value in serialized inputs (what the state encrypts). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** In-memory stack config, as `pulumi config set localkube:<key>` would hold it. */
const source = (values: Record<string, string>) => fakeConfig(values);

const freePorts = async () =>
  ({ docker: { ok: true, detail: "" }, kind: { ok: true, detail: "" }, ports: new Map() }) as any;

async function runLocal(values: Record<string, string>) {
  const outputs = await stacks.localStack(
    "local",
    source({ catalogDir: path.join(REPO, "services"), ...values }),
    { preflight: freePorts, containers: noContainers },
  );
  await settle();
  return outputs;
}

const names = (type: string) =>
  ofType(registered, type)
    .map((r) => r.name)
    .sort();

describe("local stack resource graph", () => {
  test("Traefik with ingress.className traefik: one IngressClass, Traefik's own and the default; no NGINX provider", async () => {
    await runLocal({
      services: "price",
      "ingress.controller": "traefik",
      "ingress.className": "traefik",
    });
    const classes = ofType(registered, "kubernetes:networking.k8s.io/v1:IngressClass");
    expect(
      classes.map((c) => [c.inputs.metadata.name, c.inputs.metadata.annotations, c.inputs.spec]),
    ).toEqual([
      [
        "traefik",
        { "ingressclass.kubernetes.io/is-default-class": "true" },
        { controller: "traefik.io/ingress-controller" },
      ],
    ]);
    const [traefik] = ofType(registered, "kubernetes:apps/v1:Deployment").filter(
      (d) => d.name === "local-ingress-deployment",
    );
    const args: string[] = traefik.inputs.spec.template.spec.containers[0].args;
    expect(args.filter((a) => /NGINX/i.test(a))).toEqual([]);
    expect(args).toContain("--providers.kubernetesingress.ingressclass=traefik");
    const [ingress] = ofType(registered, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress.inputs.spec.ingressClassName).toBe("traefik");
  });

  test("services=bank, local=bank: cluster, registry + wiring, Traefik, namespace, postgres, price, bank (built)", async () => {
    const out = await runLocal({
      services: "bank",
      local: "bank",
      "ingress.controller": "traefik",
    });
    expect(names("pulumi-nodejs:dynamic/localkube:KindCluster")).toEqual(["local-kind-cluster"]);
    expect(names("pulumi-nodejs:dynamic/localkube:RegistryContainer")).toEqual([
      "local-registry-container",
    ]);
    expect(names("pulumi-nodejs:dynamic/localkube:RegistryWiring")).toEqual([
      "local-registry-wiring",
    ]);
    expect(names("kubernetes:apps/v1:Deployment")).toEqual([
      "local-ingress-deployment",
      "platform-bank-deployment",
      "platform-price-deployment",
    ]);
    expect(names("kubernetes:apps/v1:StatefulSet")).toEqual([
      "platform-appliances-postgres-statefulset",
    ]);
    expect(names("docker-build:index:Image")).toEqual(["platform-bank-image-image"]);
    expect(names("kubernetes:networking.k8s.io/v1:Ingress")).toEqual([
      "platform-bank-ingress",
      "platform-price-ingress",
    ]);
    expect(names("kubernetes:core/v1:Namespace")).toEqual([
      "local-ingress-namespace",
      "local-namespace",
    ]);
    // Readiness is awaited on the workloads; Services carry no await of their own.
    expect(
      ofType(registered, "kubernetes:core/v1:Service").map((r) => r.inputs.metadata.annotations),
    ).toEqual([
      { "pulumi.com/skipAwait": "true" },
      { "pulumi.com/skipAwait": "true" },
      { "pulumi.com/skipAwait": "true" },
      { "pulumi.com/skipAwait": "true" },
    ]);
    expect(out.services).toEqual(["price", "bank"]);
    // bank's migration, a Job, runs before bank; it is listed apart from the services.
    expect(out.jobs).toEqual(["bank-migrate"]);
    expect(names("kubernetes:batch/v1:Job")).toEqual(["platform-bank-migrate-job"]);
    // PostgreSQL is published on the host, on its default port (not 5432).
    expect(out.hostAccess).toEqual({ postgres: "127.0.0.1:15432" });
    expect(out.appliances).toEqual(["postgres"]);
    expect(out.builtFromSource).toEqual(["bank"]);
    expect(await promiseOf(out.urls)).toEqual({
      bank: "http://bank.localhost",
      price: "http://price.localhost",
    });
    expect(out.registry).toBe("localhost:5001");
    expect(out.kubeContext).toBe("kind-localkube");
  });

  test("the kind cluster gets its rendered config, and the registry the exact container settings", async () => {
    await runLocal({ services: "price" });
    const [cluster] = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster");
    expect(cluster.inputs.name).toBe("localkube");
    expect(cluster.inputs.configYaml).toContain(
      "image: kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    );
    expect(cluster.inputs.configHash).toMatch(/^[0-9a-f]{16}$/);
    const [registry] = ofType(registered, "pulumi-nodejs:dynamic/localkube:RegistryContainer");
    expect({ ...registry.inputs, __provider: undefined }).toEqual({
      __provider: undefined,
      name: "localkube-registry",
      image: "registry:2",
      port: 5001,
      listen: "127.0.0.1",
      volume: "localkube-registry-data",
    });
    const [wiring] = ofType(registered, "pulumi-nodejs:dynamic/localkube:RegistryWiring");
    expect(wiring.inputs).toMatchObject({
      cluster: "localkube",
      container: "localkube-registry",
      port: 5001,
      clusterId: "local-kind-cluster-id",
      containerId: "local-registry-container-id",
    });
    const [hosting] = ofType(registered, "kubernetes:core/v1:ConfigMap").filter(
      (r) => r.name === "local-registry-hosting",
    );
    expect(hosting.inputs.metadata).toEqual({
      name: "local-registry-hosting",
      namespace: "kube-public",
    });
    expect(hosting.inputs.data).toEqual({
      "localRegistryHosting.v1":
        'host: "localhost:5001"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n',
    });
  });

  test("the host's cgroup version reaches the kind config: v1 adds the kubelet's failCgroupV1: false", async () => {
    const clusterYaml = async (cgroupVersion?: 1 | 2) => {
      registered.splice(0);
      const preflight = async () =>
        ({ docker: { ok: true, cgroupVersion }, kind: { ok: true }, ports: new Map() }) as any;
      await stacks.localStack(
        "local",
        source({ catalogDir: path.join(REPO, "services"), services: "price" }),
        { preflight, containers: noContainers },
      );
      await settle();
      return ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster")[0].inputs
        .configYaml as string;
    };
    expect(await clusterYaml(1)).toContain(
      "kubeadmConfigPatches:\n  - |\n    kind: KubeletConfiguration\n    failCgroupV1: false\n",
    );
    expect(await clusterYaml(2)).toBe(await clusterYaml(undefined));
    expect(await clusterYaml(2)).not.toContain("failCgroupV1");
  });

  test("ingress-nginx (default) is a pinned Helm release with the kind settings", async () => {
    await runLocal({ services: "price" });
    const [release] = ofType(registered, "kubernetes:helm.sh/v4:Chart");
    expect(release.inputs.chart).toBe("ingress-nginx");
    expect(release.inputs.version).toBe("4.13.3");
    const controller = release.inputs.values.controller;
    expect(controller.hostPort).toEqual({ enabled: true });
    expect(controller.nodeSelector).toEqual({
      "ingress-ready": "true",
      "kubernetes.io/os": "linux",
    });
    expect(controller.extraArgs).toEqual({ "publish-status-address": "localhost" });
  });

  test("every in-cluster object and readiness gate waits for the namespace and the registry wiring and is deleted and replaced with the cluster, through one provider", async () => {
    await runLocal({ services: "bank", local: "bank", "ingress.controller": "traefik" });
    const cluster = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster")[0].urn;
    const wiring = ofType(registered, "pulumi-nodejs:dynamic/localkube:RegistryWiring")[0].urn;
    const namespace = registered.find((r) => r.name === "local-namespace")!.urn;
    // The namespace and the registry's wiring live in the cluster too.
    expect(
      ["local-namespace", "local-registry-wiring", "local-registry-hosting"].map((n) => {
        const r = registered.find((x) => x.name === n)!;
        return [n, r.deletedWith, r.replaceWith];
      }),
    ).toEqual([
      ["local-namespace", cluster, [cluster]],
      ["local-registry-wiring", cluster, [cluster]],
      ["local-registry-hosting", cluster, [cluster]],
    ]);
    // Its provider stays the same provider when the cluster is replaced (an upgrade).
    const [provider] = ofType(registered, "pulumi:providers:kubernetes");
    expect(provider.inputs.clusterIdentifier).toBe("kind-localkube");
    const inPlatform = registered.filter(
      (r) => r.type.startsWith("kubernetes:") && r.urn.includes("::platform-"),
    );
    expect(inPlatform.map((r) => r.name).sort()).toEqual([
      "platform-appliances-postgres-host-service",
      "platform-appliances-postgres-secret",
      "platform-appliances-postgres-service",
      "platform-appliances-postgres-statefulset",
      "platform-bank-config-files",
      "platform-bank-deployment",
      "platform-bank-ingress",
      "platform-bank-migrate-job",
      "platform-bank-service",
      "platform-price-deployment",
      "platform-price-ingress",
      "platform-price-service",
    ]);
    for (const r of inPlatform) {
      expect([r.name, r.deletedWith, r.replaceWith]).toEqual([r.name, cluster, [cluster]]);
      expect([r.name, r.dependsOn]).toEqual([r.name, expect.arrayContaining([namespace, wiring])]);
    }
    // The ingress controller's objects are deleted with the cluster too; the registry container is not (it outlives clusters).
    const ingress = registered.filter(
      (r) => r.type.startsWith("kubernetes:") && r.name.startsWith("local-ingress-"),
    );
    expect(ingress.map((r) => [r.deletedWith, r.replaceWith])).toEqual(
      Array(ingress.length).fill([cluster, [cluster]]),
    );
    // Readiness gates delete nothing: skipped with the cluster rather than one provider call each.
    expect(
      ofType(registered, "pulumi-nodejs:dynamic/localkube:WorkloadReady")
        .map((g) => [g.name, g.deletedWith, g.replaceWith])
        .sort(),
    ).toEqual([
      ["platform-appliances-postgres-ready", cluster, [cluster]],
      ["platform-bank-migrate-ready", cluster, [cluster]],
      ["platform-bank-ready", cluster, [cluster]],
      ["platform-price-ready", cluster, [cluster]],
    ]);
    const registry = ofType(registered, "pulumi-nodejs:dynamic/localkube:RegistryContainer")[0];
    expect(byUrn(registered, registry.urn).deletedWith).toBe("");
    // Images built from source live in the registry: deleted with it, without a delete of their own,
    // and pushed again (delete first: same digest) when its volume is replaced by an empty one.
    const [volume] = ofType(registered, "pulumi-nodejs:dynamic/localkube:RegistryVolume");
    expect([volume.name, volume.inputs.name]).toEqual([
      "local-registry-volume",
      "localkube-registry-data",
    ]);
    expect(
      ofType(registered, "docker-build:index:Image").map((i) => [
        i.name,
        i.deletedWith,
        i.replaceWith,
        i.deleteBeforeReplace,
      ]),
    ).toEqual([["platform-bank-image-image", registry.urn, [volume.urn], true]]);
    // The container runs on the volume: a new volume needs a new container; a removed container is
    // only run again (its provider's update), so nothing else is replaced with it.
    expect([registry.dependsOn, registry.replaceWith]).toEqual([[volume.urn], [volume.urn]]);
    // Named by Docker: a replacement must not be created before what it replaces is deleted (whose
    // delete would remove the replacement of the same name).
    expect([registry.deleteBeforeReplace, volume.deleteBeforeReplace]).toEqual([true, true]);
    // The cluster comes after the registry container (both use the `kind` network; the last one
    // deleted removes it): its node's resource depends on the container.
    const kind = ofType(registered, "pulumi-nodejs:dynamic/localkube:KindCluster");
    expect(kind.map((c) => [c.name, c.dependsOn])).toEqual([
      ["local-kind-cluster", [registry.urn]],
    ]);
  });

  test("every workload is applied without the provider's await and has its own readiness gate; dependents wait for the gates", async () => {
    await runLocal({ services: "bank", local: "bank", readyTimeout: "90s" });
    const workloads = registered.filter(
      (r) =>
        r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet",
    );
    const skip = { "pulumi.com/skipAwait": "true" };
    expect(
      Object.fromEntries(
        workloads
          .filter((w) => w.name.startsWith("platform-"))
          .map((w) => [w.name, w.inputs.metadata.annotations]),
      ),
    ).toEqual({
      "platform-appliances-postgres-statefulset": skip,
      // A service's Deployment takes the catalog's values over another client's (kube/replicas.ts).
      "platform-price-deployment": { ...skip, "pulumi.com/patchForce": "true" },
      "platform-bank-deployment": { ...skip, "pulumi.com/patchForce": "true" },
    });
    const gates = ofType(registered, "pulumi-nodejs:dynamic/localkube:WorkloadReady");
    const gate = (name: string) => gates.find((g) => g.name === name)!;
    const strip = ({ __provider, kubeconfig: _kubeconfig, ...rest }: Record<string, any>) => rest;
    expect(gates.map((g) => g.name).sort()).toEqual([
      "platform-appliances-postgres-ready",
      "platform-bank-migrate-ready",
      "platform-bank-ready",
      "platform-price-ready",
    ]);
    expect(strip(gate("platform-appliances-postgres-ready").inputs)).toEqual({
      kind: "StatefulSet",
      namespace: "localkube",
      name: "postgres",
      service: "postgres",
      timeoutSeconds: 90,
      definedIn: "localkube's PostgreSQL appliance",
      imageOrigins: {
        postgres: {
          chosenBy: "localkube's default (postgres:15)",
          fix: "set `localkube:appliances.postgres.image` to a mirror the cluster can pull",
        },
      },
    });
    expect(strip(gate("platform-price-ready").inputs).imageOrigins).toEqual({
      price: {
        chosenBy:
          '`image.repository` of services/price.yaml with tag "latest" from `localkube:images.tag`',
        fix: "correct them, or publish the image there",
      },
    });
    expect(strip(gate("platform-bank-ready").inputs).imageOrigins).toEqual({
      bank: {
        chosenBy: "a build from source (localkube:local) pushed to localhost:5001",
        fix: "check that the cluster can pull from localhost:5001 (a private registry needs localkube:registry.username and registry.password)",
      },
    });
    // bank starts after the gates of postgres and price, not merely after their objects exist.
    const bank = workloads.find((w) => w.name === "platform-bank-deployment")!;
    expect(bank.dependsOn).toEqual(
      expect.arrayContaining([
        gate("platform-appliances-postgres-ready").urn,
        gate("platform-price-ready").urn,
        gate("platform-bank-migrate-ready").urn,
      ]),
    );
    // The migration runs bank's image (its local build) once postgres is ready.
    const migrate = ofType(registered, "kubernetes:batch/v1:Job")[0];
    expect(migrate.dependsOn).toEqual(
      expect.arrayContaining([gate("platform-appliances-postgres-ready").urn]),
    );
    expect(strip(gate("platform-bank-migrate-ready").inputs)).toMatchObject({
      kind: "Job",
      name: "bank-migrate",
      timeoutSeconds: 90,
      imageOrigins: {
        "bank-migrate": {
          chosenBy: "a build from source (localkube:local) pushed to localhost:5001",
          fix: "check that the cluster can pull from localhost:5001 (a private registry needs localkube:registry.username and registry.password)",
        },
      },
    });
    const urnOf = (name: string) => registered.find((r) => r.name === name)!.urn;
    expect(bank.dependsOn).not.toContain(urnOf("platform-price-deployment"));
    expect(bank.dependsOn).not.toContain(urnOf("platform-appliances-postgres-statefulset"));
  });

  test("no appliance the selection does not need; a published service runs its published image", async () => {
    await runLocal({ services: "price" });
    expect(names("kubernetes:apps/v1:StatefulSet")).toEqual([]);
    expect(names("docker-build:index:Image")).toEqual([]);
    const [price] = ofType(registered, "kubernetes:apps/v1:Deployment").filter(
      (r) => r.name === "platform-price-deployment",
    );
    expect(price.inputs.spec.template.spec.containers[0].image).toBe(
      "ghcr.io/localkube-example/price:latest",
    );
  });

  test("aliases keep the environment's objects where existing stacks recorded them", async () => {
    await runLocal({ services: "price" });
    const component = registered.find((r) => r.type === "localkube:index:LocalEnvironment")!;
    const children = registered
      .filter((r) => r.parent === component.urn)
      .map((r) => [r.name, r.aliases]);
    expect(children.sort()).toEqual([
      ["local-ingress", [{ name: "ingress", parent: "" }]],
      ["local-kind", [{ name: "kind", parent: "" }]],
      ["local-namespace", [{ name: "namespace", parent: "" }]],
      ["local-registry", [{ name: "registry", parent: "" }]],
    ]);
  });

  test("no password or kubeconfig key appears in plaintext in any resource input or stack output", async () => {
    const out = await runLocal({ services: "bank,ledger", local: "bank" });
    // Under mocks inputs arrive unwrapped; the password may only be in the connection Secret
    // (whose stringData is a Pulumi secret: the GeneratedPassword's value is one).
    const holders = registered
      .filter((r) => JSON.stringify(r.inputs).includes(MOCK_PASSWORD))
      .map((r) => `${r.type} ${r.name}`);
    expect(holders).toEqual(["kubernetes:core/v1:Secret platform-appliances-postgres-secret"]);
    // The cluster's kubeconfig reaches the provider and each readiness gate, always as a secret.
    const withKey = registered.filter((r) => JSON.stringify(r.inputs).includes("MOCKKEY"));
    expect(withKey.map((r) => r.name).sort()).toEqual([
      "local-kind-provider",
      "platform-appliances-kafka-ready",
      "platform-appliances-postgres-ready",
      "platform-appliances-schema-registry-ready",
      "platform-bank-migrate-ready",
      "platform-bank-ready",
      "platform-ledger-ready",
      "platform-price-ready",
    ]);
    for (const r of withKey)
      expect([r.name, JSON.stringify(r.inputs.kubeconfig)]).toEqual([
        r.name,
        expect.stringContaining(SECRET_SIG),
      ]);
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) resolved[k] = await promiseOf(v as any);
    // The connection string of PostgreSQL on the host holds the password: a secret output.
    expect(resolved.postgresUrl).toBe(
      `postgresql://app:${MOCK_PASSWORD}@127.0.0.1:15432/app?sslmode=disable`,
    );
    expect(await (out.postgresUrl as any).isSecret).toBe(true);
    delete resolved.postgresUrl;
    expect(JSON.stringify(resolved)).not.toContain(MOCK_PASSWORD);
    // The kubeconfig output is the cluster's, marked secret.
    expect(resolved.kubeconfig).toBe(MOCK_KUBECONFIG);
    expect(await (out.kubeconfig as any).isSecret).toBe(true);
  });

  test("pre-flight failure: one error naming each problem, and nothing is registered", async () => {
    const blocked = async () =>
      ({
        docker: { ok: false, detail: "Cannot connect to the Docker daemon" },
        kind: { ok: true, detail: "" },
        ports: new Map(),
      }) as any;
    await expect(
      stacks.localStack(
        "local",
        source({ catalogDir: path.join(REPO, "services"), services: "price" }),
        { preflight: blocked },
      ),
    ).rejects.toThrow(
      "localkube pre-flight failed, nothing was created:\n  - Docker is not reachable (Cannot connect to the Docker daemon). Start Docker (e.g. `sudo systemctl start docker` or Docker Desktop) and run again.",
    );
    await settle();
    expect(registered).toEqual([]);
  });
});
