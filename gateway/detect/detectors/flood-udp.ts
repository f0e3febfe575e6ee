// Detects UDP floods: a packet or bit rate of unsolicited UDP to one address far above what a home
// or edge network carries, for several seconds or in a sub-second burst ten times over that rate,
// into the LAN or out of it (a device in a botnet).
// Traffic the receiver asked for (it opened the flow) or answers is a conversation, not a flood.
import { isGroupDestination } from '../../decode/group-address.js';
import type { Flow } from '../../track/flow.js';
import type { PacketView } from '../../decode/packet-view.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { plugin, type PluginHost } from '../../sensor/plugin.js';
import { AMPLIFICATION_PORTS } from './flood-amplification.js';
// The per-target, one-second counting the three flood detectors share lives in flood-syn.ts.
import {
  entryAddress, episodeEvidence, floodDevice, FloodEntry, FloodTable, hllCount, sourceAddress,
  type FloodDetector, type FloodWindow, floodHooks
} from '../flood-window.js';

const US = 1e6;

/** Settings of `detect.floodUdp`. All fixed at start. */
export interface FloodUdpConfig {
  /**
   * Unsolicited UDP packets to one address within one second of packet time that make the second
   * hot. Default 1000: the Junos OS security screen `udp flood threshold` default (packets/s to one
   * destination), far above IoT traffic (the IoT Sentinel captures peak at 72 UDP packets/s).
   */
  packetsPerSecond: number;
  /** Bits per second to one address that make the second hot as well, on-the-wire frame sizes. Default 50,000,000. */
  bitsPerSecond: number;
  /**
   * A flow whose receiver sends at least one packet for every this many it receives is a
   * conversation and does not count: VPN and QUIC uploads (acknowledged every few packets), game
   * and voice sessions, RTP/WebRTC uploads (RTCP feedback on the same flow, some per second).
   * A flood on new flows (random ports or sources) counts from each flow's first packet anyway.
   * Default 100.
   */
  answeredRatio: number;
  /** Hot seconds before an alert. Default 3. */
  minSeconds: number;
  /** Seconds under the threshold allowed between two hot seconds of one flood (pulse waves, capture drops). Default 2. */
  maxGapSeconds: number;
  /** While a flood goes on its alert's evidence is refreshed (count unchanged) at most every this many seconds. Default 10. */
  refreshSeconds: number;
  /** Addresses followed at most; entries not in a flood are evicted first. Counted as `detect.floodUdp.table_full`. Default 4096. */
  maxVictims: number;
  /**
   * Width of the sub-second buckets a burst is counted in, ms (a divisor of 1000). Default 100:
   * reflection and flood bursts of a few tens of ms (the StopDDoS SNMP capture: 4,079 datagrams
   * in 23 ms) fill one bucket, and ten buckets make a second.
   */
  burstMs: number;
  /**
   * A bucket holding burstFactor × burstMs / 1000 of a second's packets or bits (both bars) raises
   * at once, without the minSeconds wait. Default 10: with 100 ms buckets, a hot second's worth
   * (1,000 datagrams or 50 Mbit) inside a tenth of a second, ten times the sustained bar. Suricata's
   * `detection_filter` (count within seconds) and FastNetMon (pps averaged over a few seconds, so
   * one second ten times over trips it) fire on such bursts; unsolicited UDP at 10,000/s to one home
   * host is no conversation.
   */
  burstFactor: number;
  /**
   * Source ports of amplifying services (default AMPLIFICATION_PORTS, flood.amplification's list).
   * An inbound flood whose datagrams with ports come at least 90 % from these, from at least 10
   * sources (flood.amplification's minReflectors), is reflection: flood.amplification reports it,
   * with the reflectors and services, and flood.udp stays quiet rather than tell it twice.
   */
  reflectionPorts: readonly number[];
}

/** Share of an episode's datagrams (with ports) from reflectionPorts above which an inbound flood is reflection. */
const REFLECTED_SHARE = 0.9;
/** Distinct sources a reflection needs (flood.amplification's minReflectors default). */
const REFLECTED_MIN_SOURCES = 10;

/** A UDP flood target: the flood counters plus how much of it came from amplifying service ports. */
class UdpTarget extends FloodEntry {
  /** Datagrams of the episode with ports (first fragments included), and those from a reflection port. */
  ported = 0;
  reflected = 0;

  override resetEpisode(): void {
    super.resetEpisode();
    this.ported = 0;
    this.reflected = 0;
  }
}

/** The defaults, frozen. */
export const FLOOD_UDP_DEFAULTS: Readonly<FloodUdpConfig> = Object.freeze({
  packetsPerSecond: 1000,
  bitsPerSecond: 50_000_000,
  answeredRatio: 100,
  minSeconds: 3,
  maxGapSeconds: 2,
  refreshSeconds: 10,
  maxVictims: 4096,
  burstMs: 100,
  burstFactor: 10,
  reflectionPorts: AMPLIFICATION_PORTS,
});

/**
 * The `floodUdp` detector. Alert: dst = the target, src = one sender (of the packet that crossed
 * the threshold), dport = the target port when all went to one, device = the target if it is a LAN
 * device, else the sending LAN device; dedup peer = dst. Evidence: EpisodeEvidence plus
 * `distinctSourcePorts` and the two thresholds.
 */
export const floodUdp = plugin<FloodUdpConfig>({
  name: 'floodUdp',
  rules: ['flood.udp'],
  defaults: FLOOD_UDP_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<FloodUdpConfig>): FloodDetector {
    if (!(cfg.burstFactor * cfg.burstMs >= 1000)) throw new RangeError(`detect.floodUdp: burstFactor × burstMs must be ≥ 1000 (a burst holds at least a hot second's packets)`);
    const win: FloodWindow = {
      minSeconds: cfg.minSeconds, maxGapSeconds: cfg.maxGapSeconds, refreshSeconds: cfg.refreshSeconds, maxVictims: cfg.maxVictims, burstMs: cfg.burstMs,
    };
    const burstShare = (cfg.burstFactor * cfg.burstMs) / 1000;
    const burstPkts = Math.ceil(cfg.packetsPerSecond * burstShare);
    const burstBytes = Math.ceil((cfg.bitsPerSecond / 8) * burstShare);
    const evidence = (e: UdpTarget) => ({
      ...episodeEvidence(e, win.burstMs * 1000), distinctSourcePorts: hllCount(e.ports),
      thresholdPerSecond: cfg.packetsPerSecond, thresholdBitsPerSecond: cfg.bitsPerSecond,
      burstThresholdPerSecond: burstPkts * (1000 / cfg.burstMs), burstThresholdBitsPerSecond: burstBytes * 8 * (1000 / cfg.burstMs),
    });
    const reflectionPort = new Uint8Array(65536);
    for (const p of cfg.reflectionPorts) {
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`detect.floodUdp.reflectionPorts: not a port: ${p}`);
      reflectionPort[p] = 1;
    }
    const table = new FloodTable(() => new UdpTarget(), win, host.local, { emit: (a) => host.emit(a), evidence }, {
      name: 'detect.floodUdp.maxVictims', event: 'detect.floodUdp.table_full', counters: host.events,
    });
    const bytesPerSecond = cfg.bitsPerSecond / 8;
    /** Set when flows end for shutdown: the next tick ends every episode with its last numbers. */

    return Object.assign(floodHooks(table), {
      ipProtos: [IPPROTO.UDP],
      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        // Every UDP datagram and fragment (later fragments have no ports but carry the bytes).
        if (pv.ipProto !== IPPROTO.UDP || isGroupDestination(pv)) return;
        if (flow !== null) {
          const toA = dir === 1; // the receiver is the flow's side A
          if (toA && flow.initiatorKnown) return; // the receiver opened this conversation
          const sent = toA ? flow.pktsAB : flow.pktsBA;
          const got = toA ? flow.pktsBA : flow.pktsAB;
          if (sent * cfg.answeredRatio >= got) return; // the receiver answers
        }
        const e = table.get(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3, Math.floor(pv.ts / US));
        table.add(e, pv);
        if (pv.srcPort >= 0) {
          e.ported++;
          e.reflected += reflectionPort[pv.srcPort]!;
        }
        let trigger: string;
        if (!e.secHot && (e.pkts >= cfg.packetsPerSecond || e.bytes >= bytesPerSecond) && table.markHot(e)) trigger = 'sustained';
        else if (table.burstDue(e, burstPkts, burstBytes)) trigger = 'burst';
        else return;
        e.trigger = trigger;
        const ev = evidence(e);
        if (e.local && e.reflected >= REFLECTED_SHARE * e.ported && ev.distinctSources >= REFLECTED_MIN_SOURCES) return; // flood.amplification's
        const victim = entryAddress(e);
        const how = trigger === 'burst'
          ? `a burst of ${ev.peakBurstPackets} datagrams in ${ev.burstWindowMs} ms (${ev.peakBurstPerSecond}/s, ${Math.round((ev.peakBurstBytes * 8000) / ev.burstWindowMs / 1e6)} Mbit/s)`
          : `${ev.peakPerSecond} packets/s, ${Math.round(ev.peakBitsPerSecond / 1e6)} Mbit/s for ${ev.seconds} s`;
        table.raise(e, {
          rule: 'flood.udp', ts: pv.ts, device: floodDevice(host, e, pv),
          src: sourceAddress(pv), dst: victim, proto: 'udp', sport: null, dport: e.dport >= 0 ? e.dport : null,
          message: `UDP flood ${ev.direction === 'inbound' ? 'to' : 'from the LAN to'} ${victim}: ${how} from about ${ev.distinctSources} sources`,
          evidence: ev,
        }, trigger);
      },
    });
  },
});
