/**
 * One page's server-sent event stream, with back-pressure: a client that does not read (a stalled
 * tab, a slow link) never makes the server buffer without bound. While its socket's buffer is full
 * (`write` returned false, until `drain`) log lines for it are dropped and counted, and only the
 * newest state is kept; on `drain` that state is sent, with a `skipped` event saying how many log
 * lines it missed. A client that buffers more than `limitBytes` anyway is disconnected: its page's
 * EventSource reconnects and starts again from the current state and the kept logs.
 */

/** What the stream needs of the response: Node's `http.ServerResponse` is one. */
export interface EventSink {
  write(chunk: string): boolean;
  end(): void;
  readonly writableLength: number;
  on(event: "drain" | "close", listener: () => void): unknown;
}

/** Events that replace what came before (only the newest matters), and those that add to it. */
export type EventKind = "state" | "log" | "notice";

export class EventClient {
  private congested = false;
  private pendingState?: unknown;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly sink: EventSink,
    private readonly limitBytes = 1 << 20,
  ) {
    sink.on("drain", () => this.drained());
    sink.on("close", () => (this.closed = true));
  }

  /** Log lines this client missed while it did not read (reported on its next drain). */
  get skipped(): number {
    return this.dropped;
  }

  send(event: EventKind, data: unknown): void {
    if (this.closed) return;
    if (this.congested) {
      if (event === "state") this.pendingState = data;
      else if (event === "log") this.dropped++;
      else this.write(event, data); // a notice is rare and must not be lost
      return;
    }
    this.write(event, data);
  }

  private write(event: string, data: unknown): void {
    const ok = this.sink.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (this.sink.writableLength > this.limitBytes) {
      this.closed = true;
      this.sink.end();
      return;
    }
    if (!ok) this.congested = true;
  }

  private drained(): void {
    if (this.closed) return;
    this.congested = false;
    if (this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      this.write("skipped", { logLines: count });
    }
    if (this.pendingState !== undefined) {
      const state = this.pendingState;
      this.pendingState = undefined;
      this.write("state", state);
    }
  }
}
