/**
 * Debugging services in the cluster from an editor, on a real kind cluster: `npm run dev -- web
 * --local web,fx,bank --debug bank,fx` runs bank (Python) under debugpy and fx (Go) under Delve;
 * the dashboard's button does the same for web (Node.js). For each, a client speaks the runtime's
 * own protocol with the attach settings of the VS Code launch.json entry the loop printed (DAP for
 * debugpy and Delve, the Chrome DevTools Protocol for Node.js): a breakpoint in the request
 * handler, a request through the ingress, the stop with a local variable's value, continue, the
 * answer. Stopping (the button, Ctrl-C) puts back exactly what Pulumi applied: `pulumi up` has
 * nothing to change.
 */
import * as fs from "fs";
import * as path from "path";
import * as ui from "./dashboard";
import { cdpRoundTrip, dapRoundTrip } from "./debugClients";
import { DevProcess } from "./devProcess";
import * as h from "./harness";
import { forwardToPod } from "./podForward";

const STACK = "lk-e2e-debug";
const UI_PORT = 10352;
const NS = "localkube";
let dir: string;
let dev: DevProcess | undefined;
let page: ui.Dashboard | undefined;
const timings: Record<string, number> = {};

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = (Date.now() - t0) / 1000;
  }
}

/** The 1-based line of a project file holding `marker` (the breakpoint's line). */
function lineOf(file: string, marker: string): number {
  const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${file} has no line with ${JSON.stringify(marker)}`);
  return i + 1;
}

/** A Deployment as the cluster holds it. */
async function liveDeployment(name: string): Promise<any> {
  const r = await h.kubectl([
    "get",
    "deployment",
    name,
    "-n",
    NS,
    "-o",
    "json",
    "--show-managed-fields",
  ]);
  return JSON.parse(r.stdout);
}

/** What Pulumi's state says it applied (the Deployment's outputs at the last up). */
async function stateDeployment(name: string): Promise<any> {
  const r = await h.must("pulumi", ["stack", "export", "--stack", STACK, "--non-interactive"], {
    cwd: dir,
  });
  const resources = JSON.parse(r.stdout).deployment.resources as any[];
  return resources.find(
    (x) => x.type === "kubernetes:apps/v1:Deployment" && x.outputs?.metadata?.name === name,
  ).outputs;
}

/** What must equal after a session: the spec, the labels, the annotations but the revision. */
const applied = (d: any) => {
  const annotations = { ...d.metadata.annotations };
  delete annotations["deployment.kubernetes.io/revision"];
  return { spec: d.spec, labels: d.metadata.labels, annotations };
};

/** The Deployment's field managers that applied it, with what each owns. */
const appliers = (d: any) =>
  (d.metadata.managedFields as any[])
    .filter((m) => m.operation === "Apply" && !m.subresource)
    .map((m) => m.manager as string);

/** The service's pods (not terminating) with whether each runs under a debugger and is ready. */
async function pods(app: string): Promise<{ name: string; debug: boolean; ready: boolean }[]> {
  const r = await h.kubectl([
    "get",
    "pods",
    "-n",
    NS,
    "-l",
    `app.kubernetes.io/name=${app}`,
    "-o",
    "json",
  ]);
  return (JSON.parse(r.stdout).items as any[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      debug: Boolean(p.metadata.annotations?.["localkube.dev/debug"]),
      ready: (p.status.conditions ?? []).some(
        (c: any) => c.type === "Ready" && c.status === "True",
      ),
    }));
}

/** The pod `<service>: <debugger> ready in pod <name>` names (after line `from`). */
async function readyPod(service: string, from = 0): Promise<string> {
  const line = await dev!.line(
    new RegExp(`^${service}: .+ ready in pod (\\S+): attach to `),
    300_000,
    from,
  );
  return /ready in pod (\S+):/.exec(line)![1];
}

const getJson = async (host: string, urlPath: string) => {
  const r = await h.httpGet(host, urlPath, h.E2E.httpPort, 90);
  return { status: r.status, body: r.status === 200 ? JSON.parse(r.body) : r.body };
};

beforeAll(async () => {
  await h.ensureToolchain();
  await h.seedRegistry();
  dir = h.projectCopy("debug");
  await h.initStack(dir, STACK, {
    ...h.localE2eConfig(),
    "localkube:images.overrides": JSON.stringify({ price: h.mirrored("localkube-e2e/price:1") }),
  });
}, 90 * 60_000);

afterAll(async () => {
  await ui.closeDashboard(page);
  dev?.kill();
  fs.writeFileSync(path.join(h.ARTIFACTS, "debug-timings.json"), JSON.stringify(timings, null, 2));
  console.log(`debug scenario timings (s): ${JSON.stringify(timings)}`);
  await h.pulumi(dir, ["destroy", "--yes", "--skip-preview", "--stack", STACK]);
}, 20 * 60_000);

let bankLaunch: Record<string, any>;
let fxLaunch: Record<string, any>;

test(
  "npm run dev -- web --local web,fx,bank --debug bank,fx: bank restarts under debugpy, fx under Delve, each with its address and launch.json entry",
  async () => {
    dev = new DevProcess(dir, [
      "web",
      "--local",
      "web,fx,bank",
      "--debug",
      "bank,fx",
      "--stack",
      STACK,
      "--ui-port",
      String(UI_PORT),
    ]);
    await timed("cold start to converged", () =>
      dev!.line(/^✔ converging \(npm run dev\): done in [\d.]+ s$/, 15 * 60_000),
    );
    await timed("converged to both debuggers ready", async () => {
      bankLaunch = await dev!.launchEntry("bank", 300_000);
      fxLaunch = await dev!.launchEntry("fx", 300_000);
      await readyPod("bank");
      await readyPod("fx");
    });
    expect(dev.output).toContain(
      "bank: restarting under debugpy (python, found by the command (python3))",
    );
    expect(dev.output).toContain(
      "fx: restarting under Delve (go, found by the image's GOTRACEBACK)",
    );
    expect(bankLaunch).toEqual({
      name: "bank (localkube)",
      type: "debugpy",
      request: "attach",
      connect: { host: "127.0.0.1", port: 5678 },
      pathMappings: [{ localRoot: path.join(dir, "services/bank"), remoteRoot: "/app" }],
    });
    expect(fxLaunch).toEqual({
      name: "fx (localkube)",
      type: "go",
      request: "attach",
      mode: "remote",
      debugAdapter: "dlv-dap",
      host: "127.0.0.1",
      port: 56268,
      substitutePath: [{ from: path.join(dir, "services/fx"), to: "/src" }],
    });
    // While debugging: one replica, no liveness probe, a readiness probe that waits for a paused process.
    const bank = await liveDeployment("bank");
    const c = bank.spec.template.spec.containers[0];
    expect(bank.spec.replicas).toBe(1);
    expect(c.livenessProbe).toBeUndefined();
    expect(c.readinessProbe.timeoutSeconds).toBe(600);
    expect(bank.spec.template.spec.initContainers.map((i: any) => i.name)).toEqual([
      "localkube-debug-support",
    ]);
    expect(appliers(bank)).toEqual([expect.stringMatching(/^pulumi-kubernetes-/)]);
  },
  25 * 60_000,
);

test(
  "Python (debugpy, DAP): a breakpoint in bank's handler stops a request sent through the ingress, shows `acct`, continues, and the answer arrives",
  async () => {
    const pod = await readyPod("bank");
    const forward = await forwardToPod(NS, pod, 5678);
    try {
      const file = path.join(dir, "services/bank/app.py");
      // Inside the `with` block: Python reports a `with` line again when the block exits, so a
      // breakpoint on it stops one request twice.
      const line = lineOf("services/bank/app.py", "quote = json.load(r)");
      const { stop, answer } = await timed("python: attach, stop, continue", () =>
        dapRoundTrip({
          port: forward.port,
          how: {
            adapterID: "debugpy",
            attach: { pathMappings: bankLaunch.pathMappings, justMyCode: true },
          },
          file,
          line,
          trigger: () => getJson("bank.localhost", "/"),
        }),
      );
      expect({ file: stop.file, line: stop.line }).toEqual({ file, line });
      expect(stop.locals.acct).toBe("{'id': 'demo', 'balance': 100.0, 'currency': 'EUR'}");
      expect(answer.status).toBe(200);
      expect((answer.body as any).account).toMatchObject({ id: "demo", balance: 100 });
    } finally {
      forward.close();
    }
  },
  10 * 60_000,
);

test(
  "Go (Delve, DAP): a breakpoint in fx's handler stops a conversion sent through the ingress, shows `amount` and `rate`, continues, and the answer arrives",
  async () => {
    const pod = await readyPod("fx");
    const forward = await forwardToPod(NS, pod, 56268);
    try {
      const file = path.join(dir, "services/fx/main.go");
      const line = lineOf("services/fx/main.go", "result := math.Round(");
      const { stop, answer } = await timed("go: attach, stop, continue", () =>
        dapRoundTrip({
          port: forward.port,
          how: {
            adapterID: "go",
            attach: { mode: "remote", substitutePath: fxLaunch.substitutePath },
          },
          file,
          line,
          trigger: () => getJson("fx.localhost", "/convert?amount=100&from=EUR&to=CHF"),
        }),
      );
      expect({ file: stop.file, line: stop.line }).toEqual({ file, line });
      expect({ amount: stop.locals.amount, rate: stop.locals.rate }).toEqual({
        amount: "100",
        rate: "0.964286",
      });
      expect(answer).toEqual({
        status: 200,
        body: { amount: 100, from: "EUR", to: "CHF", rate: 0.964286, result: 96.43 },
      });
    } finally {
      forward.close();
    }
  },
  10 * 60_000,
);

test(
  "Node.js (inspector, CDP) from the dashboard's button: web restarts under --inspect, the page shows its launch.json entry; a breakpoint in its handler shows `balance`; Stop debugging restores it",
  async () => {
    page = await ui.openDashboard(`http://127.0.0.1:${UI_PORT}`);
    await ui.select(page, "web");
    const from = dev!.output.length;
    await page.page.locator('button[data-action="debug"]').click();
    const launchText = page.page.locator("#debug-launch");
    await timed("web: button to launch.json shown", () =>
      launchText.filter({ hasText: '"type": "node"' }).waitFor({ timeout: 300_000 }),
    );
    const launch = JSON.parse(
      ((await launchText.textContent()) ?? "").split("${workspaceFolder}").join(dir),
    );
    expect(launch).toEqual({
      name: "web (localkube)",
      type: "node",
      request: "attach",
      address: "127.0.0.1",
      port: 9229,
      localRoot: path.join(dir, "services/web"),
      remoteRoot: "/app",
      restart: true,
      skipFiles: ["<node_internals>/**"],
    });
    expect(await dev!.launchEntry("web", 10_000, from)).toEqual(launch);
    expect(await page.page.locator("#debug-text").textContent()).toBe(
      "node: attach to 127.0.0.1:9229",
    );
    await ui.screenshot(page, "dashboard-debug");

    const pod = await readyPod("web", from);
    const forward = await forwardToPod(NS, pod, 9229);
    try {
      const line = lineOf("services/web/server.js", "const values = await Promise.all(");
      const script = path.relative(launch.localRoot, path.join(dir, "services/web/server.js"));
      const { stop, answer } = await timed("node: attach, stop, resume", () =>
        cdpRoundTrip({
          port: forward.port,
          url: `file://${path.posix.join(launch.remoteRoot, script)}`,
          line,
          trigger: () => getJson("www.localhost", "/api/account"),
        }),
      );
      expect({ file: stop.file, line: stop.line }).toEqual({ file: "file:///app/server.js", line });
      expect(stop.locals.balance).toBe("100");
      expect(answer.status).toBe(200);
      expect((answer.body as any).values.map((v: any) => v.to)).toEqual(["CHF", "GBP", "USD"]);
    } finally {
      forward.close();
    }

    const stopFrom = dev!.output.length;
    await page.page.locator('button[data-action="undebug"]').click();
    await dev!.line(
      /^web: debugging stopped; its Deployment is back as Pulumi applied it$/,
      120_000,
      stopFrom,
    );
    await page.page.locator("#detail-debug").waitFor({ state: "hidden", timeout: 30_000 });
    const web = await liveDeployment("web");
    expect(applied(web)).toEqual(applied(await stateDeployment("web")));
    expect(appliers(web)).toEqual([expect.stringMatching(/^pulumi-kubernetes-/)]);
  },
  15 * 60_000,
);

test(
  "Ctrl-C restores bank and fx exactly as Pulumi applied them; their pods run without a debugger; pulumi up has nothing to change",
  async () => {
    const code = await timed("Ctrl-C with two sessions to restore", () => dev!.interrupt());
    expect(code).toBe(0);
    expect(dev!.output).toContain(
      "bank: debugging stopped; its Deployment is back as Pulumi applied it",
    );
    expect(dev!.output).toContain(
      "fx: debugging stopped; its Deployment is back as Pulumi applied it",
    );
    for (const name of ["bank", "fx"]) {
      const live = await liveDeployment(name);
      expect(applied(live)).toEqual(applied(await stateDeployment(name)));
      expect(appliers(live)).toEqual([expect.stringMatching(/^pulumi-kubernetes-/)]);
      const settled = await h.eventually(
        () => pods(name),
        (ps) => ps.length === 1 && ps.every((p) => p.ready && !p.debug),
        180_000,
      );
      expect(settled.map((p) => [p.debug, p.ready])).toEqual([[false, true]]);
    }
    const noop = await timed("pulumi up --expect-no-changes", () =>
      h.pulumi(dir, ["up", "--yes", "--expect-no-changes", "--stack", STACK]),
    );
    expect(noop.code).toBe(0);
    expect((await getJson("www.localhost", "/api/account")).status).toBe(200);
  },
  15 * 60_000,
);
