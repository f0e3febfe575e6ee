// Host sweep (`scan.host`): one source trying one port on many distinct hosts, the way Mirai and
// its descendants look for open telnet, or a worm for its next victim. One alert per (source, port).
//
// Counted like Zeek's scan policy (policy/misc/scan.zeek): only connection attempts that came to
// nothing count, when their flow ends — a TCP flow the source opened (SYN, or stealth flags) in
// which no payload moved either way (unanswered, refused, half-open, connect-and-close), or a UDP
// flow the source started that got no answer. A busy client that reaches twenty web servers in a
// minute exchanges data with each of them and never counts, whether or not the gateway saw the
// DNS answers (DoH). Not counted either: multicast and broadcast destinations, the UDP ports of
// normal fan-out (DNS, DHCP, NTP, NetBIOS, SSDP, WS-Discovery, mDNS, LLMNR) and TCP 53, and
// destinations the DNS cache knows a name for (a scanner picks addresses, not names).
import { byHostKey, hostText, type HostKey } from '../host-key.js';
import { hash30 } from '../../common/hash30.js';
import { ipv4ToString, ipv6ToString, macToString } from '../../common/address-text.js';
import { TableCap } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../decode/transport/tcp.js';
import type { Flow } from '../../track/flow.js';
import { OpenFindings, type ReportedFinding } from '../open-findings.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.scanHost`. All are read at start. */
export interface ScanHostConfig {
  /**
   * Distinct hosts within `fastWindowSeconds` that make a fast sweep. Default 20. Mirai's scanner
   * sends SYNs to random addresses as fast as the device allows (hundreds a second); Zeek's scan
   * policy alerts at 25 hosts in 5 minutes.
   */
  fastHosts: number;
  /** Window of the fast threshold, seconds. Default 60. */
  fastWindowSeconds: number;
  /** Distinct hosts within `slowWindowSeconds` that make a slow sweep. Default 50 (nmap -T1: one probe per 15 s). */
  slowHosts: number;
  /** Window of the slow threshold, seconds. Default 900. */
  slowWindowSeconds: number;
  /** Count unanswered UDP flows. Default true. */
  udp: boolean;
  /**
   * UDP ports whose flows never count, as source or destination: DNS 53, DHCP 67/68, NTP 123,
   * NetBIOS 137/138, SSDP 1900, WS-Discovery 3702, mDNS 5353, LLMNR 5355 (normal fan-out: a
   * resolver asks many servers, a device tries several NTP servers). Default those ten.
   */
  ignoreUdpPorts: number[];
  /** TCP destination ports that never count (DNS over TCP from a LAN resolver). Default [53]. */
  ignoreTcpPorts: number[];
  /** Skip destinations the DNS cache holds a name for at the time of the attempt. Default true. */
  ignoreResolved: boolean;
  /** Cap on (source, protocol, port) keys tracked; the least recently active is evicted (`detect.scanHost.table_full`). Default 4096. */
  maxTracked: number;
  /** Cap on open findings; the longest quiet is closed (`detect.scanHost.findings_table_full`). Default 32. */
  maxFindings: number;
  /**
   * Distinct hosts remembered per finding. Past it, every further failed attempt counts as a new
   * host (evidence `hostsExact: false`). Default 4096.
   */
  maxHostsPerFinding: number;
}

/** Defaults of `detect.scanHost` (units and reasons in ScanHostConfig). */
export const SCAN_HOST_DEFAULTS: Readonly<ScanHostConfig> = Object.freeze({
  fastHosts: 20,
  fastWindowSeconds: 60,
  slowHosts: 50,
  slowWindowSeconds: 900,
  udp: true,
  ignoreUdpPorts: Object.freeze([53, 67, 68, 123, 137, 138, 1900, 3702, 5353, 5355]) as number[],
  ignoreTcpPorts: Object.freeze([53]) as number[],
  ignoreResolved: true,
  maxTracked: 4096,
  maxFindings: 32,
  maxHostsPerFinding: 4096,
});

/** How many hosts an alert lists in `sample`. */
const SAMPLE = 20;

type Trigger = 'fast' | 'slow';

interface Finding extends ReportedFinding {
  hosts: Set<HostKey>;
  count: number;
  exact: boolean;
  probes: number;
  trigger: Trigger;
  windowUs: number;
  /** Packet time the last attempt was counted (its flow's end), µs: quiet is measured from it. */
  lastArrival: number;
}

/** One (source, protocol, port): hosts tried, sorted by the time of their latest attempt. */
interface Entry {
  /**
   * Key in the entry map: attemptHash of an IPv4 source and protocol/port (entries sharing one are
   * chained), or "<source> <proto>/<port>" for IPv6.
   */
  key: number | string;
  /** IPv4 source (int32) and protocol << 16 | port, which tell entries sharing a hash apart; 0 for IPv6. */
  src: number;
  k: number;
  /** The next tracked IPv4 entry with the same hash. */
  chain: Entry | null;
  /** Neighbours in the list of entries by last activity (`older` is null for the least recent). */
  older: Entry | null;
  newer: Entry | null;
  hosts: HostKey[];
  times: number[];
  probes: number;
  /** Latest attempt time seen (µs) and when it was counted. */
  maxTs: number;
  lastArrival: number;
  finding: Finding | null;
}

/** The running detector, with its counters (for tests and metrics). */
export interface ScanHostDetector extends Plugin {
  /** Keys evicted at `maxTracked`. */
  readonly evicted: number;
  /** Findings closed early at `maxFindings`. */
  readonly findingsEvicted: number;
  readonly findings: number;
}

/** Slots of the first-attempt table (2^16): a fixed 2 MiB however many sources a flood spoofs. */
const FIRST_MASK = (1 << 16) - 1;
// A slot is 32 bytes, so one cache line holds all of it (a flood attempt costs one memory access,
// not one per field). Int32 words: source, protocol << 16 | port (-1: empty), host, tracked entries
// whose hash falls in the slot; then the attempt's start and arrival times (µs) as float64 2 and 3.
const SLOT_WORDS = 8;
const W_SRC = 0, W_KEY = 1, W_HOST = 2, W_PROMOTED = 3;
const F_TS = 2, F_ARRIVAL = 3;

/** Most entries of a sorted time list inside any window of `w` µs (two pointers). */
function densest(times: readonly number[], w: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! > w) i++;
    if (j - i + 1 > best) best = j - i + 1;
  }
  return best;
}

/**
 * The `scanHost` detector. Alert: src = scanner, dst = the first host tried, dport = the port,
 * device = the scanner if it is a LAN device (else null: the targets are many); dedup peer =
 * "<src> <proto>/<port>", so one alert per (scanner, port). Evidence: `port`, `hosts` distinct
 * hosts in the finding, `sample` the lowest 20 ascending, `windowSeconds` and `trigger` (fast or
 * slow), `probes` failed attempts (repeats included), `hostsExact` false once past
 * `maxHostsPerFinding`, `evicted` keys dropped at the cap so far. Raised once (count 1); reports
 * with count 0 refresh the evidence when the host count doubles and when the finding closes.
 */
export const scanHost = plugin<ScanHostConfig>({
  name: 'scanHost',
  rules: ['scan.host'],
  defaults: SCAN_HOST_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<ScanHostConfig>): ScanHostDetector {
    const fastUs = cfg.fastWindowSeconds * 1e6;
    const slowUs = cfg.slowWindowSeconds * 1e6;
    const cap = Math.max(cfg.fastHosts, cfg.slowHosts, 1);
    const ignoreUdp = new Uint8Array(65536);
    for (const p of cfg.ignoreUdpPorts) if (p >= 0 && p < 65536) ignoreUdp[p] = 1;
    const ignoreTcp = new Uint8Array(65536);
    for (const p of cfg.ignoreTcpPorts) if (p >= 0 && p < 65536) ignoreTcp[p] = 1;
    // Tracked keys: a map to find them (IPv4 by a 30-bit hash, a Smi, with the entries sharing it
    // chained; IPv6 by text) and a list by last activity, least recent first, for eviction at the
    // cap and the idle sweep. No strings for IPv4 until a finding opens; an evicted entry's record
    // is reused for the next one.
    const entries = new Map<number | string, Entry>();
    let oldest: Entry | null = null, newest: Entry | null = null;
    let tracked = 0;
    const entryCap = new TableCap({ name: 'detect.scanHost.maxTracked', capacity: cfg.maxTracked, counters: host.events, event: 'detect.scanHost.table_full' });
    const findingCap = new TableCap({
      name: 'detect.scanHost.maxFindings', capacity: cfg.maxFindings, counters: host.events, event: 'detect.scanHost.findings_table_full',
    });
    let now = 0;
    let closing = false;

    function evidence(f: Finding): Record<string, unknown> {
      const sample = [...f.hosts].sort(byHostKey).slice(0, SAMPLE).map(hostText);
      return {
        port: f.base.dport, hosts: f.count, sample, windowSeconds: f.windowUs / 1e6, trigger: f.trigger, probes: f.probes,
        hostsExact: f.exact, evicted: entryCap.evicted,
      };
    }

    // Reported at the time of the latest attempt, again each time the hosts double.
    const findings = new OpenFindings<Entry, Finding>(host, {
      finding: (e) => e.finding,
      size: (f) => f.count,
      evidence,
      closed: (e) => { e.finding = null; clear(e); },
    });

    function clear(e: Entry): void {
      e.hosts.length = 0; e.times.length = 0; e.probes = 0;
    }

    function addHost(f: Finding, h: HostKey): boolean {
      if (f.hosts.has(h)) return false;
      if (f.hosts.size < cfg.maxHostsPerFinding) f.hosts.add(h);
      else f.exact = false;
      f.count++;
      return true;
    }

    function openFinding(e: Entry, flow: Flow, trigger: Trigger, windowUs: number, proto: string): void {
      if (findingCap.full(findings.size)) {
        let quiet: Entry | null = null;
        for (const q of findings.entries()) if (quiet === null || q.finding!.lastArrival < quiet.finding!.lastArrival) quiet = q;
        if (quiet !== null) { findings.close(quiet); findingCap.evict(); }
      }
      const aLocal = flow.family === 4 ? host.local.hasV4(flow.a0) : host.local.hasV6(flow.a0, flow.a1, flow.a2, flow.a3);
      const device = aLocal && flow.aMac >= 0 && host.devices.get(flow.aMac) ? macToString(flow.aMac) : null;
      const windowS = windowUs / 1e6;
      const src = flow.family === 4 ? ipv4ToString(flow.a0) : ipv6ToString(flow.a0, flow.a1, flow.a2, flow.a3);
      const f: Finding = {
        hosts: new Set(), count: 0, exact: true, probes: e.probes, trigger, windowUs, lastTs: e.maxTs,
        lastArrival: e.lastArrival, nextReport: 0, dirty: false,
        base: {
          rule: 'scan.host', device, src, dst: hostText(e.hosts[0]!), proto, sport: null, dport: flow.bPort,
          // One alert per scanner and port: the peer names both (the device is null for an outside scanner).
          peer: `${src} ${proto}/${flow.bPort}`,
          message: `${src} tried ${proto}/${flow.bPort} on ${trigger === 'fast' ? cfg.fastHosts : cfg.slowHosts}+ hosts within ${windowS} s without a conversation`,
        },
      };
      // Oldest attempt first, so `dst` and the set's order follow the sweep.
      for (const h of e.hosts) addHost(f, h);
      clear(e);
      e.finding = f;
      findings.opened(e);
    }

    /** True when the flow is an attempt by its initiator that came to nothing. */
    function failedAttempt(f: Flow): boolean {
      if (f.proto === IPPROTO.TCP) {
        if (f.payloadAB !== 0 || f.payloadBA !== 0 || f.pktsAB === 0 || ignoreTcp[f.bPort] === 1) return false;
        const fl = f.flagsAB;
        // Opened by A with a SYN, or stealth flags (NULL, FIN, Xmas: neither SYN, ACK nor RST).
        return (fl & TCP_SYN) !== 0 || (fl & (TCP_SYN | TCP_ACK | TCP_RST)) === 0;
      }
      if (f.proto === IPPROTO.UDP && cfg.udp) {
        return f.initiatorKnown && f.pktsBA === 0 && ignoreUdp[f.aPort] === 0 && ignoreUdp[f.bPort] === 0;
      }
      return false;
    }

    // The first failed attempt of an IPv4 (source, port) waits in a fixed table of numbers; the
    // pair is tracked in full (arrays, a DNS lookup) only when a second host is tried. A spoofed
    // flood of one attempt per source then allocates nothing. A slot taken by another key is simply
    // overwritten: a scanner loses the host it had there and is tracked once two of its attempts
    // meet in the slot.
    const slotBytes = new ArrayBuffer((FIRST_MASK + 1) * SLOT_WORDS * 4);
    const first = new Int32Array(slotBytes);
    const firstTs = new Float64Array(slotBytes);
    for (let o = W_KEY; o < first.length; o += SLOT_WORDS) first[o] = -1;

    /** The tracked IPv4 entry of source `src` and protocol/port `k` with hash `h`, if any. */
    function findV4(h: number, src: number, k: number): Entry | undefined {
      let e = entries.get(h);
      while (e !== undefined && (e.src !== src || e.k !== k)) e = e.chain ?? undefined;
      return e;
    }

    function unlink(e: Entry): void {
      if (e.older === null) oldest = e.newer; else e.older.newer = e.newer;
      if (e.newer === null) newest = e.older; else e.newer.older = e.older;
      e.older = e.newer = null;
    }

    function append(e: Entry): void {
      e.older = newest;
      if (newest === null) oldest = e; else newest.newer = e;
      newest = e;
    }

    /** Forgets an entry (its finding closed first). */
    function dropEntry(e: Entry): void {
      findings.close(e);
      unlink(e);
      tracked--;
      const key = e.key;
      if (typeof key === 'string') { entries.delete(key); return; }
      first[(key & FIRST_MASK) * SLOT_WORDS + W_PROMOTED]--;
      let q = entries.get(key)!;
      if (q === e) {
        if (e.chain === null) entries.delete(key); else entries.set(key, e.chain);
      } else {
        while (q.chain !== e) q = q.chain!;
        q.chain = e.chain;
      }
      e.chain = null;
    }

    function count(flow: Flow): void {
      const v4 = flow.family === 4;
      // Multicast and broadcast are not hosts (RFC 5771 224/4, RFC 919 255.255.255.255, RFC 4291 ff00::/8).
      if (v4 ? (flow.b0 >>> 28) === 0xe || flow.b0 === 0xffffffff || flow.b0 === 0 : (flow.b0 >>> 24) === 0xff) return;
      const ts = flow.firstTs;
      const arrival = Math.max(now, flow.lastTs);
      if (!v4) {
        const key = `${ipv6ToString(flow.a0, flow.a1, flow.a2, flow.a3)} ${flow.proto === IPPROTO.TCP ? 'tcp' : 'udp'}/${flow.bPort}`;
        countHost(flow, ipv6ToString(flow.b0, flow.b1, flow.b2, flow.b3), ts, arrival, key, 0, 0);
        return;
      }
      const k = (flow.proto << 16) | flow.bPort, src = flow.a0 | 0, dst = flow.b0 | 0;
      const hash = hash30(src, k);
      const o = (hash & FIRST_MASK) * SLOT_WORDS, t = o >>> 1;
      // Skip the slot only when a tracked entry has this hash.
      if (first[o + W_PROMOTED] === 0 || !entries.has(hash)) {
        if (first[o + W_KEY] !== k || first[o + W_SRC] !== src || ts - firstTs[t + F_TS]! > slowUs) {
          first[o + W_KEY] = k; first[o + W_SRC] = src; first[o + W_HOST] = dst; firstTs[t + F_TS] = ts; firstTs[t + F_ARRIVAL] = arrival;
          return;
        }
        if (first[o + W_HOST] === dst) {
          if (arrival > firstTs[t + F_ARRIVAL]!) firstTs[t + F_ARRIVAL] = arrival;
          return;
        }
        first[o + W_KEY] = -1;
        countHost(flow, first[o + W_HOST]! >>> 0, firstTs[t + F_TS]!, firstTs[t + F_ARRIVAL]!, hash, src, k);
      }
      countHost(flow, flow.b0, ts, arrival, hash, src, k);
    }

    /**
     * Counts a failed attempt of the flow's source and port at host `h` (first seen at `ts`). `key`
     * is the entry's map key; `src`, `k` its IPv4 source (int32) and protocol << 16 | port.
     */
    function countHost(flow: Flow, h: HostKey, ts: number, arrival: number, key: number | string, src: number, k: number): void {
      if (cfg.ignoreResolved && host.dns.namesFor(h, ts).length > 0) return;
      const proto = flow.proto === IPPROTO.TCP ? 'tcp' : 'udp';
      let e = typeof key === 'number' ? findV4(key, src, k) : entries.get(key);
      if (e === undefined) {
        let reuse: Entry | null = null;
        if (entryCap.full(tracked) && oldest !== null) {
          reuse = oldest;
          dropEntry(reuse);
          entryCap.evict();
        }
        e = reuse ?? {
          key, src, k, chain: null, older: null, newer: null, hosts: [], times: [], probes: 0, maxTs: ts, lastArrival: arrival, finding: null,
        };
        e.key = key; e.src = src; e.k = k; e.maxTs = ts; e.lastArrival = arrival;
        if (typeof key === 'number') {
          first[(key & FIRST_MASK) * SLOT_WORDS + W_PROMOTED]++;
          e.chain = entries.get(key) ?? null;
        }
        entries.set(key, e);
        tracked++;
      } else {
        unlink(e); // most recently active last
      }
      append(e);
      if (ts > e.maxTs) e.maxTs = ts;
      if (arrival > e.lastArrival) e.lastArrival = arrival;
      const f = e.finding;
      if (f !== null) {
        f.probes++;
        if (ts > f.lastTs) f.lastTs = ts;
        f.lastArrival = e.lastArrival;
        if (addHost(f, h)) findings.grew(f);
        return;
      }
      e.probes++;
      const { hosts, times } = e;
      // Slide: drop attempts older than the slow window before the latest one.
      let drop = 0;
      while (drop < times.length && e.maxTs - times[drop]! > slowUs) drop++;
      if (drop > 0) { hosts.splice(0, drop); times.splice(0, drop); }
      if (e.maxTs - ts > slowUs) return; // a straggler from before the window
      const at = hosts.indexOf(h);
      if (at >= 0) {
        if (ts <= times[at]!) return;
        hosts.splice(at, 1); times.splice(at, 1);
      } else if (hosts.length >= cap) {
        hosts.shift(); times.shift();
      }
      // Flows end out of order: insert by time.
      let i = times.length;
      while (i > 0 && times[i - 1]! > ts) i--;
      hosts.splice(i, 0, h); times.splice(i, 0, ts);
      if (densest(times, fastUs) >= cfg.fastHosts) openFinding(e, flow, 'fast', fastUs, proto);
      else if (hosts.length >= cfg.slowHosts) openFinding(e, flow, 'slow', slowUs, proto);
    }

    return {
      get evicted() { return entryCap.evicted; },
      get findingsEvicted() { return findingCap.evicted; },
      get findings() { return findings.size; },

      onFlowEnd(flow: Flow): void {
        if (flow.endReason === 'shutdown') closing = true;
        if (failedAttempt(flow)) count(flow);
      },

      onTick(t: number): void {
        now = t;
        const shut = closing;
        // Quiet is measured from when attempts were last counted: unanswered flows end late.
        findings.closeWhere((f) => shut || t - f.lastArrival > f.windowUs);
        closing = false;
        while (oldest !== null && t - oldest.lastArrival > slowUs) dropEntry(oldest);
      },

      stateSize(): number {
        return tracked;
      },
    };
  },
});
