/**
 * The forward's tunnel through the client library's PortForward, against a stand-in API server
 * that speaks the kubelet's port-forward channel protocol (test/tunnelProbe.ts, run by Node
 * itself: the library is an ES module Jest cannot load). What the forward relies on: bytes both
 * ways, the end of the pod's side, the error channel's words, and a refusal to open.
 */
import { spawnSync } from "child_process";
import * as path from "path";

test("kubeTunnel: both ways, the pod's end, the error channel, an API server that does not answer", () => {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "tunnelProbe.ts")],
    { cwd: path.join(__dirname, ".."), encoding: "utf8", timeout: 60_000 },
  );
  expect(r.stderr).toBe("");
  expect(JSON.parse(r.stdout)).toEqual({
    bothWays: {
      paths: ["/api/v1/namespaces/localkube/pods/bank-1/portforward?ports=8080"],
      got: "bank-1:hello",
    },
    podEnds: { got: "closes:once", done: null },
    refused: { done: "error forwarding port 8080 to pod refused: connection refused" },
    unreachable: "rejected",
  });
});
