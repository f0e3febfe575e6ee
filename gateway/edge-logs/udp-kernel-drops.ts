// Datagrams the kernel dropped for one UDP socket because its receive buffer was full: the `drops`
// column of /proc/net/udp and /proc/net/udp6 (Linux). Without it a flood would vanish uncounted.
import type { Socket } from 'node:dgram';
import { readFileSync, readlinkSync } from 'node:fs';

/** How the socket is found in /proc/net/udp*: by inode when known, else by local port (and IPv4 address). */
export interface UdpSocketKey {
  inode: number | null;
  family: 4 | 6;
  port: number;
  address: string;
}

/**
 * The inode of a bound dgram socket, read through its file descriptor; null when that is not
 * reachable (not Linux, or Node's internals changed), in which case the port identifies the socket.
 */
export function udpSocketInode(socket: Socket): number | null {
  try {
    // Node keeps the libuv handle in a symbol-keyed state; its `fd` is public on the handle.
    const stateKey = Object.getOwnPropertySymbols(socket).find((s) => String(s) === 'Symbol(state symbol)');
    const state = stateKey === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[stateKey];
    const fd = state?.handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return null;
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** /proc/net/udp's local address of an IPv4 text address: the 32-bit value in host (little-endian) order. */
function ipv4Hex(address: string): string | null {
  const p = address.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return null;
  return p.reverse().map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
}

/**
 * Kernel drops of the socket `key` identifies, or null when the table cannot be read or the
 * socket is not in it. Columns (net/ipv4/udp.c udp4_format_sock): sl, local, remote, st,
 * tx:rx queue, tr:when, retrnsmt, uid, timeout, inode, ref, pointer, drops.
 */
export function readUdpKernelDrops(key: UdpSocketKey): number | null {
  let text: string;
  try {
    text = readFileSync(key.family === 4 ? '/proc/net/udp' : '/proc/net/udp6', 'latin1');
  } catch {
    return null;
  }
  const portHex = ':' + key.port.toString(16).toUpperCase().padStart(4, '0');
  const local = key.family === 4 ? ipv4Hex(key.address) : null;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    if (key.inode !== null) {
      if (Number(f[9]) !== key.inode) continue;
    } else if (!f[1]!.endsWith(portHex) || (local !== null && !f[1]!.startsWith(local))) continue;
    const drops = Number(f[12]);
    return Number.isFinite(drops) ? drops : null;
  }
  return null;
}
