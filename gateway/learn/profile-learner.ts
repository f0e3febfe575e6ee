// Learns MUD profiles from traffic: a detector that watches the devices it is given, folds the
// first packet of each of their flows into rules (peer, protocol, server port, who opened it) the
// way the MUD policy layer will judge those flows, and cuts a profile on request. The same object
// runs over a replayed capture (`edgeward mud learn`) and live in the daemon (`policy.learn`).
import type { AppRecord } from '../app/app-record.js';
import { PrefixSet } from '../../policies/compile/address-set.js';
import { LINK_SCOPE_PREFIXES, parsePrefix, type IpPrefix } from '../../policies/index.js';
import { normaliseHost } from '../../policies/mud/json-read.js';
import { ipv4ToString, ipv6ToString, macToString, parseMac } from '../common/address-text.js';
import { DnsType } from '../app/dns/dns-message.js';
import { IPPROTO } from '../decode/dispatch.js';
import { Family, type PacketView } from '../decode/packet-view.js';
import type { Plugin, PluginHost } from '../sensor/plugin.js';
import { ipv4Key, type AddrKey } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import { DEFAULT_LOCAL_NETWORKS } from '../track/local-networks.js';
import { DeviceEvidence, type ObservedRule, type PeerRef } from './device-evidence.js';
import { LearnError } from './learn-errors.js';
import { LEARNER_DEFAULTS, type LearnerOptions, type ProfileOptions } from './learn-config.js';
import { buildLearnedProfile, type LearnedProfile } from './learned-profile.js';
import { NetworkServices } from './network-services.js';

const PORT_DNS = 53;
const PORT_DHCP_SERVER = 67;
const PORT_DHCP_CLIENT = 68;
const PORT_NTP = 123;
/** ICMP/ICMPv6 replies (echo, timestamp): learned with their request (RFC 792, RFC 4443). */
const ICMP_REPLIES = new Set([0, 14, 129]);

/**
 * The learner. Add it to a DetectEngine (`engine.add('profileLearner', learner)`) before the
 * first packet; ask `profileFor(mac)` at any time for the profile learned so far. Its state is
 * bounded per device by {@link LearnerOptions} (destinations, rules, remembered answers).
 */
export class ProfileLearner implements Plugin {
  private readonly byMac = new Map<number, DeviceEvidence>();
  /** LAN side as the policy layer's `local-networks` reads it: private ranges, configured prefixes, link scopes. */
  private readonly lan: PrefixSet;
  private readonly opts: Readonly<LearnerOptions>;
  private readonly windowUs: number;
  /** Rules each live flow was folded into, to add its bytes and server name when it ends. */
  private readonly flowRules = new WeakMap<Flow, ObservedRule[]>();
  /** LAN hosts seen answering DHCP, DNS and NTP. */
  readonly services = new NetworkServices();
  /** Packet time (µs) of the last packet seen. */
  lastTs = 0;

  constructor(private readonly host: PluginHost, opts: Partial<LearnerOptions> = {}) {
    this.opts = { ...LEARNER_DEFAULTS, ...opts, policy: { ...LEARNER_DEFAULTS.policy, ...opts.policy } };
    this.windowUs = this.opts.windowSeconds * 1e6;
    // The compiled policy's own prefix set, so that "LAN" here is exactly its local-networks.
    this.lan = new PrefixSet([...DEFAULT_LOCAL_NETWORKS, ...this.opts.policy.localNetworks, ...LINK_SCOPE_PREFIXES].map(prefixOf));
    for (const text of this.opts.devices) this.watch(text);
  }

  /** Starts learning a device (a MAC as text). Throws LearnError for a malformed MAC. */
  watch(macText: string): void {
    const mac = parseMac(macText);
    if (mac < 0) throw new LearnError('learn.bad-mac', `not a MAC address: ${macText}`);
    if (!this.byMac.has(mac)) this.byMac.set(mac, new DeviceEvidence(macToString(mac), mac, this.opts));
  }

  /** Whether a device is being learned. */
  has(macText: string): boolean {
    return this.byMac.has(parseMac(macText));
  }

  /** The MACs being learned. */
  devices(): string[] {
    return [...this.byMac.values()].map((e) => e.mac);
  }

  /** The raw evidence of a device (for tests and the API). */
  evidenceOf(macText: string): DeviceEvidence | undefined {
    return this.byMac.get(parseMac(macText));
  }

  /** The profile learned so far for a device, with its report. Throws LearnError when the device is not learned. */
  profileFor(macText: string, options: ProfileOptions = {}): LearnedProfile {
    const mac = parseMac(macText);
    const ev = mac >= 0 ? this.byMac.get(mac) : undefined;
    if (ev === undefined) throw new LearnError('learn.not-learned', `device ${macText} is not being learned (policy.learn)`);
    return buildLearnedProfile({
      evidence: ev, device: this.host.devices.get(mac), services: this.services, policy: this.opts.policy,
      windowSeconds: this.opts.windowSeconds, lastTs: this.lastTs, options,
    });
  }

  /** Every packet: server sightings, then the first packet of each flow of a learned device. */
  onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
    this.lastTs = pv.ts;
    if (flow === null) return;
    if (pv.ipProto === IPPROTO.UDP) this.serviceSighting(pv);
    if (this.byMac.size === 0 || isLinkControl(pv)) return;
    if (flow.pktsAB + flow.pktsBA !== 1) {
      // ICMP flows are keyed by address pair, so an error or a redirect may be the first message
      // of such a flow next time: learn every type a learned ICMP flow carries.
      if (pv.icmpType >= 0 && !ICMP_REPLIES.has(pv.icmpType)) this.icmpFollowUp(pv, flow, dir);
      return;
    }
    // The first packet of a flow is the one the policy layer judges; learn it the same way.
    const from = pv.srcMac >= 0 ? this.byMac.get(pv.srcMac) : undefined;
    if (from !== undefined) this.observe(from, pv, flow, dir, true, false);
    const to = pv.dstMac >= 0 ? this.byMac.get(pv.dstMac) : undefined;
    if (to !== undefined) this.observe(to, pv, flow, dir, false, false);
  }

  /** A DNS answer to a learned device: which name it asked for, by answered address. */
  onApp(rec: AppRecord, pv: PacketView): void {
    if (rec.kind !== 'dns') return;
    const msg = rec.msg;
    if (!msg.qr || msg.rcode !== 0 || pv.srcPort !== PORT_DNS || pv.dstMac < 0) return;
    const ev = this.byMac.get(pv.dstMac);
    const q = msg.questions[0]?.name;
    if (ev === undefined || q === undefined) return;
    for (const r of msg.answers) {
      if (r.data === null) continue;
      if (r.type === DnsType.A) ev.noteAnswer(ipv4Key(r.data), q);
      else if (r.type === DnsType.AAAA) ev.noteAnswer(r.data, q);
    }
  }

  /** A learned flow ended: its bytes and server name (TLS SNI, HTTP Host) go to its rules. */
  onFlowEnd(flow: Flow): void {
    const rules = this.flowRules.get(flow);
    if (rules === undefined) return;
    this.flowRules.delete(flow);
    const server = flow.sni ?? flow.httpHost;
    for (const r of rules) {
      r.bytes += flow.bytesAB + flow.bytesBA;
      if (r.serverName === null && server !== null) r.serverName = server;
    }
  }

  /** Entries held: rules, peers and remembered answers of every learned device (each capped). */
  stateSize(): number {
    let n = 0;
    for (const ev of this.byMac.values()) n += ev.stateSize();
    return n;
  }

  /** A later ICMP message of a learned flow, of a type not learned on it yet. */
  private icmpFollowUp(pv: PacketView, flow: Flow, dir: number): void {
    const rules = this.flowRules.get(flow);
    if (rules === undefined || rules.some((r) => r.icmpType === pv.icmpType)) return;
    const from = pv.srcMac >= 0 ? this.byMac.get(pv.srcMac) : undefined;
    if (from !== undefined) this.observe(from, pv, flow, dir, true, true);
    const to = pv.dstMac >= 0 ? this.byMac.get(pv.dstMac) : undefined;
    if (to !== undefined) this.observe(to, pv, flow, dir, false, true);
  }

  /**
   * Folds a flow's first packet (or, `followUp`, a later ICMP message of another type) into the
   * device's evidence.
   */
  private observe(ev: DeviceEvidence, pv: PacketView, flow: Flow, dir: number, fromDevice: boolean, followUp: boolean): void {
    const ts = pv.ts;
    if (ev.startTs < 0) ev.startTs = ts;
    if (this.windowUs > 0 && ts - ev.startTs >= this.windowUs) { if (!followUp) ev.afterWindow++; return; }
    const family = pv.family as 4 | 6;
    const w0 = fromDevice ? pv.dst0 : pv.src0, w1 = fromDevice ? pv.dst1 : pv.src1;
    const w2 = fromDevice ? pv.dst2 : pv.src2, w3 = fromDevice ? pv.dst3 : pv.src3;
    const address = family === 4 ? ipv4ToString(w0) : ipv6ToString(w0, w1, w2, w3);
    // Side A of the flow is its opener (or, joined mid-conversation, the side with the ephemeral port).
    const deviceIsA = fromDevice ? dir === 0 : dir === 1;
    const ported = (pv.ipProto === IPPROTO.TCP || pv.ipProto === IPPROTO.UDP) && pv.srcPort >= 0;
    const dhcp = ported && pv.ipProto === IPPROTO.UDP &&
      ((flow.aPort === PORT_DHCP_CLIENT && flow.bPort === PORT_DHCP_SERVER) || (flow.aPort === PORT_DHCP_SERVER && flow.bPort === PORT_DHCP_CLIENT));
    const isLan = this.lan.has(family, w0, w1, w2, w3);
    let peer: PeerRef;
    if (isLan) peer = { kind: 'lan', address };
    else {
      const name = this.nameFor(ev, family === 4 ? w0 : address, ts);
      peer = name !== undefined ? { kind: 'name', name } : { kind: 'address', address };
    }
    // The server's port is the responder's. Joined mid-conversation (opener unseen), it is the
    // lower of the two: 10000 rather than 51904 on a LAN app's stale connection.
    let deviceIsClient = followUp ? fromDevice : deviceIsA;
    let port = ported && !dhcp ? flow.bPort : -1;
    let fromServer = dir === 1;
    if (ported && !dhcp && !flow.initiatorKnown) {
      const devicePort = deviceIsA ? flow.aPort : flow.bPort, peerPort = deviceIsA ? flow.bPort : flow.aPort;
      if (devicePort !== peerPort) {
        deviceIsClient = devicePort > peerPort;
        port = Math.min(devicePort, peerPort);
      }
      fromServer = fromDevice !== deviceIsClient;
    }
    const r = ev.record({
      family, proto: pv.ipProto, peer, peerAddress: address,
      // DHCP: the device is the client, whichever end spoke first.
      deviceIsClient: dhcp ? true : deviceIsClient,
      port,
      dhcp,
      icmpType: pv.ipProto === IPPROTO.ICMP || pv.ipProto === IPPROTO.ICMPV6 ? pv.icmpType : -1,
      initiatorKnown: flow.initiatorKnown,
      fromServer,
      ts,
    }, followUp);
    if (r === null) return;
    const list = this.flowRules.get(flow);
    if (list === undefined) this.flowRules.set(flow, [r]);
    else list.push(r);
  }

  /**
   * The DNS name that explains `addr` at `ts`: among the names a still-valid answer gave it, the
   * one the device itself asked for (so a CNAME chain yields the queried name), else the name at
   * the head of the chain; undefined when no answer explains it or the name is not a host name.
   */
  private nameFor(ev: DeviceEvidence, addr: AddrKey, ts: number): string | undefined {
    const names = this.host.dns.namesFor(addr, ts);
    if (names.length === 0) return undefined;
    const asked = ev.askedName(addr);
    // The cache links an answer's owner name first and walks back to the question, so the last
    // name is the one a client asked for when the device did not.
    const name = asked !== undefined && names.includes(asked) ? asked : names[names.length - 1]!;
    return normaliseHost(name);
  }

  /** LAN hosts answering DHCP (to anyone) and DNS/NTP (to a learned device) are the network's servers. */
  private serviceSighting(pv: PacketView): void {
    const sp = pv.srcPort;
    if (sp !== PORT_DNS && sp !== PORT_DHCP_SERVER && sp !== PORT_NTP) return;
    if (sp === PORT_DHCP_SERVER ? pv.dstPort !== PORT_DHCP_CLIENT : pv.dstMac < 0 || !this.byMac.has(pv.dstMac)) return;
    const family = pv.family;
    if (family === Family.None || !this.lan.has(family, pv.src0, pv.src1, pv.src2, pv.src3) || (family === Family.V4 && pv.src0 === 0)) return;
    const address = family === Family.V4 ? ipv4ToString(pv.src0) : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
    this.services.saw(sp === PORT_DNS ? 'dns' : sp === PORT_NTP ? 'ntp' : 'dhcp', address);
  }
}

/** A prefix text (config or built-in); throws RangeError on a malformed one. */
function prefixOf(text: string): IpPrefix {
  const p = parsePrefix(text.trim());
  if (p === null) throw new RangeError(`not an IPv4 or IPv6 prefix: ${text}`);
  return p;
}

/**
 * Link control the policy layer does not judge (gateway/policy/mud-policy.ts, same rule): ICMPv6
 * neighbour discovery and multicast listener messages (RFC 4861, RFC 3810) and IGMP. Learning
 * them would only add rules no flow is ever held to.
 */
function isLinkControl(pv: PacketView): boolean {
  if (pv.ipProto === IPPROTO.ICMPV6) return (pv.icmpType >= 130 && pv.icmpType <= 137) || pv.icmpType === 143;
  return pv.ipProto === IPPROTO.IGMP && pv.family === Family.V4;
}
