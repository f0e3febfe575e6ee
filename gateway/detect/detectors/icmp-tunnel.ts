// ICMP tunnel (`icmp.tunnel`): ICMP echo used as a covert channel (ptunnel, icmptunnel, icmptx,
// hans, icmpsh, ICMP exfiltration scripts): data rides in echo request and reply payloads, which
// most firewalls let through.
//
// Ordinary ping fills its payload with a fixed pattern (iputils/BSD: a timestamp then 0x08 0x09…;
// Windows: "abcdefghijklmnopqrstuvwabcdefghi"; fping and nmap: zeros or nothing) of one fixed size,
// 56 or 32 bytes. A tunnel carries what it tunnels: whole IP packets (icmptunnel, icmptx, hans), a
// tool header (ptunnel), or ciphertext and command output, of every length. So, per pair
// (requester, responder), both directions of the echo: (1) payloads that start with a plausible
// inner IP header (checksum and length hold; decoded by gateway/app/icmp/echo-payload.ts) or a
// tunnel tool's magic, or (2) sustained opaque traffic: many echo packets whose payload is not a
// pattern, with many distinct lengths and many bytes, in a window. nDPI flags the tunnel capture
// by its payload entropy; the ICMP covert-channel literature adds volume and size variety, which
// ordinary ping never has. A flow-less check: tunnels change echo identifiers (hans -i), so the key
// is the pair, not the identifier.
import { hash30 } from '../../common/hash30.js';
import type { AlertInput } from '../../alerts/alert.js';
import { ipv4ToString, ipv6ToString, macToString } from '../../common/address-text.js';
import { BoundedTable } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { Family, type PacketView } from '../../decode/packet-view.js';
import { ICMP_ECHO, ICMP_ECHO_REPLY } from '../../decode/transport/icmp.js';
import { ICMPV6_ECHO, ICMPV6_ECHO_REPLY } from '../../decode/transport/icmpv6.js';
import {
  ECHO_INNER_IPV4, ECHO_INNER_IPV6, ECHO_PATTERNED, ECHO_TOOL_MAGIC, echoPayloadFlags, innerIpSummary,
} from '../../app/icmp/echo-payload.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.icmpTunnel`. All are read at start. */
export interface IcmpTunnelConfig {
  /**
   * Echo packets of one pair whose payload starts with an inner IP header (or a tunnel tool's
   * magic) that raise the alert. Default 3: no ping puts an IP header with a valid checksum in its
   * payload, but three rule out a one-off echo of some odd packet.
   */
  innerIpPackets: number;
  /**
   * Opaque echo packets (payload not a ping pattern, at least `minPayloadBytes`) of one pair within
   * `windowSeconds` that, with `volumeBytes` and `volumeLengths`, make a tunnel. Default 40: an
   * interactive shell or a file over icmpsh or ptunnel moves hundreds; a ping run is patterned.
   */
  volumePackets: number;
  /** Opaque payload bytes of one pair within `windowSeconds`. Default 16384 (16 KiB: a small file, a few screens of a shell). */
  volumeBytes: number;
  /**
   * Distinct payload lengths among the pair's opaque packets within `windowSeconds`. Default 6: a
   * tunnel's packets take the size of what they carry; a tool that pings with a fixed-size random
   * payload keeps one length.
   */
  volumeLengths: number;
  /** Payloads shorter than this are never opaque (they hold little more than a ping's timestamp), bytes. Default 24. */
  minPayloadBytes: number;
  /** Window of the volume thresholds, and idle time after which a pair is forgotten, seconds. Default 600. */
  windowSeconds: number;
  /** Cap on pairs tracked; the least recently active is evicted (`detect.icmpTunnel.table_full`). Default 1024. */
  maxPairs: number;
}

/** Defaults of `detect.icmpTunnel` (units and reasons in IcmpTunnelConfig). */
export const ICMP_TUNNEL_DEFAULTS: Readonly<IcmpTunnelConfig> = Object.freeze({
  innerIpPackets: 3,
  volumePackets: 40,
  volumeBytes: 16384,
  volumeLengths: 6,
  minPayloadBytes: 24,
  windowSeconds: 600,
  maxPairs: 1024,
});

/** Distinct payload lengths and identifiers remembered per pair. */
const MAX_LENGTHS = 64, MAX_IDS = 8;

type Trigger = 'inner-ip' | 'tool-magic' | 'volume';

/** One pair: what its echo payloads looked like in the current window, then totals once alerted. */
interface Pair {
  /** IPv4 requester and responder (unsigned) that tell pairs sharing a hash apart; 0 for IPv6. */
  a: number;
  b: number;
  windowStart: number;
  firstTs: number;
  lastTs: number;
  requests: number;
  replies: number;
  bytes: number;
  inner: number;
  tool: number;
  opaque: number;
  opaqueBytes: number;
  patterned: number;
  lengths: number[];
  ids: number[];
  minLen: number;
  maxLen: number;
  /** Inner addresses of the first inner IP header seen, e.g. "10.95.1.1 > 10.95.1.2 (proto 1)". */
  innerSample: string | null;
  trigger: Trigger | null;
  nextReport: number;
  dirty: boolean;
  base: Omit<AlertInput, 'ts' | 'evidence' | 'count'> | null;
}

/** The running detector, with its counters (for tests and metrics). */
export interface IcmpTunnelDetector extends Plugin {
  /** Pairs evicted at `maxPairs`. */
  readonly evicted: number;
  /** Pairs alerted and still tracked. */
  readonly findings: number;
}

function resetCounts(p: Pair, ts: number): void {
  p.windowStart = ts; p.firstTs = ts;
  p.requests = 0; p.replies = 0; p.bytes = 0; p.inner = 0; p.tool = 0; p.opaque = 0; p.opaqueBytes = 0; p.patterned = 0;
  p.lengths.length = 0; p.ids.length = 0; p.minLen = Infinity; p.maxLen = 0; p.innerSample = null;
}

/**
 * The `icmpTunnel` detector. Alert: src = the requester (the tunnel client), dst = the responder,
 * proto icmp or ipv6-icmp, device = whichever is a LAN device (the requester first); dedup peer =
 * dst. Evidence: `trigger` (inner-ip, tool-magic or volume), `requests` and `replies` echo packets,
 * `bytes` payload bytes, `innerIpPackets` and `innerSample` (the first inner header's addresses),
 * `toolMagicPackets`, `opaquePackets` and `opaqueBytes`, `patternedPackets`, `distinctLengths`,
 * `minLength`/`maxLength`, `ids` echo identifiers (first 8), `windowSeconds`, `durationSeconds`,
 * `evicted`. Severity high (the rule's) for inner IP headers or a tool's magic, medium for volume
 * alone. Raised once per pair (count 1); reports with count 0 refresh the evidence when the packet
 * count doubles and when the pair goes quiet or the input ends.
 */
export const icmpTunnel = plugin<IcmpTunnelConfig>({
  name: 'icmpTunnel',
  rules: ['icmp.tunnel'],
  defaults: ICMP_TUNNEL_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<IcmpTunnelConfig>): IcmpTunnelDetector {
    const windowUs = cfg.windowSeconds * 1e6;
    let findings = 0;
    const table = new BoundedTable<number | string, Pair>({
      name: 'detect.icmpTunnel.maxPairs', capacity: cfg.maxPairs, counters: host.events, event: 'detect.icmpTunnel.table_full',
      onEvict: (_k, p) => close(p),
    });

    function evidence(p: Pair): Record<string, unknown> {
      return {
        trigger: p.trigger, requests: p.requests, replies: p.replies, bytes: p.bytes, innerIpPackets: p.inner, innerSample: p.innerSample,
        toolMagicPackets: p.tool, opaquePackets: p.opaque, opaqueBytes: p.opaqueBytes, patternedPackets: p.patterned,
        distinctLengths: p.lengths.length, minLength: p.maxLen === 0 ? 0 : p.minLen, maxLength: p.maxLen, ids: [...p.ids],
        windowSeconds: cfg.windowSeconds, durationSeconds: Math.round((p.lastTs - p.firstTs) / 1e3) / 1e3, evicted: table.evicted,
      };
    }

    function report(p: Pair, count: number): void {
      p.dirty = false;
      p.nextReport = (p.requests + p.replies) * 2;
      host.emit({ ...p.base!, ts: p.lastTs, count, evidence: evidence(p) });
    }

    /** Finishes a pair that leaves the table: its last numbers into its alert. */
    function close(p: Pair): void {
      if (p.base === null) return;
      if (p.dirty) report(p, 0);
      p.base = null;
      findings--;
    }

    function raise(p: Pair, pv: PacketView, request: boolean, trigger: Trigger): void {
      const v4 = pv.family === Family.V4;
      // Oriented requester → responder whichever packet crossed the threshold.
      const [r0, r1, r2, r3, s0, s1, s2, s3] = request
        ? [pv.src0, pv.src1, pv.src2, pv.src3, pv.dst0, pv.dst1, pv.dst2, pv.dst3]
        : [pv.dst0, pv.dst1, pv.dst2, pv.dst3, pv.src0, pv.src1, pv.src2, pv.src3];
      const rMac = request ? pv.srcMac : pv.dstMac, sMac = request ? pv.dstMac : pv.srcMac;
      const src = v4 ? ipv4ToString(r0) : ipv6ToString(r0, r1, r2, r3);
      const dst = v4 ? ipv4ToString(s0) : ipv6ToString(s0, s1, s2, s3);
      const isLocal = (w0: number, w1: number, w2: number, w3: number): boolean => (v4 ? host.local.hasV4(w0) : host.local.hasV6(w0, w1, w2, w3));
      let device: string | null = null;
      if (rMac >= 0 && isLocal(r0, r1, r2, r3) && host.devices.get(rMac)) device = macToString(rMac);
      else if (sMac >= 0 && isLocal(s0, s1, s2, s3) && host.devices.get(sMac)) device = macToString(sMac);
      const why = trigger === 'inner-ip' ? `echo payloads carry inner IP packets (${p.innerSample ?? 'inner addresses not captured'})`
        : trigger === 'tool-magic' ? `${p.tool} echo payloads carry a ping-tunnel header`
          : `${p.opaque} opaque echo payloads (${p.opaqueBytes} bytes, ${p.lengths.length} lengths) within ${cfg.windowSeconds} s`;
      p.trigger = trigger;
      p.base = {
        rule: 'icmp.tunnel', device, src, dst, proto: v4 ? 'icmp' : 'ipv6-icmp', sport: null, dport: null,
        message: `ICMP tunnel between ${src} and ${dst}: ${why}`,
        ...(trigger === 'volume' ? { severity: 'medium' as const } : {}),
      };
      findings++;
      report(p, 1);
    }

    return {
      ipProtos: [IPPROTO.ICMP, IPPROTO.ICMPV6],
      get evicted() { return table.evicted; },
      get findings() { return findings; },

      onPacket(pv: PacketView): void {
        const type = pv.icmpType;
        const v4 = pv.family === Family.V4;
        const request = v4 ? type === ICMP_ECHO : type === ICMPV6_ECHO;
        if (!request && type !== (v4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY)) return;
        if (pv.icmpId < 0 || pv.isFragment) return; // header cut by the snap length, or a piece of a datagram
        const ts = pv.ts;
        // Echo data: after the 8-byte echo header; `declared` as the IP header says, `avail` as captured.
        const dataOff = pv.l4Off + 8;
        const declared = pv.l3Off + pv.ipLen - dataOff;
        const avail = pv.l4End - dataOff;
        let key: number | string, a = 0, b = 0;
        if (v4) {
          a = (request ? pv.src0 : pv.dst0) >>> 0;
          b = (request ? pv.dst0 : pv.src0) >>> 0;
          key = hash30(a, b);
        } else {
          key = request
            ? `${pv.src0},${pv.src1},${pv.src2},${pv.src3}>${pv.dst0},${pv.dst1},${pv.dst2},${pv.dst3}`
            : `${pv.dst0},${pv.dst1},${pv.dst2},${pv.dst3}>${pv.src0},${pv.src1},${pv.src2},${pv.src3}`;
        }
        let p = table.peek(key);
        if (p === undefined || p.a !== a || p.b !== b) {
          if (p !== undefined) { close(p); table.delete(key); } // another pair with the same hash: start over
          p = {
            a, b, windowStart: ts, firstTs: ts, lastTs: ts, requests: 0, replies: 0, bytes: 0, inner: 0, tool: 0, opaque: 0, opaqueBytes: 0,
            patterned: 0, lengths: [], ids: [], minLen: Infinity, maxLen: 0, innerSample: null, trigger: null, nextReport: 0, dirty: false, base: null,
          };
          table.add(key, p);
        } else {
          table.touch(key, p);
          // A pair not yet alerted starts a new window once the old one has passed.
          if (p.base === null && ts - p.windowStart > windowUs) resetCounts(p, ts);
        }
        if (ts > p.lastTs) p.lastTs = ts;
        if (request) p.requests++; else p.replies++;
        const len = declared > 0 ? declared : 0;
        p.bytes += len;
        if (p.ids.length < MAX_IDS && !p.ids.includes(pv.icmpId)) p.ids.push(pv.icmpId);
        const flags = avail > 0 ? echoPayloadFlags(pv.buf, dataOff, avail, declared) : ECHO_PATTERNED;
        if ((flags & (ECHO_INNER_IPV4 | ECHO_INNER_IPV6)) !== 0) {
          p.inner++;
          if (p.innerSample === null) {
            const s = innerIpSummary(pv.buf, dataOff, avail, flags);
            if (s !== null) p.innerSample = `${s.src} > ${s.dst} (proto ${s.proto})`;
          }
        }
        if ((flags & ECHO_TOOL_MAGIC) !== 0) p.tool++;
        if ((flags & ECHO_PATTERNED) !== 0) p.patterned++;
        else if (len >= cfg.minPayloadBytes) {
          p.opaque++;
          p.opaqueBytes += len;
          if (len < p.minLen) p.minLen = len;
          if (len > p.maxLen) p.maxLen = len;
          if (p.lengths.length < MAX_LENGTHS && !p.lengths.includes(len)) p.lengths.push(len);
        }
        if (p.base !== null) {
          p.dirty = true;
          if (p.requests + p.replies >= p.nextReport) report(p, 0);
          return;
        }
        if (p.inner >= cfg.innerIpPackets) raise(p, pv, request, 'inner-ip');
        else if (p.tool >= cfg.innerIpPackets) raise(p, pv, request, 'tool-magic');
        else if (p.opaque >= cfg.volumePackets && p.opaqueBytes >= cfg.volumeBytes && p.lengths.length >= cfg.volumeLengths) raise(p, pv, request, 'volume');
      },

      onTick(now: number): void {
        // Pairs quiet for the window are done: an alerted one reports its last numbers.
        table.dropOldestWhile((p) => now - p.lastTs > windowUs, close);
      },

      onFinish(): void {
        for (const p of table.values()) close(p);
      },

      stateSize(): number {
        return table.size;
      },
    };
  },
});
