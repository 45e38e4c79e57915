import { Decision, merge } from "./affected";

const NOTHING: Decision = { kind: "none" };

/**
 * Runs updates one at a time. Saves that arrive during an update are queued and coalesced into one
 * next update (a converge absorbs service rebuilds; rebuilds of several services merge), which
 * reads the files as they are when it starts: the last save always wins.
 */
export class UpdateQueue {
  private pending: Decision = NOTHING;
  private running: Promise<void> | undefined;

  /**
   * @param run performs one update; a rejection is reported through `onError` and the queue goes on
   * @param onError told about a failed update (the loop keeps watching)
   */
  constructor(
    private readonly run: (decision: Decision) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues what a batch of saves calls for; starts at once when nothing runs. */
  push(decision: Decision): void {
    if (decision.kind === "none") return;
    this.pending = merge(this.pending, decision);
    if (!this.running) this.running = this.drain();
  }

  /** True while an update runs or waits. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when nothing runs and nothing waits. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.kind !== "none") {
      const next = this.pending;
      this.pending = NOTHING;
      try {
        await this.run(next);
      } catch (err) {
        this.onError(err);
      }
    }
    this.running = undefined;
  }
}
