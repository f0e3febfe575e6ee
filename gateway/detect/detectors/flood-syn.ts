// Detects TCP SYN floods (many unanswered SYNs to one address a second, for several seconds: the
// half-open connections exhaust the victim's backlog) and SYN-ACK reflection floods (SYN-ACKs to an
// address that never sent the SYNs), toward a LAN device or from one (a compromised device flooding
// out). The per-victim, per-second counting it shares with the other floods is in ../flood-window.ts.
import type { Flow } from '../../track/flow.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../decode/transport/tcp.js';
import { plugin, type PluginHost } from '../../sensor/plugin.js';
import {
  episodeEvidence, FloodEntry, FloodTable, entryAddress, floodDevice, hllCount, sourceAddress, US, type FloodDetector, type FloodWindow, floodHooks
} from '../flood-window.js';

// ---------------------------------------------------------------- the SYN flood detector

/**
 * A fast SYN port scan looks like a flood by rate; it is scan.port's finding. Its shape: one or
 * two senders, a fixed source port or a handful (nmap and masscan keep one; nmap's retries take
 * the next), many destination ports (the ndpi synscan sample: 1 source, 2 source ports, 1,000
 * ports at up to 708 SYN/s). Flood tools vary the source port (Mirai, hping3), so they stay floods.
 */
const SCAN_MAX_SOURCES = 2;
const SCAN_MAX_SOURCE_PORTS = 4;
const SCAN_MIN_PORTS = 64;

/** What a SYN flood entry counts: SYNs, or SYN-ACKs nobody asked for. */
type Kind = 'syn' | 'synack';

/** Settings of `detect.floodSyn`. All fixed at start. */
export interface FloodSynConfig {
  /**
   * Unanswered SYNs to one address within one second of packet time that make the second hot.
   * Default 200: the Junos OS security screen `tcp syn-flood attack-threshold` default (SYN/s to
   * one destination before SYN cookies/proxy start). A Linux listener keeps a half-open connection
   * about 63 s (5 SYN-ACK retries), so 200/s fills a 1024-entry backlog in about 5 s.
   */
  synPerSecond: number;
  /** Unsolicited SYN-ACKs (the receiver sent no SYN on that flow) to one address a second. Default 200. */
  synAckPerSecond: number;
  /** Hot seconds before an alert. Default 3 (sustained, not one burst of connections). */
  minSeconds: number;
  /**
   * Seconds under the threshold allowed between two hot seconds of one flood. Default 2: pulse-wave
   * floods and captures that drop packets under load show gaps (the stopddos sample has one of 2.6 s).
   */
  maxGapSeconds: number;
  /** While a flood goes on its alert's evidence is refreshed (count unchanged) at most every this many seconds. Default 10. */
  refreshSeconds: number;
  /** Addresses followed at most, per kind (SYN, SYN-ACK); entries not in a flood are evicted first. Counted as `detect.floodSyn.table_full`. Default 4096. */
  maxVictims: number;
}

/** The defaults, frozen. */
export const FLOOD_SYN_DEFAULTS: Readonly<FloodSynConfig> = Object.freeze({
  synPerSecond: 200,
  synAckPerSecond: 200,
  minSeconds: 3,
  maxGapSeconds: 2,
  refreshSeconds: 10,
  maxVictims: 4096,
});

/**
 * The `floodSyn` detector. Alert: dst = the target, src = one sender (of the packet that crossed
 * the threshold), dport = the target port when all went to one, device = the target if it is a
 * LAN device, else the sending LAN device; dedup peer `<target> syn|synack`. Evidence:
 * EpisodeEvidence plus `kind`, `thresholdPerSecond`, `distinctSourcePorts`.
 */
export const floodSyn = plugin<FloodSynConfig>({
  name: 'floodSyn',
  rules: ['flood.syn'],
  defaults: FLOOD_SYN_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<FloodSynConfig>): FloodDetector {
    const win: FloodWindow = { minSeconds: cfg.minSeconds, maxGapSeconds: cfg.maxGapSeconds, refreshSeconds: cfg.refreshSeconds, maxVictims: cfg.maxVictims };
    const evidence = (e: FloodEntry, kind: Kind) => ({
      kind, ...episodeEvidence(e), thresholdPerSecond: kind === 'syn' ? cfg.synPerSecond : cfg.synAckPerSecond, distinctSourcePorts: hllCount(e.ports),
    });
    // Both tables count their evictions as detect.floodSyn.table_full (one cap, maxVictims per kind).
    const cap = { name: 'detect.floodSyn.maxVictims', event: 'detect.floodSyn.table_full', counters: host.events } as const;
    const table = (kind: Kind) => new FloodTable(() => new FloodEntry(), win, host.local, { emit: (a) => host.emit(a), evidence: (e) => evidence(e, kind) }, cap);
    const syns = table('syn');
    const synAcks = table('synack');
    /** Set when flows end for shutdown: the next tick ends every episode with its last numbers. */

    const count = (t: FloodTable<FloodEntry>, pv: PacketView, threshold: number, kind: Kind): void => {
      const e = t.get(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3, Math.floor(pv.ts / US));
      t.add(e, pv);
      if (e.secHot || e.pkts < threshold || !t.markHot(e)) return;
      const ev = evidence(e, kind);
      if (kind === 'syn' && ev.distinctSources <= SCAN_MAX_SOURCES && ev.distinctSourcePorts <= SCAN_MAX_SOURCE_PORTS && ev.distinctDestinationPorts >= SCAN_MIN_PORTS) return;
      const victim = entryAddress(e);
      t.raise(e, {
        rule: 'flood.syn', ts: pv.ts, device: floodDevice(host, e, pv),
        src: sourceAddress(pv), dst: victim, proto: 'tcp', sport: null, dport: e.dport >= 0 ? e.dport : null,
        peer: `${victim} ${kind}`,
        message: `${kind === 'syn' ? 'SYN' : 'SYN-ACK'} flood ${ev.direction === 'inbound' ? 'to' : 'from the LAN to'} ${victim}: ` +
          `${ev.peakPerSecond}/s for ${ev.seconds} s from about ${ev.distinctSources} sources`,
        evidence: ev,
      });
    };

    return Object.assign(floodHooks(syns, synAcks), {
      ipProtos: [IPPROTO.TCP],
      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        if (pv.ipProto !== IPPROTO.TCP || pv.srcPort < 0) return;
        const fl = pv.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST);
        if (fl === TCP_SYN) {
          count(syns, pv, cfg.synPerSecond, 'syn');
        } else if (fl === (TCP_SYN | TCP_ACK)) {
          // Unsolicited when the receiver (side A if this goes B→A) sent no SYN on the flow.
          if (flow === null || ((dir === 1 ? flow.flagsAB : flow.flagsBA) & TCP_SYN) === 0) count(synAcks, pv, cfg.synAckPerSecond, 'synack');
        } else if (fl === TCP_ACK && dir === 0 && flow !== null && flow.pktsAB === 2 && (flow.flagsBA & TCP_SYN) !== 0) {
          // The handshake's third packet (SYN, then this ACK from the initiator): that SYN was answered
          // after all. Approximate: a retransmitted SYN leaves one SYN counted.
          const e = syns.find(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3);
          if (e !== undefined && e.pkts > 0 && e.sec === Math.floor(pv.ts / US)) e.pkts--;
        }
      },
    });
  },
});
