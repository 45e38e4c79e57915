import { didYouMean } from "../catalog/problems";
import { parseDuration } from "../catalog/durations";
import { Disruption, DISRUPTIONS } from "./rolloutCheck";

/** What `npm run dev` was asked to do, parsed once from its command line. */
export interface DevArgs {
  /** Services and groups to run (with their dependencies); empty = the stack's config as it is. */
  readonly names: readonly string[];
  /** Services built from the checkout; undefined = the stack's config as it is. */
  readonly local?: readonly string[];
  /** Build every selected service that has a build section. */
  readonly buildAll: boolean;
  /** Stack to converge. */
  readonly stack: string;
  /** Stream logs: of every selected service (`true`), of these services, or not at all. */
  readonly logs: boolean | readonly string[];
  /** Converge, wait until everything is ready, exit (0, or non-zero with the problems). */
  readonly ci: boolean;
  /** Give up after this long (`--ci`: the exit code says so). */
  readonly timeoutMs?: number;
  /** Watch the sources and update on every save. */
  readonly watch: boolean;
  /** Ports of services to forward to 127.0.0.1 (`--forward bank:9000,price`). */
  readonly forwards: readonly ForwardRequest[];
  /** Port of the dashboard on 127.0.0.1, or no dashboard. */
  readonly ui: { readonly port: number } | false;
  /** Services whose rollout is checked under load once they are ready. @default none */
  readonly checkRollout: readonly string[];
  /** How `checkRollout` disturbs them. @default "rollout" */
  readonly disruption: Disruption;
  /** Services to run under their debugger (their Deployments restored when the loop stops). */
  readonly debug: readonly string[];
  /** Print the usage and do nothing else. */
  readonly help: boolean;
}

/** `--forward SERVICE[/PORT][:HOST_PORT]`: a port of a service on 127.0.0.1, as written. */
export interface ForwardRequest {
  readonly service: string;
  /** A port name or number of the service. @default its first port */
  readonly port?: string | number;
  /** @default the port's own number (its containerPort) */
  readonly hostPort?: number;
  /** As written, for messages: `bank:9000`. */
  readonly text: string;
}

export const DEFAULT_UI_PORT = 10350;
/** `--ci` without `--timeout`. */
export const DEFAULT_CI_TIMEOUT_MS = 15 * 60_000;

/** Every flag with what it does and an example: the `--help` text. */
const FLAGS: readonly {
  readonly flag: string;
  readonly value?: string;
  readonly help: string;
  readonly example: string;
}[] = [
  {
    flag: "--local",
    value: "a,b",
    help: "build these services from the checkout (the rest run published images)",
    example: "--local bank,price",
  },
  {
    flag: "--build-all",
    help: "build every selected service that has a build section",
    example: "--build-all",
  },
  {
    flag: "--stack",
    value: "NAME",
    help: "the stack to run (default: local)",
    example: "--stack local",
  },
  {
    flag: "--logs",
    value: "[svc…]",
    help: "stream logs of all selected services, or of the named ones, across restarts",
    example: "--logs price bank",
  },
  {
    flag: "--debug",
    value: "a,b",
    help: "run these services under their debugger (Go, Node.js, Python), forwarded to 127.0.0.1",
    example: "--debug bank",
  },
  {
    flag: "--ci",
    help: "converge, wait until every service is ready, exit 0; non-zero with each problem",
    example: "--ci --timeout 10m",
  },
  {
    flag: "--timeout",
    value: "D",
    help: "give up after D (s, m, h); --ci defaults to 15m",
    example: "--timeout 90s",
  },
  {
    flag: "--no-watch",
    help: "converge once and keep the status and logs running, without watching files",
    example: "--no-watch",
  },
  {
    flag: "--forward",
    value: "svc[:port],…",
    help: "forward a service's port to 127.0.0.1 (its first port, or svc/name; default: the same number), across restarts",
    example: "--forward bank:9000,price",
  },
  {
    flag: "--ui-port",
    value: "N",
    help: `serve the dashboard on 127.0.0.1:N (default ${DEFAULT_UI_PORT})`,
    example: "--ui-port 10351",
  },
  { flag: "--no-ui", help: "no dashboard", example: "--no-ui" },
  {
    flag: "--check-rollout",
    value: "a,b",
    help: "once ready, roll these services out under a steady stream of requests through the ingress and report failed requests (with --ci: exit 1 if any)",
    example: "--check-rollout bank",
  },
  {
    flag: "--disruption",
    value: "KIND",
    help: "what --check-rollout does: rollout (a rollout restart, default) or delete-pods (one by one, as a node drain)",
    example: "--disruption delete-pods",
  },
  { flag: "--help", help: "this text", example: "--help" },
];

export const USAGE = [
  "usage: npm run dev -- [services and groups…] [flags]",
  "",
  "  Runs the named services and groups (appliances included) with everything they depend on,",
  "  saves the selection into the stack's config (a later plain `pulumi up` converges to the same),",
  "  then watches the sources: a save rebuilds and rolls only the service it belongs to.",
  "  No names: the stack's config as it is.",
  "",
  ...FLAGS.map(
    (f) =>
      `  ${`${f.flag}${f.value ? ` ${f.value}` : ""}`.padEnd(20)} ${f.help}  (e.g. ${f.example})`,
  ),
  "",
  "example: npm run dev -- appliances price --local bank",
].join("\n");

/** A command line that cannot be used; the message ends with the usage hint. */
export class DevArgsError extends Error {
  constructor(message: string) {
    super(`npm run dev: ${message}; see \`npm run dev -- --help\``);
    this.name = "DevArgsError";
  }
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Splits `a,b c` lists given as one or several arguments. */
function names(values: readonly string[], flag: string): string[] {
  const out = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const n of out) {
    if (!NAME.test(n))
      throw new DevArgsError(
        `${flag}: ${JSON.stringify(n)} is not a service or group name (lowercase letters, digits, '-')`,
      );
  }
  return out;
}

const FORWARD = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\/([a-z0-9][-a-z0-9]*|\d+))?(?::(\d+))?$/;

/** `bank:9000,price/metrics` → one request per entry; throws on what is not `svc[/port][:hostPort]`. */
export function parseForwards(value: string): ForwardRequest[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean)
    .map((text) => {
      const m = FORWARD.exec(text);
      if (!m)
        throw new DevArgsError(
          `--forward: ${JSON.stringify(text)} is not SERVICE[/PORT][:HOST_PORT] (e.g. bank:9000, price, bank/metrics:9100)`,
        );
      const hostPort = m[4] === undefined ? undefined : Number(m[4]);
      if (hostPort !== undefined && (hostPort < 1 || hostPort > 65535))
        throw new DevArgsError(
          `--forward: ${JSON.stringify(text)}: host port ${m[4]} is not a port from 1 to 65535`,
        );
      return {
        service: m[1],
        ...(m[3] === undefined ? {} : { port: /^\d+$/.test(m[3]) ? Number(m[3]) : m[3] }),
        ...(hostPort === undefined ? {} : { hostPort }),
        text,
      };
    });
}

/**
 * Parses `npm run dev` arguments. Flags take their value as the next argument or after `=`;
 * `--logs` takes the names that follow it, up to the next flag. Throws {@link DevArgsError} with
 * "did you mean" for unknown flags.
 */
export function parseDevArgs(argv: readonly string[]): DevArgs {
  const positional: string[] = [];
  let local: string[] | undefined;
  let buildAll = false;
  let stack = "local";
  let logs: boolean | string[] = false;
  let ci = false;
  let timeoutMs: number | undefined;
  let watch = true;
  let ui: DevArgs["ui"] = { port: DEFAULT_UI_PORT };
  const forwards: ForwardRequest[] = [];
  let help = false;
  let checkRollout: string[] = [];
  let disruption: Disruption | undefined;
  const debug: string[] = [];
  const known = FLAGS.map((f) => f.flag);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--")))
        throw new DevArgsError(
          `${flag} needs a value (e.g. ${FLAGS.find((f) => f.flag === flag)!.example})`,
        );
      return v;
    };
    const noValue = () => {
      if (inline !== undefined)
        throw new DevArgsError(`${flag} takes no value, got ${JSON.stringify(inline)}`);
    };
    switch (flag) {
      case "--local":
        local = names([value()], "--local");
        break;
      case "--build-all":
        noValue();
        buildAll = true;
        break;
      case "--stack": {
        const v = value();
        if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(v))
          throw new DevArgsError(
            `--stack: ${JSON.stringify(v)} is not a stack name (letters, digits, '_', '.', '-')`,
          );
        stack = v;
        break;
      }
      case "--logs": {
        const wanted: string[] = inline !== undefined ? [inline] : [];
        while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("-"))
          wanted.push(argv[++i]);
        logs = wanted.length === 0 ? true : names(wanted, "--logs");
        break;
      }
      case "--debug":
        for (const n of names([value()], "--debug")) if (!debug.includes(n)) debug.push(n);
        break;
      case "--ci":
        noValue();
        ci = true;
        break;
      case "--timeout": {
        const v = value();
        const ms = parseDuration(v);
        if (ms === undefined)
          throw new DevArgsError(
            `--timeout: ${JSON.stringify(v)} is not a duration (a whole number with s, m or h, e.g. 90s or 10m)`,
          );
        timeoutMs = ms;
        break;
      }
      case "--no-watch":
        noValue();
        watch = false;
        break;
      case "--forward":
        forwards.push(...parseForwards(value()));
        break;
      case "--ui-port": {
        const v = value();
        const port = Number(v);
        if (!/^\d+$/.test(v) || port < 1 || port > 65535)
          throw new DevArgsError(`--ui-port: ${JSON.stringify(v)} is not a port from 1 to 65535`);
        ui = { port };
        break;
      }
      case "--no-ui":
        noValue();
        ui = false;
        break;
      case "--check-rollout":
        checkRollout = names([value()], "--check-rollout");
        break;
      case "--disruption": {
        const v = value();
        if (!(DISRUPTIONS as readonly string[]).includes(v))
          throw new DevArgsError(
            `--disruption: ${JSON.stringify(v)} is not one of ${DISRUPTIONS.join(", ")}${didYouMean(v, DISRUPTIONS)}`,
          );
        disruption = v as Disruption;
        break;
      }
      case "--help":
      case "-h":
        help = true;
        break;
      default:
        throw new DevArgsError(`unknown flag ${JSON.stringify(flag)}${didYouMean(flag, known)}`);
    }
  }
  if (ci && debug.length > 0)
    throw new DevArgsError(
      "--debug needs the running loop (it restores the services when it stops); --ci exits once everything is ready",
    );
  if (ci && timeoutMs === undefined) timeoutMs = DEFAULT_CI_TIMEOUT_MS;
  if (disruption !== undefined && checkRollout.length === 0)
    throw new DevArgsError(
      "--disruption says how --check-rollout disturbs a service; add --check-rollout <service>",
    );
  return {
    names: names(positional, "service"),
    local,
    buildAll,
    stack,
    logs,
    ci,
    timeoutMs,
    watch: watch && !ci,
    forwards,
    ui: ci ? false : ui,
    checkRollout,
    disruption: disruption ?? "rollout",
    debug,
    help,
  };
}
