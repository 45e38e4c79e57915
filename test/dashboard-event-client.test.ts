import { EventClient, EventSink } from "../dashboard/eventClient";

/** A socket whose buffer takes `room` bytes before `write` says "full", until drained. */
class FakeSink implements EventSink {
  readonly written: string[] = [];
  writableLength = 0;
  ended = false;
  private readonly listeners: Record<string, (() => void)[]> = {};
  constructor(private readonly room: number) {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.writableLength += chunk.length;
    return this.writableLength < this.room;
  }
  end(): void {
    this.ended = true;
  }
  on(event: "drain" | "close", listener: () => void) {
    (this.listeners[event] ??= []).push(listener);
    return this;
  }
  /** The peer read everything. */
  drain(): void {
    this.writableLength = 0;
    for (const l of this.listeners.drain ?? []) l();
  }
  events(): string[] {
    return this.written.map((w) => w.split("\n")[0].replace("event: ", ""));
  }
}

test("a reading client gets every event, in order", () => {
  const sink = new FakeSink(1 << 20);
  const c = new EventClient(sink);
  c.send("state", { n: 1 });
  c.send("log", { text: "a" });
  c.send("notice", { ok: true });
  expect(sink.written).toEqual([
    'event: state\ndata: {"n":1}\n\n',
    'event: log\ndata: {"text":"a"}\n\n',
    'event: notice\ndata: {"ok":true}\n\n',
  ]);
});

test("while the buffer is full: log lines are dropped and counted, only the newest state is kept, notices still go; on drain the count and the newest state are sent", () => {
  const sink = new FakeSink(40);
  const c = new EventClient(sink);
  c.send("log", { text: "first line fills the buffer" }); // write returns false: congested
  c.send("log", { text: "dropped 1" });
  c.send("state", { n: 1 });
  c.send("log", { text: "dropped 2" });
  c.send("state", { n: 2 });
  c.send("notice", { ok: false });
  expect(c.skipped).toBe(2);
  expect(sink.events()).toEqual(["log", "notice"]);
  sink.drain();
  expect(sink.events()).toEqual(["log", "notice", "skipped", "state"]);
  expect(sink.written.slice(2)).toEqual([
    'event: skipped\ndata: {"logLines":2}\n\n',
    'event: state\ndata: {"n":2}\n\n',
  ]);
  expect(c.skipped).toBe(0);
});

test("a client that buffers past the limit anyway is disconnected, and nothing more is written to it", () => {
  const sink = new FakeSink(10);
  const c = new EventClient(sink, 100);
  c.send("notice", { text: "x".repeat(50) });
  expect(sink.ended).toBe(false);
  c.send("notice", { text: "y".repeat(80) }); // notices are written even when congested
  expect(sink.ended).toBe(true);
  const before = sink.written.length;
  c.send("notice", { text: "z" });
  sink.drain();
  expect(sink.written.length).toBe(before);
});
