// Listening sockets as `ss -H -l -t -u -n -p` prints them (iproute2 ss(8)): protocol, local address
// and port, the device a socket is bound to, and the processes holding it.

/** One listening TCP socket or unconnected UDP socket. */
export interface Listener {
  proto: 'tcp' | 'udp';
  /** Local address without brackets; `*`, `0.0.0.0` and `::` are wildcards. */
  address: string;
  port: number;
  /** Device the socket is bound to (SO_BINDTODEVICE, ss prints `addr%dev`), or null. */
  device: string | null;
  /** Processes holding the socket (empty when ss may not see them, e.g. not root). */
  processes: { name: string; pid: number }[];
}

/** Parses `ss -H -ltunp` output; lines it cannot read are skipped. */
export function parseSsListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6) continue;
    const proto = cols[0];
    if (proto !== 'tcp' && proto !== 'udp') continue;
    const local = cols[4]!;
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    const port = Number(local.slice(colon + 1));
    if (!Number.isInteger(port)) continue;
    let addr = local.slice(0, colon);
    let device: string | null = null;
    const pct = addr.lastIndexOf('%');
    if (pct >= 0) { device = addr.slice(pct + 1); addr = addr.slice(0, pct); }
    addr = addr.replace(/^\[(.*)\]$/, '$1');
    const processes: { name: string; pid: number }[] = [];
    const users = cols.slice(6).join(' ');
    for (const m of users.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)) processes.push({ name: m[1]!, pid: Number(m[2]) });
    out.push({ proto, address: addr, port, device, processes });
  }
  return out;
}

/** True for an address that listens on every interface (`*`, `0.0.0.0`, `::`). */
export function isWildcard(address: string): boolean {
  return address === '*' || address === '0.0.0.0' || address === '::';
}

/** `tcp 0.0.0.0:23 (node pid 1234)`: a listener as the evidence quotes it. */
export function describeListener(l: Listener): string {
  const addr = l.address.includes(':') ? `[${l.address}]` : l.address;
  const who = l.processes.length > 0 ? ` (${l.processes.map((p) => `${p.name} pid ${p.pid}`).join(', ')})` : '';
  return `${l.proto} ${addr}${l.device ? `%${l.device}` : ''}:${l.port}${who}`;
}
