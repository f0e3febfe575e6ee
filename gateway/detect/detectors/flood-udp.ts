// Detects UDP floods: a packet or bit rate of unsolicited UDP to one address far above what a home
// or edge network carries, for several seconds, into the LAN or out of it (a device in a botnet).
// Traffic the receiver asked for (it opened the flow) or answers is a conversation, not a flood.
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
    const win: FloodWindow = { minSeconds: cfg.minSeconds, maxGapSeconds: cfg.maxGapSeconds, refreshSeconds: cfg.refreshSeconds, maxVictims: cfg.maxVictims };
    const evidence = (e: FloodEntry) => ({
      ...episodeEvidence(e), distinctSourcePorts: hllCount(e.ports),
      thresholdPerSecond: cfg.packetsPerSecond, thresholdBitsPerSecond: cfg.bitsPerSecond,
    });
    const table = new FloodTable(() => new FloodEntry(), win, host.local, { emit: (a) => host.emit(a), evidence }, {
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
        if (e.secHot || (e.pkts < cfg.packetsPerSecond && e.bytes < bytesPerSecond) || !table.markHot(e)) return;
        const victim = entryAddress(e);
        const ev = evidence(e);
        table.raise(e, {
          rule: 'flood.udp', ts: pv.ts, device: floodDevice(host, e, pv),
          src: sourceAddress(pv), dst: victim, proto: 'udp', sport: null, dport: e.dport >= 0 ? e.dport : null,
          message: `UDP flood ${ev.direction === 'inbound' ? 'to' : 'from the LAN to'} ${victim}: ${ev.peakPerSecond} packets/s, ` +
            `${Math.round(ev.peakBitsPerSecond / 1e6)} Mbit/s for ${ev.seconds} s from about ${ev.distinctSources} sources`,
          evidence: ev,
        });
      },
    });
  },
});
