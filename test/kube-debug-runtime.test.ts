import { commandLine, ContainerInputs, debugCommand, unwrapSupervisor } from "../kube/debugRuntime";
import { supervisedCommand } from "../kube/supervisor";

const c = (over: Partial<ContainerInputs>): ContainerInputs => ({ env: {}, ...over });
const image = (entrypoint: string[] | undefined, cmd: string[] | undefined, env = {}) => ({
  entrypoint,
  cmd,
  env,
});

describe("commandLine: what the container starts, by Kubernetes' rules", () => {
  test.each<[string, ContainerInputs, string[] | undefined]>([
    [
      "command and args",
      c({ command: ["python3"], args: ["/app/app.py"] }),
      ["python3", "/app/app.py"],
    ],
    [
      "command drops the image's CMD",
      c({ command: ["node"], image: image(["/entry.sh"], ["x"]) }),
      ["node"],
    ],
    [
      "args replace the image's CMD after its ENTRYPOINT",
      c({ args: ["-v"], image: image(["/app/fx"], ["--quiet"]) }),
      ["/app/fx", "-v"],
    ],
    ["the image's ENTRYPOINT and CMD", c({ image: image(undefined, ["/app/fx"]) }), ["/app/fx"]],
    ["no command and an unknown image", c({ args: ["x"] }), undefined],
  ])("%s", (_, inputs, expected) => {
    expect(commandLine(inputs)).toEqual(expected);
  });
});

describe("unwrapSupervisor", () => {
  test("the restart loop's command line: the inner command, and the loop around another", () => {
    const argv = supervisedCommand(["python3", "-u", "/app/app.py"]);
    const { inner, wrap } = unwrapSupervisor(argv);
    expect(inner).toEqual(["python3", "-u", "/app/app.py"]);
    expect(wrap(["python3", "x"])).toEqual(supervisedCommand(["python3", "x"]));
  });
  test("any other command line is its own inner command", () => {
    const { inner, wrap } = unwrapSupervisor(["/bin/sh", "-c", "echo hi"]);
    expect(inner).toEqual(["/bin/sh", "-c", "echo hi"]);
    expect(wrap(["a"])).toEqual(["a"]);
  });
});

describe("debugCommand: runtime detection", () => {
  test.each<[string, ContainerInputs, string, string]>([
    [
      "python3 in the command",
      c({ command: ["python3", "/app/app.py"] }),
      "python",
      "the command (python3)",
    ],
    [
      "/usr/bin/python3.11",
      c({ command: ["/usr/bin/python3.11", "app.py"] }),
      "python",
      "the command (python3.11)",
    ],
    ["node", c({ command: ["node", "--watch", "/app/server.js"] }), "node", "the command (node)"],
    ["nodejs", c({ command: ["/usr/bin/nodejs", "server.js"] }), "node", "the command (nodejs)"],
    [
      "dlv",
      c({ command: ["dlv", "exec", "--listen=:4000", "/app/fx"] }),
      "go",
      "the command (dlv)",
    ],
    [
      "a Go image's GOTRACEBACK",
      c({ image: image(undefined, ["/app/fx"], { GOTRACEBACK: "single" }) }),
      "go",
      "the image's GOTRACEBACK",
    ],
    [
      "the container's GOMAXPROCS",
      c({ command: ["/app/fx"], env: { GOMAXPROCS: "2" } }),
      "go",
      "the container's GOMAXPROCS",
    ],
    [
      "the restart loop around python",
      c({ command: supervisedCommand(["python3", "-u", "/app/app.py"]) }),
      "python",
      "the command (python3)",
    ],
  ])("%s", (_, inputs, runtime, detectedBy) => {
    expect(debugCommand(inputs)).toMatchObject({ runtime, detectedBy });
  });

  test("build.debug.runtime decides when nothing else tells", () => {
    expect(debugCommand(c({ command: ["/app/server"] }), { runtime: "go" })).toMatchObject({
      runtime: "go",
      detectedBy: "build.debug.runtime",
    });
  });

  test.each<[string, ContainerInputs, string]>([
    [
      "an unknown program",
      c({ command: ["/app/server", "--port", "80"] }),
      "its runtime is not recognized from the command `/app/server --port 80` or the image's environment; set build.debug.runtime (go, node or python)",
    ],
    [
      "no command and no image config",
      c({}),
      "its command line is unknown (no `command:` in the catalog, and the image's ENTRYPOINT/CMD could not be read from its registry); set `command:`",
    ],
    [
      "a Python image whose command is not python",
      c({ command: ["gunicorn", "app:app"], env: { PYTHONUNBUFFERED: "1" } }),
      "the command `gunicorn app:app` does not start python, so debugpy cannot start the program; make `command:` start it with python3",
    ],
    [
      "python without a script",
      c({ command: ["python3", "-u"] }),
      "the command `python3 -u` names no script or module for python to run",
    ],
  ])("refused: %s", (_, inputs, problem) => {
    expect(debugCommand(inputs)).toEqual({ problem });
  });

  test("a runtime the catalog names that the command does not start is refused", () => {
    expect(debugCommand(c({ command: ["python3", "a.py"] }), { runtime: "node" })).toEqual({
      problem:
        "the command `python3 a.py` does not start node, so its inspector cannot be turned on; make `command:` start it with node",
    });
  });
});

describe("debugCommand: the command line under the debugger", () => {
  test("python: debugpy on the pod's loopback after python's own options, before the script; PYTHONPATH from /dbg", () => {
    expect(
      debugCommand(c({ command: ["python3", "-u", "-W", "ignore", "/app/app.py", "--v"] })),
    ).toEqual({
      runtime: "python",
      detectedBy: "the command (python3)",
      port: 5678,
      argv: [
        "python3",
        "-u",
        "-W",
        "ignore",
        "-Xfrozen_modules=off",
        "-m",
        "debugpy",
        "--listen",
        "127.0.0.1:5678",
        "/app/app.py",
        "--v",
      ],
      env: { PYTHONPATH: "/dbg/python" },
      support: true,
    });
  });

  test("python -m module, an existing PYTHONPATH kept after /dbg/python, the catalog's port", () => {
    const r = debugCommand(
      c({
        command: ["python3", "-m", "app"],
        image: image(undefined, undefined, { PYTHONPATH: "/src" }),
      }),
      { port: 5000 },
    );
    expect(r).toMatchObject({
      argv: [
        "python3",
        "-Xfrozen_modules=off",
        "-m",
        "debugpy",
        "--listen",
        "127.0.0.1:5000",
        "-m",
        "app",
      ],
      env: { PYTHONPATH: "/dbg/python:/src" },
      port: 5000,
    });
  });

  test("python under the restart loop: the loop stays, the command inside it runs under debugpy", () => {
    const r = debugCommand(c({ command: supervisedCommand(["python3", "-u", "/app/app.py"]) }));
    expect(r).toMatchObject({
      argv: supervisedCommand([
        "python3",
        "-u",
        "-Xfrozen_modules=off",
        "-m",
        "debugpy",
        "--listen",
        "127.0.0.1:5678",
        "/app/app.py",
      ]),
    });
  });

  test("node: --inspect on the pod's loopback right after node; nothing to copy in", () => {
    expect(debugCommand(c({ command: ["node", "--watch", "/app/server.js"] }))).toEqual({
      runtime: "node",
      detectedBy: "the command (node)",
      port: 9229,
      argv: ["node", "--inspect=127.0.0.1:9229", "--watch", "/app/server.js"],
      env: {},
      support: false,
    });
  });

  test("go: Delve from /dbg runs the binary, headless, going on at once, several clients; its arguments after --", () => {
    expect(
      debugCommand(
        c({ args: ["-v"], image: image(["/app/fx"], undefined, { GOTRACEBACK: "single" }) }),
      ),
    ).toEqual({
      runtime: "go",
      detectedBy: "the image's GOTRACEBACK",
      port: 56268,
      argv: [
        "/dbg/go/bin/dlv",
        "exec",
        "--headless",
        "--continue",
        "--accept-multiclient",
        "--listen=127.0.0.1:56268",
        "--api-version=2",
        "--only-same-user=false",
        "/app/fx",
        "--",
        "-v",
      ],
      env: {},
      support: true,
    });
  });

  test("go without arguments: no -- after the binary", () => {
    expect(debugCommand(c({ command: ["/app/fx"] }), { runtime: "go" })).toMatchObject({
      argv: [
        "/dbg/go/bin/dlv",
        "exec",
        "--headless",
        "--continue",
        "--accept-multiclient",
        "--listen=127.0.0.1:56268",
        "--api-version=2",
        "--only-same-user=false",
        "/app/fx",
      ],
    });
  });

  test.each<[string, ContainerInputs, string, number]>([
    [
      "dlv already in the command",
      c({ command: ["dlv", "exec", "--headless", "--listen=:40000", "/app/fx"] }),
      "go",
      40000,
    ],
    [
      "debugpy already in the command",
      c({ command: ["python3", "-m", "debugpy", "--listen", "0.0.0.0:5679", "app.py"] }),
      "python",
      5679,
    ],
    [
      "node --inspect already in the command",
      c({ command: ["node", "--inspect=9230", "s.js"] }),
      "node",
      9230,
    ],
    [
      "node --inspect in NODE_OPTIONS",
      c({ command: ["node", "s.js"], env: { NODE_OPTIONS: "--inspect" } }),
      "node",
      9229,
    ],
  ])("the image's own debugger: %s — unchanged, nothing copied in", (_, inputs, runtime, port) => {
    expect(debugCommand(inputs)).toMatchObject({ runtime, port, env: {}, support: false });
    expect(debugCommand(inputs)).not.toHaveProperty("argv");
  });
});
