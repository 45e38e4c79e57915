import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { WatchPlan } from "../dev/affected";
import { watchDirectories, watchRoots } from "../dev/dirWatcher";
import type { SourceWatcher } from "../dev/watcher";

/** A project with a build context (price, .dockerignore excluding `tmp/`), a catalog and a program. */
function project(): { dir: string; plan: WatchPlan } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-dirwatch-"));
  const w = (f: string, text = "x\n") => {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  };
  w("services/price.yaml");
  w("services/price/app.py");
  w("services/price/lib/util.py");
  w("services/price/tmp/scratch.txt");
  w("services/price/node_modules/x/index.js");
  w("services/price/.dockerignore", "tmp\nDockerfile\n");
  w("docker/price.Dockerfile");
  w("docker/other.txt");
  w("stacks/localStack.ts");
  w("Pulumi.local.yaml");
  w("README.md");
  const ctx = path.join(dir, "services/price");
  const plan: WatchPlan = {
    projectDir: dir,
    catalogDir: path.join(dir, "services"),
    contexts: [
      {
        service: "price",
        dir: ctx,
        dockerfile: path.join(dir, "docker/price.Dockerfile"),
        ignored: (rel) => rel === "tmp" || rel.startsWith("tmp/") || rel === "Dockerfile",
      },
    ],
    convergeFiles: ["Pulumi.local.yaml"],
    programDirs: ["stacks"],
  };
  return { dir, plan };
}

describe("watchRoots", () => {
  test("contexts and program directories whole; the catalog's own files; single files by name", () => {
    const { dir, plan } = project();
    const roots = watchRoots(plan);
    expect(roots.deep).toEqual([path.join(dir, "services/price"), path.join(dir, "stacks")]);
    expect(roots.shallow).toEqual(
      new Map<string, Set<string> | "all-files">([
        [path.join(dir, "services"), "all-files"],
        [path.join(dir, "docker"), new Set(["price.Dockerfile"])],
        [dir, new Set(["Pulumi.local.yaml"])],
      ]),
    );
  });
});

describe("watchDirectories", () => {
  let watcher: SourceWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  /** Starts watching; returns the batches as they come and a wait for the next one. */
  async function start(plan: WatchPlan) {
    const batches: string[][] = [];
    watcher = await watchDirectories(plan, (files) => batches.push(files), 100);
    const next = async (count: number) => {
      const end = Date.now() + 5000;
      while (batches.length < count && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      return batches;
    };
    return { batches, next };
  }

  test("a saved file, a new file in a new directory and a deleted file, each in its batch", async () => {
    const { dir, plan } = project();
    const { next } = await start(plan);
    const p = (f: string) => path.join(dir, f);
    fs.appendFileSync(p("services/price/app.py"), "more\n");
    expect(await next(1)).toEqual([[p("services/price/app.py")]]);
    fs.mkdirSync(p("services/price/static/css"), { recursive: true });
    fs.writeFileSync(p("services/price/static/css/a.css"), "a\n");
    const b2 = (await next(2))[1];
    expect(b2).toEqual([p("services/price/static/css/a.css")]);
    fs.rmSync(p("services/price/lib/util.py"));
    expect((await next(3))[2]).toEqual([p("services/price/lib/util.py")]);
  });

  test("a deleted directory reports each file it held", async () => {
    const { dir, plan } = project();
    const { next } = await start(plan);
    fs.rmSync(path.join(dir, "services/price/lib"), { recursive: true });
    expect(await next(1)).toEqual([[path.join(dir, "services/price/lib/util.py")]]);
  });

  test("what .dockerignore excludes, node_modules and files outside the plan are not reported; the Dockerfile is", async () => {
    const { dir, plan } = project();
    const { batches, next } = await start(plan);
    const p = (f: string) => path.join(dir, f);
    fs.writeFileSync(p("services/price/tmp/scratch.txt"), "y\n");
    fs.writeFileSync(p("services/price/node_modules/x/index.js"), "y\n");
    fs.writeFileSync(p("docker/other.txt"), "y\n");
    fs.writeFileSync(p("README.md"), "y\n");
    fs.mkdirSync(p("services/price/tmp/deeper"));
    fs.writeFileSync(p("services/price/tmp/deeper/f"), "y\n");
    await new Promise((r) => setTimeout(r, 400));
    expect(batches).toEqual([]);
    fs.writeFileSync(p("docker/price.Dockerfile"), "FROM y\n");
    fs.writeFileSync(p("Pulumi.local.yaml"), "y\n");
    fs.writeFileSync(p("stacks/localStack.ts"), "y\n");
    fs.writeFileSync(p("services/bank.yaml"), "y\n");
    expect(await next(1)).toEqual([
      [
        p("Pulumi.local.yaml"),
        p("docker/price.Dockerfile"),
        p("services/bank.yaml"),
        p("stacks/localStack.ts"),
      ],
    ]);
  });

  test("an editor's temporary file that came and went within a batch is not reported", async () => {
    const { dir, plan } = project();
    const { next } = await start(plan);
    const p = (f: string) => path.join(dir, f);
    fs.writeFileSync(p("services/price/.app.py.swp"), "tmp\n");
    fs.writeFileSync(p("services/price/app.py.tmp"), "new\n");
    fs.renameSync(p("services/price/app.py.tmp"), p("services/price/app.py"));
    fs.rmSync(p("services/price/.app.py.swp"));
    expect(await next(1)).toEqual([[p("services/price/app.py")]]);
  });

  test("after close, nothing is reported", async () => {
    const { dir, plan } = project();
    const { batches } = await start(plan);
    await watcher!.close();
    fs.appendFileSync(path.join(dir, "services/price/app.py"), "more\n");
    await new Promise((r) => setTimeout(r, 300));
    expect(batches).toEqual([]);
  });
});
