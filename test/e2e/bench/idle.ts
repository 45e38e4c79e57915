/**
 * The `idle` group: `npm run dev`'s CPU time over an idle minute, without and with 20,000 files
 * generated in price's build context (the watcher's share is the difference; the rest is the
 * status watch, the dashboard and timers), and how fast a save in that big tree is noticed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Group } from "./common";
import { round, sleep } from "./common";
import { CONVERGED, cpuSeconds, DevLoop, quiet, startDevLoop, WATCHING } from "./devLoop";
import { devArgs } from "./saves";

/** Files generated in price's build context. */
export const TREE_FILES = 20_000;
const IDLE_MS = 60_000;

/** Writes `count` small files under `root`, 100 to a directory. */
function generateTree(root: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const d = path.join(root, `d${String(Math.floor(i / 100)).padStart(3, "0")}`);
    if (i % 100 === 0) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `f${String(i).padStart(5, "0")}.txt`), `file ${i}\n`);
  }
}

/** The loop's CPU over an idle minute, as percent of one core. */
async function idleMinute(g: Group, key: string, dev: DevLoop): Promise<void> {
  await quiet(dev, 10_000, 90_000);
  const load = os1();
  const from = dev.mark();
  const cpu0 = cpuSeconds(dev.pid);
  const t0 = Date.now();
  await sleep(IDLE_MS);
  const cpu = cpuSeconds(dev.pid) - cpu0;
  const elapsed = (Date.now() - t0) / 1000;
  const printed = dev.mark() - from;
  if (printed > 0)
    throw new Error(`the loop printed ${printed} lines in its idle minute: not idle`);
  g.record(key, {
    value: round((100 * cpu) / elapsed),
    unit: "%",
    load: { start: load, highest: Math.max(load, os1()) },
  });
}

const os1 = () => round(os.loadavg()[0]);

/** `npm run dev -- bank --local bank,price` on the 3-service stack, idle without and with the tree. */
export async function idleGroup(g: Group, dir: string, stack: string): Promise<void> {
  const args = devArgs(stack, ["bank", "--local", "bank,price"]);
  const priceDir = path.join(dir, "services/price");
  await g.part("idle without the tree", async () => {
    const dev = await startDevLoop(dir, args);
    try {
      await idleMinute(g, "idleCpu", dev);
    } finally {
      await dev.stop();
    }
  });
  const tree = path.join(priceDir, "vendor");
  generateTree(tree, TREE_FILES);
  await g.part(`idle with ${TREE_FILES} files`, async () => {
    const dev = await startDevLoop(dir, args);
    try {
      // From the converge's end to the watch on every file (the tree's initial scan).
      const converged = await dev.line(CONVERGED, 0);
      const watching = await dev.line(WATCHING, 0);
      g.record("watchStart", {
        value: round((watching.at - converged.at) / 1000),
        unit: "s",
        load: { start: os1(), highest: os1() },
      });
      await idleMinute(g, "idleCpuWithTree", dev);
      const from = dev.mark();
      const saved = "vendor/d123/f12345.txt";
      const savedAt = Date.now();
      fs.appendFileSync(path.join(priceDir, saved), "saved\n");
      const noticed = await dev.line(/^▶ updating price /, 30_000, from);
      g.record("saveToUpdating", {
        value: round((noticed.at - savedAt) / 1000),
        unit: "s",
        load: { start: os1(), highest: os1() },
      });
      await dev.line(/^(✔|✘) updating price /, 15 * 60_000, from);
    } finally {
      await dev.stop();
    }
  });
  fs.rmSync(tree, { recursive: true, force: true });
}
