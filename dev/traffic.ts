/**
 * A steady stream of HTTP requests to a service through its ingress, each on a new connection
 * (as separate clients would open them), logged for {@link summarize}. Nothing is retried: a
 * request that gets no answer, or a 5xx, is what the check counts.
 */
import * as http from "http";
import * as https from "https";
import type { RequestRecord, TrafficTarget } from "./rolloutCheck";

export interface TrafficOptions {
  /** One request every this many ms. @default 50 (20 a second) */
  readonly intervalMs?: number;
  /** A request without an answer this long counts as `timeout`. @default 5000 */
  readonly timeoutMs?: number;
}

/** A running stream: its log so far, and how to stop it (resolves once every request ended). */
export interface Traffic {
  readonly log: readonly RequestRecord[];
  stop(): Promise<RequestRecord[]>;
}

/** One request; resolves with its record, never rejects. */
export function request(target: TrafficTarget, timeoutMs: number): Promise<RequestRecord> {
  const at = Date.now();
  const client = target.tls ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const end = (r: { status?: number; error?: string }) => {
      if (done) return;
      done = true;
      resolve({ at, ms: Date.now() - at, ...r });
    };
    const req = client.request(
      {
        host: target.connect,
        port: target.port,
        path: target.path,
        method: "GET",
        headers: { Host: target.host, "User-Agent": "localkube-check-rollout" },
        agent: false,
        timeout: timeoutMs,
        ...(target.tls ? { servername: target.host.replace(/:\d+$/, "") } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => end({ status: res.statusCode }));
        res.on("error", (e: NodeJS.ErrnoException) => end({ error: e.code ?? e.message }));
      },
    );
    req.on("timeout", () => {
      req.destroy();
      end({ error: "timeout" });
    });
    req.on("error", (e: NodeJS.ErrnoException) => end({ error: e.code ?? e.message }));
    req.end();
  });
}

/** Starts sending requests to `target` at a steady rate. */
export function startTraffic(target: TrafficTarget, opts: TrafficOptions = {}): Traffic {
  const interval = opts.intervalMs ?? 50;
  const timeout = opts.timeoutMs ?? 5000;
  const log: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const p = request(target, timeout).then((r) => {
      log.push(r);
      inFlight.delete(p);
    });
    inFlight.add(p);
  };
  send();
  const timer = setInterval(send, interval);
  return {
    log,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return [...log].sort((a, b) => a.at - b.at);
    },
  };
}
