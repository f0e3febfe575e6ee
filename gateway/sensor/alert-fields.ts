// Builds the address part of an alert from a flow or a packet, so every detector fills src, dst,
// ports, protocol, device and Community ID the same way.
import { Family } from '../decode/packet-view.js';
import type { AlertInput } from '../alerts/alert.js';
import { ipv4ToString, ipv6ToString, macToString } from '../common/address-text.js';
import { communityId } from '../common/community-id.js';
import { IPPROTO } from '../decode/dispatch.js';
import type { PacketView } from '../decode/packet-view.js';
import { flowAddr, flowCommunityId, protoName } from '../track/flow-record.js';
import type { Flow } from '../track/flow.js';
import type { PluginHost } from './plugin.js';

type Where = Pick<AlertInput, 'src' | 'dst' | 'proto' | 'sport' | 'dport' | 'device' | 'sni' | 'ja4'> & { communityId: string | null };

/**
 * src/dst/ports of a flow oriented initiator → responder; the device is the LAN side's MAC; the
 * Community ID is the flow's (the value Zeek's conn.log and Suricata's EVE give the same flow).
 */
export function flowFields(host: PluginHost, f: Flow): Where {
  const ported = f.proto === IPPROTO.TCP || f.proto === IPPROTO.UDP;
  let id: string | null | undefined;
  return {
    src: flowAddr(f, 'a'), dst: flowAddr(f, 'b'), proto: protoName(f.proto),
    sport: ported ? f.aPort : null, dport: ported ? f.bPort : null,
    device: flowDevice(host, f), sni: f.sni, ja4: f.ja4,
    // Hashed when an alert is built from these fields, not when a detector only looks at them.
    get communityId() { return (id ??= flowCommunityId(f)); },
  };
}

/** MAC of the LAN device in a flow: the initiator if it is on the LAN, else the responder, else null. */
export function flowDevice(host: PluginHost, f: Flow): string | null {
  const aLocal = f.family === 4 ? host.local.hasV4(f.a0) : host.local.hasV6(f.a0, f.a1, f.a2, f.a3);
  if (aLocal && f.aMac >= 0 && host.devices.get(f.aMac)) return macToString(f.aMac);
  const bLocal = f.family === 4 ? host.local.hasV4(f.b0) : host.local.hasV6(f.b0, f.b1, f.b2, f.b3);
  if (bLocal && f.bMac >= 0 && host.devices.get(f.bMac)) return macToString(f.bMac);
  return null;
}

/**
 * src/dst/ports of the current packet; the device is the sender if it is a known device, else the
 * receiver. The Community ID is the packet's (direction-free, so the same as its flow's), from its
 * ports, or its ICMP type and code.
 */
export function packetFields(host: PluginHost, pv: PacketView): Where {
  const v4 = pv.family === Family.V4;
  const ported = pv.srcPort >= 0;
  let device: string | null = null;
  if (pv.srcMac >= 0 && host.devices.get(pv.srcMac) && (v4 ? host.local.hasV4(pv.src0) : host.local.hasV6(pv.src0, pv.src1, pv.src2, pv.src3))) device = macToString(pv.srcMac);
  else if (pv.dstMac >= 0 && host.devices.get(pv.dstMac) && (v4 ? host.local.hasV4(pv.dst0) : host.local.hasV6(pv.dst0, pv.dst1, pv.dst2, pv.dst3))) device = macToString(pv.dstMac);
  const cid = packetCommunityId(pv);
  return {
    src: v4 ? ipv4ToString(pv.src0) : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3),
    dst: v4 ? ipv4ToString(pv.dst0) : ipv6ToString(pv.dst0, pv.dst1, pv.dst2, pv.dst3),
    proto: protoName(pv.ipProto), sport: ported ? pv.srcPort : null, dport: ported ? pv.dstPort : null, device,
    get communityId() { return cid.value; },
  };
}

/**
 * Community ID v1 of the current packet, or null (no IP; ports or ICMP type not decoded: a later
 * fragment, a truncated header). A getter over the tuple copied now: the SHA-1 runs only when an
 * alert is built from these fields (some callers take them for every DNS query and rarely alert).
 */
function packetCommunityId(pv: PacketView): { readonly value: string | null } {
  const icmp = pv.ipProto === IPPROTO.ICMP || pv.ipProto === IPPROTO.ICMPV6;
  const family = pv.family, proto = pv.ipProto;
  const s0 = pv.src0, s1 = pv.src1, s2 = pv.src2, s3 = pv.src3, d0 = pv.dst0, d1 = pv.dst1, d2 = pv.dst2, d3 = pv.dst3;
  const sp = icmp ? pv.icmpType : pv.srcPort, dp = icmp ? pv.icmpCode : pv.dstPort;
  let id: string | null | undefined;
  return { get value() { return (id ??= communityId(family, proto, [s0, s1, s2, s3], [d0, d1, d2, d3], sp, dp)); } };
}
