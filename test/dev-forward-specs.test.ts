import { parseForwards } from "../dev/args";
import { catalogForwards, cliForwards, mergeForwards } from "../dev/forwardSpecs";
import type { Catalog, ServiceSpec } from "../catalog/types";

const svc = (name: string, ports: ServiceSpec["ports"]): ServiceSpec => ({
  name,
  file: `services/${name}.yaml`,
  image: {},
  ports,
  env: {},
  replicas: 1,
  probes: {},
  dependsOn: [],
});
const http = (containerPort: number, forward?: number) => ({
  name: "http",
  containerPort,
  servicePort: 80,
  protocol: "TCP" as const,
  ...(forward ? { forward } : {}),
});
const catalog: Pick<Catalog, "services"> = {
  services: new Map([
    [
      "bank",
      svc("bank", [
        http(8080, 9000),
        { name: "metrics", containerPort: 9100, servicePort: 9100, protocol: "TCP" },
      ]),
    ],
    ["price", svc("price", [http(8080)])],
    [
      "greeter",
      svc("greeter", [
        { name: "grpc", containerPort: 50051, servicePort: 50051, protocol: "TCP", forward: 50051 },
      ]),
    ],
    ["dns", svc("dns", [{ name: "dns", containerPort: 53, servicePort: 53, protocol: "UDP" }])],
    ["bank-migrate", svc("bank-migrate", [])],
  ]),
};

const resolve = (value: string, opts: Parameters<typeof cliForwards>[2] = {}) =>
  cliForwards(parseForwards(value), catalog, opts);

describe("cliForwards: --forward checked against the catalog", () => {
  test("the first port by default, the host port by default the container's port number", () => {
    expect(resolve("bank:9000,price,bank/metrics,bank/9100:19100")).toEqual({
      specs: [
        { service: "bank", port: 8080, hostPort: 9000, origin: "--forward bank:9000" },
        { service: "price", port: 8080, hostPort: 8080, origin: "--forward price" },
        { service: "bank", port: 9100, hostPort: 9100, origin: "--forward bank/metrics" },
        { service: "bank", port: 9100, hostPort: 19100, origin: "--forward bank/9100:19100" },
      ],
      problems: [],
    });
  });

  test.each([
    [
      "bamk",
      'unknown service "bamk" (did you mean "bank"?); known: bank, bank-migrate, dns, greeter, price',
    ],
    [
      "postgres",
      "postgres is an appliance, already reachable on the laptop at its host port (the stack's `hostAccess` output)",
    ],
    [
      "bank-migrate",
      "bank-migrate declares no ports (services/bank-migrate.yaml); nothing to forward",
    ],
    ["bank/admin", 'bank has no port "admin"; its ports: http (8080), metrics (9100)'],
    ["dns", "port dns of dns is UDP; a forward carries TCP"],
  ])("%s is refused", (value, message) => {
    expect(resolve(value).problems).toEqual([
      { file: "npm run dev", path: "", message: `--forward ${value}: ${message}` },
    ]);
  });

  test("a service this run does not deploy", () => {
    expect(resolve("price", { selected: new Set(["bank", "postgres"]) }).problems).toEqual([
      {
        file: "npm run dev",
        path: "",
        message:
          "--forward price: price is not deployed by this run (bank, postgres); name it among the services to run",
      },
    ]);
  });

  test("two forwards on one host port, or one on the dashboard's: every problem at once", () => {
    expect(
      resolve("bank:8080,price,greeter:10350", { uiPort: 10350 }).problems.map((p) => p.message),
    ).toEqual([
      "--forward price: host port 8080 is already forwarded by --forward bank:8080; give one another host port (e.g. price:8081)",
      "--forward greeter:10350: host port 10350 is the dashboard's; give the forward another one (e.g. greeter:10351) or move the dashboard with --ui-port",
    ]);
  });
});

describe("catalogForwards and mergeForwards", () => {
  test("the deployed services' ports[].forward", () => {
    expect(catalogForwards(catalog, ["price", "bank", "greeter", "unknown"])).toEqual([
      {
        service: "bank",
        port: 8080,
        hostPort: 9000,
        origin: "services/bank.yaml (ports[0].forward)",
      },
      {
        service: "greeter",
        port: 50051,
        hostPort: 50051,
        origin: "services/greeter.yaml (ports[0].forward)",
      },
    ]);
  });

  test("the command line's forward of a port replaces the catalog's; a catalog forward on a taken host port is left out", () => {
    const cli = resolve("bank:9001,price:50051").specs;
    expect(mergeForwards(cli, catalogForwards(catalog, ["bank", "greeter"]))).toEqual({
      specs: cli,
      dropped: [
        "services/greeter.yaml (ports[0].forward): host port 50051 is taken by --forward price:50051; greeter:50051 is not forwarded",
      ],
    });
  });
});
