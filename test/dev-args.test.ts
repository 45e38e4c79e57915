import { DEFAULT_CI_TIMEOUT_MS, parseDevArgs, USAGE } from "../dev/args";

const DEFAULTS = {
  names: [],
  local: undefined,
  buildAll: false,
  stack: "local",
  logs: false,
  ci: false,
  timeoutMs: undefined,
  watch: true,
  forwards: [],
  ui: { port: 10350 },
  checkRollout: [],
  disruption: "rollout",
  debug: [],
  help: false,
};

describe("parseDevArgs", () => {
  test("no arguments: the stack's config as it is, watching, with the dashboard", () => {
    expect(parseDevArgs([])).toEqual(DEFAULTS);
  });

  test("names and --local in the users' words", () => {
    expect(parseDevArgs(["appliances", "price", "--local", "bank"])).toEqual({
      ...DEFAULTS,
      names: ["appliances", "price"],
      local: ["bank"],
    });
    expect(parseDevArgs(["bank,web", "--local=bank,price"])).toEqual({
      ...DEFAULTS,
      names: ["bank", "web"],
      local: ["bank", "price"],
    });
  });

  test("--logs takes the names that follow it up to the next flag; alone it means every service", () => {
    expect(parseDevArgs(["bank", "--logs"]).logs).toBe(true);
    expect(parseDevArgs(["bank", "--logs", "price", "bank", "--no-ui"])).toEqual({
      ...DEFAULTS,
      names: ["bank"],
      logs: ["price", "bank"],
      ui: false,
    });
    expect(parseDevArgs(["--logs=price,bank"]).logs).toEqual(["price", "bank"]);
  });

  test("--ci: no watching, no dashboard, a default timeout; --timeout in s, m or h", () => {
    expect(parseDevArgs(["--ci"])).toEqual({
      ...DEFAULTS,
      ci: true,
      watch: false,
      ui: false,
      timeoutMs: DEFAULT_CI_TIMEOUT_MS,
    });
    expect(parseDevArgs(["--ci", "--timeout", "90s"]).timeoutMs).toBe(90_000);
    expect(parseDevArgs(["--timeout=2m"]).timeoutMs).toBe(120_000);
  });

  test("the other flags", () => {
    expect(
      parseDevArgs(["--build-all", "--stack", "dev-2", "--no-watch", "--ui-port", "10400"]),
    ).toEqual({
      ...DEFAULTS,
      buildAll: true,
      stack: "dev-2",
      watch: false,
      ui: { port: 10400 },
    });
    expect(parseDevArgs(["--help"]).help).toBe(true);
    expect(parseDevArgs(["-h"]).help).toBe(true);
  });

  test("--check-rollout names services; --disruption says how they are disturbed", () => {
    expect(parseDevArgs(["bank", "--ci", "--check-rollout", "bank,price"])).toEqual({
      ...DEFAULTS,
      names: ["bank"],
      ci: true,
      watch: false,
      ui: false,
      timeoutMs: DEFAULT_CI_TIMEOUT_MS,
      checkRollout: ["bank", "price"],
    });
    expect(parseDevArgs(["--check-rollout=bank", "--disruption", "delete-pods"])).toEqual({
      ...DEFAULTS,
      checkRollout: ["bank"],
      disruption: "delete-pods",
    });
    expect(() => parseDevArgs(["--check-rollout", "bank", "--disruption", "delete-pod"])).toThrow(
      'npm run dev: --disruption: "delete-pod" is not one of rollout, delete-pods (did you mean "delete-pods"?); see `npm run dev -- --help`',
    );
    expect(() => parseDevArgs(["--disruption", "rollout"])).toThrow(
      "npm run dev: --disruption says how --check-rollout disturbs a service; add --check-rollout <service>; see `npm run dev -- --help`",
    );
    expect(() => parseDevArgs(["--check-rollout", "Bank"])).toThrow(
      "npm run dev: --check-rollout: \"Bank\" is not a service or group name (lowercase letters, digits, '-'); see `npm run dev -- --help`",
    );
  });

  test("--debug: several names, in one list or repeated, each once", () => {
    expect(parseDevArgs(["bank", "--local", "bank", "--debug", "bank"])).toEqual({
      ...DEFAULTS,
      names: ["bank"],
      local: ["bank"],
      debug: ["bank"],
    });
    expect(parseDevArgs(["--debug=bank,fx", "--debug", "web", "--debug", "fx"]).debug).toEqual([
      "bank",
      "fx",
      "web",
    ]);
  });

  test("--debug with --ci is refused: nothing would restore the services", () => {
    expect(() => parseDevArgs(["--ci", "--debug", "bank"])).toThrow(
      "npm run dev: --debug needs the running loop (it restores the services when it stops); --ci exits once everything is ready; see `npm run dev -- --help`",
    );
  });

  test("an unknown flag, with the closest known one", () => {
    expect(() => parseDevArgs(["--locl", "bank"])).toThrow(
      'npm run dev: unknown flag "--locl" (did you mean "--local"?); see `npm run dev -- --help`',
    );
    expect(() => parseDevArgs(["--verbose"])).toThrow(
      'npm run dev: unknown flag "--verbose"; see `npm run dev -- --help`',
    );
  });

  test("values that cannot be used, each with what is allowed", () => {
    expect(() => parseDevArgs(["--timeout", "soon"])).toThrow(
      'npm run dev: --timeout: "soon" is not a duration (a whole number with s, m or h, e.g. 90s or 10m); see `npm run dev -- --help`',
    );
    expect(() => parseDevArgs(["--ui-port", "70000"])).toThrow(
      'npm run dev: --ui-port: "70000" is not a port from 1 to 65535; see `npm run dev -- --help`',
    );
    expect(() => parseDevArgs(["--local"])).toThrow(
      "npm run dev: --local needs a value (e.g. --local bank,price); see `npm run dev -- --help`",
    );
    expect(() => parseDevArgs(["--local", "--ci"])).toThrow(
      "npm run dev: --local needs a value (e.g. --local bank,price); see `npm run dev -- --help`",
    );
    expect(() => parseDevArgs(["--ci=yes"])).toThrow(
      'npm run dev: --ci takes no value, got "yes"; see `npm run dev -- --help`',
    );
    expect(() => parseDevArgs(["Bank"])).toThrow(
      `npm run dev: service: "Bank" is not a service or group name (lowercase letters, digits, '-'); see \`npm run dev -- --help\``,
    );
    expect(() => parseDevArgs(["--stack", "a b"])).toThrow(
      `npm run dev: --stack: "a b" is not a stack name (letters, digits, '_', '.', '-'); see \`npm run dev -- --help\``,
    );
  });

  test("--forward: service, optional port (name or number) and host port; lists and repeats add up", () => {
    expect(
      parseDevArgs(["bank", "--forward", "bank:9000,price", "--forward=bank/metrics:9100,web/8080"])
        .forwards,
    ).toEqual([
      { service: "bank", hostPort: 9000, text: "bank:9000" },
      { service: "price", text: "price" },
      { service: "bank", port: "metrics", hostPort: 9100, text: "bank/metrics:9100" },
      { service: "web", port: 8080, text: "web/8080" },
    ]);
  });

  test.each([
    [
      "bank:http",
      '"bank:http" is not SERVICE[/PORT][:HOST_PORT] (e.g. bank:9000, price, bank/metrics:9100)',
    ],
    ["Bank", '"Bank" is not SERVICE[/PORT][:HOST_PORT] (e.g. bank:9000, price, bank/metrics:9100)'],
    ["bank:0", '"bank:0": host port 0 is not a port from 1 to 65535'],
    ["bank:70000", '"bank:70000": host port 70000 is not a port from 1 to 65535'],
  ])("--forward %s is refused", (value, message) => {
    expect(() => parseDevArgs(["--forward", value])).toThrow(
      `npm run dev: --forward: ${message}; see \`npm run dev -- --help\``,
    );
  });

  test("--help lists every flag with an example", () => {
    for (const flag of [
      "--local",
      "--build-all",
      "--stack",
      "--logs",
      "--debug",
      "--ci",
      "--timeout",
      "--no-watch",
      "--forward",
      "--ui-port",
      "--no-ui",
      "--help",
    ]) {
      expect(USAGE).toMatch(new RegExp(`^  ${flag}.*\\(e\\.g\\. ${flag}`, "m"));
    }
  });
});
