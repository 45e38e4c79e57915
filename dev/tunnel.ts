/**
 * A forward's tunnel to a pod through the Kubernetes API's port-forward (the client library's
 * `PortForward`, a WebSocket to the API server; no kubectl). One tunnel carries one connection.
 */
import type * as K from "@kubernetes/client-node";
import { PassThrough, Writable } from "stream";
import { kubeClient } from "./cluster";
import type { OpenTunnel } from "./forwards";

/** The WebSocket `PortForward` returns (the `ws` package's, seen through what we use of it). */
interface Socket {
  readonly readyState: number;
  once(event: "close", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  close(): void;
  terminate?(): void;
}

/**
 * Tunnels to pods of `namespace`. The client's bytes go to the pod as they come; the pod's come
 * back on the socket; what the far end reports on the error channel (the port refused the
 * connection) ends the tunnel with those words. The socket's half-close is not passed on (the
 * channel protocol cannot say it): the tunnel ends when either side closes.
 */
export function kubeTunnel(kc: K.KubeConfig, namespace: string): OpenTunnel {
  const forward = new (kubeClient().PortForward)(kc, true);
  return async (pod, port, socket) => {
    const errors: Buffer[] = [];
    const errorChannel = new Writable({
      write(chunk: Buffer, _enc, done) {
        errors.push(chunk);
        done();
      },
    });
    const input = new PassThrough();
    const ws = (await forward.portForward(
      namespace,
      pod,
      [port],
      socket,
      errorChannel,
      input,
    )) as unknown as Socket;
    ws.on("error", () => undefined); // it closes right after; `done` says why
    const done = new Promise<string | undefined>((resolve) =>
      ws.once("close", () => {
        const why = Buffer.concat(errors).toString("utf8").trim();
        resolve(why === "" ? undefined : why);
      }),
    );
    socket.pipe(input, { end: false });
    socket.resume();
    return {
      done,
      close: () => {
        socket.unpipe(input);
        // OPEN or CONNECTING: a close handshake; CLOSING or CLOSED: nothing left to do.
        if (ws.readyState <= 1) ws.close();
      },
    };
  };
}
