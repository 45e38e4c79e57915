/**
 * Pulumi's SDK formats a stack trace for every resource it registers (its source position, and a
 * debugging trace on each of its internal promises). `pulumi up` runs the program under ts-node,
 * whose source-map support maps every frame of every one of those traces back to TypeScript: that
 * was half of the program's evaluation time (about 12 ms per service; `npm run bench:catalog`).
 * The same call sites register every service, so the traces repeat: each distinct stack is mapped
 * once and its text reused. Traces read exactly as before.
 */

/** Distinct stacks remembered before the memory is cleared (a few KB each). */
export const STACK_MEMO_LIMIT = 2000;

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** The `prepareStackTrace` that {@link memoizeStackTraces} installed, to know it again. */
const installed = new WeakSet<PrepareStackTrace>();

/**
 * Wraps the process's `Error.prepareStackTrace` (ts-node's source-map support when the program
 * runs under `pulumi up`) so that each distinct stack is formatted once. Without a hook (plain
 * Node.js, which formats natively) or when already installed, it does nothing.
 */
export function memoizeStackTraces(limit = STACK_MEMO_LIMIT): void {
  const format = Error.prepareStackTrace as PrepareStackTrace | undefined;
  if (!format || installed.has(format)) return;
  const frameText = new Map<string, string>();
  const memoized: PrepareStackTrace = function (this: unknown, error, frames) {
    // V8's own rendering of the raw frames: every field the hook reads shows in it.
    const key = frames.join("\n");
    let text = frameText.get(key);
    if (text === undefined) {
      const full = String(format.call(this, { name: "", message: "" } as Error, frames));
      text = full.slice(full.indexOf("\n") < 0 ? full.length : full.indexOf("\n"));
      if (frameText.size >= limit) frameText.clear();
      frameText.set(key, text);
    }
    return String(format.call(this, error, [])) + text;
  };
  installed.add(memoized);
  Error.prepareStackTrace = memoized as typeof Error.prepareStackTrace;
}
