/**
 * Tilt beside localkube, when `LOCALKUBE_BENCH_TILT` names a tilt binary (nothing of Tilt is part
 * of this repository: build it yourself). The benchmark writes a Tiltfile at run time —
 * `docker_build` of a copy of the service's source, `k8s_yaml` of the service as localkube
 * deployed it (./serviceCopy.ts: same pod spec, in a namespace and at a host of its own), and a
 * live update that syncs the same files and restarts the process the way localkube does — then
 * runs `tilt up` on the same cluster and registry, and stops it by the pid it spawned.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import type * as K from "@kubernetes/client-node";
import * as h from "../harness";
import type { TimedLine } from "./devLoop";
import { renderTiltfile, TiltfileOptions } from "./tiltfile";

/** The Tilt binary to measure, or undefined (then Tilt is "not measured"). */
export const tiltBinary = (): string | undefined => process.env.LOCALKUBE_BENCH_TILT || undefined;

/** The port Tilt's own server listens on (not Tilt's default: a developer's own Tilt may hold it). */
const TILT_PORT = 10353;

/** `tilt version`'s first word (`v0.37.6, built …` → `v0.37.6`). */
export async function tiltVersion(bin: string): Promise<string> {
  const r = await h.must(bin, ["version"]);
  return r.stdout.trim().split(/[,\s]/)[0];
}

export class TiltSession {
  readonly lines: TimedLine[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  private constructor(bin: string, dir: string) {
    const home = path.join(dir, "home");
    fs.mkdirSync(home, { recursive: true });
    this.child = spawn(
      bin,
      [
        "up",
        "--stream",
        "--port",
        String(TILT_PORT),
        // A Tilt built from source has no bundled web assets and refuses to start in prod mode;
        // the benchmark needs its engine only, not its page.
        "--web-mode=local",
        "--file",
        path.join(dir, "Tiltfile"),
      ],
      {
        cwd: dir,
        env: h.toolEnv({ HOME: home, TILT_DISABLE_ANALYTICS: "1" }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const log = fs.createWriteStream(path.join(dir, "tilt.log"));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let partial = "";
      stream.on("data", (b: Buffer) => {
        const at = Date.now();
        log.write(b);
        const parts = (partial + b.toString()).split("\n");
        partial = parts.pop() ?? "";
        this.lines.push(...parts.map((text) => ({ at, text })));
      });
    }
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /**
   * Writes the Tiltfile and the objects into `dir` (the context is already there) and runs
   * `tilt up` in it.
   */
  static start(
    bin: string,
    dir: string,
    objects: readonly K.KubernetesObject[],
    tiltfile: Omit<TiltfileOptions, "objects">,
  ): TiltSession {
    fs.writeFileSync(
      path.join(dir, "objects.yaml"),
      objects.map((o) => stringify(o)).join("---\n"),
    );
    fs.writeFileSync(
      path.join(dir, "Tiltfile"),
      renderTiltfile({ ...tiltfile, objects: "objects.yaml" }),
    );
    return new TiltSession(bin, dir);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  mark(): number {
    return this.lines.length;
  }

  since(from: number, re: RegExp): string[] {
    return this.lines
      .slice(from)
      .map((l) => l.text)
      .filter((t) => re.test(t));
  }

  tail(n = 30): string {
    return this.lines
      .slice(-n)
      .map((l) => l.text)
      .join("\n");
  }

  /** Ctrl-C to the pid it spawned; SIGKILL to the same pid after 30 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGINT");
    const code = await Promise.race([
      this.exited,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 30_000)),
    ]);
    if (code === "timeout") {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}
