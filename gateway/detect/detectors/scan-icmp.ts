// ICMP sweep (`scan.icmp`): one source sending ICMP requests to many distinct hosts, the host
// discovery step before a port scan or an exploit: nmap -sn / -PE (echo), -PP (timestamp) and -PM
// (address mask), fping -g, zmap's icmp_echoscan module, worms that ping before they infect, and
// ICMPv6 echo sweeps of an IPv6 network.
//
// Counted per source: the distinct destination hosts of its requests in a sliding window, for each
// probe kind. Echo is what every ping does, so many hosts in a short window are needed; timestamp,
// address-mask and information requests (RFC 792, RFC 950) are obsolete and no ordinary software
// sends them, so a few hosts suffice (nmap -sn sends a timestamp request with each echo; Snort's
// sfPortscan and Suricata's ET SCAN rules flag them on sight). Multicast and broadcast destinations
// are not hosts. One alert per source (one finding holds every kind it used); replies from targets
// (echo, timestamp and mask replies to the source) say which hosts are alive.
import { byHostKey, hostText, type HostKey } from '../host-key.js';
import { isGroupDestination } from '../../decode/group-address.js';
import { ipv4ToString, ipv6ToString, macToString, parseIpv4, parseIpv6 } from '../../common/address-text.js';
import { BoundedTable } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { Family, type PacketView } from '../../decode/packet-view.js';
import {
  ICMP_ECHO, ICMP_ECHO_REPLY, ICMP_INFO, ICMP_INFO_REPLY, ICMP_MASK, ICMP_MASK_REPLY, ICMP_TIMESTAMP, ICMP_TIMESTAMP_REPLY,
} from '../../decode/transport/icmp.js';
import { ICMPV6_ECHO, ICMPV6_ECHO_REPLY } from '../../decode/transport/icmpv6.js';
import { OpenFindings, type ReportedFinding } from '../open-findings.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.scanIcmp`. All are read at start. */
export interface ScanIcmpConfig {
  /**
   * Distinct hosts sent echo requests (ICMP or ICMPv6) within `fastWindowSeconds` that make a
   * sweep. Default 10. nmap -sn, fping -g and zmap reach a whole /24 in seconds (nmap -T2 "polite"
   * still probes 150 hosts a minute); a device checking its connectivity pings its gateway, a DNS
   * server or one or two internet hosts, and a ping monitor watches a handful of hosts. Zeek's scan
   * policy alerts at 25 hosts in 5 minutes for TCP; ICMP has no service to reach, so fewer suffice.
   */
  echoHosts: number;
  /** Window of `echoHosts`, seconds. Default 60. */
  fastWindowSeconds: number;
  /**
   * Distinct hosts sent echo requests within `slowWindowSeconds` that make a slow sweep. Default 25
   * (Zeek's address-scan threshold): nmap -T1 "sneaky" waits 15 s between probes, 60 hosts in 15
   * minutes. A monitor that pings more hosts than this belongs in `ignoreSources`.
   */
  slowEchoHosts: number;
  /** Window of `slowEchoHosts` and `rareHosts`, seconds. Default 900. */
  slowWindowSeconds: number;
  /**
   * Distinct hosts sent timestamp (type 13), address-mask (17) or information (15) requests within
   * `slowWindowSeconds`. Default 4: these queries are obsolete (RFC 6918 deprecates the information
   * and mask ones) and only scanners send them, but one host asked may be an old monitoring check.
   */
  rareHosts: number;
  /**
   * Sources never counted (IPv4 or IPv6 text): a monitoring host (Home Assistant's ping tracker,
   * Uptime Kuma, Smokeping) that pings many LAN devices by design, or the router's own network map.
   * Default none.
   */
  ignoreSources: string[];
  /** Cap on sources tracked; the least recently active is evicted (`detect.scanIcmp.table_full`). Default 4096. */
  maxTracked: number;
  /** Distinct hosts remembered per finding; past it, hosts are counted but not listed (`hostsExact` false). Default 4096. */
  maxHostsPerFinding: number;
}

/** Defaults of `detect.scanIcmp` (units and reasons in ScanIcmpConfig). */
export const SCAN_ICMP_DEFAULTS: Readonly<ScanIcmpConfig> = Object.freeze({
  echoHosts: 10,
  fastWindowSeconds: 60,
  slowEchoHosts: 25,
  slowWindowSeconds: 900,
  rareHosts: 4,
  ignoreSources: Object.freeze([]) as unknown as string[],
  maxTracked: 4096,
  maxHostsPerFinding: 4096,
});

/** How many hosts an alert lists in `sample` and `answeredSample`. */
const SAMPLE = 20;

/** Probe kinds, as bits of a host's marks; ANSWERED: the host replied to the source. */
const ECHO = 1, TIMESTAMP = 2, MASK = 4, INFO = 8, ANSWERED = 16;
const RARE = TIMESTAMP | MASK | INFO;
const KIND_NAMES: ReadonlyArray<[number, string]> = [[ECHO, 'echo'], [TIMESTAMP, 'timestamp'], [MASK, 'address-mask'], [INFO, 'information']];

type Trigger = 'fast' | 'slow' | 'rare';

interface Finding extends ReportedFinding {
  /** Every host probed (up to maxHostsPerFinding) with its marks. */
  hosts: Map<HostKey, number>;
  count: number;
  answered: number;
  exact: boolean;
  kinds: number;
  probes: number;
  trigger: Trigger;
  windowUs: number;
  firstTs: number;
}

/** One source: hosts probed in the slow window (oldest first), or its open finding. */
interface Entry {
  hosts: HostKey[];
  times: number[];
  marks: number[];
  probes: number;
  lastTs: number;
  finding: Finding | null;
}

/** The running detector, with its counters (for tests and metrics). */
export interface ScanIcmpDetector extends Plugin {
  /** Sources evicted at `maxTracked`. */
  readonly evicted: number;
  /** Open findings. */
  readonly findings: number;
}

/** The probe kind bit of a request type, or 0 for any other message. */
function requestKind(v4: boolean, type: number): number {
  if (!v4) return type === ICMPV6_ECHO ? ECHO : 0;
  switch (type) {
    case ICMP_ECHO: return ECHO;
    case ICMP_TIMESTAMP: return TIMESTAMP;
    case ICMP_MASK: return MASK;
    case ICMP_INFO: return INFO;
    default: return 0;
  }
}

/** True for a reply to one of the requests counted. */
function isReply(v4: boolean, type: number): boolean {
  if (!v4) return type === ICMPV6_ECHO_REPLY;
  return type === ICMP_ECHO_REPLY || type === ICMP_TIMESTAMP_REPLY || type === ICMP_MASK_REPLY || type === ICMP_INFO_REPLY;
}

function kindList(kinds: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of KIND_NAMES) if ((kinds & bit) !== 0) out.push(name);
  return out;
}

/**
 * The `scanIcmp` detector. Alert: src = the sweeping source, dst = the first host probed, proto
 * icmp or ipv6-icmp, device = the source if it is a LAN device, else null; dedup peer = src, so one
 * alert per source. Evidence: `hosts` distinct hosts probed in the finding, `sample` the lowest 20,
 * `kinds` the probe kinds used (echo, timestamp, address-mask, information), `probes` requests
 * (repeats included), `answered` hosts that replied and `answeredSample`, `trigger` (fast, slow or
 * rare) with its `windowSeconds`, `durationSeconds` from first to last probe, `hostsExact`, and
 * `evicted` sources dropped at the cap so far. Raised once (count 1); reports with count 0 refresh
 * the evidence when the host count doubles and when the finding closes (source quiet for the
 * window, or end of input).
 */
export const scanIcmp = plugin<ScanIcmpConfig>({
  name: 'scanIcmp',
  rules: ['scan.icmp'],
  defaults: SCAN_ICMP_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<ScanIcmpConfig>): ScanIcmpDetector {
    const fastUs = cfg.fastWindowSeconds * 1e6;
    const slowUs = cfg.slowWindowSeconds * 1e6;
    const keep = Math.max(cfg.echoHosts, cfg.slowEchoHosts, cfg.rareHosts, 1);
    const ignore = new Set<HostKey>();
    for (const s of cfg.ignoreSources) {
      const a = parseIpv4(s);
      if (a >= 0) { ignore.add(a >>> 0); continue; }
      const w = parseIpv6(s);
      if (w !== null) ignore.add(ipv6ToString(w[0], w[1], w[2], w[3]));
    }
    const table = new BoundedTable<HostKey, Entry>({
      name: 'detect.scanIcmp.maxTracked', capacity: cfg.maxTracked, counters: host.events, event: 'detect.scanIcmp.table_full',
      onEvict: (_k, e) => findings.close(e),
    });

    function evidence(f: Finding): Record<string, unknown> {
      const all = [...f.hosts.keys()].sort(byHostKey);
      const answered: HostKey[] = [];
      for (const h of all) if ((f.hosts.get(h)! & ANSWERED) !== 0 && answered.length < SAMPLE) answered.push(h);
      return {
        hosts: f.count, sample: all.slice(0, SAMPLE).map(hostText), kinds: kindList(f.kinds), probes: f.probes,
        answered: f.answered, answeredSample: answered.map(hostText), trigger: f.trigger, windowSeconds: f.windowUs / 1e6,
        durationSeconds: Math.round((f.lastTs - f.firstTs) / 1e3) / 1e3, hostsExact: f.exact, evicted: table.evicted,
      };
    }

    const findings = new OpenFindings<Entry, Finding>(host, {
      finding: (e) => e.finding,
      size: (f) => f.count,
      evidence,
      closed: (e) => {
        e.finding = null;
        e.hosts.length = 0; e.times.length = 0; e.marks.length = 0; e.probes = 0;
      },
    });

    /** Adds host `h` with `marks` to a finding; true when it was new. */
    function addHost(f: Finding, h: HostKey, marks: number): boolean {
      f.kinds |= marks & ~ANSWERED;
      const m = f.hosts.get(h);
      if (m !== undefined) {
        if ((marks & ANSWERED) !== 0 && (m & ANSWERED) === 0) { f.answered++; f.dirty = true; }
        f.hosts.set(h, m | marks);
        return false;
      }
      f.count++;
      if ((marks & ANSWERED) !== 0) f.answered++;
      if (f.hosts.size < cfg.maxHostsPerFinding) f.hosts.set(h, marks);
      else f.exact = false;
      return true;
    }

    function openFinding(e: Entry, pv: PacketView, trigger: Trigger, windowUs: number): void {
      const v4 = pv.family === Family.V4;
      const src = v4 ? ipv4ToString(pv.src0) : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
      const local = v4 ? host.local.hasV4(pv.src0) : host.local.hasV6(pv.src0, pv.src1, pv.src2, pv.src3);
      const device = local && pv.srcMac >= 0 && host.devices.get(pv.srcMac) ? macToString(pv.srcMac) : null;
      const what = trigger === 'rare' ? `${cfg.rareHosts}+ hosts with ICMP timestamp/address-mask requests`
        : `${trigger === 'fast' ? cfg.echoHosts : cfg.slowEchoHosts}+ hosts with ICMP echo requests`;
      const f: Finding = {
        hosts: new Map(), count: 0, answered: 0, exact: true, kinds: 0, probes: e.probes, trigger, windowUs,
        firstTs: e.times[0] ?? pv.ts, lastTs: pv.ts, nextReport: 0, dirty: false,
        base: {
          rule: 'scan.icmp', device, src, dst: hostText(e.hosts[0]!), proto: v4 ? 'icmp' : 'ipv6-icmp', sport: null, dport: null,
          peer: src, message: `${src} swept ${what} within ${windowUs / 1e6} s`,
        },
      };
      for (let i = 0; i < e.hosts.length; i++) addHost(f, e.hosts[i]!, e.marks[i]!);
      e.hosts.length = 0; e.times.length = 0; e.marks.length = 0;
      e.finding = f;
      findings.opened(e);
    }

    /** Counts a request of kind `kind` from the packet's source to host `dst` at `ts`. */
    function request(pv: PacketView, srcKey: HostKey, dst: HostKey, kind: number): void {
      const ts = pv.ts;
      let e = table.peek(srcKey);
      if (e === undefined) {
        e = { hosts: [], times: [], marks: [], probes: 0, lastTs: ts, finding: null };
        table.add(srcKey, e);
      } else {
        table.touch(srcKey, e);
      }
      if (ts > e.lastTs) e.lastTs = ts;
      const f = e.finding;
      if (f !== null) {
        f.probes++;
        if (ts > f.lastTs) f.lastTs = ts;
        const before = f.kinds;
        if (addHost(f, dst, kind)) findings.grew(f);
        else if (f.kinds !== before) {
          f.dirty = true;
        }
        return;
      }
      e.probes++;
      const { hosts, times, marks } = e;
      // Slide the window: forget hosts not probed within the slow window.
      let j = 0;
      for (let i = 0; i < hosts.length; i++) {
        if (ts - times[i]! > slowUs) continue;
        hosts[j] = hosts[i]!; times[j] = times[i]!; marks[j] = marks[i]!; j++;
      }
      hosts.length = j; times.length = j; marks.length = j;
      const at = hosts.indexOf(dst);
      if (at >= 0) {
        // Most recent last: the fast count reads the newest hosts.
        const m = marks[at]! | kind;
        hosts.splice(at, 1); times.splice(at, 1); marks.splice(at, 1);
        hosts.push(dst); times.push(ts); marks.push(m);
      } else {
        if (hosts.length >= keep * 2) { hosts.shift(); times.shift(); marks.shift(); }
        hosts.push(dst); times.push(ts); marks.push(kind);
      }
      let fast = 0, slow = 0, rare = 0;
      for (let i = 0; i < hosts.length; i++) {
        const m = marks[i]!;
        if ((m & ECHO) !== 0) {
          slow++;
          if (ts - times[i]! <= fastUs) fast++;
        }
        if ((m & RARE) !== 0) rare++;
      }
      if (fast >= cfg.echoHosts) openFinding(e, pv, 'fast', fastUs);
      else if (slow >= cfg.slowEchoHosts) openFinding(e, pv, 'slow', slowUs);
      else if (rare >= cfg.rareHosts) openFinding(e, pv, 'rare', slowUs);
    }

    /** A reply from `from` to `to`: marks `from` answered in `to`'s sweep, if `to` is sweeping. */
    function reply(to: HostKey, from: HostKey): void {
      const e = table.peek(to);
      if (e === undefined) return;
      const f = e.finding;
      if (f !== null) {
        const m = f.hosts.get(from);
        if (m !== undefined && (m & ANSWERED) === 0) { f.hosts.set(from, m | ANSWERED); f.answered++; f.dirty = true; }
        return;
      }
      const at = e.hosts.indexOf(from);
      if (at >= 0) e.marks[at] = e.marks[at]! | ANSWERED;
    }

    return {
      ipProtos: [IPPROTO.ICMP, IPPROTO.ICMPV6],
      get evicted() { return table.evicted; },
      get findings() { return findings.size; },

      onPacket(pv: PacketView): void {
        const type = pv.icmpType;
        if (type < 0 || pv.isFragment && pv.fragOffset !== 0) return;
        const v4 = pv.family === Family.V4;
        const kind = requestKind(v4, type);
        if (kind === 0 && !isReply(v4, type)) return;
        if (isGroupDestination(pv)) return;
        const src: HostKey = v4 ? pv.src0 >>> 0 : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
        const dst: HostKey = v4 ? pv.dst0 >>> 0 : ipv6ToString(pv.dst0, pv.dst1, pv.dst2, pv.dst3);
        if (kind === 0) { reply(dst, src); return; }
        if (ignore.has(src)) return;
        request(pv, src, dst, kind);
      },

      onTick(now: number): void {
        // A finding closes once its source has been quiet for the window that raised it.
        findings.closeWhere((f) => now - f.lastTs > f.windowUs);
        // Sources idle for the slow window hold nothing that still counts (oldest first: stop at the first active one).
        table.dropOldestWhile((e) => now - e.lastTs > slowUs, (e) => findings.close(e));
      },

      onFinish(): void {
        findings.closeAll();
      },

      stateSize(): number {
        return table.size;
      },
    };
  },
});
