// Port scan (`scan.port`): one source probing many distinct ports of one destination host, the
// reconnaissance step before an attack on a device (nmap, Mirai's and Hajime's service discovery).
//
// A probe is the first packet of a flow, from its initiator: a TCP SYN without ACK (SYN and
// connect scans), a TCP segment with flags no stack opens a connection with (NULL, FIN, Xmas,
// SYN+FIN, SYN+RST: nmap -sN/-sF/-sX; RFC 9293 §3.10.7), or a UDP datagram. Distinct destination
// ports are counted per (source, destination) in a sliding window; crossing a threshold opens a
// finding that raises one alert and keeps counting (port bitmaps) until the pair goes quiet.
import { hash30 } from '../../common/hash30.js';
import { isGroupDestination } from '../../decode/group-address.js';
import { ipv4ToString, ipv6ToString } from '../../common/address-text.js';
import { TableCap } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../decode/transport/tcp.js';
import type { Flow } from '../../track/flow.js';
import { flowDevice } from '../../sensor/alert-fields.js';
import { OpenFindings, type ReportedFinding } from '../open-findings.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.scanPort`. All are read at start. */
export interface ScanPortConfig {
  /**
   * Distinct ports within `fastWindowSeconds` that make a fast scan. Default 25. nmap's default
   * timing (-T3) probes its top 1000 ports in seconds and even -T2 "polite" (0.4 s between probes)
   * sends 150 a minute; a client opening 25 different services of one host in a minute is not
   * normal use. Zeek's scan policy alerts at 15 ports (in 5 min).
   */
  fastPorts: number;
  /** Window of the fast threshold, seconds. Default 60. */
  fastWindowSeconds: number;
  /**
   * Distinct ports within `slowWindowSeconds` that make a slow scan. Default 50: nmap -T1
   * "sneaky" waits 15 s between probes, 60 probes in 15 minutes.
   */
  slowPorts: number;
  /** Window of the slow threshold (and of the stealth one), seconds. Default 900. */
  slowWindowSeconds: number;
  /**
   * Distinct ports probed with stealth flags (NULL, FIN, Xmas, SYN+FIN, SYN+RST) within
   * `slowWindowSeconds`. Default 2: no TCP stack opens a connection that way (RFC 9293 §3.10.7),
   * but one odd segment may be a bit flip or a broken middlebox; the same at a second port of the
   * same host is deliberate.
   */
  stealthPorts: number;
  /** Count UDP flows as probes. Default true. */
  udp: boolean;
  /**
   * UDP ports whose flows are never probes, as source or destination: DNS 53, DHCP 67/68, NTP 123,
   * NetBIOS 137/138, SSDP 1900, WS-Discovery 3702, mDNS 5353, LLMNR 5355. Discovery answers come
   * from these ports to each asker's fresh ephemeral port. Default those ten.
   */
  ignoreUdpPorts: number[];
  /** Cap on (source, destination) pairs tracked; the least recently probed is evicted (`detect.scanPort.table_full`). Default 4096. */
  maxTracked: number;
  /** Cap on open findings (two 8 KiB port bitmaps each); the longest quiet is closed (`detect.scanPort.findings_table_full`). Default 128. */
  maxFindings: number;
}

/** Defaults of `detect.scanPort` (units and reasons in ScanPortConfig). */
export const SCAN_PORT_DEFAULTS: Readonly<ScanPortConfig> = Object.freeze({
  fastPorts: 25,
  fastWindowSeconds: 60,
  slowPorts: 50,
  slowWindowSeconds: 900,
  stealthPorts: 2,
  udp: true,
  ignoreUdpPorts: Object.freeze([53, 67, 68, 123, 137, 138, 1900, 3702, 5353, 5355]) as number[],
  maxTracked: 4096,
  maxFindings: 128,
});

/** How many ports an alert lists in `sample` and `openSample`. */
const SAMPLE = 20;
/** 65536 ports, one bit each. */
const BITMAP_WORDS = 2048;

type Trigger = 'fast' | 'slow' | 'stealth';

/** An open finding: every distinct port probed and answered, until the pair goes quiet. */
interface Finding extends ReportedFinding {
  probed: Uint32Array;
  open: Uint32Array;
  ports: number;
  openPorts: number;
  probes: number;
  stealthProbes: number;
  trigger: Trigger;
  windowUs: number;
}

/** One (source, destination) pair: the ports seen in the last slow window, or its finding. */
interface Pair {
  /** Key in the pair map: pairHash of an IPv4 pair (pairs sharing one are chained), or pairKey of an IPv6 one. */
  key: number | string;
  /** IPv4 source and destination (int32), which tell pairs sharing a hash apart; 0 for IPv6. */
  a: number;
  b: number;
  /** The next tracked IPv4 pair with the same hash. */
  chain: Pair | null;
  /** Neighbours in the list of pairs by last probe (`older` is null for the least recent). */
  older: Pair | null;
  newer: Pair | null;
  /** Distinct ports with the time each was last probed (µs) and marks (STEALTH, OPEN). */
  ports: number[];
  times: number[];
  marks: number[];
  lastTs: number;
  /** Probes and stealth probes, repeats included, since the pair was last cleared. */
  probes: number;
  stealthProbes: number;
  finding: Finding | null;
}

const STEALTH = 1, OPEN = 2;

/** The running detector, with its counters (for tests and metrics). */
export interface ScanPortDetector extends Plugin {
  /** Pairs evicted at `maxTracked`. */
  readonly evicted: number;
  /** Findings closed early at `maxFindings`. */
  readonly findingsEvicted: number;
  /** Open findings. */
  readonly findings: number;
}

/** Pair key of an IPv6 flow's initiator → responder (eight words). */
function pairKey(f: Flow): string {
  return `${f.a0},${f.a1},${f.a2},${f.a3}>${f.b0},${f.b1},${f.b2},${f.b3}`;
}

/** Slots of the first-probe table (2^16): a fixed 2 MiB however many sources a flood spoofs. */
const FIRST_BITS = 16;
const FIRST_MASK = (1 << FIRST_BITS) - 1;
// A slot is 32 bytes, so one cache line holds all of it (a flood probe costs one memory access,
// not one per field). Int32 words: source, destination, port with its marks above bit 16 (-1: empty),
// tracked pairs whose hash falls in the slot; then the probe time (µs) as the slot's third float64.
const SLOT_WORDS = 8;
const W_A = 0, W_B = 1, W_PORT = 2, W_PROMOTED = 3;
const F_TS = 2;

function setBit(bm: Uint32Array, p: number): boolean {
  const w = p >>> 5, b = 1 << (p & 31);
  if ((bm[w]! & b) !== 0) return false;
  bm[w] = bm[w]! | b;
  return true;
}

/** The lowest `n` ports set in a bitmap, ascending. */
function lowest(bm: Uint32Array, n: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < BITMAP_WORDS && out.length < n; w++) {
    const v = bm[w]!;
    if (v === 0) continue;
    for (let b = 0; b < 32 && out.length < n; b++) if ((v & (1 << b)) !== 0) out.push(w * 32 + b);
  }
  return out;
}

/**
 * The `scanPort` detector. Alert: src = scanner, dst = target, device = the scanner if it is a LAN
 * device, else the target; dedup peer = dst, so one alert per (scanner, target). Evidence:
 * `ports` distinct ports probed in the finding, `sample` the lowest 20 of them ascending,
 * `windowSeconds` the window of the threshold crossed (`trigger`: fast, slow or stealth),
 * `openPorts` / `openSample` ports that answered SYN-ACK (known when their flows end), `probes`
 * and `stealthProbes` probe flows (repeats included), `evicted` pairs dropped at the cap so far.
 * The alert is raised once (count 1) when a threshold is crossed; reports with count 0 refresh its
 * evidence when the port count doubles and when the finding closes (pair quiet for the window,
 * or shutdown), so the stored alert ends with the final numbers. TCP and UDP ports share one count.
 */
export const scanPort = plugin<ScanPortConfig>({
  name: 'scanPort',
  rules: ['scan.port'],
  defaults: SCAN_PORT_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<ScanPortConfig>): ScanPortDetector {
    const fastUs = cfg.fastWindowSeconds * 1e6;
    const slowUs = cfg.slowWindowSeconds * 1e6;
    const cap = Math.max(cfg.fastPorts, cfg.slowPorts, cfg.stealthPorts, 1);
    const ignoreUdp = new Uint8Array(65536);
    for (const p of cfg.ignoreUdpPorts) if (p >= 0 && p < 65536) ignoreUdp[p] = 1;
    const pairCap = new TableCap({ name: 'detect.scanPort.maxTracked', capacity: cfg.maxTracked, counters: host.events, event: 'detect.scanPort.table_full' });
    const findingCap = new TableCap({
      name: 'detect.scanPort.maxFindings', capacity: cfg.maxFindings, counters: host.events, event: 'detect.scanPort.findings_table_full',
    });
    // Tracked pairs: a map to find them (IPv4 by a 30-bit hash, a Smi, with the pairs sharing it
    // chained; IPv6 by text) and a list by last probe, least recent first, for eviction at the cap
    // and the idle sweep. No strings for IPv4; an evicted pair's record is reused for the next one.
    const pairs = new Map<number | string, Pair>();
    let oldest: Pair | null = null, newest: Pair | null = null;
    let tracked = 0;
    // The first probe of an IPv4 pair goes to a fixed table of numbers; the pair is tracked in full
    // only once it probes a second distinct port. A spoofed flood, one probe per source, then costs
    // no allocation at all. A slot taken by another pair is simply overwritten: a scanner loses the
    // probe it had there and is tracked once two of its probes meet in the slot. The marks of a
    // slot's port are those of a tracked port (STEALTH; OPEN: it answered SYN-ACK, its flow ended
    // before the pair was tracked).
    const slotBytes = new ArrayBuffer((FIRST_MASK + 1) * SLOT_WORDS * 4);
    const first = new Int32Array(slotBytes);
    const firstTs = new Float64Array(slotBytes);
    for (let o = W_PORT; o < first.length; o += SLOT_WORDS) first[o] = -1;

    /** True when a tracked pair has hash `h` (its probes then skip the slot). */
    function isPromoted(h: number): boolean {
      return first[(h & FIRST_MASK) * SLOT_WORDS + W_PROMOTED] !== 0 && pairs.has(h);
    }

    /** The tracked IPv4 pair a → b (int32) with hash `h`, if any. */
    function findV4(h: number, a: number, b: number): Pair | undefined {
      let p = pairs.get(h);
      while (p !== undefined && (p.a !== a || p.b !== b)) p = p.chain ?? undefined;
      return p;
    }

    function unlink(p: Pair): void {
      if (p.older === null) oldest = p.newer; else p.older.newer = p.newer;
      if (p.newer === null) newest = p.older; else p.newer.older = p.older;
      p.older = p.newer = null;
    }

    function append(p: Pair): void {
      p.older = newest;
      if (newest === null) oldest = p; else newest.newer = p;
      newest = p;
    }

    /** Set when flows end for shutdown: the next tick closes every finding with its last counts. */
    let closing = false;

    function evidence(f: Finding): Record<string, unknown> {
      return {
        ports: f.ports, sample: lowest(f.probed, SAMPLE), windowSeconds: f.windowUs / 1e6, openPorts: f.openPorts,
        openSample: lowest(f.open, SAMPLE), trigger: f.trigger, probes: f.probes, stealthProbes: f.stealthProbes, evicted: pairCap.evicted,
      };
    }

    // Reported at the time of the latest probe, again each time the ports probed double.
    const findings = new OpenFindings<Pair, Finding>(host, {
      finding: (p) => p.finding,
      size: (f) => f.ports,
      evidence,
      closed: (p) => {
        p.finding = null;
        p.ports.length = 0; p.times.length = 0; p.marks.length = 0;
        p.probes = 0; p.stealthProbes = 0;
      },
    });

    function removePair(p: Pair): void {
      findings.close(p);
      unlink(p);
      tracked--;
      const k = p.key;
      if (typeof k === 'string') { pairs.delete(k); return; }
      first[(k & FIRST_MASK) * SLOT_WORDS + W_PROMOTED]--;
      let q = pairs.get(k)!;
      if (q === p) {
        if (p.chain === null) pairs.delete(k); else pairs.set(k, p.chain);
      } else {
        while (q.chain !== p) q = q.chain!;
        q.chain = p.chain;
      }
      p.chain = null;
    }

    /** Counts one probe: IPv4 pairs pass the first-probe table until their second distinct port. */
    function probe(flow: Flow, port: number, ts: number, stealth: boolean): void {
      if (flow.family === 4) {
        const a = flow.a0 | 0, b = flow.b0 | 0;
        const h = hash30(a, b);
        if (!isPromoted(h)) {
          const o = (h & FIRST_MASK) * SLOT_WORDS, t = o >>> 1;
          const pm = first[o + W_PORT]!;
          if (pm < 0 || first[o + W_A] !== a || first[o + W_B] !== b || ts - firstTs[t + F_TS]! > slowUs) {
            first[o + W_A] = a; first[o + W_B] = b; first[o + W_PORT] = port | (stealth ? STEALTH << 16 : 0); firstTs[t + F_TS] = ts;
            return;
          }
          const p0 = pm & 0xffff;
          if (p0 === port) {
            if (ts > firstTs[t + F_TS]!) firstTs[t + F_TS] = ts;
            if (stealth) first[o + W_PORT] = pm | (STEALTH << 16);
            return;
          }
          first[o + W_PORT] = -1;
          track(flow, p0, firstTs[t + F_TS]!, pm >>> 16, h, a, b);
        }
        track(flow, port, ts, stealth ? STEALTH : 0, h, a, b);
        return;
      }
      track(flow, port, ts, stealth ? STEALTH : 0, pairKey(flow), 0, 0);
    }

    function openFinding(p: Pair, flow: Flow, ts: number, trigger: Trigger, windowUs: number, proto: string): void {
      if (findingCap.full(findings.size)) {
        let quiet: Pair | null = null;
        for (const q of findings.entries()) if (quiet === null || q.finding!.lastTs < quiet.finding!.lastTs) quiet = q;
        if (quiet !== null) { findings.close(quiet); findingCap.evict(); }
      }
      const src = flow.family === 4 ? ipv4ToString(flow.a0) : ipv6ToString(flow.a0, flow.a1, flow.a2, flow.a3);
      const dst = flow.family === 4 ? ipv4ToString(flow.b0) : ipv6ToString(flow.b0, flow.b1, flow.b2, flow.b3);
      const message = trigger === 'stealth'
        ? `${src} sent stealth probes (NULL, FIN, Xmas…) to ${cfg.stealthPorts}+ ports of ${dst} within ${cfg.slowWindowSeconds} s`
        : `${src} probed ${trigger === 'fast' ? cfg.fastPorts : cfg.slowPorts}+ ports of ${dst} within ${windowUs / 1e6} s`;
      const f: Finding = {
        probed: new Uint32Array(BITMAP_WORDS), open: new Uint32Array(BITMAP_WORDS), ports: 0, openPorts: 0,
        probes: p.probes, stealthProbes: p.stealthProbes, trigger, windowUs, lastTs: ts, nextReport: 0, dirty: false,
        base: { rule: 'scan.port', device: flowDevice(host, flow), src, dst, proto, sport: null, dport: null, message },
      };
      for (let i = 0; i < p.ports.length; i++) {
        const port = p.ports[i]!;
        setBit(f.probed, port);
        f.ports++;
        if (p.marks[i]! & OPEN) { setBit(f.open, port); f.openPorts++; }
      }
      p.ports.length = 0; p.times.length = 0; p.marks.length = 0;
      p.probes = 0; p.stealthProbes = 0;
      p.finding = f;
      findings.opened(p);
    }

    /**
     * Counts one probe of `port` at `ts` (µs) from the flow's initiator to its responder, in full;
     * `mark` (STEALTH, OPEN) is the probe's, or that of a first probe carried over from its slot.
     * `key` is the pair's map key; `a`, `b` its IPv4 addresses (int32).
     */
    function track(flow: Flow, port: number, ts: number, mark: number, key: number | string, a: number, b: number): void {
      const stealth = (mark & STEALTH) !== 0;
      let p = typeof key === 'number' ? findV4(key, a, b) : pairs.get(key);
      if (p === undefined) {
        let reuse: Pair | null = null;
        if (pairCap.full(tracked) && oldest !== null) {
          reuse = oldest;
          removePair(reuse);
          pairCap.evict();
        }
        p = reuse ?? { key, a, b, chain: null, older: null, newer: null, ports: [], times: [], marks: [], lastTs: ts, probes: 0, stealthProbes: 0, finding: null };
        p.key = key; p.a = a; p.b = b; p.lastTs = ts;
        if (typeof key === 'number') {
          first[(key & FIRST_MASK) * SLOT_WORDS + W_PROMOTED]++;
          p.chain = pairs.get(key) ?? null;
        }
        pairs.set(key, p);
        tracked++;
      } else {
        unlink(p); // most recently probed last
      }
      append(p);
      if (ts > p.lastTs) p.lastTs = ts;
      const f = p.finding;
      if (f !== null) {
        f.probes++;
        if (stealth) f.stealthProbes++;
        if (ts > f.lastTs) f.lastTs = ts;
        if (setBit(f.probed, port)) {
          f.ports++;
          findings.grew(f);
        }
        return;
      }
      p.probes++;
      if (stealth) p.stealthProbes++;
      // Slide the window: forget ports not probed within the slow window.
      const { ports, times, marks } = p;
      let j = 0;
      for (let i = 0; i < ports.length; i++) {
        if (ts - times[i]! > slowUs) continue;
        ports[j] = ports[i]!; times[j] = times[i]!; marks[j] = marks[i]!; j++;
      }
      ports.length = j; times.length = j; marks.length = j;
      const at = ports.indexOf(port);
      if (at >= 0) {
        if (ts > times[at]!) times[at] = ts;
        marks[at] = marks[at]! | mark;
      } else {
        if (ports.length >= cap) {
          // Full without a finding (only when a threshold exceeds the others): drop the oldest.
          let o = 0;
          for (let i = 1; i < times.length; i++) if (times[i]! < times[o]!) o = i;
          ports.splice(o, 1); times.splice(o, 1); marks.splice(o, 1);
        }
        ports.push(port); times.push(ts); marks.push(mark);
      }
      let fast = 0, hidden = 0;
      for (let i = 0; i < ports.length; i++) {
        if (ts - times[i]! <= fastUs) fast++;
        if (marks[i]! & STEALTH) hidden++;
      }
      const proto = flow.proto === IPPROTO.TCP ? 'tcp' : 'udp';
      if (fast >= cfg.fastPorts) openFinding(p, flow, ts, 'fast', fastUs, proto);
      else if (ports.length >= cfg.slowPorts) openFinding(p, flow, ts, 'slow', slowUs, proto);
      else if (hidden >= cfg.stealthPorts) openFinding(p, flow, ts, 'stealth', slowUs, proto);
    }

    return {
      get evicted() { return pairCap.evicted; },
      get findingsEvicted() { return findingCap.evicted; },
      get findings() { return findings.size; },

      // Probes are TCP segments and UDP datagrams: the bus skips every other packet.
      ipProtos: [IPPROTO.TCP, IPPROTO.UDP],

      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        // Only the first packet of a flow, sent by its initiator.
        if (flow === null || dir !== 0 || flow.pktsAB !== 1 || flow.pktsBA !== 0 || pv.srcPort < 0) return;
        const proto = flow.proto;
        if (proto === IPPROTO.TCP) {
          const fl = pv.tcpFlags;
          const syn = (fl & (TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST)) === TCP_SYN;
          // RFC 9293 §3.10.7: every segment after the SYN carries ACK; only RST may go without it.
          const stealth = (fl & (TCP_SYN | TCP_ACK | TCP_RST)) === 0 || ((fl & TCP_SYN) !== 0 && (fl & (TCP_FIN | TCP_RST)) !== 0);
          if (!syn && !stealth) return;
          if (isGroupDestination(pv)) return;
          probe(flow, flow.bPort, pv.ts, stealth);
        } else if (proto === IPPROTO.UDP && cfg.udp) {
          if (ignoreUdp[flow.aPort] === 1 || ignoreUdp[flow.bPort] === 1 || isGroupDestination(pv)) return;
          probe(flow, flow.bPort, pv.ts, false);
        }
      },

      onFlowEnd(flow: Flow): void {
        if (flow.endReason === 'shutdown') closing = true;
        // An open port: the responder answered the initiator's SYN with SYN-ACK.
        if (flow.proto !== IPPROTO.TCP || (flow.flagsAB & TCP_SYN) === 0 || (flow.flagsBA & (TCP_SYN | TCP_ACK)) !== (TCP_SYN | TCP_ACK)) return;
        let p: Pair | undefined;
        if (flow.family === 4) {
          const a = flow.a0 | 0, b = flow.b0 | 0;
          const h = hash30(a, b);
          if (!isPromoted(h)) {
            const o = (h & FIRST_MASK) * SLOT_WORDS;
            const pm = first[o + W_PORT]!;
            if (pm >= 0 && (pm & 0xffff) === flow.bPort && first[o + W_A] === a && first[o + W_B] === b) first[o + W_PORT] = pm | (OPEN << 16);
            return;
          }
          p = findV4(h, a, b);
        } else {
          p = pairs.get(pairKey(flow));
        }
        if (p === undefined) return;
        const port = flow.bPort;
        const f = p.finding;
        if (f !== null) {
          if (setBit(f.open, port)) { f.openPorts++; f.dirty = true; }
          return;
        }
        const at = p.ports.indexOf(port);
        if (at >= 0) p.marks[at] = p.marks[at]! | OPEN;
      },

      onTick(now: number): void {
        const shut = closing;
        // A finding closes once the pair has been quiet for the window that raised it, or at shutdown.
        findings.closeWhere((f) => shut || now - f.lastTs > f.windowUs);
        closing = false;
        // Pairs idle for the slow window hold nothing that still counts.
        while (oldest !== null && now - oldest.lastTs > slowUs) removePair(oldest);
      },

      stateSize(): number {
        return tracked;
      },
    };
  },
});
