// Detects reflection/amplification floods: a LAN device receiving UDP responses it never asked for
// from many servers of amplifying services (NTP monlist, DNS ANY, SSDP, memcached…), sustained for
// seconds, in a sub-second burst, or at a low rate from many reflectors over a window of seconds;
// and a LAN device used as a reflector, answering forged requests with much larger responses to one
// outside address (IoT cameras and DVRs answering WS-Discovery or DHDiscover from the internet).
import { isGroupDestination } from '../../decode/group-address.js';
import { Family } from '../../decode/packet-view.js';
import type { Flow } from '../../track/flow.js';
import type { PacketView } from '../../decode/packet-view.js';
import type { AlertInput } from '../../alerts/alert.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { isoTime } from '../../common/packet-time.js';
import { plugin, type PluginHost } from '../../sensor/plugin.js';
// The per-target, one-second counting the three flood detectors share lives in flood-syn.ts.
import {
  entryAddress, episodeEvidence, floodDevice, FloodEntry, FloodTable, hashWords, hllAdd, hllCount, newSketch, sourceAddress,
  type FloodDetector, type FloodWindow, type TickingTable, floodHooks
} from '../flood-window.js';

const US = 1e6;
/** Service ports one detector follows at most (one bit each in a 32-bit mask). */
const MAX_PORTS = 32;

/**
 * UDP services abused for amplification, with their bandwidth amplification factor (BAF) as the
 * table of US-CERT/CISA alert TA14-017A "UDP-Based Amplification Attacks" gives it (Rossow,
 * "Amplification Hell", NDSS 2014, for the first ones): 17 QOTD (140), 19 CharGEN (359),
 * 53 DNS (28–54), 69 TFTP (60), 123 NTP monlist (557), 137 NetBIOS name service (3.8),
 * 161 SNMPv2 GetBulk (6.3), 389 CLDAP (56–70), 1900 SSDP (31), 3702 WS-Discovery (10–500; cameras,
 * printers), 5353 mDNS answering unicast queries from outside the link (2–10, CERT VU#550620),
 * 11211 memcached (10,000–51,000); 37810, Dahua DVR "DHDiscover" (NETSCOUT ASERT, 2020); 47808
 * BACnet/IP, building automation (up to 120: Gasser et al., "The Amplification Threat Posed by
 * Publicly Reachable BACnet Devices", JCSM 6(1), 2017); 5683 CoAP (34: NETSCOUT ASERT and A10,
 * 2019, IoT devices); 3283 Apple Remote Desktop (35.5) and 10001 Ubiquiti discovery (30–35: both
 * NETSCOUT ASERT, 2019). 17, 69, 137, 5353, 5683 and 10001 are in because home hosts and IoT
 * devices expose them. Their normal LAN traffic (like SSDP's) is multicast or broadcast, which this
 * detector leaves out, or a few unicast answers a second to a search, far under the thresholds.
 */
export const AMPLIFICATION_PORTS: readonly number[] = Object.freeze([
  17, 19, 53, 69, 123, 137, 161, 389, 1900, 3283, 3702, 5353, 5683, 10001, 11211, 37810, 47808,
]);

/** Bits of each target's filter of the window's reflectors (2048 bits, 256 bytes; two bits set per reflector). */
const BLOOM_BITS = 2048;

/** Settings of `detect.floodAmplification`. All fixed at start. */
export interface FloodAmplificationConfig {
  /** UDP source ports of the amplifying services (at most 32). Default AMPLIFICATION_PORTS. */
  ports: readonly number[];
  /**
   * Responses to one address within one second of packet time that make the second hot: for a
   * LAN target only unsolicited ones (it sent nothing on that flow). Default 200 (a home device
   * that asks for nothing gets none; the IoT Sentinel captures see a few a second at most).
   */
  packetsPerSecond: number;
  /** Bits per second of such responses that make the second hot as well. Default 10,000,000. */
  bitsPerSecond: number;
  /** Distinct reflectors (response senders) a LAN target's flood needs. Default 10 (reflection is spread over many servers). */
  minReflectors: number;
  /**
   * Response bytes per request byte the target sent to those ports, that a flood needs (when the
   * target sent any). Default 5: below the BAF of every listed service but NetBIOS (3.8), far above
   * an ordinary exchange; it is what tells a LAN reflector's abuse from a server's normal answers.
   */
  minRatio: number;
  /** Hot seconds before an alert. Default 3. */
  minSeconds: number;
  /** Seconds under the threshold allowed between two hot seconds of one flood (pulse waves, capture drops). Default 2. */
  maxGapSeconds: number;
  /** While a flood goes on its alert's evidence is refreshed (count unchanged) at most every this many seconds. Default 10. */
  refreshSeconds: number;
  /** Addresses followed at most; entries not in a flood are evicted first. Counted as `detect.floodAmplification.table_full`. Default 4096. */
  maxVictims: number;
  /**
   * Width of the sub-second buckets a burst is counted in, ms (a divisor of 1000). Default 100:
   * the StopDDoS SNMP reflection (4,079 responses from about 4,300 reflectors in 23 ms) and bursts
   * like it fill one bucket, and ten buckets make a second.
   */
  burstMs: number;
  /**
   * A bucket holding burstFactor × burstMs / 1000 of a second's packets or bits raises at once
   * (with minReflectors and minRatio still required), without the minSeconds wait. Default 10:
   * with 100 ms buckets, a hot second's worth (200 responses or 10 Mbit) inside a tenth of a
   * second, 2,000 unsolicited responses/s or 100 Mbit/s. Suricata's `detection_filter` (count within seconds)
   * and FastNetMon (pps averaged over a few seconds, so one second ten times over trips it) fire
   * on such bursts; nobody is sent that many answers to questions it never asked in 100 ms.
   */
  burstFactor: number;
  /**
   * Seconds over which a LAN target's low-rate reflection is summed (tumbling windows, the first
   * starting at the first unsolicited response; judged once a second while no faster episode is
   * open). Default 60: reflection campaigns that spread over many reflectors send each only a few
   * large answers over tens of seconds (the StopDDoS RRSIG capture: 398 responses from about 50
   * reflectors in 29.7 s, 13/s); a window twice as long still holds at least half of such an
   * attack when it straddles two windows.
   */
  reflectionWindowSeconds: number;
  /**
   * Distinct reflectors outside the LAN (estimated) that must send a LAN target unsolicited
   * responses from the service ports within one window. Default 20: an ordinary host asks, and is
   * answered on its own flows; twenty servers of amplifying services answering questions it never
   * asked is the reflection pattern (Rossow, NDSS 2014: attacks use hundreds to thousands), and 20
   * stays clear of the sketch's error on small counts.
   */
  reflectionMinReflectors: number;
  /**
   * Bytes of those responses (trailing IP fragments from the same reflectors included) one window
   * needs. Default 262,144 (256 KiB, 35 kbit/s over a minute): with 20 reflectors, 13 KiB each, a
   * few amplified answers apiece; far above what stray late answers amount to.
   */
  reflectionMinBytes: number;
  /**
   * Mean bytes per response (its fragments included) the window needs. Default 256: reflection
   * picks the largest answers a service gives (DNS ANY/RRSIG over 1 KB with fragments, NTP monlist
   * 482 B frames, SNMP GetBulk 250–1,500 B), while an ordinary DNS A/AAAA answer or NTP time reply
   * is a frame of 90–200 B.
   */
  reflectionMinMeanBytes: number;
}

/** The defaults, frozen. */
export const FLOOD_AMPLIFICATION_DEFAULTS: Readonly<FloodAmplificationConfig> = Object.freeze({
  ports: AMPLIFICATION_PORTS,
  packetsPerSecond: 200,
  bitsPerSecond: 10_000_000,
  minReflectors: 10,
  minRatio: 5,
  minSeconds: 3,
  maxGapSeconds: 2,
  refreshSeconds: 10,
  maxVictims: 4096,
  burstMs: 100,
  burstFactor: 10,
  reflectionWindowSeconds: 60,
  reflectionMinReflectors: 20,
  reflectionMinBytes: 262_144,
  reflectionMinMeanBytes: 256,
});

/** A target of responses: the flood counters plus the requests it sent and the services seen. */
class AmpTarget extends FloodEntry {
  /** Bytes the target sent to the service ports during the episode. */
  reqBytes = 0;
  /** Bit i set: responses came from `ports[i]`. */
  servicePorts = 0;

  /**
   * The low-rate reflection window (kept across episodes; tick keeps the entry while it is open):
   * its first and last second (-1: none), unsolicited responses from outside reflectors, their
   * bytes with trailing fragments, the fragments' bytes, the service ports (bit mask), the
   * reflectors (HyperLogLog) and a Bloom filter of them for fragments, which carry no ports.
   */
  winStart = -1;
  winLast = -1;
  winResponses = 0;
  winBytes = 0;
  winFragBytes = 0;
  winFrags = 0;
  winPorts = 0;
  readonly winSources = newSketch();
  readonly winBloom = new Uint32Array(BLOOM_BITS / 32);
  /** True once this window's reflection is reported (by it, or by a burst or sustained flood). */
  winAlerted = false;
  /** The window's own alert as raised (refreshes reuse it), its last report (second) and the last response's time (µs). */
  winAlert: AlertInput | null = null;
  winReported = -1;
  winLastTs = 0;
  /** Second of the last check of the window (once a second, at its first response). */
  winChecked = -1;

  override resetEpisode(): void {
    super.resetEpisode();
    this.reqBytes = 0;
    this.servicePorts = 0;
  }

  override forget(): void {
    this.winStart = -1;
    this.winLast = -1;
    this.winResponses = 0;
    this.winAlerted = false;
    this.winAlert = null;
  }

  /** Starts a new reflection window at second `sec`. */
  openWindow(sec: number): void {
    this.winStart = sec; this.winLast = sec; this.winResponses = 0; this.winBytes = 0; this.winFragBytes = 0; this.winFrags = 0;
    this.winPorts = 0; this.winAlerted = false; this.winChecked = -1; this.winAlert = null; this.winReported = -1;
    this.winSources.fill(0);
    this.winBloom.fill(0);
  }
}

/** Adds a reflector's address hash to a target's Bloom filter (two bits from independent parts of the hash). */
function bloomAdd(bloom: Uint32Array, h: number): void {
  const a = h & (BLOOM_BITS - 1), b = (h >>> 16) & (BLOOM_BITS - 1);
  bloom[a >>> 5]! |= 1 << (a & 31);
  bloom[b >>> 5]! |= 1 << (b & 31);
}

/** True when the address hash may be in the filter (false positives about 0.2 % at 50 reflectors, 6 % at 300). */
function bloomHas(bloom: Uint32Array, h: number): boolean {
  const a = h & (BLOOM_BITS - 1), b = (h >>> 16) & (BLOOM_BITS - 1);
  return (bloom[a >>> 5]! & (1 << (a & 31))) !== 0 && (bloom[b >>> 5]! & (1 << (b & 31))) !== 0;
}

/**
 * The `floodAmplification` detector. Alert: dst = the target, src = one reflector (of the packet
 * that crossed the threshold), sport = the service port when there is one, device = the target if
 * it is a LAN device, else the reflecting LAN device; dedup peer = dst. Evidence: EpisodeEvidence
 * (with `trigger` sustained or burst, and the peak burst) plus `reflectors`, `servicePorts`,
 * `responseBytes`, `requestBytes`, `ratio` (null: no request seen) and the thresholds; for the
 * low-rate pattern (`trigger` reflectors) the window's reflectors, responses, bytes, fragment
 * bytes, mean response size and the thresholds.
 */
export const floodAmplification = plugin<FloodAmplificationConfig>({
  name: 'floodAmplification',
  rules: ['flood.amplification'],
  defaults: FLOOD_AMPLIFICATION_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<FloodAmplificationConfig>): FloodDetector {
    if (cfg.ports.length > MAX_PORTS) throw new RangeError(`detect.floodAmplification.ports: at most ${MAX_PORTS} ports (got ${cfg.ports.length})`);
    if (!(cfg.burstFactor * cfg.burstMs >= 1000)) throw new RangeError(`detect.floodAmplification: burstFactor × burstMs must be ≥ 1000 (a burst holds at least a hot second's packets)`);
    if (!(cfg.reflectionWindowSeconds >= 1)) throw new RangeError(`detect.floodAmplification.reflectionWindowSeconds must be ≥ 1 (got ${cfg.reflectionWindowSeconds})`);
    // Port → its index in cfg.ports, or -1: one typed-array read per packet.
    const portIndex = new Int8Array(65536).fill(-1);
    cfg.ports.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`detect.floodAmplification.ports: not a port: ${p}`);
      portIndex[p] = i;
    });
    const win: FloodWindow = {
      minSeconds: cfg.minSeconds, maxGapSeconds: cfg.maxGapSeconds, refreshSeconds: cfg.refreshSeconds, maxVictims: cfg.maxVictims, burstMs: cfg.burstMs,
    };
    const burstShare = (cfg.burstFactor * cfg.burstMs) / 1000;
    const burstPkts = Math.ceil(cfg.packetsPerSecond * burstShare);
    const burstBytes = Math.ceil((cfg.bitsPerSecond / 8) * burstShare);
    const W = cfg.reflectionWindowSeconds;
    const portsOf = (mask: number) => cfg.ports.filter((_, i) => (mask & (1 << i)) !== 0);
    /** The response/request byte ratio of the episode, or null when the target sent no requests. */
    const ratioOf = (e: AmpTarget): number | null => (e.reqBytes > 0 ? e.totalBytes / e.reqBytes : null);
    const evidence = (e: AmpTarget) => {
      const ratio = ratioOf(e);
      return {
        ...episodeEvidence(e, win.burstMs * 1000), reflectors: hllCount(e.sources), servicePorts: portsOf(e.servicePorts),
        responseBytes: e.totalBytes, requestBytes: e.reqBytes, ratio: ratio === null ? null : Math.round(ratio * 10) / 10,
        thresholdPerSecond: cfg.packetsPerSecond, thresholdBitsPerSecond: cfg.bitsPerSecond,
        burstThresholdPerSecond: burstPkts * (1000 / cfg.burstMs),
      };
    };
    /** Evidence of a low-rate reflection window. */
    const windowEvidence = (e: AmpTarget, reflectors: number) => ({
      direction: 'inbound' as const, trigger: 'reflectors', since: isoTime(e.winStart * US), durationSeconds: e.winLast - e.winStart + 1,
      windowSeconds: W, reflectors, distinctSources: reflectors, servicePorts: portsOf(e.winPorts), responses: e.winResponses,
      fragments: e.winFrags, bytes: e.winBytes, fragmentBytes: e.winFragBytes, meanResponseBytes: Math.round(e.winBytes / e.winResponses),
      bitsPerSecond: Math.round((e.winBytes * 8) / (e.winLast - e.winStart + 1)), requestBytes: e.reqBytes,
      thresholdReflectors: cfg.reflectionMinReflectors, thresholdBytes: cfg.reflectionMinBytes, thresholdMeanBytes: cfg.reflectionMinMeanBytes,
    });
    const table = new FloodTable(() => new AmpTarget(), win, host.local, { emit: (a) => host.emit(a), evidence }, {
      name: 'detect.floodAmplification.maxVictims', event: 'detect.floodAmplification.table_full', counters: host.events,
    });
    const bytesPerSecond = cfg.bitsPerSecond / 8;

    /**
     * Counts an unsolicited response from an outside reflector to a LAN target in its window and,
     * once a second, judges the window: enough reflectors, bytes and mean size raise
     * (unless a burst or sustained flood of this target was reported already).
     */
    const reflection = (e: AmpTarget, pv: PacketView, si: number, h: number): void => {
      const sec = e.sec;
      if (e.winStart < 0 || (e.winAlerted ? sec - e.winLast > W : sec - e.winStart >= W)) {
        closeWindow(e);
        e.openWindow(sec);
      }
      e.winLast = sec;
      e.winLastTs = pv.ts;
      e.winResponses++;
      e.winBytes += pv.origLen;
      e.winPorts |= 1 << si;
      hllAdd(e.winSources, h);
      bloomAdd(e.winBloom, h);
      // tick keeps the target while its window is open (a reported one until it has been quiet a window)
      e.keepUntil = e.winAlerted ? sec + W + 1 : e.winStart + W;
      if (e.winAlert !== null && sec - e.winReported >= cfg.refreshSeconds) reportWindow(e);
      // Judged at the first response of each second, when the last second's rate is known: while a
      // rate episode is open (hot seconds, no alert yet) the sustained and burst bars judge it, and
      // the window speaks only for reflection that never gets that fast.
      if (e.winAlerted || e.winChecked === sec) return;
      e.winChecked = sec;
      if (e.hot > 0 && e.alert === null) return;
      if (e.winBytes < cfg.reflectionMinBytes || e.winBytes < cfg.reflectionMinMeanBytes * e.winResponses) return;
      const reflectors = hllCount(e.winSources);
      if (reflectors < cfg.reflectionMinReflectors) return;
      e.winAlerted = true;
      if (e.alert !== null) return; // the burst or sustained flood's alert already tells it
      const victim = entryAddress(e);
      const ev = windowEvidence(e, reflectors);
      const services = ev.servicePorts;
      e.winReported = sec;
      e.keepUntil = sec + W + 1;
      e.winAlert = {
        rule: 'flood.amplification', ts: pv.ts, device: floodDevice(host, e, pv),
        src: sourceAddress(pv), dst: victim, proto: 'udp', sport: services.length === 1 ? services[0]! : null, dport: e.dport >= 0 ? e.dport : null,
        message: `reflection to ${victim}: unsolicited responses from port ${services.join(',')} of about ${reflectors} reflectors, ` +
          `${ev.responses} responses (${Math.round(ev.bytes / 1024)} KiB, ${ev.meanResponseBytes} B each) in ${ev.durationSeconds} s`,
        evidence: ev,
      };
      host.emit(e.winAlert);
    };
    /** Refreshes a window's alert with its numbers so far (count 0), as the flood tables do for episodes. */
    const reportWindow = (e: AmpTarget): void => {
      e.winReported = e.winLast;
      host.emit({ ...e.winAlert!, ts: e.winLastTs, count: 0, evidence: windowEvidence(e, hllCount(e.winSources)) });
    };
    /** A reported window ends (quiet for a window, the end of input): its alert gets the final numbers. */
    const closeWindow = (e: AmpTarget): void => {
      if (e.winAlert === null) return;
      reportWindow(e);
      e.winAlert = null;
    };
    /** Closes reported windows once quiet for a window, and all at the end of input (with the flood table's episodes). */
    const windows: TickingTable = {
      tick(now: number): void {
        const sec = Math.floor(now / US);
        table.each((e) => { if (e.winAlert !== null && sec - e.winLast > W) closeWindow(e); });
      },
      closeAll(): void {
        table.each(closeWindow);
      },
      size: 0,
      evicted: 0,
    };

    return Object.assign(floodHooks(table, windows), {
      ipProtos: [IPPROTO.UDP],
      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        if (pv.ipProto !== IPPROTO.UDP) return;
        if (pv.srcPort < 0) {
          // A trailing fragment (no ports): a large amplified answer (DNS RRSIG/ANY over EDNS0)
          // arrives as a first fragment with the ports and one or more of these. Without
          // reassembly, its bytes count for the window when its source is one of the window's
          // reflectors (the Bloom filter); a false match only adds bytes to a window that already
          // has reflection from elsewhere.
          if (!pv.isFragment || pv.fragOffset === 0) return;
          const e = table.find(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3);
          if (e === undefined || e.winResponses === 0 || !bloomHas(e.winBloom, hashWords(pv.src0, pv.src1, pv.src2, pv.src3))) return;
          e.winBytes += pv.origLen;
          e.winFragBytes += pv.origLen;
          e.winFrags++;
          return;
        }
        if (portIndex[pv.dstPort]! >= 0) {
          // A request: count it for its sender if that address is a target we follow (a victim's
          // forged requests reaching a LAN reflector show up here).
          const r = table.find(pv.family, pv.src0, pv.src1, pv.src2, pv.src3);
          if (r !== undefined) r.reqBytes += pv.origLen;
        }
        const si = portIndex[pv.srcPort]!;
        if (si < 0 || isGroupDestination(pv)) return;
        // A response. If its receiver sent on this flow it asked: normal for a LAN device, while an
        // outside receiver may be the victim whose forged requests reached a LAN reflector.
        if (flow !== null && (dir === 1 ? flow.pktsAB : flow.pktsBA) > 0) {
          if (pv.family === Family.V4 ? host.local.hasV4(pv.dst0) : host.local.hasV6(pv.dst0, pv.dst1, pv.dst2, pv.dst3)) return;
        }
        const e = table.get(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3, Math.floor(pv.ts / US));
        table.add(e, pv);
        e.servicePorts |= 1 << si;
        // The low-rate pattern: a LAN target, reflectors outside (a LAN device's answers to a
        // discovery broadcast are unsolicited by flow but no attack).
        if (e.local && !(pv.family === Family.V4 ? host.local.hasV4(pv.src0) : host.local.hasV6(pv.src0, pv.src1, pv.src2, pv.src3))) {
          reflection(e, pv, si, hashWords(pv.src0, pv.src1, pv.src2, pv.src3));
        }
        let trigger: string;
        if (!e.secHot && (e.pkts >= cfg.packetsPerSecond || e.bytes >= bytesPerSecond) && table.markHot(e)) trigger = 'sustained';
        else if (table.burstDue(e, burstPkts, burstBytes)) trigger = 'burst';
        else return;
        // Checked once per hot second (or burst bucket) until raised: enough reflectors (LAN target), an amplifying ratio.
        e.trigger = trigger;
        const ev = evidence(e);
        if (e.local && ev.reflectors < cfg.minReflectors) return;
        if (ev.ratio !== null && ev.ratio < cfg.minRatio) return;
        e.winAlerted = true; // this reflection is told: the low-rate window stays quiet
        const victim = entryAddress(e);
        const services = ev.servicePorts;
        const rate = trigger === 'burst' ? `a burst of ${ev.peakBurstPackets} in ${ev.burstWindowMs} ms (${ev.peakBurstPerSecond}/s)` : `${ev.peakPerSecond}/s`;
        table.raise(e, {
          rule: 'flood.amplification', ts: pv.ts, device: floodDevice(host, e, pv),
          src: sourceAddress(pv), dst: victim, proto: 'udp', sport: services.length === 1 ? services[0]! : null, dport: e.dport >= 0 ? e.dport : null,
          message: ev.direction === 'inbound'
            ? `reflection flood to ${victim}: unsolicited responses from port ${services.join(',')} of about ${ev.reflectors} reflectors, ${rate}`
            : `a LAN device reflects port ${services.join(',')} responses to ${victim}: ${rate}, ${ev.ratio ?? 'no'} response bytes per request byte`,
          evidence: ev,
        }, trigger);
      },
    });
  },
});
