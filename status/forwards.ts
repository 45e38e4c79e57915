/**
 * What a forward (dev/forwards.ts: a port on 127.0.0.1 routed to a ready pod per connection)
 * shows the views, and the words they use for it. Pure.
 */

/** How long a connection made while no pod is ready waits for one. */
export const FORWARD_WAIT_MS = 30_000;

/** What a forward looks like now, for the views. */
export interface ForwardStatus {
  readonly service: string;
  readonly port: number;
  /** `127.0.0.1:9000`. */
  readonly address: string;
  /**
   * `ready`: a new connection would reach {@link pod} now; `waiting`: no pod to take one (it
   * waits for one); `failed`: not listening ({@link problem} says why).
   */
  readonly state: "ready" | "waiting" | "failed";
  readonly pod?: string;
  /** Connections open through it now. */
  readonly connections: number;
  /** Why it does not listen, or the last connection that could not be forwarded. */
  readonly problem?: string;
  readonly origin: string;
  /** Pods that take connections must be ready (a service), or only running (a debugger's port). @default "ready" */
  readonly require?: "ready" | "running";
}

/** The status in words, as the terminal and the dashboard show it. Pure. */
export function forwardText(s: ForwardStatus): string {
  const open = s.connections > 0 ? `, ${s.connections} open` : "";
  switch (s.state) {
    case "failed":
      return `not listening: ${s.problem}`;
    case "ready":
      return `ready (${s.pod})${open}`;
    case "waiting":
      return `no ${(s.require ?? "ready") === "ready" ? "ready" : "running"} pod of ${s.service}: connections wait up to ${FORWARD_WAIT_MS / 1000} s${open}${s.problem ? `; last: ${s.problem}` : ""}`;
  }
}
