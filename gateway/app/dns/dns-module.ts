// DNS as app modules: over UDP on 53, mDNS on 5353, LLMNR on 5355 (one datagram, one message), and
// over TCP with its 2-byte length prefix, several messages a connection (RFC 1035 §4.2.2, RFC 7766 §8).
import { ev } from '../../common/events.js';
import { Probe, type RecordSink, type TcpAppModule, type UdpAppModule } from '../app-module.js';
import type { StreamState } from '../stream-state.js';
import { DEFAULT_MAX_DNS_RECORDS, parseDns } from './parse-dns.js';

/** RFC 1035 §4.1.1: the fixed header. */
const HEADER_LEN = 12;
/** TCP length prefix (RFC 1035 §4.2.2). */
const PREFIX_LEN = 2;
const E_TOO_SMALL = -ev('decoder.dns.too_small');

/**
 * A UDP DNS module of one flavor. LLMNR (RFC 4795 §2.1.1) has the DNS message format, so one parser
 * reads all three. No content probe: a 12-byte header has no magic, and QUIC, VoIP or game
 * datagrams on other ports would pass any cheap check.
 * @param maxRecords cap on questions + records per message (decode.maxDnsRecords, default 256).
 */
export function dnsUdpModule(flavor: 'dns' | 'mdns' | 'llmnr', ports: readonly number[], maxRecords = DEFAULT_MAX_DNS_RECORDS): UdpAppModule {
  return {
    name: flavor,
    ports,
    parse(b, off, end, ts, _dir, out) {
      const msg = parseDns(b, off, end, maxRecords);
      if (typeof msg === 'number') return msg;
      out({ kind: 'dns', ts, transport: 'udp', flavor, msg });
      return 0;
    },
  };
}

/** IANA 53 (domain). */
export const dnsUdp = dnsUdpModule('dns', [53]);
/** IANA 5353 (mdns, RFC 6762 §5). */
export const mdnsUdp = dnsUdpModule('mdns', [5353]);
/** IANA 5355 (llmnr, RFC 4795 §2). */
export const llmnrUdp = dnsUdpModule('llmnr', [5355]);

// ---------------------------------------------------------------- over TCP

/** One direction of a DNS-over-TCP connection: the message being gathered when it spans feeds. */
interface DnsTcpSide {
  /** Length-prefix bytes seen (0..2) and the message length they give. */
  prefixPos: number;
  len: number;
  /** The message gathered across feeds (grown as needed, at most 64 KiB), and how much of it. */
  buf: Buffer | null;
  have: number;
}

/** Per-connection state of the DNS-over-TCP module. */
export interface DnsTcpState extends StreamState {
  sides: [DnsTcpSide, DnsTcpSide];
}

/**
 * Strict content probe for DNS over TCP on any port: the whole first message (at most 512 bytes)
 * with one question, opcode QUERY, and the QR bit matching the direction (0 query, 1 response).
 */
function probeDnsTcp(b: Buffer, off: number, end: number, dir: number): Probe {
  if (end > b.length) end = b.length;
  if (end - off < PREFIX_LEN + HEADER_LEN) return end - off > 0 && b[off]! > 2 ? Probe.No : Probe.NeedMore; // a length over 512 is no first query
  const len = (b[off]! << 8) | b[off + 1]!;
  if (len < HEADER_LEN + 5 || len > 512) return Probe.No;
  const h = off + PREFIX_LEN;
  const flags = (b[h + 2]! << 8) | b[h + 3]!;
  if ((flags >> 15) !== (dir === 0 ? 0 : 1) || ((flags >> 11) & 0xf) !== 0 || (flags & 0x40) !== 0) return Probe.No;
  if (((b[h + 4]! << 8) | b[h + 5]!) !== 1) return Probe.No;
  if (end - off < PREFIX_LEN + len) return Probe.NeedMore;
  return typeof parseDns(b, h, h + len) === 'number' ? Probe.No : Probe.Yes;
}

/** On port 53 a length prefix and a header whose QR bit matches the direction are enough. */
export function probeDnsTcpOnPort(b: Buffer, off: number, end: number, dir: number): Probe {
  if (end > b.length) end = b.length;
  if (end - off < PREFIX_LEN + 3) return Probe.NeedMore;
  const len = (b[off]! << 8) | b[off + 1]!;
  if (len < HEADER_LEN) return Probe.No;
  return (b[off + PREFIX_LEN + 2]! >> 7) === (dir === 0 ? 0 : 1) ? Probe.Yes : Probe.No;
}

/** The DNS-over-TCP module: every message of both directions, `dns` records with transport "tcp". */
export function dnsTcpModule(maxRecords = DEFAULT_MAX_DNS_RECORDS): TcpAppModule<DnsTcpState> {
  return {
    name: 'dns',
    // IANA 53 (domain). DNS over TLS (853) is encrypted and read by the TLS module.
    ports: [53],
    probe: probeDnsTcp,
    create(): DnsTcpState {
      const side = (): DnsTcpSide => ({ prefixPos: 0, len: 0, buf: null, have: 0 });
      return { done: false, sides: [side(), side()] };
    },
    feed(st, dir, b, off, end, ts, out) {
      if (st.done) return 0;
      if (end > b.length) end = b.length;
      const s = st.sides[dir === 0 ? 0 : 1];
      let p = off;
      while (p < end) {
        if (s.prefixPos < PREFIX_LEN) {
          // Fast path: a whole message in this feed is parsed in place, without a copy.
          if (s.prefixPos === 0 && end - p >= PREFIX_LEN) {
            const len = (b[p]! << 8) | b[p + 1]!;
            if (end - p - PREFIX_LEN >= len) {
              const r = message(b, p + PREFIX_LEN, p + PREFIX_LEN + len, ts, out, maxRecords);
              if (r < 0) return stop(st, r);
              p += PREFIX_LEN + len;
              continue;
            }
          }
          s.len = (s.len << 8) | b[p++]!;
          if (++s.prefixPos === PREFIX_LEN) {
            if (s.len < HEADER_LEN) return stop(st, E_TOO_SMALL);
            if (s.buf === null || s.buf.length < s.len) s.buf = Buffer.allocUnsafe(s.len);
            s.have = 0;
          }
          continue;
        }
        const n = Math.min(s.len - s.have, end - p);
        b.copy(s.buf!, s.have, p, p + n);
        s.have += n;
        p += n;
        if (s.have === s.len) {
          s.prefixPos = 0;
          s.len = 0;
          const r = message(s.buf!, 0, s.have, ts, out, maxRecords);
          if (r < 0) return stop(st, r);
        }
      }
      return 0;
    },
    gap(st) {
      // Length prefixes cannot be found again after a hole.
      st.done = true;
    },
  };
}

/** The DNS-over-TCP module with the default record cap. */
export const dnsTcp = dnsTcpModule();

function message(b: Buffer, s: number, e: number, ts: number, out: RecordSink, maxRecords: number): number {
  const msg = parseDns(b, s, e, maxRecords);
  if (typeof msg === 'number') return msg;
  out({ kind: 'dns', ts, transport: 'tcp', flavor: 'dns', msg });
  return 0;
}

function stop(st: DnsTcpState, event: number): number {
  st.done = true;
  st.sides[0].buf = st.sides[1].buf = null;
  return event;
}
