/**
 * Which forwards a dev-loop run keeps: the `--forward` requests checked against the catalog, and
 * the catalog's own `ports[].forward` of the services the stack deploys. Pure.
 */
import { isAppliance } from "../catalog/appliances";
import { didYouMean, InputProblem, listNames, show } from "../catalog/problems";
import type { Catalog, PortSpec } from "../catalog/types";
import type { ForwardRequest } from "./args";
import type { ForwardSpec } from "./forwards";

const AT = { file: "npm run dev", path: "" };

/**
 * The forwards `--forward` asks for: each service must be in the catalog (closest name
 * suggested), among the services this run deploys when that is known (`selected`), with the port
 * named (default its first); the host port defaults to the container's port number. Two forwards
 * on one host port, or one on the dashboard's, are refused. Returns the specs, or every problem.
 */
export function cliForwards(
  requests: readonly ForwardRequest[],
  catalog: Pick<Catalog, "services">,
  opts: { readonly selected?: ReadonlySet<string>; readonly uiPort?: number } = {},
): { specs: ForwardSpec[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const specs: ForwardSpec[] = [];
  const report = (r: ForwardRequest, message: string) =>
    problems.push({ ...AT, message: `--forward ${r.text}: ${message}` });
  for (const r of requests) {
    const svc = catalog.services.get(r.service);
    if (!svc) {
      report(
        r,
        isAppliance(r.service)
          ? `${r.service} is an appliance, already reachable on the laptop at its host port (the stack's \`hostAccess\` output)`
          : `unknown service ${show(r.service)}${didYouMean(r.service, catalog.services.keys())}; known: ${listNames(catalog.services.keys())}`,
      );
      continue;
    }
    if (opts.selected && !opts.selected.has(r.service)) {
      report(
        r,
        `${r.service} is not deployed by this run (${listNames(opts.selected)}); name it among the services to run`,
      );
      continue;
    }
    if (svc.ports.length === 0) {
      report(r, `${r.service} declares no ports (${svc.file}); nothing to forward`);
      continue;
    }
    const port: PortSpec | undefined =
      r.port === undefined
        ? svc.ports[0]
        : svc.ports.find((p) => p.name === r.port || p.containerPort === r.port);
    if (!port) {
      report(
        r,
        `${r.service} has no port ${show(r.port)}; its ports: ${svc.ports.map((p) => `${p.name} (${p.containerPort})`).join(", ")}`,
      );
      continue;
    }
    if (port.protocol !== "TCP") {
      report(r, `port ${port.name} of ${r.service} is ${port.protocol}; a forward carries TCP`);
      continue;
    }
    const hostPort = r.hostPort ?? port.containerPort;
    const twin = specs.find((s) => s.hostPort === hostPort);
    if (twin) {
      report(
        r,
        `host port ${hostPort} is already forwarded by ${twin.origin}; give one another host port (e.g. ${r.service}:${hostPort + 1})`,
      );
      continue;
    }
    if (hostPort === opts.uiPort) {
      report(
        r,
        `host port ${hostPort} is the dashboard's; give the forward another one (e.g. ${r.service}:${hostPort + 1}) or move the dashboard with --ui-port`,
      );
      continue;
    }
    specs.push({
      service: r.service,
      port: port.containerPort,
      hostPort,
      origin: `--forward ${r.text}`,
    });
  }
  return { specs, problems };
}

/** The catalog's `ports[].forward` of the deployed services, in their order. */
export function catalogForwards(
  catalog: Pick<Catalog, "services">,
  deployed: Iterable<string>,
): ForwardSpec[] {
  const out: ForwardSpec[] = [];
  for (const name of deployed) {
    const svc = catalog.services.get(name);
    svc?.ports.forEach((p, i) => {
      if (p.forward !== undefined)
        out.push({
          service: name,
          port: p.containerPort,
          hostPort: p.forward,
          origin: `${svc.file} (ports[${i}].forward)`,
        });
    });
  }
  return out;
}

/**
 * The run's forwards: the command line's, then the catalog's. A command-line forward of a
 * service's port replaces the catalog's forward of that port; a catalog forward whose host port
 * the command line took is left out, with why.
 */
export function mergeForwards(
  cli: readonly ForwardSpec[],
  fromCatalog: readonly ForwardSpec[],
): { specs: ForwardSpec[]; dropped: string[] } {
  const specs = [...cli];
  const dropped: string[] = [];
  for (const c of fromCatalog) {
    if (cli.some((s) => s.service === c.service && s.port === c.port)) continue;
    const taker = specs.find((s) => s.hostPort === c.hostPort);
    if (taker) {
      dropped.push(
        `${c.origin}: host port ${c.hostPort} is taken by ${taker.origin}; ${c.service}:${c.port} is not forwarded`,
      );
      continue;
    }
    specs.push(c);
  }
  return { specs, dropped };
}
