// Detects TCP SYN floods (many unanswered SYNs to one address a second, for several seconds: the
// half-open connections exhaust the victim's backlog; or a sub-second burst far over that rate; or a
// slower stream from spoofed sources, one SYN each, none completing a handshake) and SYN-ACK
// reflection floods (SYN-ACKs to an address that never sent the SYNs), toward a LAN device or from
// one (a compromised device flooding out). The per-victim counting it shares with the other floods
// is in ../flood-window.ts.
import type { Flow } from '../../track/flow.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../decode/transport/tcp.js';
import { plugin, type PluginHost } from '../../sensor/plugin.js';
import { Family } from '../../decode/packet-view.js';
import { ipv4ToString, ipv6ToString, macToString } from '../../common/address-text.js';
import {
  episodeEvidence, FloodEntry, FloodTable, entryAddress, hllCount, US, type FloodDetector, type FloodWindow, floodHooks
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

/**
 * Of a spoofed-source flood's SYNs, the share at least that come from distinct addresses (the
 * HyperLogLog estimate of the episode's sources over its SYNs). Tools that forge sources (hping3
 * --rand-source, Mirai's syn attack, the stopddos captures: 37,623 sources for 37,841 SYNs, 9,697
 * for 9,639) draw a new address per packet, so the share is about 1; a few real hosts retrying
 * connections are far under 0.5. Half leaves room for the sketch's ±9 % and for repeats.
 */
const SPOOFED_MIN_SOURCE_SHARE = 0.5;

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
  /**
   * Width of the sub-second buckets a burst is counted in, ms (a divisor of 1000). Default 100:
   * short enough that a flood of a few tens of ms (the StopDDoS DOMINATE capture sends 9,639 SYNs
   * in about 0.5 s, a SYN-ACK reflection 6,600 in 0.15 s) fills one, long enough to hold a
   * handshake's round trip on most paths, so answered SYNs come off the bucket they were counted in.
   */
  burstMs: number;
  /**
   * A bucket holding `synPerSecond × burstFactor × burstMs / 1000` unanswered SYNs (or as many
   * SYN-ACKs by synAckPerSecond) raises at once, without the minSeconds wait: the rate held for
   * burstMs is burstFactor times the per-second bar. Default 10, so with 100 ms buckets a burst
   * is a hot second's worth of SYNs (200) inside a tenth of a second, 2,000/s. Suricata's
   * `detection_filter` (count within seconds) and FastNetMon (per-host pps averaged over a few
   * seconds, so one second ten times over the bar trips a threshold held over several) both fire
   * on such a burst; nothing that completes handshakes sends that many in 100 ms to one home host.
   */
  burstFactor: number;
  /**
   * Unanswered SYNs a second that make a second hot for the spoofed-source pattern: below
   * synPerSecond, an episode of minSeconds such seconds raises when its SYNs come from about as
   * many distinct sources (see spoofedMinSources) and almost none complete a handshake. Default
   * 100: half the raw bar; 100/s held 3 s is 300 half-open connections, more than the 128-entry
   * `tcp_max_syn_backlog` Linux gives a small-memory device, and with the 63 s half-open lifetime
   * it fills a 1024-entry one in about 10 s; internet background scanning of an exposed port is a
   * few SYN/s, the peers of a P2P client some per second.
   */
  spoofedSynPerSecond: number;
  /** Distinct sources (estimated) the spoofed-source pattern needs over the episode. Default 100: a crowd, not a few clients retrying. */
  spoofedMinSources: number;
  /**
   * Share of the episode's SYNs whose handshake completed (the initiator's ACK after its SYN) above
   * which it is not the spoofed-source pattern. Default 0.1: forged sources never complete (the
   * stopddos captures: none), a busy server's clients almost all do.
   */
  spoofedMaxAnswered: number;
}

/** The defaults, frozen. */
export const FLOOD_SYN_DEFAULTS: Readonly<FloodSynConfig> = Object.freeze({
  synPerSecond: 200,
  synAckPerSecond: 200,
  minSeconds: 3,
  maxGapSeconds: 2,
  refreshSeconds: 10,
  maxVictims: 4096,
  burstMs: 100,
  burstFactor: 10,
  spoofedSynPerSecond: 100,
  spoofedMinSources: 100,
  spoofedMaxAnswered: 0.1,
});

/** A SYN or SYN-ACK target: the flood counters plus what the spoofed-source pattern needs. */
class SynTarget extends FloodEntry {
  /** Handshakes completed in the episode (SYNs answered after all). */
  answered = 0;
  /** Seconds of the episode at or over the raw threshold, and the last of them (-1 none). */
  hotHigh = 0;
  highSec = -1;
  /** The last sender (address words, family) and the frame's MACs: an alert raised when a second closes names them. */
  lastFamily: Family = Family.None;
  lastSrc0 = 0; lastSrc1 = 0; lastSrc2 = 0; lastSrc3 = 0;
  lastSrcMac = -1;
  lastDstMac = -1;

  override resetEpisode(): void {
    super.resetEpisode();
    this.answered = 0;
    this.hotHigh = 0;
    this.highSec = -1;
  }
}

/**
 * The `floodSyn` detector. Alert: dst = the target, src = one sender (of the packet that crossed
 * the threshold, or the last one of the second that completed the pattern), dport = the target
 * port when all went to one, device = the target if it is a LAN device, else the sending LAN
 * device; dedup peer `<target> syn|synack`. Evidence: EpisodeEvidence (with `trigger`: sustained,
 * burst or spoofed-sources, and the peak burst) plus `kind`, `thresholdPerSecond`,
 * `burstThresholdPerSecond`, `distinctSourcePorts`, `completedHandshakes`.
 */
export const floodSyn = plugin<FloodSynConfig>({
  name: 'floodSyn',
  rules: ['flood.syn'],
  defaults: FLOOD_SYN_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<FloodSynConfig>): FloodDetector {
    if (!(cfg.burstFactor * cfg.burstMs >= 1000)) throw new RangeError(`detect.floodSyn: burstFactor × burstMs must be ≥ 1000 (a burst holds at least a hot second's packets)`);
    const win: FloodWindow = {
      minSeconds: cfg.minSeconds, maxGapSeconds: cfg.maxGapSeconds, refreshSeconds: cfg.refreshSeconds, maxVictims: cfg.maxVictims, burstMs: cfg.burstMs,
    };
    const burstShare = (cfg.burstFactor * cfg.burstMs) / 1000;
    const burstOf = (kind: Kind) => Math.ceil((kind === 'syn' ? cfg.synPerSecond : cfg.synAckPerSecond) * burstShare);
    const burstSyn = burstOf('syn');
    const burstSynAck = burstOf('synack');
    // The SYN table's seconds are hot from the lower of the two bars; the SYN-ACK table's from its own.
    const lowSyn = Math.min(cfg.spoofedSynPerSecond, cfg.synPerSecond);
    const evidence = (e: SynTarget, kind: Kind) => ({
      kind, ...episodeEvidence(e, win.burstMs * 1000), thresholdPerSecond: kind === 'syn' ? cfg.synPerSecond : cfg.synAckPerSecond,
      burstThresholdPerSecond: (kind === 'syn' ? burstSyn : burstSynAck) * (1000 / cfg.burstMs),
      distinctSourcePorts: hllCount(e.ports), completedHandshakes: e.answered,
    });
    // Both tables count their evictions as detect.floodSyn.table_full (one cap, maxVictims per kind).
    const cap = { name: 'detect.floodSyn.maxVictims', event: 'detect.floodSyn.table_full', counters: host.events } as const;
    const table = (kind: Kind, closeSecond?: (e: SynTarget) => void) =>
      new FloodTable(() => new SynTarget(), win, host.local, { emit: (a) => host.emit(a), evidence: (e) => evidence(e, kind), closeSecond }, cap);

    /** The alert of `e`'s episode, from the sender and frame recorded last. */
    const alertOf = (e: SynTarget, kind: Kind, ts: number, ev: ReturnType<typeof evidence>) => {
      const victim = entryAddress(e);
      const mac = e.local ? e.lastDstMac : e.lastSrcMac;
      const src = e.lastFamily === Family.V4 ? ipv4ToString(e.lastSrc0) : ipv6ToString(e.lastSrc0, e.lastSrc1, e.lastSrc2, e.lastSrc3);
      const how = ev.trigger === 'burst'
        ? `a burst of ${ev.peakBurstPackets} in ${ev.burstWindowMs} ms (${ev.peakBurstPerSecond}/s)`
        : `${ev.peakPerSecond}/s for ${ev.seconds} s`;
      return {
        rule: 'flood.syn' as const, ts, device: mac >= 0 && host.devices.get(mac) !== undefined ? macToString(mac) : null,
        src, dst: victim, proto: 'tcp', sport: null, dport: e.dport >= 0 ? e.dport : null,
        peer: `${victim} ${kind}`,
        message: `${kind === 'syn' ? 'SYN' : 'SYN-ACK'} flood ${ev.direction === 'inbound' ? 'to' : 'from the LAN to'} ${victim}: ` +
          `${how} from about ${ev.distinctSources} sources` + (ev.trigger === 'spoofed-sources' ? `, ${ev.completedHandshakes} of ${ev.packets} handshakes completed` : ''),
        evidence: ev,
      };
    };

    /** Raises `e`'s episode with `trigger` unless it has the shape of a fast port scan (scan.port's finding). */
    const raise = (t: FloodTable<SynTarget>, e: SynTarget, kind: Kind, ts: number, trigger: string): void => {
      e.trigger = trigger; // the evidence built below reports it; raise sets it again
      const ev = evidence(e, kind);
      if (kind === 'syn' && ev.distinctSources <= SCAN_MAX_SOURCES && ev.distinctSourcePorts <= SCAN_MAX_SOURCE_PORTS && ev.distinctDestinationPorts >= SCAN_MIN_PORTS) {
        e.trigger = '';
        return;
      }
      t.raise(e, alertOf(e, kind, ts, ev), trigger);
    };

    /**
     * The spoofed-source pattern, judged as each hot second closes (late handshakes subtracted):
     * minSeconds hot seconds, a crowd of sources about as large as the SYN count, almost no
     * handshake completed. Below synPerSecond only: faster floods raise on their own bar.
     */
    const judgeSpoofed = (e: SynTarget): void => {
      if (e.alert !== null || e.hot < cfg.minSeconds) return;
      const sources = hllCount(e.sources);
      if (sources < cfg.spoofedMinSources || sources < SPOOFED_MIN_SOURCE_SHARE * e.totalPkts) return;
      if (e.answered > cfg.spoofedMaxAnswered * e.totalPkts) return;
      raise(syns, e, 'syn', e.lastTs, 'spoofed-sources');
    };
    const syns = table('syn', judgeSpoofed);
    const synAcks = table('synack');

    const count = (t: FloodTable<SynTarget>, pv: PacketView, low: number, high: number, burst: number, kind: Kind): void => {
      const e = t.get(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3, Math.floor(pv.ts / US));
      t.add(e, pv);
      e.lastFamily = pv.family; e.lastSrc0 = pv.src0; e.lastSrc1 = pv.src1; e.lastSrc2 = pv.src2; e.lastSrc3 = pv.src3;
      e.lastSrcMac = pv.srcMac; e.lastDstMac = pv.dstMac;
      if (!e.secHot && e.pkts >= low) t.markHot(e);
      if (e.pkts >= high && e.highSec !== e.sec) {
        e.highSec = e.sec;
        e.hotHigh++;
        if (e.alert === null && e.hotHigh >= cfg.minSeconds) { raise(t, e, kind, pv.ts, 'sustained'); return; }
      }
      if (t.burstDue(e, burst, Infinity)) raise(t, e, kind, pv.ts, 'burst');
    };

    return Object.assign(floodHooks(syns, synAcks), {
      ipProtos: [IPPROTO.TCP],
      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        if (pv.ipProto !== IPPROTO.TCP || pv.srcPort < 0) return;
        const fl = pv.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST);
        if (fl === TCP_SYN) {
          count(syns, pv, lowSyn, cfg.synPerSecond, burstSyn, 'syn');
        } else if (fl === (TCP_SYN | TCP_ACK)) {
          // Unsolicited when the receiver (side A if this goes B→A) sent no SYN on the flow.
          if (flow === null || ((dir === 1 ? flow.flagsAB : flow.flagsBA) & TCP_SYN) === 0) {
            count(synAcks, pv, cfg.synAckPerSecond, cfg.synAckPerSecond, burstSynAck, 'synack');
          }
        } else if (fl === TCP_ACK && dir === 0 && flow !== null && flow.pktsAB === 2 && (flow.flagsAB & TCP_SYN) !== 0 &&
          ((flow.flagsBA & TCP_SYN) !== 0 || flow.pktsBA === 0)) {
          // The handshake's third packet (the initiator's SYN, then this ACK; the SYN-ACK seen, or
          // nothing seen of the other side: a one-way capture or an asymmetric route): that SYN was
          // answered after all. It comes off the second and the bucket it was counted in, when
          // those are still open. Approximate: a retransmitted SYN leaves one SYN counted.
          const e = syns.find(pv.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3);
          if (e === undefined) return;
          e.answered++;
          if (e.pkts > 0 && e.sec === Math.floor(flow.firstTs / US)) e.pkts--;
          if (e.bucketPkts > 0 && e.bucket === Math.floor(flow.firstTs / syns.burstUs)) e.bucketPkts--;
        }
      },
    });
  },
});
