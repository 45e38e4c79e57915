import {
  CleanupBackend,
  expiryFromState,
  failureSummary,
  lineWriter,
  parseCleanupArgs,
  runCleanup,
  selectExpired,
  USAGE,
} from "../cli/cleanup";

/** The fake clock: every test evaluates expiry at this instant. */
const NOW = new Date("2026-11-24T12:00:00Z");

describe("selectExpired (fake clock)", () => {
  test("only branch-* stacks whose expiry is at or before now, oldest first", () => {
    expect(
      selectExpired(
        [
          { name: "local", expiresAt: "2020-01-01T00:00:00Z" },
          { name: "branch-new", expiresAt: "2026-11-24T12:00:01Z" },
          { name: "branch-b", expiresAt: "2026-11-24T12:00:00Z" },
          { name: "branch-a", expiresAt: "2026-11-20T00:00:00Z" },
          { name: "branch-never-deployed" },
          { name: "branch-garbled", expiresAt: "soon" },
          { name: "branch-", expiresAt: "2020-01-01T00:00:00Z" },
          { name: "branchy", expiresAt: "2020-01-01T00:00:00Z" },
        ],
        NOW,
      ).map((s) => s.name),
    ).toEqual(["branch-a", "branch-b"]);
  });

  test("fully qualified names (org/project/stack) count by their last part; ties by name", () => {
    expect(
      selectExpired(
        [
          { name: "acme/localkube/branch-z", expiresAt: "2026-11-01T00:00:00Z" },
          { name: "acme/localkube/branch-y", expiresAt: "2026-11-01T00:00:00Z" },
          { name: "acme/branch-x/local", expiresAt: "2026-11-01T00:00:00Z" },
        ],
        NOW,
      ).map((s) => s.name),
    ).toEqual(["acme/localkube/branch-y", "acme/localkube/branch-z"]);
  });

  test("the same stacks one second earlier: nothing yet", () => {
    expect(
      selectExpired(
        [{ name: "branch-b", expiresAt: "2026-11-24T12:00:00Z" }],
        new Date(NOW.getTime() - 1000),
      ),
    ).toEqual([]);
  });
});

describe("expiryFromState: the branch namespace's expires-at label, when no output was recorded", () => {
  const state = (labels: Record<string, unknown>) => ({
    version: 3,
    deployment: {
      resources: [
        { type: "pulumi:pulumi:Stack", outputs: {} },
        {
          type: "kubernetes:core/v1:Namespace",
          outputs: { metadata: { name: "branch-x", labels } },
        },
      ],
    },
  });

  test("Unix seconds become an ISO time", () => {
    expect(expiryFromState(state({ "localkube.dev/expires-at": "1795521600" }))).toBe(
      "2026-11-24T12:00:00.000Z",
    );
  });

  test("no namespace, no label, or a label that is not a number: no expiry", () => {
    expect(expiryFromState({ version: 3, deployment: { resources: [] } })).toBeUndefined();
    expect(expiryFromState({ version: 3, deployment: {} })).toBeUndefined();
    expect(expiryFromState(undefined)).toBeUndefined();
    expect(expiryFromState(state({}))).toBeUndefined();
    expect(expiryFromState(state({ "localkube.dev/expires-at": "tomorrow" }))).toBeUndefined();
  });
});

describe("parseCleanupArgs", () => {
  test("defaults: destroy, evaluated now", () => {
    expect(parseCleanupArgs([], () => NOW)).toEqual({ dryRun: false, now: NOW });
  });

  test("--dry-run, --now <ISO>, --now=<ISO>, --help", () => {
    expect(parseCleanupArgs(["--dry-run", "--now", "2030-01-01T00:00:00Z"])).toEqual({
      dryRun: true,
      now: new Date("2030-01-01T00:00:00Z"),
    });
    expect(parseCleanupArgs(["--now=2030-01-01T00:00:00+02:00"])).toEqual({
      dryRun: false,
      now: new Date("2029-12-31T22:00:00Z"),
    });
    expect(parseCleanupArgs(["--help"], () => NOW)).toEqual({
      dryRun: false,
      now: NOW,
      help: true,
    });
  });

  test("a --now that is not an ISO time is refused with the usage (never handed to a shell or a lenient parser)", () => {
    expect(() => parseCleanupArgs(["--now", "$(date)"])).toThrow(
      `unknown argument "--now"; ${USAGE} ("$(date)" is not an ISO time, e.g. 2026-11-24T12:00:00Z)`,
    );
    expect(() => parseCleanupArgs(["--now", "1"])).toThrow(
      `unknown argument "--now"; ${USAGE} ("1" is not an ISO time, e.g. 2026-11-24T12:00:00Z)`,
    );
    expect(() => parseCleanupArgs(["--now"])).toThrow(
      `unknown argument "--now"; ${USAGE} (no time given, e.g. 2026-11-24T12:00:00Z)`,
    );
  });

  test("anything else is refused", () => {
    expect(() => parseCleanupArgs(["--dry-run", "; rm -rf /"])).toThrow(
      `unknown argument "; rm -rf /"; ${USAGE}`,
    );
  });
});

test("failureSummary: the Automation API's repeated error lines once, else the last lines", () => {
  const commandError = new Error(
    " stdout: \n stderr: Command failed with exit code 1: pulumi destroy --stack branch-c\nerror: incorrect passphrase\n err?: Error: Command failed\nerror: incorrect passphrase\n",
  );
  expect(failureSummary(commandError)).toBe("error: incorrect passphrase");
  expect(failureSummary(new Error("a\nb\nc\nd\ne\nf"))).toBe("b\n  c\n  d\n  e\n  f");
  expect(failureSummary("boom")).toBe("boom");
});

test("lineWriter prefixes whole lines of streamed output", () => {
  const lines: string[] = [];
  const w = lineWriter("  b | ", (l) => lines.push(l));
  w.push("Destroying (branch-b)\nres");
  w.push("ources: 3 deleted\r\n");
  w.push("Duration: 4s");
  w.flush();
  expect(lines).toEqual([
    "  b | Destroying (branch-b)",
    "  b | resources: 3 deleted",
    "  b | Duration: 4s",
  ]);
});

/** A state backend in memory: outputs and state per stack, destroys that may fail, every call recorded. */
function fakeBackend(
  stacks: Record<
    string,
    { outputs?: Record<string, unknown>; state?: unknown; failDestroy?: string; failRead?: string }
  >,
) {
  const calls: string[] = [];
  const backend: CleanupBackend = {
    listStacks: async () => Object.keys(stacks),
    outputs: async (s) => {
      calls.push(`outputs ${s}`);
      if (stacks[s].failRead) throw new Error(stacks[s].failRead);
      return stacks[s].outputs ?? {};
    },
    state: async (s) => {
      calls.push(`state ${s}`);
      return stacks[s].state ?? { version: 3, deployment: { resources: [] } };
    },
    destroy: async (s, onOutput) => {
      calls.push(`destroy ${s}`);
      onOutput(`Destroying (${s})\n`);
      if (stacks[s].failDestroy) throw new Error(`command failed\n${stacks[s].failDestroy}`);
      onOutput("Resources:\n    - 12 deleted\n");
    },
    remove: async (s) => {
      calls.push(`remove ${s}`);
    },
  };
  return { backend, calls };
}

function capture() {
  const lines: string[] = [];
  return {
    lines,
    out: { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) },
  };
}

describe("runCleanup", () => {
  const stacks = {
    local: { outputs: { urls: {} } },
    "branch-old": { outputs: { expiresAt: "2026-11-20T00:00:00.000Z" } },
    "branch-fresh": { outputs: { expiresAt: "2026-11-30T00:00:00.000Z" } },
    "branch-failed-first-up": {
      outputs: {},
      state: {
        version: 3,
        deployment: {
          resources: [
            {
              type: "kubernetes:core/v1:Namespace",
              outputs: { metadata: { labels: { "localkube.dev/expires-at": "1795000000" } } },
            },
          ],
        },
      },
    },
    "branch-empty": {},
  };

  test("--dry-run lists the expired stacks and touches nothing", async () => {
    const { backend, calls } = fakeBackend(stacks);
    const { lines, out } = capture();
    expect(await runCleanup({ dryRun: true, now: NOW }, backend, out)).toBe(0);
    expect(calls.filter((c) => !c.startsWith("outputs") && !c.startsWith("state"))).toEqual([]);
    expect(lines).toEqual([
      "skip branch-empty: no expiry recorded (never deployed)",
      "4 branch stack(s), 2 expired at 2026-11-24T12:00:00.000Z (dry run)",
      "would destroy branch-failed-first-up (expired 2026-11-18T11:06:40.000Z)",
      "would destroy branch-old (expired 2026-11-20T00:00:00.000Z)",
      "cleanup: 0 destroyed (dry run), 0 failed",
    ]);
  });

  test("destroys and removes each expired stack, oldest first, with progress; the state is read only without an expiresAt output", async () => {
    const { backend, calls } = fakeBackend(stacks);
    const { lines, out } = capture();
    expect(await runCleanup({ dryRun: false, now: NOW }, backend, out)).toBe(0);
    expect(calls).toEqual([
      "outputs branch-old",
      "outputs branch-fresh",
      "outputs branch-failed-first-up",
      "state branch-failed-first-up",
      "outputs branch-empty",
      "state branch-empty",
      "destroy branch-failed-first-up",
      "remove branch-failed-first-up",
      "destroy branch-old",
      "remove branch-old",
    ]);
    expect(lines).toEqual([
      "skip branch-empty: no expiry recorded (never deployed)",
      "4 branch stack(s), 2 expired at 2026-11-24T12:00:00.000Z",
      "[1/2] destroying branch-failed-first-up (expired 2026-11-18T11:06:40.000Z) …",
      "  branch-failed-first-up | Destroying (branch-failed-first-up)",
      "  branch-failed-first-up | Resources:",
      "  branch-failed-first-up |     - 12 deleted",
      "destroyed branch-failed-first-up",
      "[2/2] destroying branch-old (expired 2026-11-20T00:00:00.000Z) …",
      "  branch-old | Destroying (branch-old)",
      "  branch-old | Resources:",
      "  branch-old |     - 12 deleted",
      "destroyed branch-old",
      "cleanup: 2 destroyed, 0 failed",
    ]);
  });

  test("a failed destroy is reported, keeps its stack, does not stop the others, and makes the exit code 1", async () => {
    const { backend, calls } = fakeBackend({
      "branch-a": {
        outputs: { expiresAt: "2026-11-01T00:00:00.000Z" },
        failDestroy: "error: the stack is currently locked",
      },
      "branch-b": { outputs: { expiresAt: "2026-11-02T00:00:00.000Z" } },
    });
    const { lines, out } = capture();
    expect(await runCleanup({ dryRun: false, now: NOW }, backend, out)).toBe(1);
    expect(calls.filter((c) => c.startsWith("destroy") || c.startsWith("remove"))).toEqual([
      "destroy branch-a",
      "destroy branch-b",
      "remove branch-b",
    ]);
    expect(lines).toContain("ERR FAILED branch-a: error: the stack is currently locked");
    expect(lines[lines.length - 1]).toBe("cleanup: 1 destroyed, 1 failed");
  });

  test("a stack whose outputs cannot be read is reported and counts as a failure; the others still run", async () => {
    const { backend } = fakeBackend({
      "branch-a": { failRead: "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE" },
      "branch-b": { outputs: { expiresAt: "2026-11-02T00:00:00.000Z" } },
    });
    const { lines, out } = capture();
    expect(await runCleanup({ dryRun: false, now: NOW }, backend, out)).toBe(1);
    expect(lines[0]).toBe(
      "ERR FAILED to read branch-a: error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE",
    );
    expect(lines).toContain("destroyed branch-b");
    expect(lines[lines.length - 1]).toBe("cleanup: 1 destroyed, 1 failed");
  });

  test("nothing expired: nothing destroyed, exit 0", async () => {
    const { backend, calls } = fakeBackend({
      "branch-fresh": { outputs: { expiresAt: "2026-11-30T00:00:00.000Z" } },
    });
    const { lines, out } = capture();
    expect(await runCleanup({ dryRun: false, now: NOW }, backend, out)).toBe(0);
    expect(calls).toEqual(["outputs branch-fresh"]);
    expect(lines).toEqual([
      "1 branch stack(s), 0 expired at 2026-11-24T12:00:00.000Z",
      "cleanup: 0 destroyed, 0 failed",
    ]);
  });
});
