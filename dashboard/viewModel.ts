import type * as K from "@kubernetes/client-node";
import type { UpdateRecord } from "../dev/engine/state";
import { type ForwardStatus, forwardText } from "../status/forwards";
import type { DebugSession } from "../dev/debug/session";
import type { StackInfo } from "../dev/stackView";
import { autoscaleSummary, autoscaleText } from "../status/autoscale";
import { sourceText, type ServiceRow, type ServiceState } from "../status/model";

/**
 * What the dashboard shows, as a pure function of what the dev loop knows: the status rows (the
 * same ones the terminal renders), the stack's facts, the last updates and the services' recent
 * events. The page only lays this out; it computes nothing.
 */

export interface PodView {
  readonly name: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** Like kubectl's AGE column: `42s`, `5m`, `3h`, `2d`; "" when unknown. */
  readonly age: string;
}

export interface EventView {
  /** `Normal` or `Warning`. */
  readonly type: string;
  readonly reason: string;
  /** `Pod/price-7d9f-abcde`. */
  readonly object: string;
  readonly message: string;
  readonly count: number;
  /** Since the last time it happened. */
  readonly age: string;
}

export interface ServiceView {
  readonly name: string;
  readonly kind: "service" | "appliance";
  /** The badge: the status model's state. */
  readonly state: ServiceState;
  /** Where its image comes from: `checkout 1a2b3c4d5e6f` or `published 1.4` ("" when unknown). */
  readonly source: string;
  /** `1/2`. */
  readonly ready: string;
  readonly restarts: number;
  readonly url?: string;
  /** What the loop last did to it. */
  readonly lastUpdate?: {
    /** `building (services/price/app.py)`, `updated in 8.2 s (services/price/app.py)`. */
    readonly text: string;
    /** How long it took (`8.2 s`), `running` while it runs. */
    readonly took: string;
    /** When it started: `3m ago`. */
    readonly age: string;
  };
  readonly problem?: { readonly message: string; readonly hint?: string };
  /** What its autoscaler says, when it has one. */
  readonly autoscale?: {
    /** `autoscaled 2 → 3 pods (1–4)`: under the ready count. */
    readonly summary: string;
    /** The whole sentence, with CPU use and the autoscaler's reason: in the detail. */
    readonly text: string;
    /** It cannot scale now (no metrics, a failed scale call). */
    readonly stuck: boolean;
  };
  readonly pods: readonly PodView[];
  readonly events: readonly EventView[];
  /** Its debug session (services only): the button's side and what to attach with. */
  readonly debug?: DebugView;
}

export interface DebugView {
  /** Whether the developer asked for it: the button stops it then. */
  readonly wanted: boolean;
  /** `starting: building the debug-support image`, `python: attach to 127.0.0.1:5678`, `stopping`, `failed: …`; "" when off. */
  readonly text: string;
  readonly failed: boolean;
  /** `127.0.0.1:5678` once the session runs. */
  readonly address?: string;
  /** The VS Code launch.json entry. */
  readonly launch?: string;
}

export interface GroupView {
  /** The catalog group (`appliances` first); `""` for services in no group. */
  readonly name: string;
  readonly title: string;
  readonly services: readonly ServiceView[];
}

export interface UpdateView {
  /** `converge (npm run dev) succeeded in 42.0 s` / `price (services/price/app.py) failed after 3.1 s`. */
  readonly text: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** A port of a service forwarded to the laptop. */
export interface ForwardView {
  /** `127.0.0.1:9000`. */
  readonly address: string;
  /** `bank:8080`: the service and the port in its pods. */
  readonly target: string;
  /** `ready` (a ready pod behind it), `waiting` (none yet) or `failed` (not listening). */
  readonly state: ForwardStatus["state"];
  /** `ready (bank-6d9f-x2x1z), 2 open`, `not listening: … is in use by python3 (pid 42)…`. */
  readonly text: string;
}

export interface DashboardView {
  readonly stack: {
    readonly name: string;
    readonly namespace: string;
    /** `kind lk-e2e` for a kind context, else the kube context. */
    readonly cluster: string;
    readonly kubernetesVersion: string;
    readonly registry: string;
    readonly ingress: string;
    readonly lastConverge?: UpdateView;
    /** The last targeted update, when one ran after the last converge. */
    readonly lastUpdate?: UpdateView;
  };
  /** `3/4 ready, 1 problem`; `no services yet` before the first converge. */
  readonly summary: string;
  readonly groups: readonly GroupView[];
  /** The run's forwards, in service order. */
  readonly forwards: readonly ForwardView[];
}

/** The dev loop's data the dashboard is drawn from. */
export interface DashboardData {
  readonly rows: readonly ServiceRow[];
  readonly stack: StackInfo;
  readonly lastConverge?: UpdateRecord;
  readonly lastUpdate?: UpdateRecord;
  /** Each service's recent events (from the cluster's watch). */
  readonly events: ReadonlyMap<string, readonly K.CoreV1Event[]>;
  /** The run's forwards. @default none */
  readonly forwards?: readonly ForwardStatus[];
  /** Debug sessions: the services wanted under their debugger, and each session. @default none */
  readonly debug?: {
    readonly wanted: ReadonlySet<string>;
    readonly sessions: ReadonlyMap<string, DebugSession>;
  };
}

/** A service's debug session for the page. */
export function debugView(wanted: boolean, session: DebugSession | undefined): DebugView {
  if (!session) return { wanted, text: wanted ? "waiting for its Deployment" : "", failed: false };
  switch (session.phase) {
    case "starting":
      return { wanted, text: `starting: ${session.step}`, failed: false };
    case "stopping":
      return { wanted, text: "stopping", failed: false };
    case "failed":
      return { wanted, text: `failed: ${session.error}`, failed: true };
    case "active": {
      const address = `127.0.0.1:${session.localPort}`;
      return {
        wanted,
        text: `${session.runtime}: attach to ${address}`,
        failed: false,
        address,
        launch: session.launch,
      };
    }
  }
}

/** Events shown per service, newest first. */
export const EVENTS_SHOWN = 10;

/** Age like kubectl prints it; "" for a missing or unparsable time. */
export function age(iso: string | Date | undefined, now: number): string {
  if (iso === undefined) return "";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** `(services/price/app.py)`; a trigger already in parentheses as it is. */
const because = (trigger: string) => (trigger.startsWith("(") ? trigger : `(${trigger})`);

function updateView(u: UpdateRecord): UpdateView {
  const what = `${u.kind === "converge" ? "converge" : "update"} ${because(u.trigger)}`;
  return {
    text: u.ok
      ? `${what} succeeded in ${u.seconds.toFixed(1)} s`
      : `${what} failed after ${u.seconds.toFixed(1)} s`,
    ok: u.ok,
    ...(u.error ? { error: u.error } : {}),
  };
}

function activityText(row: ServiceRow): string | undefined {
  const a = row.activity;
  if (!a) return undefined;
  switch (a.state) {
    case "building":
    case "deploying":
    case "live-updating":
      return `${a.state} ${because(a.trigger)}`;
    case "failed":
      return `failed${a.seconds !== undefined ? ` after ${a.seconds.toFixed(1)} s` : ""} ${because(a.trigger)}${a.error ? `: ${a.error}` : ""}`;
    case "done":
      return a.liveUpdate
        ? `live-updated ${a.liveUpdate.files} file${a.liveUpdate.files === 1 ? "" : "s"} on ${a.liveUpdate.digest}${a.seconds !== undefined ? ` in ${a.seconds.toFixed(1)} s` : ""} ${because(a.trigger)}`
        : `updated${a.seconds !== undefined ? ` in ${a.seconds.toFixed(1)} s` : ""} ${because(a.trigger)}`;
  }
}

function eventViews(events: readonly K.CoreV1Event[], now: number): EventView[] {
  const when = (e: K.CoreV1Event) =>
    new Date(
      e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? 0,
    ).getTime();
  return [...events]
    .sort((a, b) => when(b) - when(a))
    .slice(0, EVENTS_SHOWN)
    .map((e) => ({
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      object: `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`,
      message: (e.message ?? "").trim(),
      count: e.count ?? 1,
      age: age(new Date(when(e)), now),
    }));
}

function serviceView(
  row: ServiceRow,
  events: readonly K.CoreV1Event[],
  now: number,
  debug: DashboardData["debug"],
): ServiceView {
  const last = activityText(row);
  return {
    name: row.name,
    kind: row.kind,
    state: row.state,
    source: sourceText(row),
    ready: `${row.ready}/${row.desired}`,
    restarts: row.restarts,
    ...(row.url ? { url: row.url } : {}),
    ...(last && row.activity
      ? {
          lastUpdate: {
            text: last,
            took:
              row.activity.seconds !== undefined
                ? `${row.activity.seconds.toFixed(1)} s`
                : row.activity.state === "done" || row.activity.state === "failed"
                  ? ""
                  : "running",
            age: `${age(new Date(row.activity.startedAt), now)} ago`,
          },
        }
      : {}),
    ...(row.problem
      ? {
          problem: {
            message: row.problem.message,
            ...(row.problem.hint ? { hint: row.problem.hint } : {}),
          },
        }
      : {}),
    ...(row.autoscale
      ? {
          autoscale: {
            summary: autoscaleSummary(row.autoscale),
            text: autoscaleText(row.autoscale),
            stuck: row.autoscale.stuck,
          },
        }
      : {}),
    pods: row.pods.map((p) => ({
      name: p.name,
      phase: p.phase,
      ready: p.ready,
      restarts: p.restarts,
      age: age(p.created, now),
    })),
    events: eventViews(events, now),
    ...(row.kind === "service"
      ? {
          debug: debugView(debug?.wanted.has(row.name) ?? false, debug?.sessions.get(row.name)),
        }
      : {}),
  };
}

/** `kind lk-e2e` for kind's `kind-lk-e2e` context; any other context as it is. */
export function clusterText(context: string | undefined): string {
  if (!context) return "";
  return context.startsWith("kind-") ? `kind ${context.slice(5)}` : context;
}

/** The rows' summary line. */
export function summary(rows: readonly ServiceRow[]): string {
  if (rows.length === 0) return "no services yet";
  const ready = rows.filter((r) => r.state === "ready" || r.state === "live-updated").length;
  const problems = rows.filter((r) => r.state === "problem").length;
  const busy = rows.filter((r) => r.state === "building" || r.state === "deploying").length;
  return [
    `${ready}/${rows.length} ready`,
    ...(busy > 0 ? [`${busy} updating`] : []),
    ...(problems > 0 ? [`${problems} problem${problems === 1 ? "" : "s"}`] : []),
  ].join(", ");
}

/**
 * The page's content. Rows keep the status model's order (appliances first, then services in
 * the catalog's group order); consecutive rows of one group form a group.
 */
export function dashboardView(data: DashboardData, now: number): DashboardView {
  const groups: { name: string; title: string; services: ServiceView[] }[] = [];
  for (const row of data.rows) {
    let g = groups.find((x) => x.name === row.group);
    if (!g) {
      g = { name: row.group, title: row.group || "services", services: [] };
      groups.push(g);
    }
    g.services.push(serviceView(row, data.events.get(row.name) ?? [], now, data.debug));
  }
  const s = data.stack;
  return {
    stack: {
      name: s.stack,
      namespace: s.namespace,
      cluster: clusterText(s.kubeContext),
      kubernetesVersion: s.kubernetesVersion ?? "",
      registry: s.registry ?? "",
      ingress: s.ingressController ?? "",
      ...(data.lastConverge ? { lastConverge: updateView(data.lastConverge) } : {}),
      ...(data.lastUpdate && data.lastUpdate !== data.lastConverge
        ? { lastUpdate: updateView(data.lastUpdate) }
        : {}),
    },
    summary: summary(data.rows),
    groups,
    forwards: (data.forwards ?? []).map((f) => ({
      address: f.address,
      target: `${f.service}:${f.port}`,
      state: f.state,
      text: forwardText(f),
    })),
  };
}
