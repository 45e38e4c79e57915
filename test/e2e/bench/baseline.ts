/**
 * The cold `up` done by hand, one step after another, as a person would without localkube: kind
 * create, registry wiring, docker build + push of bank, `kubectl apply` of the very objects the
 * stack created (captured from the cluster), the migration job, rollout waits, bank answering.
 */
import { renderKindConfig } from "../../../kind/config";
import * as h from "../harness";

const NAMESPACES = ["localkube", "traefik"];
const KINDS = "deployments,statefulsets,jobs,services,ingresses,secrets,configmaps,serviceaccounts";
const CLUSTER_KINDS = "clusterroles,clusterrolebindings,ingressclasses";

/** kubectl in the control-plane node, as a person without kubectl on the laptop would run it. */
const kubectl = (args: string[], input?: string) =>
  h.must(
    "docker",
    [
      "exec",
      "-i",
      `${h.E2E.cluster}-control-plane`,
      "kubectl",
      "--kubeconfig",
      "/etc/kubernetes/admin.conf",
      ...args,
    ],
    { input },
  );

/** The objects the stack created, stripped of server-set fields: what the baseline applies. */
export async function captureManifests(): Promise<string> {
  const strip = (o: any) => {
    const m = o.metadata;
    delete o.status;
    for (const k of [
      "uid",
      "resourceVersion",
      "creationTimestamp",
      "managedFields",
      "generation",
      "annotations",
      "ownerReferences",
    ])
      delete m[k];
    if (o.kind === "Service") {
      delete o.spec.clusterIP;
      delete o.spec.clusterIPs;
    }
    if (o.kind === "Job") {
      // The Job controller sets the selector and its labels on the pod template.
      delete o.spec.selector;
      for (const k of Object.keys(o.spec.template.metadata?.labels ?? {}))
        if (/(^|\/)(controller-uid|job-name)$/.test(k)) delete o.spec.template.metadata.labels[k];
      for (const k of Object.keys(m.labels ?? {}))
        if (/(^|\/)(controller-uid|job-name)$/.test(k)) delete m.labels[k];
    }
    return o;
  };
  const items: any[] = [];
  for (const ns of NAMESPACES) {
    items.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const r = await kubectl(["get", KINDS, "-n", ns, "-o", "json"]);
    for (const o of JSON.parse(r.stdout).items) {
      const n = o.metadata.name;
      if (n === "default" || n === "kube-root-ca.crt" || n === "kubernetes") continue;
      items.push(strip(o));
    }
  }
  const c = await kubectl([
    "get",
    CLUSTER_KINDS,
    "-l",
    "app.kubernetes.io/part-of=localkube",
    "-o",
    "json",
  ]);
  items.push(...JSON.parse(c.stdout).items.map(strip));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

async function rolloutAll(): Promise<void> {
  for (const ns of NAMESPACES) {
    for (const kind of ["deployment", "statefulset"]) {
      const names = (
        await kubectl(["get", kind, "-n", ns, "-o", "jsonpath={.items[*].metadata.name}"])
      ).stdout
        .split(" ")
        .filter(Boolean);
      for (const n of names)
        await kubectl(["rollout", "status", `${kind}/${n}`, "-n", ns, "--timeout=600s"]);
    }
  }
}

/** The whole cold up by hand; `buildCache: "empty"` builds bank with `--no-cache`. */
export async function baselineColdUp(
  manifests: string,
  bankDir: string,
  buildCache: "empty" | "warm",
): Promise<void> {
  const cgroup = h.lines("docker", ["info", "--format", "{{.CgroupVersion}}"])[0];
  const cfg = renderKindConfig({
    name: h.E2E.cluster,
    nodeImage: h.E2E.nodeImage,
    httpPort: h.E2E.httpPort,
    httpsPort: h.E2E.httpsPort,
    hostCgroupVersion: cgroup === "1" ? 1 : cgroup === "2" ? 2 : undefined,
  });
  await h.must("kind", ["create", "cluster", "--name", h.E2E.cluster, "--config", "-"], {
    input: cfg.yaml,
  });
  await h.must("docker", ["network", "connect", "kind", h.E2E.registry]);
  for (const host of [`localhost:${h.E2E.registryPort}`, `${h.E2E.registry}:5000`]) {
    await h.must(
      "docker",
      [
        "exec",
        "-i",
        `${h.E2E.cluster}-control-plane`,
        "sh",
        "-c",
        'mkdir -p "/etc/containerd/certs.d/$1" && cat > "/etc/containerd/certs.d/$1/hosts.toml"',
        "sh",
        host,
      ],
      { input: `[host."http://${h.E2E.registry}:5000"]\n` },
    );
  }
  const bankTag = `127.0.0.1:${h.E2E.registryPort}/bank:baseline`;
  await h.must("docker", [
    "build",
    "--quiet",
    ...(buildCache === "empty" ? ["--no-cache"] : []),
    "--tag",
    bankTag,
    bankDir,
  ]);
  await h.must("docker", ["push", bankTag]);
  const withBank = manifests.replace(
    new RegExp(`localhost:${h.E2E.registryPort}/bank@sha256:[0-9a-f]{64}`, "g"),
    `localhost:${h.E2E.registryPort}/bank:baseline`,
  );
  // By hand as the stack does it: everything but the services, the migration jobs once
  // PostgreSQL is ready, then the services.
  const all = JSON.parse(withBank) as { items: { kind: string }[] };
  const list = (items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
  await kubectl(
    ["apply", "-f", "-"],
    list(all.items.filter((o) => !/^(Deployment|Job)$/.test(o.kind))),
  );
  await rolloutAll();
  if (all.items.some((o) => o.kind === "Job")) {
    await kubectl(["apply", "-f", "-"], list(all.items.filter((o) => o.kind === "Job")));
    await kubectl([
      "wait",
      "--for=condition=complete",
      "job",
      "--all",
      "-n",
      "localkube",
      "--timeout=600s",
    ]);
  }
  await kubectl(["apply", "-f", "-"], list(all.items.filter((o) => o.kind === "Deployment")));
  await rolloutAll();
  const r = await h.eventually(
    () => h.httpGet("bank.localhost"),
    (x) => x.status === 200,
    120_000,
    500,
  );
  if (r.status !== 200) throw new Error(`baseline bank answered ${r.status}`);
}
