// ARP scan (`scan.arp`): one LAN host asking ARP who-has for many distinct addresses in a burst,
// the fastest way to find every live host of a subnet: nmap -PR (its default host discovery on a
// local Ethernet), arp-scan, netdiscover, and worms looking for their next victim on the LAN.
//
// A scan asks for every address of a range in seconds (nmap_PR_sn: 255 addresses in 12 s; Zeek's
// nmap-vsn trace: 245 in 2.4 s; arp-scan's default is one request every 2 ms), each asked once or
// twice, broadcast because the asker knows no MAC yet. Normal ARP is spread over time: a host asks
// for its gateway and the few peers it talks to, and a router refreshes a neighbour only when
// traffic goes to it, by unicast (RFC 1122 §2.3.2.1; Linux NUD_PROBE). So: distinct target
// addresses of broadcast requests per sender MAC in a short sliding window. Never counted:
// announcements and gratuitous ARP (sender address = target address, RFC 5227 §2.3), however many.
// ARP probes (sender address 0.0.0.0, RFC 5227 §2.1) count by their target like any request: a
// host probes the one address it wants (three probes), and IPv4 link-local autoconfiguration tries
// at most ten addresses before slowing down (RFC 3927 §2.2.1, MAX_CONFLICTS), far below a scan; a
// scanner hiding its address (arp-scan --arpspa=0.0.0.0) asks for the whole range and is counted.
import { isGroupMac } from '../../decode/group-address.js';
import { ipv4ToString, macToString, parseIpv4, parseMac } from '../../common/address-text.js';
import { BoundedTable } from '../../common/bounded-table.js';
import { ETHERTYPE } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { OpenFindings, type ReportedFinding } from '../open-findings.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.scanArp`. All are read at start. */
export interface ScanArpConfig {
  /**
   * Distinct target addresses asked by one sender within `windowSeconds` that make a scan.
   * Default 20. nmap -PR, arp-scan and netdiscover ask for a whole /24 (254 addresses) in seconds;
   * a host that just joined asks for its gateway, a DNS server and a few peers.
   */
  hosts: number;
  /**
   * Window of `hosts`, seconds. Default 10: a scan is a burst (the slowest tool above covers 20
   * addresses in under a second), while a gateway's or a DHCP server's requests for its clients
   * come as each client talks, spread over minutes.
   */
  windowSeconds: number;
  /**
   * Count requests sent to a unicast MAC too. Default false: a scanner does not know the MACs it
   * asks for and broadcasts; unicast requests are a neighbour cache re-checking an entry it holds
   * (RFC 1122 §2.3.2.1), which a router does for every busy client.
   */
  unicastRequests: boolean;
  /**
   * Senders never counted, as MAC or IPv4 text: a router or a network inventory box (Fing, a NAS's
   * device map) that ARP-scans the LAN by design. Default none.
   */
  ignoreSenders: string[];
  /** Cap on senders tracked; the least recently active is evicted (`detect.scanArp.table_full`). Default 1024. */
  maxTracked: number;
  /** Distinct targets remembered per finding; past it, targets are counted but not listed (`targetsExact` false). Default 4096. */
  maxTargetsPerFinding: number;
}

/** Defaults of `detect.scanArp` (units and reasons in ScanArpConfig). */
export const SCAN_ARP_DEFAULTS: Readonly<ScanArpConfig> = Object.freeze({
  hosts: 20,
  windowSeconds: 10,
  unicastRequests: false,
  ignoreSenders: Object.freeze([]) as unknown as string[],
  maxTracked: 1024,
  maxTargetsPerFinding: 4096,
});

/** How many targets an alert lists in `sample`. */
const SAMPLE = 20;
/** ARP opcodes (RFC 826). */
const ARP_REQUEST = 1, ARP_REPLY = 2;

interface Finding extends ReportedFinding {
  /** Targets asked (unsigned IPv4) → answered. */
  targets: Map<number, boolean>;
  count: number;
  answered: number;
  exact: boolean;
  low: number;
  high: number;
  requests: number;
  /** Requests sent as RFC 5227 probes (sender address 0.0.0.0). */
  probes: number;
  firstTs: number;
}

/** One sender: the targets asked in the window, oldest first, or its open finding. */
interface Entry {
  targets: number[];
  times: number[];
  answered: boolean[];
  requests: number;
  probes: number;
  lastTs: number;
  finding: Finding | null;
}

/** The running detector, with its counters (for tests and metrics). */
export interface ScanArpDetector extends Plugin {
  /** Senders evicted at `maxTracked`. */
  readonly evicted: number;
  /** Open findings. */
  readonly findings: number;
}

/**
 * The `scanArp` detector. Alert: src = the asker's IPv4 address, dst = the lowest target asked when
 * the finding opened, proto arp, device = the asker's MAC; dedup peer = src. Evidence: `targets`
 * distinct addresses asked in the finding, `low` and `high` the lowest and highest, `sample` the
 * lowest 20, `requests` requests counted (repeats included) and `probes` those sent as RFC 5227
 * probes (sender 0.0.0.0, then src too), `answered` targets that answered the asker and
 * `answeredSample`, `windowSeconds`, `durationSeconds` from first to last request,
 * `askerMac`, `targetsExact`, `evicted` senders dropped at the cap so far. Raised once (count 1);
 * reports with count 0 refresh the evidence when the target count doubles and when the finding
 * closes (the asker quiet for the window, or end of input).
 */
export const scanArp = plugin<ScanArpConfig>({
  name: 'scanArp',
  rules: ['scan.arp'],
  defaults: SCAN_ARP_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<ScanArpConfig>): ScanArpDetector {
    const windowUs = cfg.windowSeconds * 1e6;
    const keep = Math.max(cfg.hosts, 1);
    const ignoreMacs = new Set<number>();
    const ignoreIps = new Set<number>();
    for (const s of cfg.ignoreSenders) {
      const m = parseMac(s);
      if (m >= 0) { ignoreMacs.add(m); continue; }
      const a = parseIpv4(s);
      if (a >= 0) ignoreIps.add(a >>> 0);
    }
    const table = new BoundedTable<number, Entry>({
      name: 'detect.scanArp.maxTracked', capacity: cfg.maxTracked, counters: host.events, event: 'detect.scanArp.table_full',
      onEvict: (_k, e) => findings.close(e),
    });

    function evidence(f: Finding): Record<string, unknown> {
      const all = [...f.targets.keys()].sort((x, y) => x - y);
      const answered: string[] = [];
      for (const t of all) if (f.targets.get(t) === true && answered.length < SAMPLE) answered.push(ipv4ToString(t));
      return {
        targets: f.count, low: ipv4ToString(f.low), high: ipv4ToString(f.high), sample: all.slice(0, SAMPLE).map(ipv4ToString),
        requests: f.requests, probes: f.probes, answered: f.answered, answeredSample: answered, windowSeconds: cfg.windowSeconds,
        durationSeconds: Math.round((f.lastTs - f.firstTs) / 1e3) / 1e3, askerMac: f.base.device, targetsExact: f.exact,
        evicted: table.evicted,
      };
    }

    const findings = new OpenFindings<Entry, Finding>(host, {
      finding: (e) => e.finding,
      size: (f) => f.count,
      evidence,
      closed: (e) => {
        e.finding = null;
        e.targets.length = 0; e.times.length = 0; e.answered.length = 0; e.requests = 0; e.probes = 0;
      },
    });

    /** Adds a target to a finding; true when it was new. */
    function addTarget(f: Finding, t: number, answered: boolean): boolean {
      const was = f.targets.get(t);
      if (was !== undefined) {
        if (answered && !was) { f.targets.set(t, true); f.answered++; f.dirty = true; }
        return false;
      }
      f.count++;
      if (answered) f.answered++;
      if (t < f.low) f.low = t;
      if (t > f.high) f.high = t;
      if (f.targets.size < cfg.maxTargetsPerFinding) f.targets.set(t, answered);
      else f.exact = false;
      return true;
    }

    function openFinding(e: Entry, mac: number, ip: number, ts: number): void {
      const src = ipv4ToString(ip); // 0.0.0.0 for a scan made of probes
      let low = e.targets[0]!;
      for (const t of e.targets) if (t < low) low = t;
      const f: Finding = {
        targets: new Map(), count: 0, answered: 0, exact: true, low: 0xffffffff, high: 0, requests: e.requests, probes: e.probes,
        firstTs: e.times[0]!, lastTs: ts, nextReport: 0, dirty: false,
        base: {
          rule: 'scan.arp', device: macToString(mac), src, dst: ipv4ToString(low), proto: 'arp', sport: null, dport: null, peer: src,
          message: `${src} (${macToString(mac)}) asked ARP for ${cfg.hosts}+ addresses within ${cfg.windowSeconds} s${ip === 0 ? ' (as RFC 5227 probes)' : ''}`,
        },
      };
      for (let i = 0; i < e.targets.length; i++) addTarget(f, e.targets[i]!, e.answered[i]!);
      e.targets.length = 0; e.times.length = 0; e.answered.length = 0;
      e.finding = f;
      findings.opened(e);
    }

    function request(mac: number, ip: number, target: number, ts: number): void {
      let e = table.peek(mac);
      if (e === undefined) {
        e = { targets: [], times: [], answered: [], requests: 0, probes: 0, lastTs: ts, finding: null };
        table.add(mac, e);
      } else {
        table.touch(mac, e);
      }
      if (ts > e.lastTs) e.lastTs = ts;
      const f = e.finding;
      if (f !== null) {
        f.requests++;
        if (ip === 0) f.probes++;
        if (ts > f.lastTs) f.lastTs = ts;
        if (addTarget(f, target, false)) findings.grew(f);
        return;
      }
      const { targets, times, answered } = e;
      // Slide: drop requests older than the window (the list is oldest first).
      let drop = 0;
      while (drop < times.length && ts - times[drop]! > windowUs) drop++;
      if (drop > 0) { targets.splice(0, drop); times.splice(0, drop); answered.splice(0, drop); }
      // Requests are counted since the list was last empty (a finding takes them over).
      if (targets.length === 0) { e.requests = 0; e.probes = 0; }
      e.requests++;
      if (ip === 0) e.probes++;
      const at = targets.indexOf(target);
      if (at >= 0) {
        const a = answered[at]!;
        targets.splice(at, 1); times.splice(at, 1); answered.splice(at, 1);
        targets.push(target); times.push(ts); answered.push(a);
        return;
      }
      if (targets.length >= keep) { targets.shift(); times.shift(); answered.shift(); }
      targets.push(target); times.push(ts); answered.push(false);
      if (targets.length >= cfg.hosts) openFinding(e, mac, ip, ts);
    }

    /** A reply from address `from` to the asker's MAC `toMac` (RFC 826: a reply goes to the asker's hardware address). */
    function reply(toMac: number, from: number): void {
      const e = toMac >= 0 ? table.peek(toMac) : undefined;
      if (e === undefined) return;
      const f = e.finding;
      if (f !== null) {
        if (f.targets.get(from) === false) { f.targets.set(from, true); f.answered++; f.dirty = true; }
        return;
      }
      const at = e.targets.indexOf(from);
      if (at >= 0) e.answered[at] = true;
    }

    return {
      get evicted() { return table.evicted; },
      get findings() { return findings.size; },

      // Frames without IP only: ARP is not carried over IP, and the bus then skips every IP packet.
      ipProtos: [],
      nonIpFrames: true,

      onPacket(pv: PacketView): void {
        if (pv.etherType !== ETHERTYPE.ARP || pv.arpOp === 0) return; // decoded ARP only (RFC 826)
        const op = pv.arpOp;
        const sender = pv.arpSenderIp >>> 0, target = pv.arpTargetIp >>> 0;
        if (op === ARP_REPLY) { reply(pv.arpTargetMac, sender); return; }
        if (op !== ARP_REQUEST) return;
        // RFC 5227 §2.3: an announcement (sender = target) is about the sender itself.
        if (sender === target || target === 0) return;
        if (!cfg.unicastRequests && pv.dstMac >= 0 && !isGroupMac(pv.dstMac)) return;
        const mac = pv.arpSenderMac;
        if (mac < 0 || ignoreMacs.has(mac) || ignoreIps.has(sender)) return;
        request(mac, sender, target, pv.ts);
      },

      onTick(now: number): void {
        findings.closeWhere((f) => now - f.lastTs > windowUs);
        // Senders idle for the window hold nothing that still counts (oldest first).
        table.dropOldestWhile((e) => now - e.lastTs > windowUs, (e) => findings.close(e));
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
