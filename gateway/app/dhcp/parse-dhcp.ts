// DHCPv4 message parser (RFC 2131 BOOTP header, RFC 2132 options): the fields edgeward learns
// devices from, the parameter-list fingerprint and the option 161 MUD URL (RFC 8520 §10).

import { ipv4ToString, macToString } from '../../common/address-text.js';
import { ev } from '../../common/events.js';
import type { DhcpMessage } from './dhcp-message.js';

/** Fixed BOOTP header: op … file (RFC 2131 §2, figure 1). */
const BOOTP_LEN = 236;
/** RFC 2131 §3 / RFC 2132 §2: 99.130.83.99 opens the options field. */
const MAGIC_COOKIE = 0x63825363;
const OPTIONS_OFF = BOOTP_LEN + 4;

/** Option codes read (RFC 2132 §3.14, §9.1, §9.6, §9.8, §9.13, §9.14; RFC 8520 §10). */
const Opt = {
  PAD: 0,
  HOSTNAME: 12,
  REQUESTED_IP: 50,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  PARAM_LIST: 55,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  MUD_URL: 161,
  END: 255,
} as const;

/** Hardware type 1 (10 Mb Ethernet, IANA ARP hardware types) with a 6-byte address. */
const HTYPE_ETHERNET = 1;
const ETHER_ADDR_LEN = 6;

/**
 * Parse one DHCPv4 message (the UDP payload) in `buf[off, end)`.
 * @returns the message, or a negated decode event code.
 */
export function parseDhcp(buf: Buffer, off: number, end: number): DhcpMessage | number {
  if (end > buf.length) end = buf.length;
  if (off < 0 || end - off < OPTIONS_OFF) return -ev('decoder.dhcp.too_small');
  if (u32(buf, off + BOOTP_LEN) !== MAGIC_COOKIE) return -ev('decoder.dhcp.bad_cookie');

  const htype = buf[off + 1]!;
  const hlen = buf[off + 2]!;
  const msg: DhcpMessage = {
    op: buf[off]!,
    xid: u32(buf, off + 4),
    chaddr: htype === HTYPE_ETHERNET && hlen === ETHER_ADDR_LEN ? macText(buf, off + 28) : null,
    ciaddr: ipv4Text(buf, off + 12),
    yiaddr: ipv4Text(buf, off + 16),
    messageType: null,
    hostname: null,
    requestedIp: null,
    paramList: null,
    vendorClass: null,
    clientId: null,
    mudUrl: null,
    optionCodes: [],
  };

  // Options: code, length, value; pad and end are single bytes (RFC 2132 §2). Option 52 (overload,
  // RFC 2132 §9.3) would move more options into the sname/file fields: not read, the options the
  // gateway uses fit in the options field in practice. Bounded: every pass consumes >= 1 byte.
  let p = off + OPTIONS_OFF;
  while (p < end) {
    const code = buf[p]!;
    if (code === Opt.PAD) {
      p++;
      continue;
    }
    if (code === Opt.END) break;
    if (end - p < 2) return -ev('decoder.dhcp.option_truncated');
    const len = buf[p + 1]!;
    const v = p + 2;
    const ve = v + len;
    if (ve > end) return -ev('decoder.dhcp.option_truncated');
    msg.optionCodes.push(code);
    // RFC 3396 §7: an option that appears more than once is one value split in pieces, so the
    // variable-length ones are concatenated; fixed-size ones keep the first well-formed instance.
    switch (code) {
      case Opt.HOSTNAME:
        msg.hostname = concat(msg.hostname, textValue(buf, v, ve));
        break;
      case Opt.REQUESTED_IP:
        if (len === 4 && msg.requestedIp === null) msg.requestedIp = ipv4Text(buf, v);
        break;
      case Opt.MESSAGE_TYPE:
        if (len === 1 && msg.messageType === null) msg.messageType = buf[v]!;
        break;
      case Opt.PARAM_LIST: {
        const list = msg.paramList ?? [];
        for (let i = v; i < ve; i++) list.push(buf[i]!);
        msg.paramList = list;
        break;
      }
      case Opt.VENDOR_CLASS:
        msg.vendorClass = concat(msg.vendorClass, textValue(buf, v, ve));
        break;
      case Opt.CLIENT_ID:
        msg.clientId = concat(msg.clientId, buf.toString('hex', v, ve));
        break;
      case Opt.MUD_URL:
        // RFC 8520 §10: the option carries the MUD URL as is; policy checks it is https.
        msg.mudUrl = concat(msg.mudUrl, textValue(buf, v, ve));
        break;
      default:
        break;
    }
    p = ve;
  }
  return msg;
}

/** Latin-1 text of an NVT-ASCII option value, without the trailing NULs some clients send. */
function textValue(buf: Buffer, s: number, e: number): string {
  while (e > s && buf[e - 1] === 0) e--;
  return buf.toString('latin1', s, e);
}

function concat(prev: string | null, next: string): string {
  return prev === null ? next : prev + next;
}

function ipv4Text(buf: Buffer, p: number): string {
  return ipv4ToString(u32(buf, p));
}

function macText(buf: Buffer, p: number): string {
  return macToString(((buf[p]! << 8) | buf[p + 1]!) * 0x100000000 + u32(buf, p + 2));
}

function u32(buf: Buffer, p: number): number {
  return buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}
