import { styleText } from "node:util";
import { autoscaleText } from "../status/autoscale";
import { ServiceRow, sourceText } from "../status/model";
import { ForwardStatus, forwardText } from "../status/forwards";

/** The colours the loop's output uses. */
export type Color = "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray";

/** `text` in `color` when `on` (the stream takes colours: see {@link Screen.colors}). */
export const paint = (on: boolean, color: Color, text: string) =>
  on ? styleText(color, text, { validateStream: false }) : text;

const STATE_COLOR: Record<ServiceRow["state"], Color> = {
  pending: "gray",
  building: "yellow",
  deploying: "yellow",
  ready: "green",
  "live-updated": "cyan",
  problem: "red",
};

/**
 * What the STATUS column says: the state, and the problem in words when there is one; then what
 * the service's autoscaler says.
 */
export function statusText(row: ServiceRow): string {
  const state = stateText(row);
  return row.autoscale ? `${state} · ${autoscaleText(row.autoscale)}` : state;
}

function stateText(row: ServiceRow): string {
  const a = row.activity;
  if (a?.state === "live-updating") return `live-updating (${a.trigger})`;
  if (row.state === "building" || row.state === "deploying")
    return `${row.state}${a ? ` (${a.trigger})` : ""}`;
  if (row.problem)
    return `problem: ${row.problem.message}${row.problem.hint ? ` — ${row.problem.hint}` : ""}`;
  if (row.state === "live-updated" && a?.liveUpdate)
    return `live-updated (${a.liveUpdate.files} file${a.liveUpdate.files === 1 ? "" : "s"} on ${a.liveUpdate.digest})`;
  if (a?.state === "failed")
    return `${row.state}; last update failed: ${(a.error ?? "see above").split("\n")[0]}`;
  return row.state;
}

/**
 * The status table, one line per service: name, group, source, ready/desired, restarts, URL,
 * status. Pure; `width` truncates lines on a terminal (0: never, for pipes and files).
 */
export function renderTable(
  rows: readonly ServiceRow[],
  opts: { color: boolean; width: number },
): string[] {
  const header = ["SERVICE", "GROUP", "SOURCE", "READY", "RESTARTS", "URL", "STATUS"];
  const cells = rows.map((r) => [
    r.name,
    r.group,
    sourceText(r),
    `${r.ready}/${r.desired}`,
    String(r.restarts),
    r.url ?? "",
    statusText(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const lead = (c: string[]) =>
    c
      .slice(0, -1)
      .map((v, i) => `${v.padEnd(widths[i])}  `)
      .join("");
  const cut = (s: string) =>
    opts.width > 0 && s.length > opts.width ? `${s.slice(0, opts.width - 1)}…` : s;
  return [
    paint(opts.color, "gray", cut(lead(header) + header[6])),
    ...rows.map((r, i) => {
      const start = lead(cells[i]);
      const text = cut(start + cells[i][6]);
      return opts.color
        ? `${text.slice(0, start.length)}${paint(true, STATE_COLOR[r.state], text.slice(start.length))}`
        : text;
    }),
  ];
}

const FORWARD_COLOR: Record<ForwardStatus["state"], Color> = {
  ready: "green",
  waiting: "yellow",
  failed: "red",
};

/**
 * The forwards under the services: address on the laptop, service and port, whether a ready pod
 * is behind it (and which). Pure; nothing when there are none.
 */
export function renderForwards(
  list: readonly ForwardStatus[],
  opts: { color: boolean; width: number },
): string[] {
  if (list.length === 0) return [];
  const header = ["FORWARD", "TO", "STATUS"];
  const cells = list.map((f) => [f.address, `${f.service}:${f.port}`, forwardText(f)]);
  const widths = [0, 1].map((i) => Math.max(header[i].length, ...cells.map((c) => c[i].length)));
  const lead = (c: string[]) => `${c[0].padEnd(widths[0])}  ${c[1].padEnd(widths[1])}  `;
  const cut = (s: string) =>
    opts.width > 0 && s.length > opts.width ? `${s.slice(0, opts.width - 1)}…` : s;
  return [
    paint(opts.color, "gray", cut(lead(header) + header[2])),
    ...list.map((f, i) => {
      const start = lead(cells[i]);
      const text = cut(start + cells[i][2]);
      return opts.color
        ? `${text.slice(0, start.length)}${paint(true, FORWARD_COLOR[f.state], text.slice(start.length))}`
        : text;
    }),
  ];
}

/**
 * A line per forward whose status changed since `before` (for pipes and CI logs); open
 * connections come and go too often to be news.
 */
export function changedForwardLines(
  before: ReadonlyMap<string, string>,
  list: readonly ForwardStatus[],
): { lines: string[]; now: Map<string, string> } {
  const now = new Map<string, string>();
  const lines: string[] = [];
  for (const f of list) {
    const text = `forward ${f.address} → ${f.service}:${f.port}: ${forwardText({ ...f, connections: 0 })}`;
    now.set(f.address, text);
    if (before.get(f.address) !== text) lines.push(text);
  }
  return { lines, now };
}

/**
 * A line per row whose status changed since `before` (for pipes and CI logs). An autoscaler's
 * CPU use is left out: it moves all the time, and its pods and reasons say what it did.
 */
export function changedLines(
  before: ReadonlyMap<string, string>,
  rows: readonly ServiceRow[],
): { lines: string[]; now: Map<string, string> } {
  const now = new Map<string, string>();
  const lines: string[] = [];
  for (const r of rows) {
    const auto = r.autoscale ? ` · ${autoscaleText(r.autoscale, { cpu: false })}` : "";
    const text = `${r.name}: ${stateText(r)} ${r.ready}/${r.desired}${r.restarts > 0 ? `, ${r.restarts} restarts` : ""}${r.url && r.state === "ready" ? `, ${r.url}` : ""}${auto}`;
    now.set(r.name, text);
    if (before.get(r.name) !== text) lines.push(text);
  }
  return { lines, now };
}

/**
 * Output of `npm run dev`. On a terminal the status table stays at the bottom and is redrawn in
 * place, log and progress lines scroll above it; on a pipe every line is printed once and the
 * table becomes one line per status change.
 */
export class Screen {
  private drawn = 0;
  private rows: readonly ServiceRow[] = [];
  private forwardList: readonly ForwardStatus[] = [];
  private last = new Map<string, string>();
  private lastForwards = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  /** A terminal that takes colours: not with NO_COLOR (or a dumb terminal); always with FORCE_COLOR. */
  get colors(): boolean {
    return this.tty && (this.out.hasColors?.() ?? false);
  }

  /** Prints lines above the table. */
  print(...lines: string[]): void {
    this.erase();
    for (const l of lines) this.out.write(`${l}\n`);
    this.draw();
  }

  /** Shows new rows: redrawn on a terminal, changed lines on a pipe. */
  status(rows: readonly ServiceRow[]): void {
    this.rows = rows;
    if (this.tty) {
      this.erase();
      this.draw();
      return;
    }
    const { lines, now } = changedLines(this.last, rows);
    this.last = now;
    for (const l of lines) this.out.write(`${l}\n`);
  }

  /** Shows the forwards: under the table on a terminal, changed lines on a pipe. */
  forwards(list: readonly ForwardStatus[]): void {
    this.forwardList = list;
    if (this.tty) {
      this.erase();
      this.draw();
      return;
    }
    const { lines, now } = changedForwardLines(this.lastForwards, list);
    this.lastForwards = now;
    for (const l of lines) this.out.write(`${l}\n`);
  }

  /** Leaves the table where it is (the process is about to exit). */
  release(): void {
    this.drawn = 0;
  }

  private erase() {
    if (!this.tty || this.drawn === 0) return;
    this.out.write(`\u001b[${this.drawn}A\u001b[0J`);
    this.drawn = 0;
  }

  private draw() {
    if (!this.tty || (this.rows.length === 0 && this.forwardList.length === 0)) return;
    const opts = { color: this.colors, width: this.out.columns ?? 120 };
    const lines = [
      ...(this.rows.length > 0 ? renderTable(this.rows, opts) : []),
      ...renderForwards(this.forwardList, opts),
    ];
    this.out.write(`${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }
}
