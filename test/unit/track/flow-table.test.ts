// The flow table on packet time: orientation by handshake, counters each way, TCP state, idle
// timeouts per protocol, active timeout, and the hard cap with least-recently-seen eviction.
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4 } from '../../../gateway/common/address-text.js';
import { Family, PacketView } from '../../../gateway/decode/packet-view.js';
import type { Flow } from '../../../gateway/track/flow.js';
import { FlowTable } from '../../../gateway/track/flow-table.js';

const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04;
const S = 1e6; // µs per second

/** Fills a view with an IPv4 TCP/UDP/ICMP packet at packet time `t` seconds. */
function pkt(t: number, src: string, sport: number, dst: string, dport: number, proto = 6, flags = 0, len = 60, payload = 0): PacketView {
  const pv = new PacketView();
  pv.ts = t * S; pv.family = Family.V4; pv.ipProto = proto; pv.origLen = len;
  pv.src0 = parseIpv4(src); pv.dst0 = parseIpv4(dst);
  pv.srcPort = proto === 1 ? -1 : sport; pv.dstPort = proto === 1 ? -1 : dport;
  pv.tcpFlags = flags; pv.payloadLen = payload; pv.srcMac = 0x020000000001;
  return pv;
}

function table(over: Parameters<typeof pipelineConfig>[0] = {}): { t: FlowTable; ended: Flow[]; started: Flow[] } {
  const t = new FlowTable(pipelineConfig(over).flows);
  const ended: Flow[] = [], started: Flow[] = [];
  t.addListener({ onFlowStart: (f) => started.push(f), onFlowEnd: (f) => ended.push(f) });
  return { t, ended, started };
}

describe('FlowTable', () => {
  it('puts both directions of a TCP connection on one flow, oriented from the SYN sender', () => {
    const { t, started } = table();
    const f = t.update(pkt(0, '10.0.0.2', 40000, '93.184.216.34', 443, 6, SYN))!;
    expect(t.created).toBe(true);
    expect(t.update(pkt(0.01, '93.184.216.34', 443, '10.0.0.2', 40000, 6, SYN | ACK))).toBe(f);
    expect(t.dir).toBe(1);
    expect(t.created).toBe(false);
    t.update(pkt(0.02, '10.0.0.2', 40000, '93.184.216.34', 443, 6, ACK));
    t.update(pkt(0.03, '10.0.0.2', 40000, '93.184.216.34', 443, 6, ACK, 500, 446));
    expect(started).toHaveLength(1);
    expect(f.initiatorKnown).toBe(true);
    expect([f.aPort, f.bPort]).toEqual([40000, 443]);
    expect([f.pktsAB, f.pktsBA, f.bytesAB, f.bytesBA, f.payloadAB]).toEqual([3, 1, 620, 60, 446]);
    expect(f.tcpState).toBe(3); // Established
    expect(t.size).toBe(1);
  });

  it('orients a flow first seen at its SYN-ACK towards the client', () => {
    const { t } = table();
    const f = t.update(pkt(0, '93.184.216.34', 443, '10.0.0.2', 40000, 6, SYN | ACK))!;
    expect(t.dir).toBe(1);
    expect([f.aPort, f.bPort, f.initiatorKnown]).toEqual([40000, 443, true]);
  });

  it('marks a mid-stream pickup as initiator unknown and turns a well-known source port around', () => {
    const { t } = table();
    const f = t.update(pkt(0, '93.184.216.34', 80, '10.0.0.2', 40001, 6, ACK, 1500, 1446))!;
    expect([f.aPort, f.bPort, f.initiatorKnown]).toEqual([40001, 80, false]);
    const u = t.update(pkt(0, '10.0.0.2', 5353, '224.0.0.251', 5353, 17))!;
    expect([u.aPort, u.bPort, u.initiatorKnown]).toEqual([5353, 5353, true]);
  });

  it('ends flows after their protocol idle timeout in packet time, not wall time', () => {
    const { t, ended } = table();
    t.update(pkt(0, '10.0.0.2', 5000, '8.8.8.8', 53, 17));
    t.update(pkt(0, '10.0.0.2', 40000, '1.1.1.1', 443, 6, SYN));
    t.update(pkt(0.1, '1.1.1.1', 443, '10.0.0.2', 40000, 6, SYN | ACK));
    t.update(pkt(0.2, '10.0.0.2', 40000, '1.1.1.1', 443, 6, ACK));
    // 59 s later the UDP flow (60 s timeout) is still live.
    t.update(pkt(59, '10.0.0.3', 1, '10.0.0.4', 2, 17));
    expect(ended).toHaveLength(0);
    t.update(pkt(61, '10.0.0.3', 1, '10.0.0.4', 2, 17));
    expect(ended.map((f) => [f.proto, f.endReason])).toEqual([[17, 'idle']]);
    // The established TCP flow lasts until 300 s of silence.
    t.update(pkt(299, '10.0.0.3', 1, '10.0.0.4', 2, 17));
    expect(ended.filter((f) => f.proto === 6)).toHaveLength(0);
    t.update(pkt(301, '10.0.0.3', 1, '10.0.0.4', 2, 17));
    expect(ended.filter((f) => f.proto === 6).map((f) => f.endReason)).toEqual(['idle']);
  });

  it('gives closed connections a short timeout and a "closed" end reason', () => {
    const { t, ended } = table();
    t.update(pkt(0, '10.0.0.2', 40000, '1.1.1.1', 443, 6, SYN));
    t.update(pkt(0, '1.1.1.1', 443, '10.0.0.2', 40000, 6, RST | ACK));
    t.update(pkt(5, '10.0.0.9', 1, '10.0.0.8', 2, 17));
    expect(ended).toHaveLength(0);
    t.update(pkt(11, '10.0.0.9', 1, '10.0.0.8', 2, 17));
    expect(ended.map((f) => [f.tcpState, f.endReason])).toEqual([[5, 'closed']]);
  });

  it('closes on FIN from both sides', () => {
    const { t } = table();
    const f = t.update(pkt(0, '10.0.0.2', 40000, '1.1.1.1', 80, 6, SYN))!;
    t.update(pkt(0, '1.1.1.1', 80, '10.0.0.2', 40000, 6, SYN | ACK));
    t.update(pkt(0, '10.0.0.2', 40000, '1.1.1.1', 80, 6, ACK));
    t.update(pkt(1, '10.0.0.2', 40000, '1.1.1.1', 80, 6, FIN | ACK));
    expect(f.tcpState).toBe(4); // Closing
    t.update(pkt(1, '1.1.1.1', 80, '10.0.0.2', 40000, 6, FIN | ACK));
    expect(f.tcpState).toBe(5); // Closed
  });

  it('ends a flow at the active timeout and starts a new record for the same 5-tuple', () => {
    const { t, ended, started } = table({ flows: { activeTimeout: 100 } });
    for (let s = 0; s <= 150; s += 10) t.update(pkt(s, '10.0.0.2', 123, '10.0.0.1', 123, 17));
    expect(ended.map((f) => f.endReason)).toEqual(['active']);
    expect(started).toHaveLength(2);
    expect(ended[0]!.pktsAB).toBe(10);
  });

  it('evicts the least recently seen flow at the cap and counts it', () => {
    const { t, ended } = table({ flows: { maxFlows: 3 } });
    t.update(pkt(0, '10.0.0.2', 1, '10.0.0.1', 53, 17));
    t.update(pkt(1, '10.0.0.2', 2, '10.0.0.1', 53, 17));
    t.update(pkt(2, '10.0.0.2', 3, '10.0.0.1', 53, 17));
    t.update(pkt(3, '10.0.0.2', 1, '10.0.0.1', 53, 17)); // refreshes the first
    t.update(pkt(4, '10.0.0.2', 4, '10.0.0.1', 53, 17)); // over the cap: port 2 is the oldest
    expect(t.size).toBe(3);
    expect(ended.map((f) => [f.aPort, f.endReason])).toEqual([[2, 'evicted']]);
    expect(t.counters).toMatchObject({ total: 4, udp: 4, evicted: 1, peak: 3 });
  });

  it('keeps thousands of colliding-prone flows apart and finds each again', () => {
    const { t } = table();
    for (let i = 0; i < 5000; i++) t.update(pkt(0, `10.0.${i >> 8}.${i & 255}`, 1000 + (i % 7), '10.1.0.1', 80, 6, SYN));
    expect(t.size).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      const f = t.update(pkt(1, '10.1.0.1', 80, `10.0.${i >> 8}.${i & 255}`, 1000 + (i % 7), 6, SYN | ACK))!;
      expect(t.created).toBe(false);
      expect(f.pktsBA).toBe(1);
    }
  });

  it('flush ends every live flow with the given reason', () => {
    const { t, ended } = table();
    t.update(pkt(0, '10.0.0.2', 1, '10.0.0.1', 53, 17));
    t.update(pkt(0, '10.0.0.2', 2, '10.0.0.1', 1, 1));
    t.flush();
    expect(t.size).toBe(0);
    expect(ended.map((f) => f.endReason)).toEqual(['shutdown', 'shutdown']);
    expect(t.counters.icmp).toBe(1);
  });
});

describe('FlowTable listeners', () => {
  it('a new flow already carries its sender MAC when onFlowStart runs', () => {
    const t = new FlowTable(pipelineConfig().flows);
    const macs: number[] = [];
    t.addListener({ onFlowStart: (f) => macs.push(f.aMac, f.bMac) });
    t.update(pkt(0, '10.0.0.2', 40000, '1.1.1.1', 443, 6, SYN));
    t.update(pkt(1, '1.1.1.1', 443, '10.0.0.3', 40001, 6, SYN | ACK)); // first seen at the SYN-ACK: B sent it
    expect(macs).toEqual([0x020000000001, -1, -1, 0x020000000001]);
  });
});
