import { Decision } from "../dev/affected";
import { UpdateQueue } from "../dev/queue";

const svc = (name: string, file: string): Decision => ({
  kind: "services",
  services: new Map([[name, [file]]]),
});

test("one update at a time; saves during it run once afterwards, coalesced", async () => {
  const ran: Decision[] = [];
  let release!: () => void;
  const queue = new UpdateQueue(
    (d) => {
      ran.push(d);
      return ran.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    },
    () => undefined,
  );
  queue.push(svc("price", "a.py"));
  expect(queue.busy).toBe(true);
  queue.push(svc("price", "b.py"));
  queue.push(svc("bank", "app.py"));
  queue.push(svc("price", "b.py"));
  expect(ran).toHaveLength(1);
  release();
  await queue.idle();
  expect(ran).toEqual([
    svc("price", "a.py"),
    {
      kind: "services",
      services: new Map([
        ["price", ["b.py"]],
        ["bank", ["app.py"]],
      ]),
    },
  ]);
  expect(queue.busy).toBe(false);
});

test("a failed update is reported and the queue goes on", async () => {
  const errors: unknown[] = [];
  const ran: string[] = [];
  const queue = new UpdateQueue(
    async (d) => {
      ran.push(d.kind);
      if (ran.length === 1) throw new Error("build failed");
    },
    (e) => errors.push(e),
  );
  queue.push({ kind: "converge", trigger: "index.ts" });
  await queue.idle();
  queue.push(svc("price", "a.py"));
  await queue.idle();
  expect(ran).toEqual(["converge", "services"]);
  expect(errors).toEqual([new Error("build failed")]);
});

test("nothing to do starts nothing", async () => {
  const queue = new UpdateQueue(
    () => Promise.reject(new Error("must not run")),
    () => undefined,
  );
  queue.push({ kind: "none" });
  expect(queue.busy).toBe(false);
  await queue.idle();
});
