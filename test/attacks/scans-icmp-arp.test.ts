// Real captures nobody here made, through the whole sensor with every registered detector: the two
// nmap ARP scans give one scan.arp each, the nDPI IP-over-ICMP capture one icmp.tunnel, and none
// of scan.icmp, scan.arp or icmp.tunnel fires on any benign capture (the IoT Sentinel setups, the
// nDPI captures other than the attacks, the MUD pair, the TP-Link plug, the Echo Dot, the Blink
// camera's week) nor on the other attack captures they are not about.
import { describe, expect, it } from 'vitest';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { captureFiles, fixture } from '../helpers/fixtures.js';

const MINE = new Set<string>(['scan.icmp', 'scan.arp', 'icmp.tunnel']);

async function mine(rel: string) {
  const { summary } = await replayCapture(rel.startsWith('/') ? rel : fixture(rel), { config: PIPELINE_DEFAULTS, topFlows: 0 });
  return summary.alerts.filter((a) => MINE.has(a.rule));
}

describe('ARP scans and an ICMP tunnel in real captures', () => {
  it('nmap -PR -sn of 192.168.29.0/24 (Honeyknows lab): one scan.arp from the Kali host, 255 addresses, one answer', async () => {
    const got = await mine('pcap/attacks/Honeyknows__nmap-scan-detection-lab/pcaps/nmap_PR_sn.pcapng');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      rule: 'scan.arp', severity: 'medium', src: '192.168.29.14', device: '08:00:27:c4:76:6b',
      evidence: { targets: 255, low: '192.168.29.0', high: '192.168.29.255', requests: 518, answered: 1, answeredSample: ['192.168.29.115'] },
    });
  });

  it('nmap ARP sweep of 192.168.1.0/24 (Zeek nmap-vsn trace): one scan.arp, 245 addresses, no answer captured', async () => {
    const got = await mine('pcap/attacks/zeek__zeek/testing/btest/Traces/nmap-vsn.pcap');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      rule: 'scan.arp', src: '192.168.1.71', device: 'c4:2c:03:3b:6c:aa',
      evidence: { targets: 245, low: '192.168.1.2', high: '192.168.1.254', requests: 503, answered: 0 },
    });
  });

  it('nDPI icmp-tunnel.pcap: one high icmp.tunnel from 192.168.154.131 to .132, inner 10.95.1.1 > 10.95.1.2', async () => {
    const got = await mine('pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/icmp-tunnel.pcap');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      rule: 'icmp.tunnel', severity: 'high', src: '192.168.154.131', dst: '192.168.154.132',
      evidence: { trigger: 'inner-ip', requests: 448, replies: 415, innerIpPackets: 863, innerSample: '10.95.1.1 > 10.95.1.2 (proto 1)', ids: [0xfeff] },
    });
  });

  const ATTACKS = new Set(['nmap_PR_sn.pcapng', 'nmap-vsn.pcap', 'icmp-tunnel.pcap']);
  const others = [...captureFiles(fixture('pcap')), ...captureFiles(fixture('mud-pairs'))]
    .filter((f) => !ATTACKS.has(f.slice(f.lastIndexOf('/') + 1)));

  it('has the benign captures to check', () => {
    expect(others.some((f) => f.includes('/iot-sentinel/'))).toBe(true);
    for (const b of ['tp-link.pcap', 'echodot-normal.pcapng', 'blink-cam-01.pcap', 'ndpi/tplink_shp.pcap', 'G06-tapo-p115.pcap']) {
      expect(others.some((f) => f.endsWith(b))).toBe(true);
    }
  });

  it.each(others.map((f) => [f.slice(fixture('').length + 1), f]))('%s: no scan.icmp, scan.arp or icmp.tunnel', async (_rel, file) => {
    expect(await mine(file)).toEqual([]);
  }, 120_000);
});
