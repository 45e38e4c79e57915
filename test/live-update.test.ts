import * as fs from "fs";
import { DISK } from "../host/catalogFiles";
import * as path from "path";
import { extract } from "tar-stream";
import { parseServiceFile } from "../catalog/parseService";
import { formatInputProblem } from "../catalog/problems";
import { planDeployment } from "../catalog/plan";
import { LiveUpdateSpec } from "../catalog/types";
import { buildCatalog } from "../catalog/validate";
import { containerCommand } from "../kube/podSpec";
import { liveUpdateDecision, remotePath, tarOf } from "../dev/liveUpdate";
import { RESTART_COMMAND, SUPERVISOR_SCRIPT, supervisedCommand } from "../kube/supervisor";
import { tempCatalogs } from "./tempCatalog";

const catalogDir = tempCatalogs("lk-live-");
const problems = (text: string) =>
  parseServiceFile("services/a.yaml", text, "/cat").problems.map(formatInputProblem);
const LIVE = "build:\n  context: a\n  liveUpdate:\n";

describe("build.liveUpdate and command/args in the catalog", () => {
  test("a full section parses to the exact spec; paths are normalised", () => {
    const { spec, problems: found } = parseServiceFile(
      "services/a.yaml",
      [
        "command: [python3, -u, /app/app.py]",
        "args: [--port, 8080]",
        "build:",
        "  context: a",
        "  liveUpdate:",
        "    sync:",
        "      - { from: ./src/, to: /app/src/ }",
        "      - { from: app.py, to: /app/app.py }",
        "    run:",
        "      - { command: [pip, install, -r, requirements.txt], when: [requirements.txt] }",
        "      - command: [touch, /tmp/reloaded]",
        "    fallBackOn: [requirements.lock]",
        "    restart: process",
      ].join("\n"),
      "/cat",
    );
    expect(found).toEqual([]);
    expect(spec!.command).toEqual(["python3", "-u", "/app/app.py"]);
    expect(spec!.args).toEqual(["--port", "8080"]);
    expect(spec!.build!.liveUpdate).toEqual({
      sync: [
        { from: "src", to: "/app/src" },
        { from: "app.py", to: "/app/app.py" },
      ],
      run: [
        { command: ["pip", "install", "-r", "requirements.txt"], when: ["requirements.txt"] },
        { command: ["touch", "/tmp/reloaded"] },
      ],
      fallBackOn: ["requirements.lock"],
      restart: "process",
    });
  });

  test.each([
    [
      "a misspelt field",
      `${LIVE}    sync: [{from: ., to: /app}]\n    fallback: [x]\n`,
      'services/a.yaml:5: `build.liveUpdate.fallback`: unknown field (did you mean "fallBackOn"?); allowed here: fallBackOn, restart, run, sync',
    ],
    [
      "no sync rule",
      `${LIVE}    sync: []\n`,
      "services/a.yaml:4: `build.liveUpdate.sync`: needs at least one rule; e.g. - { from: ., to: /app }",
    ],
    [
      "a missing sync list",
      `${LIVE}    restart: none\n`,
      "services/a.yaml:4: `build.liveUpdate.sync`: missing; add at least one rule, e.g. sync: [{ from: ., to: /app }]",
    ],
    [
      "from outside the context",
      `${LIVE}    sync: [{from: ../etc, to: /app}]\n`,
      'services/a.yaml:4: `build.liveUpdate.sync[0].from`: "../etc" is not inside the build context; use a path relative to build.context, e.g. src or app.py',
    ],
    [
      "an absolute from",
      `${LIVE}    sync: [{from: /src, to: /app}]\n`,
      'services/a.yaml:4: `build.liveUpdate.sync[0].from`: "/src" is not inside the build context; use a path relative to build.context, e.g. src or app.py',
    ],
    [
      "a relative to",
      `${LIVE}    sync: [{from: ., to: app}]\n`,
      'services/a.yaml:4: `build.liveUpdate.sync[0].to`: "app" is not allowed: use an absolute path in the container, e.g. /app',
    ],
    [
      "an empty run command",
      `${LIVE}    sync: [{from: ., to: /app}]\n    run: [{command: []}]\n`,
      "services/a.yaml:5: `build.liveUpdate.run[0].command`: must not be empty; give the program and its arguments",
    ],
    [
      "an unknown restart mode",
      `${LIVE}    sync: [{from: ., to: /app}]\n    restart: container\n`,
      'services/a.yaml:5: `build.liveUpdate.restart`: "container" is not allowed; use one of: none, process',
    ],
    [
      "restart: process without a command",
      `${LIVE}    sync: [{from: ., to: /app}]\n    restart: process\n`,
      "services/a.yaml:5: `build.liveUpdate.restart`: process restarts the service's command inside the container, but the service sets none; add `command:` (e.g. [python3, /app/app.py]) or use restart: none when the app reloads itself",
    ],
    [
      "an empty command",
      "command: []\n",
      "services/a.yaml:1: `command`: must not be empty; give the program and its arguments, or leave it out to run the image's own",
    ],
    [
      "args that are not a list",
      "args: --verbose\n",
      'services/a.yaml:1: `args`: expected a list, got "--verbose"',
    ],
  ])("%s", (_title, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  test("a sync source that does not exist is refused when the service is built", () => {
    const dir = catalogDir({
      "a.yaml": `${LIVE}    sync: [{from: app.py, to: /app/app.py}, {from: gone, to: /app/gone}]\n`,
      "a/Dockerfile": "FROM scratch\n",
      "a/app.py": "",
    });
    const files = [
      { file: "services/a.yaml", text: fs.readFileSync(path.join(dir, "a.yaml"), "utf8") },
    ];
    const catalog = buildCatalog("services", dir, files);
    expect(() => planDeployment(catalog, { files: DISK, local: ["a"] })).toThrow(
      `cannot build from source: services/a.yaml: \`build.liveUpdate.sync[1].from\`: "gone" does not exist in the build context "${path.relative(process.cwd(), path.join(dir, "a"))}"; fix the path (it is relative to build.context)`,
    );
  });
});

const SPEC: LiveUpdateSpec = {
  sync: [
    { from: ".", to: "/app" },
    { from: "static", to: "/srv/static" },
    { from: "config.yaml", to: "/etc/price/config.yaml" },
  ],
  run: [
    { command: ["pip", "install", "-r", "requirements.txt"], when: ["requirements.txt"] },
    { command: ["sync"] },
  ],
  fallBackOn: ["requirements.lock", "native/**"],
  restart: "process",
};
const change = (p: string, deleted = false) => ({ path: p, deleted });

describe("liveUpdateDecision: sync or rebuild", () => {
  test.each([
    [
      "one synced file",
      [change("app.py")],
      {
        kind: "sync",
        copies: [{ path: "app.py", remote: "/app/app.py" }],
        deletes: [],
        runs: [["sync"]],
      },
    ],
    [
      "the most specific rule wins; a file rule maps to its target",
      [change("static/css/a.css"), change("config.yaml")],
      {
        kind: "sync",
        copies: [
          { path: "config.yaml", remote: "/etc/price/config.yaml" },
          { path: "static/css/a.css", remote: "/srv/static/css/a.css" },
        ],
        deletes: [],
        runs: [["sync"]],
      },
    ],
    [
      "a deletion is applied in the container",
      [change("old.py", true)],
      { kind: "sync", copies: [], deletes: ["/app/old.py"], runs: [["sync"]] },
    ],
    [
      "a run step with a matching trigger runs, in catalog order",
      [change("requirements.txt")],
      {
        kind: "sync",
        copies: [{ path: "requirements.txt", remote: "/app/requirements.txt" }],
        deletes: [],
        runs: [["pip", "install", "-r", "requirements.txt"], ["sync"]],
      },
    ],
    [
      "a fallBackOn file forces a rebuild, named",
      [change("app.py"), change("requirements.lock")],
      { kind: "rebuild", reason: "requirements.lock is in build.liveUpdate.fallBackOn" },
    ],
    [
      "a fallBackOn pattern",
      [change("native/ext.c")],
      { kind: "rebuild", reason: "native/ext.c is in build.liveUpdate.fallBackOn" },
    ],
    [
      "the Dockerfile always rebuilds",
      [change("Dockerfile")],
      { kind: "rebuild", reason: "Dockerfile is the build's Dockerfile" },
    ],
  ])("%s", (_title, changes, expected) => {
    expect(liveUpdateDecision(changes, SPEC, "Dockerfile")).toEqual(expected);
  });

  test("a file outside every sync rule rebuilds, named", () => {
    const narrow: LiveUpdateSpec = { ...SPEC, sync: [{ from: "src", to: "/app/src" }] };
    expect(liveUpdateDecision([change("src/a.py"), change("setup.py")], narrow)).toEqual({
      kind: "rebuild",
      reason: "setup.py is outside every build.liveUpdate.sync rule",
    });
    expect(remotePath("srcs/a.py", narrow)).toBeUndefined();
  });
});

describe("tarOf: what the container's tar extracts", () => {
  test("paths relative to /, contents and modes kept, no directory entries", async () => {
    const archive = await tarOf([
      { remote: "/app/app.py", content: Buffer.from("print('v2')\n"), mode: 0o100644 },
      { remote: "/app/bin/run.sh", content: Buffer.from("#!/bin/sh\n"), mode: 0o100755 },
    ]);
    const entries: { name: string; mode: number; type: string; body: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const x = extract();
      x.on("entry", (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on("data", (b: unknown) => chunks.push(b as Buffer));
        stream.on("end", () => {
          entries.push({
            name: header.name,
            mode: header.mode!,
            type: header.type!,
            body: Buffer.concat(chunks).toString(),
          });
          next();
        });
      });
      x.on("finish", () => resolve());
      x.on("error", reject);
      x.end(archive);
    });
    expect(entries).toEqual([
      { name: "app/app.py", mode: 0o644, type: "file", body: "print('v2')\n" },
      { name: "app/bin/run.sh", mode: 0o755, type: "file", body: "#!/bin/sh\n" },
    ]);
  });
});

describe("restart: process", () => {
  test("the command runs under the restart loop only for live-updated services that restart the process", () => {
    const spec = { command: ["python3", "-u", "/app/app.py"], args: ["--port", "8080"] };
    expect(containerCommand(spec, { restart: "process" })).toEqual({
      command: [
        "/bin/sh",
        "-c",
        SUPERVISOR_SCRIPT,
        "localkube-supervisor",
        "python3",
        "-u",
        "/app/app.py",
        "--port",
        "8080",
      ],
    });
    expect(containerCommand(spec, { restart: "none" })).toEqual({
      command: ["python3", "-u", "/app/app.py"],
      args: ["--port", "8080"],
    });
    expect(containerCommand(spec)).toEqual({
      command: ["python3", "-u", "/app/app.py"],
      args: ["--port", "8080"],
    });
    expect(containerCommand({})).toEqual({ command: undefined, args: undefined });
    expect(supervisedCommand(["a"])).toEqual([
      "/bin/sh",
      "-c",
      SUPERVISOR_SCRIPT,
      "localkube-supervisor",
      "a",
    ]);
    expect(RESTART_COMMAND).toEqual([
      "/bin/sh",
      "-c",
      'touch /tmp/.localkube/restart && kill "$(cat /tmp/.localkube/pid)"',
    ]);
  });
});

describe("the restart loop, run by a real sh", () => {
  const { spawn, spawnSync } = require("child_process") as typeof import("child_process"); // eslint-disable-line @typescript-eslint/no-require-imports
  const start = (script: string) => {
    const [sh, c, loop, name, ...cmd] = supervisedCommand(["sh", "-c", script]);
    const child = spawn(sh, [c, loop, name, ...cmd], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const until = async (text: string) => {
      for (let i = 0; i < 100 && !out.includes(text); i++)
        await new Promise((r) => setTimeout(r, 50));
      return out;
    };
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    return { child, until, exited };
  };

  test("a restart request starts the command again in the same process tree; a SIGTERM stops both", async () => {
    const run = start('echo "run $$"; exec sleep 30');
    expect(await run.until("run ")).toMatch(/^run \d+\n$/);
    expect(spawnSync(RESTART_COMMAND[0], RESTART_COMMAND.slice(1)).status).toBe(0);
    const twice = await run.until("\nrun ");
    expect(twice.split("\n").filter(Boolean)).toHaveLength(2);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
  });

  test("a command that ends by itself ends the loop with its exit code (a crash still restarts the container)", async () => {
    const run = start("exit 3");
    expect(await run.exited).toBe(3);
  });
});
