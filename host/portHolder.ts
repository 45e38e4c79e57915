/**
 * Which process holds a TCP port on this machine, to name it when a port cannot be listened on.
 * Linux: the listening socket's inode from /proc/net/tcp{,6}, then the process with that socket
 * among its file descriptors (/proc/<pid>/fd). Elsewhere, or when /proc does not tell (another
 * user's process), the holder stays unnamed.
 */
import * as fs from "fs";
import * as path from "path";

/** The process that holds a port. */
export interface PortHolder {
  readonly pid: number;
  /** Its command name (`/proc/<pid>/comm`): `python3`, `node`, `docker-proxy`. */
  readonly name: string;
}

/** `st` of a listening socket in /proc/net/tcp. */
const LISTEN = "0A";

/**
 * Inodes of the sockets listening on `port` (any address) in a /proc/net/tcp or tcp6 table.
 * Each row: `sl local_address rem_address st … uid timeout inode …`, addresses as `HEXIP:HEXPORT`.
 * Pure.
 */
export function listeningInodes(table: string, port: number): string[] {
  const out: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1];
    const colon = local.lastIndexOf(":");
    if (colon < 0 || parseInt(local.slice(colon + 1), 16) !== port) continue;
    if (f[3] !== LISTEN || f[9] === "0") continue;
    out.push(f[9]);
  }
  return out;
}

/** The inode of a `/proc/<pid>/fd/<n>` link that is a socket (`socket:[12345]`). Pure. */
export function socketInode(link: string): string | undefined {
  return /^socket:\[(\d+)\]$/.exec(link)?.[1];
}

/** How a message names the holder: `python3 (pid 4242)`, or `another process`. Pure. */
export function holderText(holder: PortHolder | undefined): string {
  return holder ? `${holder.name} (pid ${holder.pid})` : "another process";
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

/**
 * The process listening on TCP `port`, read from `proc` (Linux's /proc; a test gives a copy).
 * Undefined when nothing there says (not Linux, the socket belongs to another user's process, or
 * nobody listens any more).
 */
export function findPortHolder(port: number, proc = "/proc"): PortHolder | undefined {
  if (proc === "/proc" && process.platform !== "linux") return undefined;
  const inodes = new Set(
    ["net/tcp", "net/tcp6"].flatMap((t) => listeningInodes(read(path.join(proc, t)) ?? "", port)),
  );
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = fs.readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(path.join(proc, pid, "fd"));
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(path.join(proc, pid, "fd", fd));
      } catch {
        continue;
      }
      const inode = socketInode(link);
      if (inode && inodes.has(inode))
        return {
          pid: Number(pid),
          name: (read(path.join(proc, pid, "comm")) ?? "").trim() || "unknown",
        };
    }
  }
  return undefined;
}
