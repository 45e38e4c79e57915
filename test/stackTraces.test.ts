import { memoizeStackTraces } from "../stacks/stackTraces";

type Hook = (error: Error, frames: NodeJS.CallSite[]) => string;

const original = Error.prepareStackTrace;
const originalLimit = Error.stackTraceLimit;
/** Frames the fake source-map hook was asked to format. */
let mapped = 0;

/** A source-map hook in miniature: the header, then each frame with its function and line. */
const fakeHook: Hook = (error, frames) => {
  mapped += frames.length;
  const head = error.name && error.message ? `${error.name}: ${error.message}` : error.name;
  return head + frames.map((f) => `\n    at ${f.getFunctionName()} :${f.getLineNumber()}`).join("");
};

function site(message: string): string {
  return new Error(message).stack!;
}
function otherSite(message: string): string {
  return new Error(message).stack!;
}
/** Two errors from one call site, with different messages. */
const pair = () => ["first", "second"].map((m) => site(m));

beforeEach(() => {
  mapped = 0;
  Error.stackTraceLimit = 3;
  Error.prepareStackTrace = fakeHook as typeof Error.prepareStackTrace;
});

afterEach(() => {
  Error.prepareStackTrace = original;
  Error.stackTraceLimit = originalLimit;
});

test("a stack seen before is not mapped again, and reads exactly as the hook alone writes it", () => {
  const plain = pair();
  expect(mapped).toBe(6);
  memoizeStackTraces();
  mapped = 0;
  const memo = pair();
  expect(memo).toEqual(plain);
  expect(memo[0].split("\n")[0]).toBe("Error: first");
  expect(memo[1].split("\n")[0]).toBe("Error: second");
  expect(memo[0].split("\n")[1]).toMatch(/^ {4}at site :\d+$/);
  expect(mapped).toBe(3);
});

test("each distinct stack is mapped once", () => {
  memoizeStackTraces();
  for (let i = 0; i < 5; i++) site("a");
  for (let i = 0; i < 5; i++) otherSite("b");
  expect(mapped).toBe(6);
  expect(otherSite("b").split("\n")[1]).toMatch(/^ {4}at otherSite :\d+$/);
});

test("past the limit the memory starts again", () => {
  const alternate = () => [site, otherSite, site].map((f) => f("x"));
  memoizeStackTraces(1);
  alternate();
  expect(mapped).toBe(9);
  Error.prepareStackTrace = fakeHook as typeof Error.prepareStackTrace;
  memoizeStackTraces(2);
  mapped = 0;
  alternate();
  expect(mapped).toBe(6);
});

test("installing twice wraps once; without a hook nothing is installed", () => {
  memoizeStackTraces();
  const once = Error.prepareStackTrace;
  memoizeStackTraces();
  expect(Error.prepareStackTrace).toBe(once);
  delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  memoizeStackTraces();
  expect(Error.prepareStackTrace).toBeUndefined();
});
