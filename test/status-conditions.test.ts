import {
  conditionsGateStep,
  crdVerdict,
  routeVerdict,
  unlistedCrds,
  verdictOf,
  WatchedObject,
} from "../status/conditions";
import {
  conditionsChanged,
  ConditionsReadyInputs,
  listedButNotInstalled,
} from "../providers/conditionsReady";

const CRD: WatchedObject = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  name: "greetings.e2e.localkube.dev",
};
const ROUTE: WatchedObject = {
  group: "gateway.networking.k8s.io",
  version: "v1",
  plural: "httproutes",
  kind: "HTTPRoute",
  namespace: "branch-x",
  name: "bank",
  parent: { name: "shared", namespace: "gateways" },
};

const crd = (...conditions: object[]) => ({ status: { conditions } });
const route = (
  conditions: object[],
  parentRef: object = { name: "shared", namespace: "gateways" },
) => ({
  status: { parents: [{ parentRef, controllerName: "example.com/gw", conditions }] },
});

describe("crdVerdict", () => {
  test.each([
    ["not there yet", undefined, { state: "waiting", for: "it to be created" }],
    ["no status yet", {}, { state: "waiting", for: "its Established condition" }],
    [
      "established",
      crd({ type: "NamesAccepted", status: "True" }, { type: "Established", status: "True" }),
      { state: "ready" },
    ],
    [
      "installing",
      crd({
        type: "Established",
        status: "False",
        reason: "Installing",
        message: "the initial names have not been accepted",
      }),
      {
        state: "waiting",
        for: "its Established condition (Installing: the initial names have not been accepted)",
      },
    ],
    [
      "names taken by another CRD",
      crd(
        {
          type: "NamesAccepted",
          status: "False",
          reason: "MultipleNameConflicts",
          message: 'plural "greetings" is already in use',
        },
        { type: "Established", status: "False", reason: "NotAccepted" },
      ),
      {
        state: "failed",
        message:
          'its names are not accepted (MultipleNameConflicts: plural "greetings" is already in use)',
        fix: "another CustomResourceDefinition already serves these names (`kubectl get crd` lists them); remove one of the two",
      },
    ],
  ])("%s", (_what, object, verdict) => {
    expect(crdVerdict(object as never)).toEqual(verdict);
    expect(verdictOf(CRD, object)).toEqual(verdict);
  });
});

describe("routeVerdict", () => {
  const waitGateway =
    "the Gateway gateways/shared to accept it (no controller has reported on it yet: the Gateway must exist and its GatewayClass's controller must run)";
  test.each([
    ["not there yet", undefined, { state: "waiting", for: "it to be created" }],
    ["no status", {}, { state: "waiting", for: waitGateway }],
    [
      "another Gateway's status only",
      route([{ type: "Accepted", status: "True" }], { name: "other", namespace: "gateways" }),
      { state: "waiting", for: waitGateway },
    ],
    [
      "accepted, references resolved",
      route([
        { type: "Accepted", status: "True", reason: "Accepted" },
        { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
      ]),
      { state: "ready" },
    ],
    [
      "accepted by a parentRef without namespace (the route's own) is not this Gateway's",
      route([{ type: "Accepted", status: "True" }], { name: "shared" }),
      { state: "waiting", for: waitGateway },
    ],
    [
      "refused by the listeners",
      route([
        {
          type: "Accepted",
          status: "False",
          reason: "NotAllowedByListeners",
          message: "no listener admits namespace branch-x",
        },
      ]),
      {
        state: "failed",
        message:
          "the Gateway gateways/shared does not accept it (NotAllowedByListeners: no listener admits namespace branch-x)",
        fix: "the Gateway's listeners do not admit routes from namespace branch-x (their allowedRoutes); ask the cluster's owners to admit it, or set localkube:gateway.name and gateway.namespace to a Gateway that does",
      },
    ],
    [
      "no listener for the host",
      route([{ type: "Accepted", status: "False", reason: "NoMatchingListenerHostname" }]),
      {
        state: "failed",
        message: "the Gateway gateways/shared does not accept it (NoMatchingListenerHostname)",
        fix: "no listener of the Gateway serves the route's host name; set localkube:baseDomain to a domain one of its listeners serves",
      },
    ],
    [
      "pending",
      route([{ type: "Accepted", status: "False", reason: "Pending" }]),
      { state: "waiting", for: "the Gateway gateways/shared to accept it (Pending)" },
    ],
    [
      "backend not found yet",
      route([
        { type: "Accepted", status: "True" },
        {
          type: "ResolvedRefs",
          status: "False",
          reason: "BackendNotFound",
          message: "service bank not found",
        },
      ]),
      { state: "waiting", for: "its backend (BackendNotFound: service bank not found)" },
    ],
    [
      "a backend it may not reference",
      route([
        { type: "Accepted", status: "True" },
        { type: "ResolvedRefs", status: "False", reason: "RefNotPermitted" },
      ]),
      {
        state: "failed",
        message: "the Gateway gateways/shared cannot resolve its backend (RefNotPermitted)",
        fix: "the route's backend must be a Service of its own namespace; check the entry's ingress.service and ingress.port",
      },
    ],
  ])("%s", (_what, object, verdict) => {
    expect(routeVerdict(object as never, ROUTE)).toEqual(verdict);
  });
});

describe("conditionsGateStep", () => {
  const waiting = { state: "waiting", for: "its Established condition" } as const;
  test("ready when every object is", () => {
    expect(
      conditionsGateStep({
        subject: "add-on greeter",
        looks: [{ object: CRD, verdict: { state: "ready" } }],
        elapsedMs: 0,
        timeoutSeconds: 10,
      }),
    ).toEqual({ outcome: "ready" });
  });
  test("a failure ends it at once, naming the object and the fix", () => {
    expect(
      conditionsGateStep({
        subject: "bank",
        looks: [
          { object: CRD, verdict: waiting },
          { object: ROUTE, verdict: { state: "failed", message: "refused", fix: "admit it" } },
        ],
        elapsedMs: 0,
        timeoutSeconds: 10,
      }),
    ).toEqual({
      outcome: "fail",
      message: "bank: HTTPRoute branch-x/bank: refused\nfix: admit it",
    });
  });
  test("waits until the timeout, then lists what each object still waits for", () => {
    const looks = [
      { object: CRD, verdict: waiting },
      { object: ROUTE, verdict: { state: "ready" } as const },
    ];
    expect(
      conditionsGateStep({
        subject: "add-on greeter",
        looks,
        elapsedMs: 9_999,
        timeoutSeconds: 10,
      }),
    ).toEqual({ outcome: "wait" });
    expect(
      conditionsGateStep({
        subject: "add-on greeter",
        looks,
        elapsedMs: 121_000,
        timeoutSeconds: 120,
      }),
    ).toEqual({
      outcome: "fail",
      message:
        "add-on greeter: not ready within 2m (localkube:readyTimeout):\n" +
        "  - CustomResourceDefinition greetings.e2e.localkube.dev: waiting for its Established condition\n" +
        "fix: if it only needs longer, raise localkube:readyTimeout (e.g. pulumi config set localkube:readyTimeout 10m)",
    });
  });
});

describe("the gate's inputs", () => {
  const inputs: ConditionsReadyInputs = {
    subject: "add-on greeter",
    objects: [{ ...CRD, revision: "u1/1" }],
    timeoutSeconds: 120,
    listedCrds: ["greetings.e2e.localkube.dev"],
    listedIn: "`platform.greeter.crds` of services/_catalog.yaml",
  };

  test("waits again only for other objects, a new revision, or another list", () => {
    expect(conditionsChanged(inputs, { ...inputs, timeoutSeconds: 60 })).toBe(false);
    expect(conditionsChanged(inputs, { ...inputs, objects: [{ ...CRD, revision: "u2/1" }] })).toBe(
      true,
    );
    expect(conditionsChanged(inputs, { ...inputs, objects: [] })).toBe(true);
    expect(conditionsChanged(inputs, { ...inputs, listedCrds: [] })).toBe(true);
  });

  test("a listed CRD that was not installed fails before any wait, with what was installed", () => {
    expect(listedButNotInstalled(inputs)).toBeUndefined();
    expect(listedButNotInstalled({ ...inputs, listedCrds: undefined })).toBeUndefined();
    expect(
      listedButNotInstalled({
        ...inputs,
        listedCrds: ["greetings.e2e.localkube.dev", "greetingz.e2e.localkube.dev"],
      }),
    ).toBe(
      "add-on greeter: greetingz.e2e.localkube.dev is listed in `platform.greeter.crds` of services/_catalog.yaml but not among the CRDs it installed (greetings.e2e.localkube.dev)\n" +
        "fix: list exactly the CRDs it installs: branch stacks check those in their cluster",
    );
    expect(unlistedCrds(["a.b.c", "d.e.f"], ["d.e.f"])).toEqual(["a.b.c"]);
  });
});
