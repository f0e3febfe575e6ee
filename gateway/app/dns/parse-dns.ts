// DNS and mDNS message parser (RFC 1035 §4, RFC 6762): header, questions and the records the
// gateway needs for its DNS cache and tunnelling detectors. Pure: returns a record or a decode event.

import { ipv4ToString, ipv6ToString } from '../../common/address-text.js';
import { ev } from '../../common/events.js';
import type { StreamParse } from '../parse-result.js';
import { DnsType, type DnsMessage, type DnsQuestion, type DnsRecord } from './dns-message.js';

/** Fixed DNS header: id, flags, four counts (RFC 1035 §4.1.1). */
const HEADER_LEN = 12;
/** Type, class, TTL, RDLENGTH after a record's owner name (RFC 1035 §4.1.3). */
const RR_FIXED_LEN = 10;
/** Type and class after a question's name (RFC 1035 §4.1.2). */
const Q_FIXED_LEN = 4;
/** Longest name on the wire, length octets and the root octet included (RFC 1035 §3.1). */
const MAX_NAME_WIRE_LEN = 255;
/** Compression pointers followed for one name. Backward-only pointers already bound this; it is a
 *  second, cheap guard. */
const MAX_POINTER_HOPS = 64;
/** Default cap on questions + records in one message (decode.maxDnsRecords). */
export const DEFAULT_MAX_DNS_RECORDS = 256;
/** mDNS unicast-response (questions) / cache-flush (records) bit in the class field (RFC 6762 §5.4, §10.2). */
const MDNS_CLASS_BIT = 0x8000;

/** Where the name just read ended in the message (after its last label or its first pointer). */
interface Cursor {
  pos: number;
}

/**
 * Parse one DNS message in `buf[off, end)`.
 * @param maxRecords cap on questions + answers + authorities + additionals (default 256); a header
 *   that announces more gives `decoder.dns.too_many_records`.
 * @returns the message, or a negated decode event code.
 */
export function parseDns(buf: Buffer, off: number, end: number, maxRecords = DEFAULT_MAX_DNS_RECORDS): DnsMessage | number {
  if (end > buf.length) end = buf.length;
  if (off < 0 || end - off < HEADER_LEN) return -ev('decoder.dns.too_small');

  const flags = u16(buf, off + 2);
  const qd = u16(buf, off + 4);
  const an = u16(buf, off + 6);
  const ns = u16(buf, off + 8);
  const ar = u16(buf, off + 10);
  if (qd + an + ns + ar > maxRecords) return -ev('decoder.dns.too_many_records');

  const msg: DnsMessage = {
    id: u16(buf, off),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    tc: (flags & 0x0200) !== 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };

  const cur: Cursor = { pos: off + HEADER_LEN };
  for (let i = 0; i < qd; i++) {
    // A response with TC set may stop at any record boundary (RFC 2181 §9): keep what arrived.
    if (msg.tc && cur.pos === end) return msg;
    const name = readName(buf, off, end, cur.pos, end, cur);
    if (typeof name === 'number') return name;
    if (end - cur.pos < Q_FIXED_LEN) return -ev('decoder.dns.truncated');
    const q: DnsQuestion = { name, type: u16(buf, cur.pos), class: u16(buf, cur.pos + 2) & ~MDNS_CLASS_BIT };
    msg.questions.push(q);
    cur.pos += Q_FIXED_LEN;
  }
  const sections: Array<[number, DnsRecord[]]> = [
    [an, msg.answers],
    [ns, msg.authorities],
    [ar, msg.additionals],
  ];
  for (const [count, out] of sections) {
    for (let i = 0; i < count; i++) {
      if (msg.tc && cur.pos === end) return msg;
      const rr = readRecord(buf, off, end, cur);
      if (typeof rr === 'number') return rr;
      out.push(rr);
    }
  }
  return msg;
}

/**
 * Parse DNS over TCP: a 2-byte length prefix, then the message (RFC 1035 §4.2.2, RFC 7766 §8).
 * Incomplete until the whole prefixed message is in `buf[off, end)`; `end` of an ok result is the
 * offset just after the message.
 */
export function parseDnsOverTcp(
  buf: Buffer,
  off: number,
  end: number,
  maxRecords = DEFAULT_MAX_DNS_RECORDS,
): StreamParse<DnsMessage> {
  if (end > buf.length) end = buf.length;
  if (off < 0 || off > end) return { status: 'error', event: -ev('decoder.dns.too_small') };
  if (end - off < 2) return { status: 'incomplete' };
  const len = u16(buf, off);
  if (len < HEADER_LEN) return { status: 'error', event: -ev('decoder.dns.too_small') };
  if (end - off - 2 < len) return { status: 'incomplete' };
  const msgEnd = off + 2 + len;
  const r = parseDns(buf, off + 2, msgEnd, maxRecords);
  if (typeof r === 'number') return { status: 'error', event: r };
  return { status: 'ok', value: r, end: msgEnd };
}

/** One resource record at `cur.pos`; advances `cur.pos` past its RDATA. */
function readRecord(buf: Buffer, msgOff: number, msgEnd: number, cur: Cursor): DnsRecord | number {
  const name = readName(buf, msgOff, msgEnd, cur.pos, msgEnd, cur);
  if (typeof name === 'number') return name;
  let p = cur.pos;
  if (msgEnd - p < RR_FIXED_LEN) return -ev('decoder.dns.truncated');
  const type = u16(buf, p);
  const rawClass = u16(buf, p + 2);
  let ttl = u32(buf, p + 4);
  // RFC 2181 §8: a TTL with the top bit set is treated as zero.
  if (ttl > 0x7fffffff) ttl = 0;
  const rdLen = u16(buf, p + 8);
  p += RR_FIXED_LEN;
  if (msgEnd - p < rdLen) return -ev('decoder.dns.truncated');
  const rdEnd = p + rdLen;
  // OPT's class is the requestor's UDP payload size (RFC 6891 §6.1.2), not a class: keep it whole.
  const cls = type === DnsType.OPT ? rawClass : rawClass & ~MDNS_CLASS_BIT;
  const rr: DnsRecord = { name, type, class: cls, ttl, rdLen, data: null };

  switch (type) {
    case DnsType.A:
      if (rdLen === 4) rr.data = ipv4ToString(u32(buf, p));
      break;
    case DnsType.AAAA:
      // Same text form as the packet view's addresses, so the DNS cache matches flows by string.
      if (rdLen === 16) rr.data = ipv6ToString(u32(buf, p), u32(buf, p + 4), u32(buf, p + 8), u32(buf, p + 12));
      break;
    case DnsType.CNAME:
    case DnsType.PTR:
    case DnsType.NS: {
      // Names inside RDATA may be compressed (RFC 1035 §4.1.4); inline labels must stay in RDATA.
      const target = readName(buf, msgOff, msgEnd, p, rdEnd, cur);
      if (typeof target === 'number') return target;
      rr.data = target;
      break;
    }
    case DnsType.SRV: {
      // RFC 2782: priority, weight, port, target.
      if (rdLen < 7) break;
      rr.port = u16(buf, p + 4);
      const target = readName(buf, msgOff, msgEnd, p + 6, rdEnd, cur);
      if (typeof target === 'number') return target;
      rr.data = target;
      break;
    }
    case DnsType.TXT: {
      // RFC 1035 §3.3.14: one or more <character-string>s, each a length octet and that many bytes.
      // Latin-1 keeps one character per byte, so lengths stay exact for the tunnelling detectors.
      const txt: string[] = [];
      let q = p;
      while (q < rdEnd) {
        const n = buf[q]!;
        if (q + 1 + n > rdEnd) return -ev('decoder.dns.truncated');
        txt.push(buf.toString('latin1', q + 1, q + 1 + n));
        q += 1 + n;
      }
      rr.txt = txt;
      rr.data = txt.join('');
      break;
    }
    default:
      break;
  }
  cur.pos = rdEnd;
  return rr;
}

/**
 * Read a possibly compressed name starting at `start`, whose inline labels must end before `limit`
 * (the message end, or the RDATA end for names in RDATA). Sets `cur.pos` to just after the name as
 * it sits at `start` (after the first pointer if there is one). Lower-cased, no trailing dot; the
 * root is "".
 */
function readName(
  buf: Buffer,
  msgOff: number,
  msgEnd: number,
  start: number,
  limit: number,
  cur: Cursor,
): string | number {
  let name = '';
  let pos = start;
  /** Start of the run of labels being read: every pointer must point before it. */
  let runStart = start;
  let next = -1;
  let hops = 0;
  let wireLen = 1; // the root octet
  // Bounded: each pass either adds a label (wireLen grows, capped at 255) or follows a pointer to a
  // strictly lower offset (capped by MAX_POINTER_HOPS).
  for (;;) {
    if (pos >= limit) return -ev('decoder.dns.truncated');
    const b = buf[pos]!;
    if (b === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    const kind = b & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= limit) return -ev('decoder.dns.truncated');
      const target = msgOff + (((b & 0x3f) << 8) | buf[pos + 1]!);
      if (next < 0) next = pos + 2;
      // RFC 1035 §4.1.4: a pointer refers to a *prior* occurrence of a name. Requiring it to land
      // before the run that contains it makes every jump go strictly backwards, so no loop.
      if (target >= runStart || ++hops > MAX_POINTER_HOPS) return -ev('decoder.dns.pointer_loop');
      pos = target;
      runStart = target;
      limit = msgEnd;
      continue;
    }
    // RFC 1035 §4.1.4: 0x40 and 0x80 are reserved (0x40 was RFC 2673 bit-string / RFC 6891 §5
    // extended labels, never deployed).
    if (kind !== 0) return -ev('decoder.dns.bad_label');
    wireLen += 1 + b;
    if (wireLen > MAX_NAME_WIRE_LEN) return -ev('decoder.dns.name_too_long');
    if (pos + 1 + b > limit) return -ev('decoder.dns.truncated');
    const label = dnsLabelText(buf, pos + 1, pos + 1 + b);
    name = name === '' ? label : name + '.' + label;
    pos += 1 + b;
  }
  cur.pos = next;
  return name;
}

/**
 * Text of one DNS label `buf[s, e)`: ASCII lower-cased (RFC 4343 §3); `.` and `\` escaped with a
 * backslash and bytes outside 0x20–0x7e as `\DDD` (RFC 4343 §2.1), so the dotted form stays
 * unambiguous. Spaces stay literal: mDNS instance names use them (RFC 6763 §4.1.1).
 */
export function dnsLabelText(buf: Buffer, s: number, e: number): string {
  let plain = true;
  let upper = false;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x2e || c === 0x5c) {
      plain = false;
      break;
    }
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  if (plain) {
    const t = buf.toString('latin1', s, e);
    return upper ? t.toLowerCase() : t;
  }
  let out = '';
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c === 0x2e || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c < 0x20 || c > 0x7e) out += '\\' + String(c).padStart(3, '0');
    else out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}

function u16(buf: Buffer, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function u32(buf: Buffer, p: number): number {
  return buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}
