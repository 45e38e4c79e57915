/**
 * The test's own port-forward to one pod (the Kubernetes client's, no kubectl): a listener on
 * 127.0.0.1 whose every connection is forwarded to a port of the pod. Used to reach a debugger
 * in a pod until `npm run dev` forwards debug ports through its own forward reconciler.
 */
import * as net from "net";
import type * as K from "@kubernetes/client-node";

export interface PodForward {
  readonly port: number;
  close(): Promise<void>;
}

export async function forwardToPod(
  kubeconfig: string,
  namespace: string,
  pod: string,
  podPort: number,
): Promise<PodForward> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const k: typeof K = require("@kubernetes/client-node");
  const kc = new k.KubeConfig();
  kc.loadFromString(kubeconfig);
  const forward = new k.PortForward(kc);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    forward.portForward(namespace, pod, [podPort], socket, null, socket).then(
      (ws) => {
        const close = () => (typeof ws === "function" ? ws()?.close() : ws.close());
        socket.on("close", close);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
