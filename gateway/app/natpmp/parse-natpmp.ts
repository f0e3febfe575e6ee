// NAT-PMP (RFC 6886) and PCP (RFC 6887) request parser: the port mapping a device asks its router
// for on UDP 5351. Pure: a mapping, or null for anything that maps nothing.
import type { PortMapping } from '../app-record.js';

/** NAT-PMP and PCP servers listen on UDP 5351 (RFC 6886 §3.1, RFC 6887 §19.1). */
export const NATPMP_PORT = 5351;
/** RFC 6886 §3.3: version 0; opcodes 1 (map UDP) and 2 (map TCP); request is 12 bytes. */
const NATPMP_VERSION = 0;
const NATPMP_MAP_LEN = 12;
/** RFC 6887 §7.1: version 2; R bit 0x80 set in responses; MAP = 1, PEER = 2 (§19.2). */
const PCP_VERSION = 2;
const PCP_R = 0x80;
const PCP_HEADER_LEN = 24;
/** RFC 6887 §11.1, §12.1: MAP opcode data is 36 bytes, PEER 56. */
const PCP_MAP_LEN = PCP_HEADER_LEN + 36;
const PCP_PEER_LEN = PCP_HEADER_LEN + 56;
/** IANA protocol numbers in PCP's protocol field. */
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/**
 * Reads a NAT-PMP or PCP request in `b[off, end)` (a UDP payload sent to port 5351). Returns the
 * mapping asked for, or null for anything else (address requests, responses, ANNOUNCE, short or
 * unknown messages). A lifetime of 0 is a deletion (RFC 6886 §3.4, RFC 6887 §15); the caller decides.
 */
export function parseNatPmpOrPcp(b: Buffer, off: number, end: number): PortMapping | null {
  if (end > b.length) end = b.length;
  if (off < 0) return null;
  const len = end - off;
  if (len < 2) return null;
  const version = b[off]!;
  const op = b[off + 1]!;
  if (version === NATPMP_VERSION) {
    // RFC 6886 §3.3: version, opcode (1 UDP, 2 TCP), reserved (2), internal port, suggested
    // external port, requested lifetime (seconds). Opcode 0 (external address) maps nothing.
    if ((op !== 1 && op !== 2) || len < NATPMP_MAP_LEN) return null;
    return {
      protocol: 'natpmp', internalPort: b.readUInt16BE(off + 4), externalPort: b.readUInt16BE(off + 6),
      lifetime: b.readUInt32BE(off + 8), proto: op === 1 ? 'udp' : 'tcp', extra: {},
    };
  }
  if (version === PCP_VERSION) {
    // RFC 6887 §7.1: R bit clear in requests; §11.1 MAP, §12.1 PEER.
    if ((op & PCP_R) !== 0) return null;
    const opcode = op & 0x7f;
    if (opcode !== 1 && opcode !== 2) return null;
    if (len < (opcode === 1 ? PCP_MAP_LEN : PCP_PEER_LEN)) return null;
    const d = off + PCP_HEADER_LEN; // nonce (12), protocol (1), reserved (3), internal port, ext port, ext address
    const ipProto = b[d + 12]!;
    const extra: Record<string, unknown> = { opcode: opcode === 1 ? 'map' : 'peer' };
    if (opcode === 2) extra.remotePeerPort = b.readUInt16BE(d + 36);
    return {
      protocol: 'pcp', internalPort: b.readUInt16BE(d + 16), externalPort: b.readUInt16BE(d + 18),
      lifetime: b.readUInt32BE(off + 4), proto: protoText(ipProto), extra,
    };
  }
  return null;
}

/** PCP protocol field (an IANA protocol number; 0 = all protocols, RFC 6887 §11.1). */
function protoText(p: number): string {
  return p === IPPROTO_TCP ? 'tcp' : p === IPPROTO_UDP ? 'udp' : p === 0 ? 'all' : String(p);
}
