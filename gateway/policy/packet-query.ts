// The question a device's compiled policy is asked about a flow's first packet. MudPolicy asks it
// on the packet path; the explainer's denial recorder rebuilds it to say what differed. One builder,
// so the two cannot drift apart.
import type { FlowQuery } from '../../policies/index.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Flow } from '../track/flow.js';

/**
 * The query of the first packet of `flow` for the device on its `direction` side (`dir` 0: the
 * packet goes from side A to side B). The device's MAC is left to the compiled policy's default.
 */
export function queryFromPacket(pv: PacketView, flow: Flow, dir: number, direction: 'from-device' | 'to-device'): FlowQuery {
  const fromDevice = direction === 'from-device';
  const deviceIsA = fromDevice ? dir === 0 : dir === 1;
  const q: FlowQuery = {
    direction,
    family: pv.family,
    peer0: fromDevice ? pv.dst0 : pv.src0, peer1: fromDevice ? pv.dst1 : pv.src1,
    peer2: fromDevice ? pv.dst2 : pv.src2, peer3: fromDevice ? pv.dst3 : pv.src3,
    device0: fromDevice ? pv.src0 : pv.dst0, device1: fromDevice ? pv.src1 : pv.dst1,
    device2: fromDevice ? pv.src2 : pv.dst2, device3: fromDevice ? pv.src3 : pv.dst3,
    proto: pv.ipProto,
    devicePort: fromDevice ? pv.srcPort : pv.dstPort,
    peerPort: fromDevice ? pv.dstPort : pv.srcPort,
    initiatedByDevice: flow.initiatorKnown ? deviceIsA : null,
    peerMac: fromDevice ? pv.dstMac : pv.srcMac,
    ts: pv.ts,
  };
  if (pv.icmpType >= 0) { q.icmpType = pv.icmpType; q.icmpCode = pv.icmpCode; }
  return q;
}

