/**
 * Where the local stack reads the Gateway API's CRDs from. localkube commits none of them: they
 * are the upstream project's released manifests, read when the stack is applied from
 *
 * 1. `localkube:gateway.crds` when set (files, globs or URLs: a mirror, a vendored copy);
 * 2. else the Go module cache: the module `sigs.k8s.io/gateway-api` at the pinned release holds the
 *    standard channel's CRDs in `config/crd/standard/` (the module proxy serves it; `go mod
 *    download` fetches it once when Go is installed and it is not there yet);
 * 3. else the release's `standard-install.yaml` on GitHub, which the Kubernetes provider fetches.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The Gateway API release installed locally: the one Traefik v3.6 (the controller that serves it
 * here) is built against (`sigs.k8s.io/gateway-api v1.4.0` in its go.mod).
 */
export const GATEWAY_API_RELEASE = "v1.4.0";
export const GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api";
export const GATEWAY_API_INSTALL_URL = `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_RELEASE}/standard-install.yaml`;

/** The CRD files of the standard channel in an extracted module, by name (the module's layout). */
export const STANDARD_CRDS_DIR = "config/crd/standard";

/** Where the CRDs come from, and in words for the run's log. */
export interface GatewayCrdSource {
  readonly files: readonly string[];
  readonly from: string;
}

/** What the machine offers; the run gathers it, tests give it. */
export interface GatewayCrdFacts {
  /** `localkube:gateway.crds`. */
  readonly override?: readonly string[];
  /** The Go module cache: `$GOMODCACHE`, else `go env GOMODCACHE`, else `~/go/pkg/mod`. */
  readonly modCache: string;
  /** Files in a directory ([] when it does not exist). */
  readonly list: (dir: string) => readonly string[];
  /** Fetches the module into the cache; false when Go is missing or the download failed. */
  readonly download: () => boolean;
}

/** The module's directory in a Go module cache (module paths are lowercase: no escaping needed). */
export function moduleDir(modCache: string): string {
  return path.join(modCache, `${GATEWAY_API_MODULE}@${GATEWAY_API_RELEASE}`, STANDARD_CRDS_DIR);
}

/** Decides the source (see the module's comment); downloads the module at most once. */
export function gatewayCrdSource(facts: GatewayCrdFacts): GatewayCrdSource {
  if (facts.override && facts.override.length > 0)
    return { files: facts.override, from: "localkube:gateway.crds" };
  const dir = moduleDir(facts.modCache);
  const crds = () =>
    facts
      .list(dir)
      .filter((f) => /^gateway\.networking\.k8s\.io_[a-z]+\.yaml$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  let files = crds();
  if (files.length === 0 && facts.download()) files = crds();
  if (files.length > 0)
    return { files, from: `the Go module cache (${GATEWAY_API_MODULE}@${GATEWAY_API_RELEASE})` };
  return { files: [GATEWAY_API_INSTALL_URL], from: GATEWAY_API_INSTALL_URL };
}

/** The machine's facts: environment, `go env`, the file system, `go mod download`. */
export function machineGatewayCrdFacts(override?: readonly string[]): GatewayCrdFacts {
  const go = (args: string[]) =>
    spawnSync("go", args, {
      encoding: "utf8",
      timeout: 120_000,
      // Outside any module: `go mod download` of a module path needs no go.mod.
      cwd: os.tmpdir(),
      env: { ...process.env, GOFLAGS: "-mod=mod" },
    });
  const fromGo = () => {
    const r = go(["env", "GOMODCACHE"]);
    return r.status === 0 ? r.stdout.trim() : "";
  };
  const modCache =
    process.env.GOMODCACHE || fromGo() || path.join(os.homedir(), "go", "pkg", "mod");
  return {
    override,
    modCache,
    list: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
    download: () =>
      go(["mod", "download", `${GATEWAY_API_MODULE}@${GATEWAY_API_RELEASE}`]).status === 0,
  };
}
