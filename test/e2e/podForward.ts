/**
 * The test's own port-forward to one pod (the Kubernetes client's, no kubectl): a listener on
 * 127.0.0.1 whose every connection is forwarded to a port of the pod. Used to reach a debugger
 * in a pod until `npm run dev` forwards debug ports through its own forward reconciler.
 *
 * It runs in a process of its own (this file run with ts-node): the Kubernetes client is an ES
 * module, which Node loads from CommonJS and Jest's module system does not.
 */
import { spawn } from "child_process";
import * as net from "net";
import type * as K from "@kubernetes/client-node";
import * as h from "./harness";

export interface PodForward {
  readonly port: number;
  close(): void;
}

/** Forwards a free port on 127.0.0.1 to `podPort` of `pod`, through the suite's kubeconfig. */
export function forwardToPod(
  namespace: string,
  pod: string,
  podPort: number,
  context = `kind-${h.E2E.cluster}`,
): Promise<PodForward> {
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", __filename, context, namespace, pod, String(podPort)],
    { cwd: h.REPO, env: h.toolEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /^listening (\d+)\n/.exec(out);
      if (m) resolve({ port: Number(m[1]), close: () => child.kill("SIGTERM") });
    });
    child.on("exit", (code) => reject(new Error(`the port-forward exited ${code}: ${err}`)));
  });
}

/** The forwarding process: prints `listening <port>`, forwards until it is killed. */
function serve(context: string, namespace: string, pod: string, podPort: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const k: typeof K = require("@kubernetes/client-node");
  const kc = new k.KubeConfig();
  kc.loadFromDefault();
  kc.setCurrentContext(context);
  const forward = new k.PortForward(kc);
  const server = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    forward.portForward(namespace, pod, [podPort], socket, null, socket).then(
      (ws) => socket.on("close", () => (typeof ws === "function" ? ws()?.close() : ws.close())),
      () => socket.destroy(),
    );
  });
  server.listen(0, "127.0.0.1", () =>
    process.stdout.write(`listening ${(server.address() as net.AddressInfo).port}\n`),
  );
}

if (require.main === module) {
  const [context, namespace, pod, port] = process.argv.slice(2);
  serve(context, namespace, pod, Number(port));
}
