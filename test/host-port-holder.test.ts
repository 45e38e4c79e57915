import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { findPortHolder, holderText, listeningInodes, socketInode } from "../host/portHolder";

const TCP = [
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0",
  "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 100 0 0 10 0",
  "   2: 0100007F:2328 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 5555 1 0 20 4 30 10 -1",
  "   3: 0100007F:2329 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 0 1 0 100 0 0 10 0",
].join("\n");
const TCP6 = [
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 9191 1 0 100 0 0 10 0",
].join("\n");

describe("listeningInodes", () => {
  test.each([
    ["a loopback listener (0x2328 = 9000)", TCP, 9000, ["4242"]],
    ["an any-address listener (0x1F90 = 8080)", TCP, 8080, ["777"]],
    ["an established connection on the port is not a listener", TCP, 50000, []],
    ["a row without an inode (a socket being torn down) is skipped", TCP, 9001, []],
    ["nobody on the port", TCP, 9002, []],
    ["IPv6 ::1", TCP6, 9000, ["9191"]],
    ["the header alone", TCP.split("\n")[0], 9000, []],
  ])("%s", (_what, table, port, inodes) => {
    expect(listeningInodes(table, port)).toEqual(inodes);
  });
});

describe("socketInode and holderText", () => {
  test.each([
    ["socket:[4242]", "4242"],
    ["pipe:[4242]", undefined],
    ["/dev/null", undefined],
    ["socket:[]", undefined],
  ])("%s → %s", (link, inode) => {
    expect(socketInode(link)).toBe(inode);
  });

  test("a named holder, and one /proc does not name", () => {
    expect(holderText({ pid: 4242, name: "python3" })).toBe("python3 (pid 4242)");
    expect(holderText(undefined)).toBe("another process");
  });
});

describe("findPortHolder", () => {
  test("a /proc tree: the process whose descriptors hold the listening socket", () => {
    const proc = fs.mkdtempSync(path.join(os.tmpdir(), "lk-proc-"));
    fs.mkdirSync(path.join(proc, "net"));
    fs.writeFileSync(path.join(proc, "net/tcp"), TCP);
    fs.writeFileSync(path.join(proc, "net/tcp6"), TCP6);
    const pid = (n: number, comm: string, links: string[]) => {
      fs.mkdirSync(path.join(proc, String(n), "fd"), { recursive: true });
      fs.writeFileSync(path.join(proc, String(n), "comm"), `${comm}\n`);
      links.forEach((l, i) => fs.symlinkSync(l, path.join(proc, String(n), "fd", String(i))));
    };
    pid(10, "bash", ["/dev/null", "pipe:[11]"]);
    pid(20, "python3", ["/dev/null", "socket:[5555]", "socket:[4242]"]);
    pid(30, "docker-proxy", ["socket:[777]"]);
    fs.mkdirSync(path.join(proc, "self"));
    expect(findPortHolder(9000, proc)).toEqual({ pid: 20, name: "python3" });
    expect(findPortHolder(8080, proc)).toEqual({ pid: 30, name: "docker-proxy" });
    expect(findPortHolder(9002, proc)).toBeUndefined();
    fs.rmSync(proc, { recursive: true, force: true });
  });

  (process.platform === "linux" ? test : test.skip)(
    "this machine's /proc: a port this test listens on is held by this process",
    async () => {
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        expect(findPortHolder(port)).toEqual({
          pid: process.pid,
          name: fs.readFileSync(`/proc/${process.pid}/comm`, "utf8").trim(),
        });
      } finally {
        await new Promise((r) => server.close(r));
      }
    },
  );
});
