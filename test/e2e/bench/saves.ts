/**
 * Save → new answer served, on the 3-service stack with price built from source
 * (`npm run dev -- bank --local bank,price`), every side in the same run, medians of SAMPLES:
 *
 *   live update   price's app.py saved → the new version served: localkube (sync + restart of the
 *                 process) and Tilt (the same sync and restart)
 *   rebuild path  price's Dockerfile (a label) and app.py saved together → the new version
 *                 served: localkube's dev loop (its fast save path), the floor (./floor.ts) and
 *                 Tilt (docker_build + push + apply)
 *
 * Warm caches: the dev loop's converge built price once; the floor and Tilt each build their copy
 * once, untimed, before their samples.
 */
import * as fs from "fs";
import * as path from "path";
import type { Group } from "./common";
import {
  bankMessage,
  priceVersion,
  seconds,
  setDockerfileLabel,
  setGreeting,
  setPriceVersion,
  sleep,
  until,
} from "./common";
import { DevLoop, quiet, settle, startDevLoop } from "./devLoop";
import { buildAndPush, floorSave, FloorSteps, podReady, stackBuilder } from "./floor";
import { applyObjects, benchKubeConfig, deleteNamespace, settledPods } from "./kubeApi";
import { copyObjects, readService } from "./serviceCopy";
import { tiltBinary, TiltSession, tiltVersion } from "./tilt";
import { restartCommandLine } from "./tiltfile";
import * as h from "../harness";

/** The dev loop's dashboard port in the benchmark (a developer's own loop may hold the default). */
export const DEV_UI_PORT = 10352;
const NAMESPACE = "localkube";

export function devArgs(stack: string, names: readonly string[]): string[] {
  return [...names, "--stack", stack, "--ui-port", String(DEV_UI_PORT)];
}

/** localkube's live updates and rebuilds of price through a running dev loop. */
async function localkubeSaves(g: Group, dev: DevLoop, priceDir: string): Promise<void> {
  const kc = benchKubeConfig();
  await until(() => priceVersion(), "price v1", 120_000);
  // The converge rolled price onto its local build: the published image's pod terminates first
  // (a live update is measured on a settled service).
  await settledPods(kc, NAMESPACE, "price");
  await quiet(dev, 3000, 30_000);

  await g.samples("liveUpdate", async (i) => {
    await settledPods(kc, NAMESPACE, "price");
    const from = dev.mark();
    const want = `price live-${i}`;
    const t = await seconds(async () => {
      setPriceVersion(priceDir, want);
      await until(() => priceVersion(), want, 60_000);
    });
    await dev.line(/^price: synced 1 file, [\d.]+ s \(services\/price\/app\.py\)$/, 30_000, from);
    const rebuilt = dev.since(from, /^▶ updating/);
    if (rebuilt.length > 0) throw new Error(`a live update rebuilt: ${rebuilt.join("; ")}`);
    if ((await settle(dev, from)) > 0) throw new Error("a live update ran an update");
    return t;
  });

  await g.samples("rebuild", async (i) => {
    await settledPods(kc, NAMESPACE, "price");
    const from = dev.mark();
    const want = `price rebuild-${i}`;
    const t = await seconds(async () => {
      // One save of both files (an editor's "save all"): the Dockerfile forces the rebuild.
      setDockerfileLabel(priceDir, `rebuild-${i}`);
      setPriceVersion(priceDir, want);
      await until(() => priceVersion(), want, 600_000);
    });
    await dev.line(/^✔ updating price \(/, 600_000, from);
    const engine = dev.since(from, /through pulumi up/);
    if (engine.length > 0) throw new Error(`the rebuild left the fast path: ${engine.join("; ")}`);
    const synced = dev.since(from, /^price: synced/);
    if (synced.length > 0) throw new Error(`the rebuild path synced: ${synced.join("; ")}`);
    if ((await settle(dev, from)) !== 1) throw new Error("one save ran more than one update");
    return t;
  });
}

/** The floor on a copy of price (namespace bench-floor, host price-floor.localhost). */
async function floorSaves(g: Group, priceDir: string): Promise<void> {
  const kc = benchKubeConfig();
  const namespace = "bench-floor";
  const host = "price-floor.localhost";
  const context = path.join(h.ARTIFACTS, "bench-floor", "price");
  fs.rmSync(path.dirname(context), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(context), { recursive: true });
  fs.cpSync(priceDir, context, { recursive: true });
  const target = {
    kc,
    namespace,
    service: "price",
    context,
    repository: `${h.registryAddress()}/price-floor`,
  };
  const endpoint = stackBuilder();
  try {
    // The copy starts from its own first build: the build cache is warm for every sample.
    setPriceVersion(context, "price floor-0");
    const digest = await buildAndPush(endpoint, context, `${target.repository}:floor-0`);
    const image = `${target.repository}@${digest}`;
    await applyObjects(
      kc,
      copyObjects("price", await readService(kc, NAMESPACE, "price"), { namespace, host, image }),
    );
    await podReady(target, image);
    await until(() => priceVersion(host), "price floor-0", 120_000);
    const steps: FloorSteps[] = [];
    await g.samples("floor", async (i) => {
      await settledPods(kc, namespace, "price");
      const want = `price floor-${i}`;
      return seconds(async () => {
        setDockerfileLabel(context, `floor-${i}`);
        setPriceVersion(context, want);
        steps.push(
          await floorSave(
            target,
            endpoint,
            `floor-${i}`,
            async () => (await priceVersion(host)) === want,
          ),
        );
      });
    });
    // Where the floor's time goes (medians of each step).
    for (const step of ["build", "setImage", "podReady", "answer"] as const) {
      const runs = steps.map((s) => Math.round(s[step] * 100) / 100);
      const sorted = [...runs].sort((a, b) => a - b);
      g.record(`floor.${step}`, {
        value: sorted[Math.floor(sorted.length / 2)],
        unit: "s",
        runs,
        load: (g.figures.floor as { load: { start: number; highest: number } }).load,
      });
    }
  } finally {
    await deleteNamespace(kc, namespace);
  }
}

/** Tilt's live updates and rebuilds of a copy of price (namespace bench-tilt). */
async function tiltSaves(g: Group, priceDir: string): Promise<string | undefined> {
  const bin = tiltBinary();
  if (!bin) {
    for (const key of ["tilt.liveUpdate", "tilt.rebuild"])
      g.missing(key, "not measured (set LOCALKUBE_BENCH_TILT to a tilt binary)");
    return undefined;
  }
  const version = await tiltVersion(bin);
  const kc = benchKubeConfig();
  const namespace = "bench-tilt";
  const host = "price-tilt.localhost";
  const dir = path.join(h.ARTIFACTS, "bench-tilt");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const context = path.join(dir, "price");
  fs.cpSync(priceDir, context, { recursive: true });
  setPriceVersion(context, "price tilt-0");
  const objects = copyObjects("price", await readService(kc, NAMESPACE, "price"), {
    namespace,
    host,
    image: "price-tilt",
  });
  const tilt = TiltSession.start(bin, dir, objects, {
    kubeContext: `kind-${h.E2E.cluster}`,
    image: "price-tilt",
    context: "price",
    sync: [
      { from: "app.py", to: "/app/app.py" },
      { from: "static", to: "/app/static" },
    ],
    run: restartCommandLine(),
  });
  try {
    const end = Date.now() + 600_000;
    while ((await priceVersion(host)) !== "price tilt-0") {
      if (!tilt.running || Date.now() > end)
        throw new Error(`Tilt did not serve price within 600 s; its last lines:\n${tilt.tail()}`);
      await sleep(250);
    }
    await settledPods(kc, namespace, "price");
    await sleep(3000);
    await g.samples("tilt.liveUpdate", async (i) => {
      await settledPods(kc, namespace, "price");
      const from = tilt.mark();
      const want = `price tilt-live-${i}`;
      const t = await seconds(async () => {
        setPriceVersion(context, want);
        await until(() => priceVersion(host), want, 60_000);
      });
      await sleep(2000);
      const built = tilt.since(from, /Building Dockerfile/i);
      if (built.length > 0) throw new Error(`Tilt rebuilt on a live update: ${built.join("; ")}`);
      return t;
    });
    await g.samples("tilt.rebuild", async (i) => {
      await settledPods(kc, namespace, "price");
      const from = tilt.mark();
      const want = `price tilt-rebuild-${i}`;
      const t = await seconds(async () => {
        setDockerfileLabel(context, `tilt-rebuild-${i}`);
        setPriceVersion(context, want);
        await until(() => priceVersion(host), want, 600_000);
      });
      await sleep(2000);
      if (tilt.since(from, /Building Dockerfile/i).length === 0)
        throw new Error(`Tilt did not build on a Dockerfile change; its lines:\n${tilt.tail()}`);
      return t;
    });
  } finally {
    await tilt.stop();
    await deleteNamespace(kc, namespace);
  }
  return version;
}

/**
 * The `dev` group on the 3-service stack (which it leaves with price built from source). Returns
 * Tilt's version when it was measured.
 */
export async function savesGroup(
  g: Group,
  dir: string,
  stack: string,
): Promise<string | undefined> {
  const priceDir = path.join(dir, "services/price");
  await g.part("localkube's dev loop", async () => {
    const dev = await startDevLoop(dir, devArgs(stack, ["bank", "--local", "bank,price"]));
    try {
      await localkubeSaves(g, dev, priceDir);
    } finally {
      await dev.stop();
    }
  });
  await g.part("the floor", () => floorSaves(g, priceDir));
  let version: string | undefined;
  await g.part("Tilt", async () => {
    version = await tiltSaves(g, priceDir);
  });
  return version;
}

/**
 * The same save (bank's Dockerfile label and its greeting: a rebuild, its migration job run again
 * first) through a running `npm run dev` on a stack as its config stands: figure `key`.
 */
export async function devSaves(
  g: Group,
  key: string,
  dir: string,
  stack: string,
  bankDir: string,
): Promise<void> {
  const kc = benchKubeConfig();
  const dev = await startDevLoop(dir, devArgs(stack, []));
  try {
    await settledPods(kc, NAMESPACE, "bank");
    await quiet(dev, 3000, 30_000);
    await g.samples(key, async (i) => {
      await settledPods(kc, NAMESPACE, "bank");
      const from = dev.mark();
      const want = `bank ${key}-${i}`;
      const t = await seconds(async () => {
        setDockerfileLabel(bankDir, `${key}-${i}`);
        setGreeting(bankDir, want);
        await until(bankMessage, want, 600_000);
      });
      await dev.line(/^✔ updating bank \(/, 600_000, from);
      const engine = dev.since(from, /through pulumi up/);
      if (engine.length > 0) throw new Error(`the save left the fast path: ${engine.join("; ")}`);
      await settle(dev, from);
      return t;
    });
  } finally {
    await dev.stop();
  }
}
