// DHCPv4 messages for the demo capture (RFC 2131 §2, options RFC 2132): the client's DISCOVER and
// REQUEST carrying its hostname, vendor class, parameter list and MUD URL (option 161, RFC 8520
// §10), and the server's OFFER and ACK.
import { ipv4Bytes, macBytes } from './frame-builders.js';

/** DHCP message types (option 53, RFC 2132 §9.6). */
export const DHCP = { DISCOVER: 1, OFFER: 2, REQUEST: 3, ACK: 5 } as const;

/** Option codes used (RFC 2132, RFC 8520 §10). */
const OPT = {
  SUBNET_MASK: 1, ROUTER: 3, DNS: 6, HOSTNAME: 12, DOMAIN: 15, NTP: 42, REQUESTED_IP: 50, LEASE: 51, TYPE: 53, SERVER_ID: 54,
  PARAMS: 55, VENDOR_CLASS: 60, CLIENT_ID: 61, MUD_URL: 161, END: 255,
} as const;
/** RFC 2131 §3: the magic cookie that opens the options. */
const MAGIC_COOKIE = 0x63825363;
/** op, htype … file: the fixed BOOTP part before the cookie (RFC 2131 §2). */
const FIXED_LEN = 236;

/** What a client says about itself in DISCOVER and REQUEST. */
export interface DhcpClient {
  mac: string;
  hostname: string;
  /** Option 60, e.g. "ExampleHome HC-1". */
  vendorClass: string;
  /** Option 55: the options it asks for, in its order (the stack's fingerprint). */
  params: number[];
  /** Option 161; null for a device that announces none. */
  mudUrl: string | null;
}

/** What a server hands out. */
export interface DhcpLease {
  server: string;
  address: string;
  mask: string;
  domain: string;
  leaseSeconds: number;
}

function option(code: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([code, value.length]), value]);
}

/** The BOOTP header and cookie; `yiaddr` is the address offered or assigned. */
function bootp(op: 1 | 2, xid: number, mac: string, yiaddr: string, siaddr: string): Buffer {
  const b = Buffer.alloc(FIXED_LEN + 4);
  b[0] = op;
  b[1] = 1; // htype Ethernet
  b[2] = 6; // hlen
  b.writeUInt32BE(xid >>> 0, 4);
  ipv4Bytes(yiaddr).copy(b, 16);
  ipv4Bytes(siaddr).copy(b, 20);
  macBytes(mac).copy(b, 28);
  b.writeUInt32BE(MAGIC_COOKIE, FIXED_LEN);
  return b;
}

/** DISCOVER (no `request`) or REQUEST for `request.address` from `request.server`. */
export function dhcpClientMessage(c: DhcpClient, xid: number, request?: { address: string; server: string }): Buffer {
  const opts = [option(OPT.TYPE, Buffer.from([request ? DHCP.REQUEST : DHCP.DISCOVER]))];
  opts.push(option(OPT.CLIENT_ID, Buffer.concat([Buffer.from([1]), macBytes(c.mac)])));
  if (request) opts.push(option(OPT.REQUESTED_IP, ipv4Bytes(request.address)), option(OPT.SERVER_ID, ipv4Bytes(request.server)));
  opts.push(option(OPT.HOSTNAME, Buffer.from(c.hostname)), option(OPT.VENDOR_CLASS, Buffer.from(c.vendorClass)));
  opts.push(option(OPT.PARAMS, Buffer.from(c.params)));
  if (c.mudUrl !== null) opts.push(option(OPT.MUD_URL, Buffer.from(c.mudUrl)));
  return Buffer.concat([bootp(1, xid, c.mac, '0.0.0.0', '0.0.0.0'), ...opts, Buffer.from([OPT.END])]);
}

/** OFFER or ACK of `lease` to the client `mac`; the server is also router, DNS and NTP server. */
export function dhcpServerMessage(type: typeof DHCP.OFFER | typeof DHCP.ACK, mac: string, xid: number, lease: DhcpLease): Buffer {
  const time = Buffer.alloc(4);
  time.writeUInt32BE(lease.leaseSeconds);
  const opts = [
    option(OPT.TYPE, Buffer.from([type])), option(OPT.SERVER_ID, ipv4Bytes(lease.server)), option(OPT.LEASE, time),
    option(OPT.SUBNET_MASK, ipv4Bytes(lease.mask)), option(OPT.ROUTER, ipv4Bytes(lease.server)), option(OPT.DNS, ipv4Bytes(lease.server)),
    option(OPT.NTP, ipv4Bytes(lease.server)), option(OPT.DOMAIN, Buffer.from(lease.domain)),
  ];
  return Buffer.concat([bootp(2, xid, mac, lease.address, lease.server), ...opts, Buffer.from([OPT.END])]);
}
