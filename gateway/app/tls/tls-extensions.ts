// TLS hello extensions read by both hellos' parsers (parse-hello.ts): server_name (RFC 6066 §3)
// and application_layer_protocol_negotiation (RFC 7301 §3.1). Pure, bounds checked, never throws.
import { ev } from '../../common/events.js';

/** RFC 6066 §3: NameType host_name. */
const NAME_TYPE_HOST_NAME = 0;

/**
 * RFC 6066 §3: ServerNameList<1..2^16-1> of (NameType, HostName<1..2^16-1>). Returns the first
 * host_name, ASCII lower-cased, null when there is none (an empty extension), or a decode event.
 */
export function readServerName(buf: Buffer, v: number, ve: number): string | null | number {
  const bad = -ev('decoder.tls.malformed');
  if (v === ve) return null;
  if (ve - v < 2 || u16(buf, v) !== ve - v - 2) return bad;
  let sni: string | null = null;
  let p = v + 2;
  while (p < ve) {
    if (ve - p < 3) return bad;
    const nameType = buf[p]!;
    const n = u16(buf, p + 1);
    p += 3;
    if (ve - p < n) return bad;
    if (nameType === NAME_TYPE_HOST_NAME && sni === null && n > 0) sni = asciiLower(buf, p, p + n);
    p += n;
  }
  return sni;
}

/** RFC 7301 §3.1: ProtocolNameList<2..2^16-1> of ProtocolName<1..2^8-1>. Returns 0 or a decode event. */
export function readAlpn(buf: Buffer, v: number, ve: number, out: string[]): number {
  const bad = -ev('decoder.tls.malformed');
  if (ve - v < 2 || u16(buf, v) !== ve - v - 2) return bad;
  let p = v + 2;
  while (p < ve) {
    const n = buf[p]!;
    // "Empty strings MUST NOT be included" (RFC 7301 §3.1).
    if (n === 0 || ve - p - 1 < n) return bad;
    out.push(buf.toString('latin1', p + 1, p + 1 + n));
    p += 1 + n;
  }
  return 0;
}

/** Latin-1 text of `buf[s, e)` with only A–Z lower-cased (host names compare ASCII-case-insensitively). */
function asciiLower(buf: Buffer, s: number, e: number): string {
  let upper = false;
  let high = false;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c >= 0x80) high = true;
  }
  const t = buf.toString('latin1', s, e);
  if (!upper) return t;
  if (!high) return t.toLowerCase();
  let out = '';
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}

function u16(buf: Buffer, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}
