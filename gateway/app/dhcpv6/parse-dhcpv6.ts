// DHCPv6 message parser (RFC 8415): message type, transaction id and the options edgeward learns
// devices from, including option 112, the MUD URL (RFC 8520 §10). Relay messages are unwrapped.

import { ev } from '../../common/events.js';
import { dnsLabelText } from '../dns/parse-dns.js';
import type { Dhcpv6Message } from './dhcpv6-message.js';

/** msg-type and transaction-id (RFC 8415 §8). */
const CLIENT_HEADER_LEN = 4;
/** msg-type, hop-count, link-address, peer-address (RFC 8415 §9). */
const RELAY_HEADER_LEN = 34;
/** Option code and length (RFC 8415 §21.1). */
const OPTION_HEADER_LEN = 4;
const RELAY_FORW = 12;
const RELAY_REPL = 13;
/** Relay layers unwrapped before giving up. RFC 8415 §7.6 lets relays nest up to HOP_COUNT_LIMIT
 *  (32); real networks have one or two, and each layer costs 34 bytes, so 8 is generous. */
export const MAX_DHCPV6_RELAY_DEPTH = 8;
/** Longest FQDN on the wire (RFC 1035 §3.1), as for DNS names. */
const MAX_NAME_WIRE_LEN = 255;

/** Option codes read (RFC 8415 §21, RFC 4704, RFC 8520 §10). */
const Opt = {
  CLIENTID: 1,
  ORO: 6,
  RELAY_MSG: 9,
  VENDOR_CLASS: 16,
  CLIENT_FQDN: 39,
  MUD_URL: 112,
} as const;

/**
 * Parse one DHCPv6 message (the UDP payload) in `buf[off, end)`. RELAY-FORW/RELAY-REPL are
 * unwrapped through their Relay Message option (up to 8 layers) and the innermost message is
 * returned; a relay message without one is returned as itself (msgType 12/13, transactionId 0).
 * @returns the message, or a negated decode event code.
 */
export function parseDhcpv6(buf: Buffer, off: number, end: number): Dhcpv6Message | number {
  if (end > buf.length) end = buf.length;
  if (off < 0 || end - off < CLIENT_HEADER_LEN) return -ev('decoder.dhcpv6.too_small');

  // Unwrap relays: RFC 8415 §9, the client's message travels in option 9 of each relay layer.
  let depth = 0;
  let msgType = buf[off]!;
  while (msgType === RELAY_FORW || msgType === RELAY_REPL) {
    if (end - off < RELAY_HEADER_LEN) return -ev('decoder.dhcpv6.too_small');
    const inner = findOption(buf, off + RELAY_HEADER_LEN, end, Opt.RELAY_MSG);
    // No Relay Message option: read the relay's own options (which reports any that do not fit).
    if (inner < 0) return readMessage(buf, off, end, msgType, 0, off + RELAY_HEADER_LEN);
    if (++depth > MAX_DHCPV6_RELAY_DEPTH) return -ev('decoder.dhcpv6.relay_too_deep');
    off = inner + OPTION_HEADER_LEN;
    end = off + u16(buf, inner + 2);
    if (end - off < CLIENT_HEADER_LEN) return -ev('decoder.dhcpv6.too_small');
    msgType = buf[off]!;
  }
  const xid = (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
  return readMessage(buf, off, end, msgType, xid, off + CLIENT_HEADER_LEN);
}

/** Offset of the first option `code` in `buf[p, end)` (its header), or -1 when it is absent or an
 *  option before it does not fit. */
function findOption(buf: Buffer, p: number, end: number, code: number): number {
  while (p < end) {
    if (end - p < OPTION_HEADER_LEN) return -1;
    const len = u16(buf, p + 2);
    if (end - p - OPTION_HEADER_LEN < len) return -1;
    if (u16(buf, p) === code) return p;
    p += OPTION_HEADER_LEN + len;
  }
  return -1;
}

/** Read the options of a client/server message (or of a relay with no Relay Message option). */
function readMessage(
  buf: Buffer,
  off: number,
  end: number,
  msgType: number,
  transactionId: number,
  optOff: number,
): Dhcpv6Message | number {
  const msg: Dhcpv6Message = {
    msgType,
    transactionId,
    clientDuid: null,
    fqdn: null,
    vendorClass: null,
    oro: null,
    mudUrl: null,
    optionCodes: [],
  };
  // Bounded: every pass consumes at least the 4-byte option header.
  let p = optOff;
  while (p < end) {
    if (end - p < OPTION_HEADER_LEN) return -ev('decoder.dhcpv6.option_truncated');
    const code = u16(buf, p);
    const len = u16(buf, p + 2);
    const v = p + OPTION_HEADER_LEN;
    const ve = v + len;
    if (ve > end) return -ev('decoder.dhcpv6.option_truncated');
    msg.optionCodes.push(code);
    // Options that appear twice: the first one counts (RFC 8415 §21 allows one instance of these).
    switch (code) {
      case Opt.CLIENTID:
        if (msg.clientDuid === null && len > 0) msg.clientDuid = buf.toString('hex', v, ve);
        break;
      case Opt.ORO:
        // RFC 8415 §21.7: a list of 2-byte option codes; an odd trailing byte is ignored.
        if (msg.oro === null) {
          const oro: number[] = [];
          for (let i = v; i + 1 < ve; i += 2) oro.push(u16(buf, i));
          msg.oro = oro;
        }
        break;
      case Opt.VENDOR_CLASS:
        if (msg.vendorClass === null) msg.vendorClass = vendorClassText(buf, v, ve);
        break;
      case Opt.CLIENT_FQDN:
        if (msg.fqdn === null) msg.fqdn = fqdnText(buf, v, ve);
        break;
      case Opt.MUD_URL:
        // RFC 8520 §10: the option carries the MUD URL as is; policy checks it is https.
        if (msg.mudUrl === null) msg.mudUrl = buf.toString('latin1', v, ve);
        break;
      default:
        break;
    }
    p = ve;
  }
  return msg;
}

/**
 * RFC 8415 §21.16: enterprise-number (4 bytes), then vendor-class-data items (2-byte length, data).
 * Rendered as "<enterprise>:<first item>" (e.g. "4491:docsis3.0"), or "<enterprise>" with no item;
 * null when the option is too short or its first item runs past it.
 */
function vendorClassText(buf: Buffer, v: number, ve: number): string | null {
  if (ve - v < 4) return null;
  const enterprise = u32(buf, v);
  if (ve - v < 6) return String(enterprise);
  const n = u16(buf, v + 4);
  if (v + 6 + n > ve) return null;
  return `${enterprise}:${buf.toString('latin1', v + 6, v + 6 + n)}`;
}

/**
 * RFC 4704 §4: a flags byte, then the domain name in DNS wire format without compression; a
 * partial name (no root label) is allowed. Dotted and lower-cased like DNS names; null when the
 * name is malformed (a pointer or reserved label type, a label past the option, over 255 bytes).
 */
function fqdnText(buf: Buffer, v: number, ve: number): string | null {
  let p = v + 1;
  if (p > ve) return null;
  let name = '';
  let wireLen = 1;
  while (p < ve) {
    const n = buf[p]!;
    if (n === 0) break;
    if (n > 63) return null; // RFC 4704 §4.1: no compression; 0x40/0x80 are reserved anyway
    wireLen += 1 + n;
    if (wireLen > MAX_NAME_WIRE_LEN || p + 1 + n > ve) return null;
    const label = dnsLabelText(buf, p + 1, p + 1 + n);
    name = name === '' ? label : name + '.' + label;
    p += 1 + n;
  }
  return name;
}

function u16(buf: Buffer, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function u32(buf: Buffer, p: number): number {
  return buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}
