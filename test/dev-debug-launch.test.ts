import * as fs from "fs";
import * as path from "path";
import { contextCopyTarget, launchConfig, launchText, pathMappings } from "../dev/debug/launch";

const SERVICES = path.resolve(__dirname, "../services");
const dockerfile = (service: string) =>
  fs.readFileSync(path.join(SERVICES, service, "Dockerfile"), "utf8");

describe("contextCopyTarget: where a Dockerfile copies the whole build context", () => {
  test.each<[string, string, string | undefined]>([
    ["COPY . /app/", "FROM debian\nCOPY . /app/\n", "/app"],
    ["with --chown", "FROM debian\nCOPY --chown=10001:10001 . /app/\n", "/app"],
    ["relative to WORKDIR", "FROM debian\nWORKDIR /src\nCOPY go.mod ./\nCOPY . .\n", "/src"],
    [
      "WORKDIR relative to WORKDIR",
      "FROM x\nWORKDIR /srv\nWORKDIR app\nADD ./ lib\n",
      "/srv/app/lib",
    ],
    ["the JSON form", 'FROM x\nCOPY [".", "/opt/svc"]\n', "/opt/svc"],
    [
      "a build stage's copy, not the final stage's --from copy",
      "FROM a AS build\nWORKDIR /src\nCOPY . .\nFROM b\nCOPY --from=build /out/x /app/x\n",
      "/src",
    ],
    ["FROM resets WORKDIR", "FROM a\nWORKDIR /src\nFROM b\nCOPY . app\n", "/app"],
    ["continued lines and comments", "FROM a\nCOPY \\\n  # the sources\n  . \\\n  /app\n", "/app"],
    ["single files only", "FROM a\nCOPY app.py /app/app.py\n", undefined],
  ])("%s", (_, text, expected) => {
    expect(contextCopyTarget(text)).toBe(expected);
  });

  test.each([
    ["bank", "/app"],
    ["price", "/app"],
    ["web", "/app"],
    ["fx", "/src"],
  ])("the example service %s: %s", (service, expected) => {
    expect(contextCopyTarget(dockerfile(service))).toBe(expected);
  });
});

describe("pathMappings", () => {
  const context = "/work/shop/services/price";

  test("sync rules the context copy implies are left out", () => {
    expect(
      pathMappings(
        {
          context,
          liveUpdate: {
            sync: [
              { from: "app.py", to: "/app/app.py" },
              { from: "static", to: "/app/static" },
            ],
            run: [],
            fallBackOn: [],
            restart: "process",
          },
        },
        "FROM x\nCOPY . /app/\n",
      ),
    ).toEqual([{ local: context, remote: "/app" }]);
  });

  test("sync rules elsewhere are kept, the most specific first", () => {
    expect(
      pathMappings(
        {
          context,
          liveUpdate: {
            sync: [
              { from: "src", to: "/srv/code" },
              { from: ".", to: "/app" },
              { from: "src/lib/x.py", to: "/usr/lib/x.py" },
            ],
            run: [],
            fallBackOn: [],
            restart: "none",
          },
        },
        undefined,
      ),
    ).toEqual([
      { local: `${context}/src/lib/x.py`, remote: "/usr/lib/x.py" },
      { local: `${context}/src`, remote: "/srv/code" },
      { local: context, remote: "/app" },
    ]);
  });

  test("no sync rules: the context as the Dockerfile copies it", () => {
    expect(pathMappings({ context }, "FROM x\nWORKDIR /src\nCOPY . .\n")).toEqual([
      { local: context, remote: "/src" },
    ]);
  });

  test("nothing known: none", () => {
    expect(pathMappings({ context }, "FROM x\nCOPY a.py /a.py\n")).toEqual([]);
  });
});

describe("launchConfig: the VS Code launch.json entry", () => {
  const projectDir = "/work/shop";
  const mappings = [{ local: "/work/shop/services/bank", remote: "/app" }];

  test("python: debugpy attach on the forwarded port with its path mappings", () => {
    expect(
      launchConfig({ service: "bank", runtime: "python", port: 5678, mappings, projectDir }),
    ).toEqual({
      name: "bank (localkube)",
      type: "debugpy",
      request: "attach",
      connect: { host: "127.0.0.1", port: 5678 },
      pathMappings: [{ localRoot: "${workspaceFolder}/services/bank", remoteRoot: "/app" }],
    });
  });

  test("go: the Go extension's remote attach to Delve's headless server, paths substituted", () => {
    expect(
      launchConfig({
        service: "fx",
        runtime: "go",
        port: 56268,
        mappings: [{ local: "/work/shop/services/fx", remote: "/src" }],
        projectDir,
      }),
    ).toEqual({
      name: "fx (localkube)",
      type: "go",
      request: "attach",
      mode: "remote",
      debugAdapter: "dlv-dap",
      host: "127.0.0.1",
      port: 56268,
      substitutePath: [{ from: "${workspaceFolder}/services/fx", to: "/src" }],
    });
  });

  test("node: attach with the broadest root pair, re-attaching after a restart", () => {
    expect(
      launchConfig({
        service: "web",
        runtime: "node",
        port: 9230,
        mappings: [
          { local: "/work/shop/services/web/lib/x.js", remote: "/opt/x.js" },
          { local: "/work/shop/services/web", remote: "/app" },
        ],
        projectDir,
      }),
    ).toEqual({
      name: "web (localkube)",
      type: "node",
      request: "attach",
      address: "127.0.0.1",
      port: 9230,
      localRoot: "${workspaceFolder}/services/web",
      remoteRoot: "/app",
      restart: true,
      skipFiles: ["<node_internals>/**"],
    });
  });

  test("paths outside the project stay absolute; the project itself is ${workspaceFolder}", () => {
    const config = launchConfig({
      service: "bank",
      runtime: "python",
      port: 5678,
      mappings: [
        { local: "/elsewhere/lib", remote: "/lib" },
        { local: "/work/shop", remote: "/app" },
      ],
      projectDir,
    });
    expect(config.pathMappings).toEqual([
      { localRoot: "/elsewhere/lib", remoteRoot: "/lib" },
      { localRoot: "${workspaceFolder}", remoteRoot: "/app" },
    ]);
  });

  test("launchText: the entry as pasted, two-space JSON", () => {
    expect(
      launchText(
        launchConfig({ service: "bank", runtime: "python", port: 5678, mappings, projectDir }),
      ),
    ).toBe(
      [
        "{",
        '  "name": "bank (localkube)",',
        '  "type": "debugpy",',
        '  "request": "attach",',
        '  "connect": {',
        '    "host": "127.0.0.1",',
        '    "port": 5678',
        "  },",
        '  "pathMappings": [',
        "    {",
        '      "localRoot": "${workspaceFolder}/services/bank",',
        '      "remoteRoot": "/app"',
        "    }",
        "  ]",
        "}",
      ].join("\n"),
    );
  });
});
