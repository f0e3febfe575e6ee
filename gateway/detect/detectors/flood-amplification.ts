// Detects reflection/amplification floods: a LAN device receiving UDP responses it never asked for
// from many servers of amplifying services (NTP monlist, DNS ANY, SSDP, memcached…), and a LAN
// device used as a reflector, answering forged requests with much larger responses to one outside
// address (IoT cameras and DVRs answering WS-Discovery or DHDiscover from the internet).
import { Family } from '../../decode/packet-view.js';
import type { Flow } from '../../track/flow.js';
import type { PacketView } from '../../decode/packet-view.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { plugin, type PluginHost } from '../../sensor/plugin.js';
// The per-target, one-second counting the three flood detectors share lives in flood-syn.ts.
import {
  entryAddress, episodeEvidence, floodDevice, FloodEntry, FloodTable, hllCount, isGroupDestination, sourceAddress,
  type FloodDetector, type FloodWindow, floodHooks
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
 * 11211 memcached (10,000–51,000); and 37810, Dahua DVR "DHDiscover" (NETSCOUT ASERT, 2020).
 * 17, 69, 137 and 5353 are in because home hosts and IoT devices expose them. Their normal LAN
 * traffic (like SSDP's) is multicast or broadcast, which this detector leaves out, or a few unicast
 * answers a second to a search, far under the thresholds.
 */
export const AMPLIFICATION_PORTS: readonly number[] = Object.freeze([17, 19, 53, 69, 123, 137, 161, 389, 1900, 3702, 5353, 11211, 37810]);

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
});

/** A target of responses: the flood counters plus the requests it sent and the services seen. */
class AmpTarget extends FloodEntry {
  /** Bytes the target sent to the service ports during the episode. */
  reqBytes = 0;
  /** Bit i set: responses came from `ports[i]`. */
  servicePorts = 0;

  override resetEpisode(): void {
    super.resetEpisode();
    this.reqBytes = 0;
    this.servicePorts = 0;
  }
}

/**
 * The `floodAmplification` detector. Alert: dst = the target, src = one reflector (of the packet
 * that crossed the threshold), sport = the service port when there is one, device = the target if
 * it is a LAN device, else the reflecting LAN device; dedup peer = dst. Evidence: EpisodeEvidence
 * plus `reflectors`, `servicePorts`, `responseBytes`, `requestBytes`, `ratio` (null: no request
 * seen) and the thresholds.
 */
export const floodAmplification = plugin<FloodAmplificationConfig>({
  name: 'floodAmplification',
  rules: ['flood.amplification'],
  defaults: FLOOD_AMPLIFICATION_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<FloodAmplificationConfig>): FloodDetector {
    if (cfg.ports.length > MAX_PORTS) throw new RangeError(`detect.floodAmplification.ports: at most ${MAX_PORTS} ports (got ${cfg.ports.length})`);
    // Port → its index in cfg.ports, or -1: one typed-array read per packet.
    const portIndex = new Int8Array(65536).fill(-1);
    cfg.ports.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`detect.floodAmplification.ports: not a port: ${p}`);
      portIndex[p] = i;
    });
    const win: FloodWindow = { minSeconds: cfg.minSeconds, maxGapSeconds: cfg.maxGapSeconds, refreshSeconds: cfg.refreshSeconds, maxVictims: cfg.maxVictims };
    /** The response/request byte ratio of the episode, or null when the target sent no requests. */
    const ratioOf = (e: AmpTarget): number | null => (e.reqBytes > 0 ? e.totalBytes / e.reqBytes : null);
    const evidence = (e: AmpTarget) => {
      const ratio = ratioOf(e);
      return {
        ...episodeEvidence(e), reflectors: hllCount(e.sources), servicePorts: cfg.ports.filter((_, i) => (e.servicePorts & (1 << i)) !== 0),
        responseBytes: e.totalBytes, requestBytes: e.reqBytes, ratio: ratio === null ? null : Math.round(ratio * 10) / 10,
        thresholdPerSecond: cfg.packetsPerSecond, thresholdBitsPerSecond: cfg.bitsPerSecond,
      };
    };
    const table = new FloodTable(() => new AmpTarget(), win, host.local, { emit: (a) => host.emit(a), evidence }, {
      name: 'detect.floodAmplification.maxVictims', event: 'detect.floodAmplification.table_full', counters: host.events,
    });
    const bytesPerSecond = cfg.bitsPerSecond / 8;
    /** Set when flows end for shutdown: the next tick ends every episode with its last numbers. */

    return Object.assign(floodHooks(table), {
      ipProtos: [IPPROTO.UDP],
      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        if (pv.ipProto !== IPPROTO.UDP || pv.srcPort < 0) return;
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
        if (e.secHot || (e.pkts < cfg.packetsPerSecond && e.bytes < bytesPerSecond) || !table.markHot(e)) return;
        // Checked once per hot second until raised: enough reflectors (LAN target), an amplifying ratio.
        const ev = evidence(e);
        if (e.local && ev.reflectors < cfg.minReflectors) return;
        if (ev.ratio !== null && ev.ratio < cfg.minRatio) return;
        const victim = entryAddress(e);
        const services = ev.servicePorts;
        table.raise(e, {
          rule: 'flood.amplification', ts: pv.ts, device: floodDevice(host, e, pv),
          src: sourceAddress(pv), dst: victim, proto: 'udp', sport: services.length === 1 ? services[0]! : null, dport: e.dport >= 0 ? e.dport : null,
          message: ev.direction === 'inbound'
            ? `reflection flood to ${victim}: unsolicited responses from port ${services.join(',')} of about ${ev.reflectors} reflectors, ${ev.peakPerSecond}/s`
            : `a LAN device reflects port ${services.join(',')} responses to ${victim}: ${ev.peakPerSecond}/s, ${ev.ratio ?? 'no'} response bytes per request byte`,
          evidence: ev,
        });
      },
    });
  },
});
