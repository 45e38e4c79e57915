import * as net from "net";
import {
  cgroupVersionOf,
  gatherPreflightFacts,
  kindVersionOf,
  OwnContainers,
  portCandidates,
  portIsFree,
  preflightFailures,
  PreflightFacts,
  preflightProblems,
  PortNeed,
  restoreNotes,
} from "../host/preflight";

const NEEDS: PortNeed[] = [
  { port: 80, key: "cluster.httpPort", owner: "dev-control-plane", purpose: "ingress HTTP" },
  { port: 5001, key: "registry.port", owner: "dev-registry", purpose: "local registry" },
];
const OK: PreflightFacts = {
  docker: { ok: true },
  kind: { ok: true },
  ports: new Map([[80, { free: true }]]),
};

describe("preflightProblems", () => {
  test("Docker up, kind installed, ports free or unknown: nothing to say", () => {
    expect(preflightProblems(OK, NEEDS)).toEqual([]);
  });

  test("a port held by this stack's own container is fine (a re-run)", () => {
    const facts = {
      ...OK,
      ports: new Map([[80, { free: false as const, holders: ["dev-control-plane"] }]]),
    };
    expect(preflightProblems(facts, NEEDS)).toEqual([]);
  });

  test("every problem at once: Docker down, kind missing, a port held by a process and one by another container", () => {
    const facts: PreflightFacts = {
      docker: { ok: false, detail: "Cannot connect to the Docker daemon" },
      kind: { ok: false, detail: "kind: command not found" },
      ports: new Map([
        [80, { free: false, holders: [] }],
        [5001, { free: false, holders: ["someone-elses-registry"] }],
      ]),
    };
    expect(preflightProblems(facts, NEEDS)).toEqual([
      "Docker is not reachable (Cannot connect to the Docker daemon). Start Docker (e.g. `sudo systemctl start docker` or Docker Desktop) and run again.",
      "kind is not installed or not on PATH (kind: command not found). Install it: `go install sigs.k8s.io/kind@v0.33.0` (or see https://kind.sigs.k8s.io/docs/user/quick-start/#installation).",
      "port 80 on 127.0.0.1 (ingress HTTP) is already in use by another process. Stop it (`sudo ss -ltnp 'sport = :80'` shows the process) or choose another port: `pulumi config set localkube:cluster.httpPort <port>`.",
      "port 5001 on 127.0.0.1 (local registry) is already in use by container someone-elses-registry. Stop it (`sudo ss -ltnp 'sport = :5001'` shows the process) or choose another port: `pulumi config set localkube:registry.port <port>`.",
    ]);
  });

  test("a free port to use instead is suggested when one was found free", () => {
    const facts: PreflightFacts = {
      ...OK,
      ports: new Map([[80, { free: false, holders: [], suggestion: 8080 }]]),
    };
    expect(preflightProblems(facts, NEEDS)).toEqual([
      "port 80 on 127.0.0.1 (ingress HTTP) is already in use by another process. Stop it (`sudo ss -ltnp 'sport = :80'` shows the process) or choose another port: `pulumi config set localkube:cluster.httpPort 8080` (8080 is free now).",
    ]);
  });

  test("preflightFailures throws them in one error that says nothing was created", () => {
    const facts = { ...OK, kind: { ok: false as const, detail: "kind: command not found" } };
    expect(() => preflightFailures(facts, NEEDS)).toThrow(
      "localkube pre-flight failed, nothing was created:\n  - kind is not installed or not on PATH (kind: command not found).",
    );
    expect(() => preflightFailures(OK, NEEDS)).not.toThrow();
  });
});

describe("cgroupVersionOf", () => {
  test("reads Docker's CgroupVersion from `docker info --format '{{json .}}'`", () => {
    expect(
      cgroupVersionOf('{"ServerVersion":"20.10.24","CgroupVersion":"1","CgroupDriver":"cgroupfs"}'),
    ).toBe(1);
    expect(cgroupVersionOf('{"CgroupDriver":"systemd","CgroupVersion":"2"}')).toBe(2);
  });

  test("unknown when Docker does not say (before 20.10) or says something else", () => {
    expect(
      cgroupVersionOf('{"ServerVersion":"19.03.15","CgroupDriver":"cgroupfs"}'),
    ).toBeUndefined();
    expect(cgroupVersionOf('{"CgroupVersion":""}')).toBeUndefined();
    expect(cgroupVersionOf("")).toBeUndefined();
  });
});

test("portIsFree: false while something listens on 127.0.0.1:<port>, true once it stopped", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  expect(await portIsFree(port)).toBe(false);
  await new Promise((resolve) => server.close(resolve));
  expect(await portIsFree(port)).toBe(true);
});

test("portCandidates: a privileged port's unprivileged namesake first, then upwards, skipping the stack's other ports", () => {
  expect(portCandidates(80, new Set([8081]), 4)).toEqual([8080, 8082, 8083, 8084]);
  expect(portCandidates(5001, new Set([5002]), 3)).toEqual([5003, 5004, 5005]);
  expect(portCandidates(65534, new Set(), 5)).toEqual([65535]);
});

test("gatherPreflightFacts: a taken port's suggestion is a port that was free when looked at", async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as net.AddressInfo).port;
  // The first candidate is taken too: the suggestion skips it.
  const next = net.createServer();
  await new Promise<void>((resolve, reject) => {
    next.once("error", reject);
    next.listen(port + 1, "127.0.0.1", resolve);
  }).catch(() => undefined);
  try {
    const facts = await gatherPreflightFacts([
      { port, key: "cluster.httpPort", owner: "x", purpose: "test" },
    ]);
    const state = facts.ports.get(port);
    expect(state?.free).toBe(false);
    const suggestion = state && !state.free ? state.suggestion : undefined;
    expect(suggestion).toBeGreaterThan(port + 1);
    expect(await portIsFree(suggestion!)).toBe(true);
  } finally {
    await new Promise((r) => taken.close(r));
    await new Promise((r) => next.close(r));
  }
});

describe("kind's version", () => {
  test("kindVersionOf reads what `kind version` prints", () => {
    expect(kindVersionOf("kind v0.33.0 go1.26.8 linux/amd64\n")).toBe("v0.33.0");
    expect(kindVersionOf("kind version 0.1.0")).toBeUndefined();
  });

  test("a kind older than the release that made the pinned node image is refused, with both fixes", () => {
    const facts = { ...OK, kind: { ok: true as const, version: "v0.30.0" } };
    expect(preflightProblems(facts, NEEDS, { kindVersion: "v0.33.0" })).toEqual([
      "kind v0.30.0 is older than v0.33.0, the release that made the pinned node image: it cannot create this cluster. " +
        "Install kind v0.33.0 (`go install sigs.k8s.io/kind@v0.33.0`; `npm run up` builds it when kind is not on PATH), or set localkube:cluster.nodeImage to an image your kind supports.",
    ]);
    expect(
      preflightProblems({ ...OK, kind: { ok: true, version: "v0.33.0" } }, NEEDS, {
        kindVersion: "v0.33.0",
      }),
    ).toEqual([]);
    expect(
      preflightProblems({ ...OK, kind: { ok: true, version: "v0.34.1" } }, NEEDS, {
        kindVersion: "v0.33.0",
      }),
    ).toEqual([]);
    // An image of your own: any kind may be the right one.
    expect(preflightProblems(facts, NEEDS)).toEqual([]);
  });
});

describe("restoreNotes: what an up restores that Docker lost or stopped", () => {
  const base: OwnContainers = {
    cluster: "dev",
    nodes: [
      { name: "dev-control-plane", running: true },
      { name: "dev-worker", running: true },
    ],
    registry: "dev-registry",
    registryState: "running",
    volume: "dev-registry-data",
    volumeExists: true,
  };

  test("all well, or a fresh machine (no cluster): nothing to say", () => {
    expect(restoreNotes(base)).toEqual([]);
    expect(
      restoreNotes({ ...base, nodes: [], registryState: "missing", volumeExists: false }),
    ).toEqual([]);
  });

  test("stopped nodes, a removed registry container (volume kept), a stopped one", () => {
    expect(
      restoreNotes({
        ...base,
        nodes: [
          { name: "dev-control-plane", running: false },
          { name: "dev-worker", running: true },
        ],
        registryState: "missing",
      }),
    ).toEqual([
      'kind cluster "dev": node dev-control-plane is stopped (Docker restarted without it, or a laptop that slept badly): starting it and waiting for the API server',
      'registry container "dev-registry" is gone: it runs again on its volume "dev-registry-data", with the images it held',
    ]);
    expect(restoreNotes({ ...base, registryState: "stopped" })).toEqual([
      'registry container "dev-registry" is stopped: starting it',
    ]);
  });

  test("the registry's volume gone too: every image built from source is built and pushed again", () => {
    expect(restoreNotes({ ...base, registryState: "missing", volumeExists: false })).toEqual([
      'registry volume "dev-registry-data" is gone, and its container "dev-registry" too: the registry starts empty, and every image built from source is built and pushed again',
    ]);
  });
});
