/**
 * Run by test/dev-tunnel.test.ts in a Node process of its own (the client library is an ES
 * module, which Node loads and Jest's module system does not): the tunnel through the library's
 * PortForward against a stand-in API server that speaks the port-forward channel protocol as the
 * kubelet does (each channel's first frame is the port, channel 0 carries data, channel 1 the
 * errors). Prints what each case saw, as JSON.
 */
import { once } from "events";
import * as http from "http";
import * as net from "net";
import type * as K from "@kubernetes/client-node";
import { kubeClient } from "../dev/cluster";
import { kubeTunnel } from "../dev/tunnel";

interface WsSocket {
  send(data: Buffer): void;
  close(): void;
  on(event: "message", l: (data: Buffer) => void): void;
  on(event: "close", l: () => void): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WebSocketServer } = require("ws") as {
  WebSocketServer: new (o: { server: http.Server }) => {
    on(event: "connection", l: (ws: WsSocket, req: http.IncomingMessage) => void): void;
    close(): void;
  };
};

const frame = (channel: number, data: Buffer) => Buffer.concat([Buffer.from([channel]), data]);
const portPrefix = (port: number) => Buffer.from([port & 0xff, port >> 8]);

const kcFor = (server: string) => {
  const kc = new (kubeClient().KubeConfig)() as K.KubeConfig;
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
};

/** Pods by name: `echo` answers `<pod>:<data>`; `refused` reports a refused connection; `closes` ends after one answer. */
async function apiServer() {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  const paths: string[] = [];
  wss.on("connection", (ws, req) => {
    paths.push(req.url ?? "");
    const pod = /\/pods\/([^/]+)\/portforward/.exec(req.url ?? "")?.[1] ?? "";
    const port = Number(new URL(req.url ?? "", "http://x").searchParams.get("ports"));
    ws.send(frame(0, portPrefix(port)));
    ws.send(frame(1, portPrefix(port)));
    if (pod === "refused") {
      ws.send(
        frame(1, Buffer.from(`error forwarding port ${port} to pod refused: connection refused`)),
      );
      ws.close();
      return;
    }
    ws.on("message", (data) => {
      if (data[0] !== 0) return;
      ws.send(frame(0, Buffer.from(`${pod}:${data.subarray(1)}`)));
      if (pod === "closes") ws.close();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const kc = kcFor(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  return {
    kc,
    paths,
    close: () => {
      wss.close();
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A connected socket pair: `client` is what a user's program holds, `accepted` what the forward got. */
async function socketPair() {
  const listener = net.createServer({ pauseOnConnect: true });
  listener.listen(0, "127.0.0.1");
  await once(listener, "listening");
  const client = net.connect((listener.address() as net.AddressInfo).port, "127.0.0.1");
  const [accepted] = (await once(listener, "connection")) as [net.Socket];
  listener.close();
  const got: string[] = [];
  client.on("data", (d) => got.push(String(d)));
  return { client, accepted, got, ended: once(client, "end") };
}

async function main() {
  const api = await apiServer();
  const report: Record<string, unknown> = {};
  try {
    {
      const { client, accepted, got } = await socketPair();
      const tunnel = await kubeTunnel(api.kc, "localkube")("bank-1", 8080, accepted);
      client.write("hello");
      await new Promise<void>((resolve) => client.once("data", () => resolve()));
      tunnel.close();
      report.bothWays = { paths: [...api.paths], got: got.join(""), done: await tunnel.done };
      client.destroy();
    }
    {
      const { client, accepted, got } = await socketPair();
      const tunnel = await kubeTunnel(api.kc, "localkube")("closes", 8080, accepted);
      client.write("once");
      const done = await tunnel.done;
      report.podEnds = { got: got.join(""), done: done ?? null };
      client.destroy();
    }
    {
      const { client, accepted } = await socketPair();
      const tunnel = await kubeTunnel(api.kc, "localkube")("refused", 8080, accepted);
      report.refused = { done: await tunnel.done };
      client.destroy();
    }
    {
      const { client, accepted } = await socketPair();
      report.unreachable = await kubeTunnel(kcFor("http://127.0.0.1:1"), "localkube")(
        "gone",
        8080,
        accepted,
      ).then(
        () => "opened",
        () => "rejected",
      );
      client.destroy();
    }
  } finally {
    await api.close();
  }
  process.stdout.write(JSON.stringify(report));
}

void main().then(() => process.exit(0));
