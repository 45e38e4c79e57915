import * as path from "path";
import { convergeFilesFor, decide, merge, PROGRAM_DIRS, WatchPlan } from "../dev/affected";

const P = "/repo";
const plan: WatchPlan = {
  projectDir: P,
  catalogDir: `${P}/services`,
  contexts: [
    {
      service: "price",
      dir: `${P}/services/price`,
      dockerfile: `${P}/services/price/Dockerfile`,
      ignored: (rel) =>
        rel.endsWith(".pyc") ||
        rel.startsWith("tmp/") ||
        rel === "Dockerfile" ||
        rel === ".dockerignore",
    },
    {
      service: "bank",
      dir: `${P}/services/bank`,
      dockerfile: `${P}/docker/bank.Dockerfile`,
      ignored: () => false,
    },
    // Two services built from one context both rebuild.
    {
      service: "bank-worker",
      dir: `${P}/services/bank`,
      dockerfile: `${P}/services/bank/Dockerfile.worker`,
      ignored: () => false,
    },
  ],
  convergeFiles: convergeFilesFor("local"),
  programDirs: [...PROGRAM_DIRS],
};
const file = (path: string) => ({ kind: "file", path }) as const;
const services = (entries: [string, string[]][]) => ({
  kind: "services",
  services: new Map(entries.map(([s, files]) => [s, files.map(file)])),
});

describe("decide: which services a set of changed files affects", () => {
  test.each([
    [
      "a file of price's context: price only",
      ["services/price/app.py"],
      services([["price", ["services/price/app.py"]]]),
    ],
    [
      "a nested file and the Dockerfile",
      ["services/price/lib/x.py", "services/price/Dockerfile"],
      services([["price", ["services/price/lib/x.py", "services/price/Dockerfile"]]]),
    ],
    [
      "a Dockerfile outside the context",
      ["docker/bank.Dockerfile"],
      services([["bank", ["docker/bank.Dockerfile"]]]),
    ],
    [
      "a shared context rebuilds both services",
      ["services/bank/app.py"],
      services([
        ["bank", ["services/bank/app.py"]],
        ["bank-worker", ["services/bank/app.py"]],
      ]),
    ],
    [
      "two services at once",
      ["services/bank/app.py", "services/price/app.py"],
      services([
        ["bank", ["services/bank/app.py"]],
        ["bank-worker", ["services/bank/app.py"]],
        ["price", ["services/price/app.py"]],
      ]),
    ],
    [
      "what .dockerignore ignores",
      ["services/price/x.pyc", "services/price/tmp/cache"],
      { kind: "none" },
    ],
    [
      "version control and dependencies",
      ["services/price/.git/index", "services/price/node_modules/a/b.js"],
      { kind: "none" },
    ],
    ["a service not built from source (web)", ["services/web/app.py"], { kind: "none" }],
    [
      "the catalog's own file: a converge",
      ["services/price/app.py", "services/price.yaml"],
      { kind: "converge", trigger: file("services/price.yaml") },
    ],
    [
      "the catalog settings",
      ["services/_catalog.yaml"],
      { kind: "converge", trigger: file("services/_catalog.yaml") },
    ],
    [
      "the stack file",
      ["Pulumi.local.yaml"],
      { kind: "converge", trigger: file("Pulumi.local.yaml") },
    ],
    ["another stack's file is not ours", ["Pulumi.other.yaml"], { kind: "none" }],
    [
      "the program",
      ["components/microservice.ts"],
      { kind: "converge", trigger: file("components/microservice.ts") },
    ],
    ["the entry point", ["index.ts"], { kind: "converge", trigger: file("index.ts") }],
    [
      "the dev command and tests are not the program",
      ["dev/open.ts", "test/x.test.ts", "README.md"],
      { kind: "none" },
    ],
  ])("%s", (_title, files, expected) => {
    expect(
      decide(
        files.map((f) => path.join(P, f)),
        plan,
      ),
    ).toEqual(expected);
  });
});

describe("merge: saves during an update coalesce into the next one", () => {
  const price = services([["price", ["services/price/a.py"]]]) as any;
  const bank = services([["bank", ["services/bank/app.py"]]]) as any;
  test("services and their triggers are unioned", () => {
    expect(
      merge(
        price,
        merge(bank, services([["price", ["services/price/a.py", "services/price/b.py"]]]) as any),
      ),
    ).toEqual(
      services([
        ["price", ["services/price/a.py", "services/price/b.py"]],
        ["bank", ["services/bank/app.py"]],
      ]),
    );
  });
  test("a converge absorbs rebuilds; the first converge's trigger stays", () => {
    const converge = { kind: "converge", trigger: file("Pulumi.local.yaml") } as const;
    expect(merge(price, converge)).toEqual(converge);
    expect(merge(converge, { kind: "converge", trigger: file("index.ts") })).toEqual(converge);
    expect(merge({ kind: "none" }, price)).toBe(price);
  });
});
