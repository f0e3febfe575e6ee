// The flood detectors (flood.syn, flood.udp, flood.amplification) over real captures: the three
// StopDDoS attacks the per-second bars missed (a 23 ms SNMP reflection burst, a 30 s low-rate DNS
// RRSIG reflection with trailing fragments, a half-second spoofed SYN flood with ECE+CWR) give one
// alert each of their rule and nothing else of the three; the stopddos spoofed SYN flood keeps its
// one flood.syn; and no benign capture (IoT Sentinel, nDPI, TP-Link, Echo Dot, Blink camera, the
// MUD pair) gives any flood alert.
import { describe, expect, it } from 'vitest';
import { floodAmplification } from '../../gateway/detect/detectors/flood-amplification.js';
import { floodSyn } from '../../gateway/detect/detectors/flood-syn.js';
import { floodUdp } from '../../gateway/detect/detectors/flood-udp.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { benignCaptures, fixture } from '../helpers/fixtures.js';

const FLOODS = new Set(['flood.syn', 'flood.udp', 'flood.amplification']);
const detect = { detectors: [floodSyn, floodUdp, floodAmplification] };

/** The flood alerts of a capture replayed with the flood detectors and the pipeline defaults. */
async function floodAlerts(rel: string) {
  const { summary } = await replayCapture(fixture(rel), { config: PIPELINE_DEFAULTS, topFlows: 0, detect });
  return summary.alerts.filter((a) => FLOODS.has(a.rule));
}

const STOPDDOS = 'pcap/attacks/StopDDoS__packet-captures';

describe('flood detectors on the StopDDoS attack captures', () => {
  it('amp.UDP.snmp.src161: 4,079 SNMP responses from about 4,300 reflectors in 23 ms → one flood.amplification (burst)', async () => {
    const alerts = await floodAlerts(`${STOPDDOS}/amp.UDP.snmp.src161.pcapng`);
    expect(alerts.map((a) => `${a.rule}/${a.severity}`)).toEqual(['flood.amplification/high']);
    const a = alerts[0]!;
    expect(a).toMatchObject({ dst: '10.10.10.10', proto: 'udp', sport: 161, count: 1 });
    expect(a.evidence).toMatchObject({ trigger: 'burst', direction: 'inbound', servicePorts: [161], burstWindowMs: 100, requestBytes: 0 });
    // The final numbers: every response in one or two 100 ms buckets, thousands of reflectors.
    expect(a.evidence.packets).toBe(4079);
    expect(a.evidence.peakBurstPerSecond).toBeGreaterThanOrEqual(20_000);
    expect(a.evidence.reflectors).toBeGreaterThan(3000);
    expect(a.evidence.reflectors).toBeLessThan(5500);
  });

  it('amp.dns.RRSIG.fragmented: 398 large unsolicited DNS responses + trailing fragments from about 50 reflectors in 30 s → one flood.amplification (reflectors)', async () => {
    const alerts = await floodAlerts(`${STOPDDOS}/amp.dns.RRSIG.fragmented.pcap`);
    expect(alerts.map((a) => `${a.rule}/${a.severity}`)).toEqual(['flood.amplification/high']);
    const a = alerts[0]!;
    expect(a).toMatchObject({ dst: '10.10.10.10', proto: 'udp', sport: 53, count: 1 });
    expect(a.evidence).toMatchObject({ trigger: 'reflectors', direction: 'inbound', servicePorts: [53], requestBytes: 0 });
    expect(a.evidence.reflectors).toBeGreaterThanOrEqual(20);
    expect(a.evidence.fragmentBytes).toBeGreaterThan(0); // trailing fragments counted with their reflectors
    expect(a.evidence.meanResponseBytes).toBeGreaterThan(1000);
  });

  it('pkt.TCP.DOMINATE.syn.ecn.cwr: 9,639 spoofed SYNs (ECE+CWR) to 10.10.10.10:30120 in about 0.5 s → one flood.syn', async () => {
    const alerts = await floodAlerts(`${STOPDDOS}/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng`);
    expect(alerts.map((a) => `${a.rule}/${a.severity}`)).toEqual(['flood.syn/high']);
    const a = alerts[0]!;
    expect(a).toMatchObject({ dst: '10.10.10.10', proto: 'tcp', dport: 30120, count: 1 });
    expect(a.evidence).toMatchObject({ kind: 'syn', direction: 'inbound', distinctDestinationPorts: 1, completedHandshakes: 0, packets: 9639 });
    expect(a.evidence.distinctSources).toBeGreaterThan(7500);
    expect(a.evidence.distinctSources).toBeLessThan(12_000);
  });

  it('stopddos pkt.TCP.synflood.spoofed keeps its one flood.syn/high', async () => {
    const alerts = await floodAlerts('pcap/stopddos/pkt.TCP.synflood.spoofed.pcap');
    expect(alerts.map((a) => `${a.rule}/${a.severity}`)).toEqual(['flood.syn/high']);
    expect(alerts[0]).toMatchObject({ dst: '10.10.10.10', dport: 25565, count: 1 });
  });
});

describe('no flood alert on benign captures', () => {
  const root = fixture('');
  const files = benignCaptures().map((f) => f.slice(root.length));

  it('finds the captures', () => {
    expect(files.length).toBe(29 + 14 + 1 + 3);
  });

  it.each(files)('%s', async (rel) => {
    expect(await floodAlerts(rel)).toEqual([]);
  });
});
