// The question a device's compiled policy was asked about a flow (a FlowQuery), rebuilt for the
// explainer afterwards from a flow record (the first packet's query is the policy layer's own,
// queryFromPacket in gateway/policy/packet-query.ts).
import { parseIpAddress, parseMac, type FlowQuery } from '../../policies/index.js';
import type { FlowRecord } from '../track/flow-record.js';

const PROTO_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

/**
 * Whether the device is side A (src) of a record: by its MAC where the record has it, else by the
 * other side's MAC, else the sender of a from-device verdict's first packet is taken as A.
 */
export function deviceIsSideA(r: FlowRecord, mac: string, direction: 'from-device' | 'to-device'): boolean {
  if (r.srcMac === mac) return true;
  if (r.dstMac === mac) return false;
  if (r.srcMac !== null) return false;
  if (r.dstMac !== null) return true;
  return direction === 'from-device';
}

/**
 * The query rebuilt from a flow record, for a verdict given to device `mac`. The record does not
 * keep ICMP type and code, so an ICMP condition reads as unknown. Null for an address that does
 * not parse.
 */
export function queryFromRecord(r: FlowRecord, mac: string, direction: 'from-device' | 'to-device'): FlowQuery | null {
  const a = parseIpAddress(r.src);
  const b = parseIpAddress(r.dst);
  if (a === null || b === null || a.family !== b.family) return null;
  const devA = deviceIsSideA(r, mac, direction);
  const dev = devA ? a : b;
  const peer = devA ? b : a;
  const peerMacText = devA ? r.dstMac : r.srcMac;
  return {
    direction,
    family: a.family,
    peer0: peer.words[0], peer1: peer.words[1], peer2: peer.words[2], peer3: peer.words[3],
    device0: dev.words[0], device1: dev.words[1], device2: dev.words[2], device3: dev.words[3],
    proto: PROTO_NUMBERS[r.proto] ?? (Number.isInteger(Number(r.proto)) ? Number(r.proto) : -1),
    devicePort: (devA ? r.sport : r.dport) ?? -1,
    peerPort: (devA ? r.dport : r.sport) ?? -1,
    initiatedByDevice: r.initiatorKnown ? devA : null,
    peerMac: peerMacText !== null ? parseMac(peerMacText) : -1,
    deviceMac: parseMac(mac),
    ts: Date.parse(r.firstTs) * 1000,
  };
}
