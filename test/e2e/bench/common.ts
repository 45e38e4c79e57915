/**
 * What every scenario of `npm run bench:e2e` shares: timing, samples and the load average beside
 * each figure, the group a figure belongs to, answers through the ingress, and source edits.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import type { Figure, GroupName, Missing } from "../../../bench/e2eResults";
import { median } from "../../../bench/e2eResults";
import * as h from "../harness";

/** Samples of every repeated measurement; the median counts. */
export const SAMPLES = Number(process.env.LOCALKUBE_BENCH_SAMPLES ?? 5);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function seconds<T>(step: () => Promise<T>): Promise<number> {
  const t0 = Date.now();
  await step();
  return (Date.now() - t0) / 1000;
}

/** The 1-minute load average from now on: where it started and the highest seen. */
export class LoadWatch {
  readonly atStart = os.loadavg();
  private highest = this.atStart[0];
  private readonly timer = setInterval(() => {
    this.highest = Math.max(this.highest, os.loadavg()[0]);
  }, 2000);
  done() {
    clearInterval(this.timer);
    const atEnd = os.loadavg();
    this.highest = Math.max(this.highest, atEnd[0]);
    return {
      atStart: this.atStart.map((x) => round(x)),
      atEnd: atEnd.map((x) => round(x)),
      highestOneMinute: round(this.highest),
    };
  }
}

/**
 * The figures of one group. A step of a group that was not asked for (`--only`) still runs when
 * a later step needs its effect (a stack that is up), untimed; its figure is not recorded.
 */
export class Group {
  readonly figures: Record<string, Figure | Missing> = {};
  readonly failures: string[] = [];

  constructor(
    readonly name: GroupName,
    readonly selected: boolean,
  ) {}

  /** Times one run of `step` as figure `key` (when the group is measured). */
  async once(key: string, step: () => Promise<unknown>, opts: { preview?: boolean } = {}) {
    if (!this.selected) {
      await step();
      return;
    }
    const load = new LoadWatch();
    const s = await seconds(step);
    const l = load.done();
    this.figures[key] = {
      value: round(s),
      unit: "s",
      ...(opts.preview !== undefined ? { preview: opts.preview } : {}),
      load: { start: l.atStart[0], highest: l.highestOneMinute },
    };
    console.error(`bench: ${this.name}.${key} = ${round(s)} s (load ${l.atStart[0]})`);
  }

  /** Records `SAMPLES` runs of `step(i)` (each returns its seconds) as figure `key`. */
  async samples(
    key: string,
    step: (i: number) => Promise<number>,
    opts: { preview?: boolean; count?: number } = {},
  ) {
    const load = new LoadWatch();
    const runs: number[] = [];
    for (let i = 1; i <= (opts.count ?? SAMPLES); i++) runs.push(round(await step(i)));
    const l = load.done();
    this.figures[key] = {
      value: median(runs),
      unit: "s",
      runs,
      ...(opts.preview !== undefined ? { preview: opts.preview } : {}),
      load: { start: l.atStart[0], highest: l.highestOneMinute },
    };
    console.error(`bench: ${this.name}.${key} = ${median(runs)} s, runs ${runs.join(", ")}`);
  }

  /** Records a figure measured some other way (CPU time). */
  record(key: string, figure: Figure) {
    this.figures[key] = figure;
    console.error(`bench: ${this.name}.${key} = ${figure.value} ${figure.unit}`);
  }

  missing(key: string, why: string) {
    this.figures[key] = { missing: why };
    console.error(`bench: ${this.name}.${key} not measured: ${why}`);
  }

  /** Runs a part of the group; a failure is recorded and the run goes on with the next part. */
  async part(what: string, step: () => Promise<void>, cleanup?: () => Promise<void>) {
    try {
      await step();
    } catch (err) {
      this.failures.push(`${what}: ${String((err as Error).message ?? err)}`);
      console.error(err);
      if (cleanup) await cleanup().catch((e) => console.error(e));
    }
  }
}

/** Replaces one match in a file, failing when there is nothing to replace. */
export function edit(file: string, from: RegExp, to: string): void {
  const text = fs.readFileSync(file, "utf8");
  const next = text.replace(from, to);
  if (next === text && !text.includes(to)) throw new Error(`${file}: nothing matches ${from}`);
  fs.writeFileSync(file, next);
}

/** A label in a Dockerfile: a change no live update can carry (and one build step). */
export function setDockerfileLabel(dir: string, value: string): void {
  const file = `${dir}/Dockerfile`;
  const text = fs.readFileSync(file, "utf8");
  const line = `LABEL dev.localkube.bench=${value}`;
  fs.writeFileSync(
    file,
    /^LABEL dev\.localkube\.bench=.*$/m.test(text)
      ? text.replace(/^LABEL dev\.localkube\.bench=.*$/m, line)
      : text.replace("EXPOSE 8080", `EXPOSE 8080\n${line}`),
  );
}

/** Sets price's VERSION (what `/` answers) in a copy of its source. */
export const setPriceVersion = (priceDir: string, version: string) =>
  edit(`${priceDir}/app.py`, /VERSION = "[^"]*"/, `VERSION = "${version}"`);

/** Sets bank's GREETING (what `/` answers in `message`) in a copy of its source. */
export const setGreeting = (bankDir: string, greeting: string) =>
  edit(`${bankDir}/app.py`, /GREETING = "[^"]*"/, `GREETING = "${greeting}"`);

/**
 * GET `/` through the ingress: 127.0.0.1 with the Host header (what curl does for *.localhost),
 * giving up on one request after 2 s. Node's own client: polling every 50 ms with a process per
 * request would cost the 2-core machine more than what is measured.
 */
export function answer(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: "127.0.0.1", port: h.E2E.httpPort, path: "/", headers: { Host: host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on("error", (e) => resolve({ status: 0, body: String(e) }));
      },
    );
    req.setTimeout(2000, () => req.destroy(new Error("no answer within 2 s")));
    req.on("error", (e) => resolve({ status: 0, body: String(e) }));
  });
}

/** The version price (or a copy of it at `host`) serves at `/`, or what came back instead. */
export async function priceVersion(host = "price.localhost"): Promise<string> {
  const r = await answer(host);
  if (r.status !== 200) return `HTTP ${r.status}`;
  try {
    return String(JSON.parse(r.body).version);
  } catch {
    return r.body.slice(0, 80);
  }
}

/** bank's greeting, or what came back instead. */
export async function bankMessage(): Promise<string> {
  const r = await answer("bank.localhost");
  const m = /"message": "([^"]*)"/.exec(r.body);
  return m ? m[1] : `HTTP ${r.status}`;
}

/**
 * Resolves as soon as one `probe` returns `want`: a probe starts every 50 ms without waiting for
 * the ones in flight (at most 40), so a request the ingress still sends to a pod that is gone —
 * which hangs until its timeout — delays nothing: the time measured is when the new answer was
 * first served. Fails after `timeoutMs` with the last answer seen.
 */
export function until(
  probe: () => Promise<string>,
  want: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + timeoutMs;
    let last = "";
    let inFlight = 0;
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (err) reject(err);
      else resolve();
    };
    const start = () => {
      if (finished) return;
      if (Date.now() > end)
        return finish(
          new Error(`still "${last}" after ${timeoutMs / 1000} s, waiting for "${want}"`),
        );
      if (inFlight >= 40) return;
      inFlight++;
      probe().then(
        (v) => {
          inFlight--;
          last = v;
          if (v === want) finish();
        },
        (e) => {
          inFlight--;
          last = String(e);
        },
      );
    };
    const timer = setInterval(start, 50);
    start();
  });
}

/** Waits until bank's greeting is `text`. */
export const bankAnswers = (text: string, timeoutMs = 120_000) =>
  until(bankMessage, text, timeoutMs);
