// Every fixture capture through the pipeline with every registered detector, suricata-verify
// style: the alerts each must raise, and nothing else. Normal IoT traffic (the IoT Sentinel setups,
// the TP-Link plugs, an Echo Dot, a week of a Blink camera) raises nothing above low; each attack
// capture raises its class. `device.new`
// is checked against the devices found (one each) rather than listed.
import { describe, expect, it } from 'vitest';
import { pipelineConfig, PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { captureFiles, FIXTURES, fixture } from '../helpers/fixtures.js';

/** capture → { 'rule/severity': number of alert objects }, device.new left out. */
const EXPECTED: Record<string, Record<string, number>> = {
  'pcap/iot-sentinel/Aria/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/Aria/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/D-LinkCam/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/D-LinkCam/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/D-LinkDoorSensor/Setup-C-1-STA.pcap': {},
  'pcap/iot-sentinel/D-LinkDoorSensor/Setup-C-2-STA.pcap': {},
  'pcap/iot-sentinel/D-LinkSwitch/Setup-A-1-STA.pcap': {'malware.download/low': 1},
  'pcap/iot-sentinel/D-LinkSwitch/Setup-A-2-STA.pcap': {'malware.download/low': 1},
  'pcap/iot-sentinel/EdimaxCam1/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/EdimaxCam1/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/EdimaxPlug1101W/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/EdimaxPlug1101W/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/EdnetGateway/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/EdnetGateway/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/HueBridge/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/HueBridge/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/Lightify/Setup-C-1-STA.pcap': {},
  'pcap/iot-sentinel/Lightify/Setup-C-2-STA.pcap': {},
  'pcap/iot-sentinel/SmarterCoffee/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/SmarterCoffee/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/TP-LinkPlugHS100/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/TP-LinkPlugHS100/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/WeMoSwitch/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/WeMoSwitch/Setup-A-2-STA.pcap': {},
  'pcap/iot-sentinel/Withings/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/Withings/Setup-C-1-STA.pcap': {},
  'pcap/iot-sentinel/iKettle2/Setup-A-1-STA.pcap': {},
  'pcap/iot-sentinel/iKettle2/Setup-A-2-STA.pcap': {},
  'pcap/ndpi/NTPv4.pcap': {},
  'pcap/ndpi/coap_mqtt.pcap': {},
  'pcap/ndpi/dns.pcap': {},
  'pcap/ndpi/dns_exfiltration.pcap': {'dns.exfiltration/high': 1, 'dns.exfiltration/medium': 1, 'dns.tunnel/high': 1},
  'pcap/ndpi/mqtt.pcap': {},
  'pcap/ndpi/natpmp.pcap': {'upnp.portmap/medium': 2},
  'pcap/ndpi/nest_log_sink.pcap': {},
  'pcap/ndpi/sonos.pcapng': {},
  'pcap/ndpi/ssdp-m-search.pcap': {},
  'pcap/ndpi/ssh.pcap': {},
  'pcap/ndpi/synscan.pcap': {'scan.port/high': 1},
  'pcap/ndpi/tcp_scan.pcapng': {'scan.port/high': 1},
  'pcap/ndpi/telnet.pcap': {'cleartext.telnet/medium': 1},
  'pcap/ndpi/tplink_shp.pcap': {},
  'pcap/ndpi/upnp.pcap': {},
  'pcap/stopddos/pkt.TCP.synflood.spoofed.pcap': {'flood.syn/high': 1},
  'mud-pairs/tapo-p115/G06-tapo-p115.pcap': {},
  // Real public attack captures (../shared/fixtures/pcap/attacks/SOURCES.md), three benign IoT ones among them.
  'pcap/attacks/DanieleDeSensi__peafowl/test/pcaps/stratum.pcap': {'malware.mining/high': 2},
  'pcap/attacks/Honeyknows__nmap-scan-detection-lab/pcaps/nmap_PR_sn.pcapng': {'scan.arp/medium': 1},
  'pcap/attacks/Honeyknows__nmap-scan-detection-lab/pcaps/nmap_sU_top100.pcapng': {'scan.port/high': 1},
  'pcap/attacks/OISF__suricata-verify/tests/bug-4953/file76.pcap': {'c2.http/medium': 1},
  'pcap/attacks/StopDDoS__packet-captures/amp.UDP.snmp.src161.pcapng': {'flood.amplification/high': 1},
  'pcap/attacks/StopDDoS__packet-captures/amp.dns.RRSIG.fragmented.pcap': {'flood.amplification/high': 1},
  'pcap/attacks/StopDDoS__packet-captures/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng': {'flood.syn/high': 1},
  'pcap/attacks/chrissanders__packets/cryptowall4_c2.pcapng': {'c2.http/medium': 1},
  'pcap/attacks/corelight__zeek-caldera-detector/testing/Traces/ragdoll.pcap': {'beacon.c2/high': 1, 'malware.download/high': 1},
  'pcap/attacks/corelight__zeek-caldera-detector/testing/Traces/sandcat.pcap': {'beacon.c2/high': 1, 'malware.download/critical': 1},
  'pcap/attacks/dmachard__datasets-malicious-dns/dns2tcp.pcap': {'dns.exfiltration/medium': 1},
  'pcap/attacks/dmachard__datasets-malicious-dns/dnsextrator.pcap': {'dns.exfiltration/medium': 1},
  'pcap/attacks/dmachard__datasets-malicious-dns/iodine.pcap': {'dns.exfiltration/medium': 1, 'dns.tunnel/medium': 1},
  'pcap/attacks/esnet-security__curated-pcaps/attacks/scanners/masscan/udp_0_1000_20190821.pcap': {'scan.port/high': 1},
  'pcap/attacks/fdekeers__iot-firewall/data/traces/tplink-plug/tp-link.pcap': {},
  'pcap/attacks/jhautry__echo-dot/packet-captures/echodot-normal.pcapng': {},
  'pcap/attacks/nesfit__DI-cryptominingdetection/PCAPs/xmr-eu1.nanopool.org.pcapng': {'malware.mining/high': 1},
  'pcap/attacks/nesfit__DI-cryptominingdetection/PCAPs/zec-eu1.nanopool.org.pcapng': {'malware.mining/high': 1},
  'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/bad-dns-traffic.pcap': {'dns.exfiltration/high': 1, 'dns.exfiltration/medium': 1, 'dns.tunnel/high': 1},
  'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/exe_download.pcap': {'malware.download/critical': 1},
  'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/exe_download_as_png.pcap': {'malware.download/critical': 1},
  'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/icmp-tunnel.pcap': {'icmp.tunnel/high': 1},
  'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/log4j-webapp-exploit.pcap': {'exploit.http/critical': 1, 'malware.download/critical': 1},
  'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/portable_executable.pcap': {'malware.download/critical': 2},
  'pcap/attacks/tj-oconnor__IoT-Dataset/pcaps/blink-cam-01.pcap': {'baseline.new-destination/low': 1},
  'pcap/attacks/zeek__zeek/testing/btest/Traces/nmap-vsn.pcap': {'scan.arp/medium': 1},
  'pcap/attacks/zeek__zeek/testing/btest/Traces/quic/merlinc2_Zeek_example.pcapng': {'beacon.c2/medium': 1},
  'pcap/attacks/zeek__zeek/testing/btest/Traces/ssh/sshguess.pcap': {'bruteforce.ssh/critical': 1},
};

/** The benign IoT captures: nothing above low may come of them. */
const BENIGN = (rel: string) => rel.startsWith('pcap/iot-sentinel/') || rel === 'pcap/ndpi/tplink_shp.pcap' ||
  ['tp-link.pcap', 'echodot-normal.pcapng', 'blink-cam-01.pcap'].some((f) => rel.endsWith(`/${f}`));

describe('alerts by fixture capture (all detectors)', () => {
  it('lists every real capture under ../shared/fixtures/pcap', () => {
    const all = captureFiles(fixture('pcap')).map((p) => p.slice(FIXTURES.length + 1));
    expect(all.length).toBeGreaterThan(70);
    expect(all.filter((rel) => !(rel in EXPECTED))).toEqual([]);
  });

  it.each(Object.entries(EXPECTED))('%s', async (rel, want) => {
    const { summary } = await replayCapture(fixture(rel), { config: PIPELINE_DEFAULTS, topFlows: 0 });
    const got: Record<string, number> = {};
    for (const a of summary.alerts) if (a.rule !== 'device.new') got[`${a.rule}/${a.severity}`] = (got[`${a.rule}/${a.severity}`] ?? 0) + 1;
    expect(got).toEqual(want);
    const newDevices = summary.alerts.filter((a) => a.rule === 'device.new');
    expect(newDevices.map((a) => a.device).sort()).toEqual(summary.devices.map((d) => d.mac).sort());
    if (BENIGN(rel)) {
      expect(summary.alerts.filter((a) => a.severity !== 'low')).toEqual([]);
    }
  });

  it('synscan: exactly one scan.port from 172.16.0.8 to 64.13.134.52 with the port count in the evidence', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/synscan.pcap'), { config: PIPELINE_DEFAULTS, topFlows: 0 });
    const scans = summary.alerts.filter((a) => a.rule === 'scan.port');
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ src: '172.16.0.8', dst: '64.13.134.52', severity: 'high', evidence: { ports: 1000, openPorts: 3 } });
  });

  it('SYN flood: one flood.syn while the flow table stays inside a 10,000-flow cap', async () => {
    const { summary } = await replayCapture(fixture('pcap/stopddos/pkt.TCP.synflood.spoofed.pcap'), { config: pipelineConfig({ flows: { maxFlows: 10000 } }), topFlows: 0 });
    const floods = summary.alerts.filter((a) => a.rule === 'flood.syn');
    expect(floods).toHaveLength(1);
    expect(floods[0]).toMatchObject({ dst: '10.10.10.10', evidence: { kind: 'syn', direction: 'inbound' } });
    expect(summary.flows.peak).toBeLessThanOrEqual(10000);
    expect(summary.flows.evicted).toBeGreaterThan(0);
  });

  it('dns_exfiltration: one-query dns.exfiltration at the first hex name, then dns.tunnel and dns.exfiltration at volume, for the dnscat2 client', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/dns_exfiltration.pcap'), { config: PIPELINE_DEFAULTS, topFlows: 0 });
    const dns = summary.alerts.filter((a) => a.rule.startsWith('dns.'));
    expect(dns.map((a) => [a.rule, a.severity, a.src])).toEqual([
      ['dns.exfiltration', 'medium', '192.168.220.56'], ['dns.tunnel', 'high', '192.168.220.56'], ['dns.exfiltration', 'high', '192.168.220.56'],
    ]);
  });
});
