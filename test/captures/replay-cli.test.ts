// `edgeward replay --json` on real captures, through the built CLI as a user runs it: the telnet
// session's one flow and its per-direction counts, the IoT Sentinel devices with vendor and DHCP
// hostname, and a SYN flood bounded by the flow cap.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReplaySummary } from '../../gateway/replay/summary.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

const CLI = join(ROOT, 'dist/gateway/cli/main.js');

function replay(...args: string[]): ReplaySummary {
  const out = execFileSync(process.execPath, [CLI, 'replay', ...args, '--json', '--no-progress'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as ReplaySummary;
}

describe('edgeward replay --json', () => {
  it('telnet.pcap: exactly one TCP flow, 43 packets one way and 44 the other', () => {
    const s = replay(fixture('pcap/ndpi/telnet.pcap'));
    expect(s.packets).toBe(92);
    expect(s.flows).toMatchObject({ total: 1, tcp: 1, udp: 0, icmp: 0, other: 0, evicted: 0 });
    const [f] = s.flows.top;
    // The same figures as nDPI's expected/telnet.pcap.out: 43 pkts/3135 bytes <-> 44 pkts/4283 bytes.
    expect(f).toMatchObject({
      proto: 'tcp', src: '192.168.0.2', sport: 1550, dst: '192.168.0.1', dport: 23, initiatorKnown: true,
      srcPackets: 43, srcBytes: 3135, dstPackets: 44, dstBytes: 4283, state: 'closed',
    });
    // The other five frames declare an IPv4 total length beyond the frame (Wireshark says the same).
    expect(s.decodeEvents).toEqual({ 'decoder.ipv4.trunc_pkt': 5 });
    // One server segment is sent twice in this capture (tshark: tcp.analysis.retransmission); the telnet session is read once.
    expect(s.events).toEqual({ 'stream.retransmission': 1 });
    expect(f!.app).toBe('telnet');
    expect(s.decodeErrors).toBe(5);
    expect(s.firstTs).toBe('1999-11-28T02:12:38.387Z');
    // The open maintenance port MIC's NOTICE survey hunts for: the telnet server is the LAN device.
    // Both hosts are new to the gateway (low, device.new).
    expect(s.alerts.map((a) => [a.rule, a.severity, a.device, a.dst, a.dport])).toEqual([
      ['device.new', 'low', '00:a0:cc:3b:bf:fa', '', null],
      ['cleartext.telnet', 'medium', '00:00:c0:9f:a0:97', '192.168.0.1', 23],
      ['device.new', 'low', '00:00:c0:9f:a0:97', '', null],
    ]);
    expect(s.devices.map((d) => d.mac).sort()).toEqual(['00:00:c0:9f:a0:97', '00:a0:cc:3b:bf:fa']);
  });

  // Hostnames as the devices' own DHCP requests carry them (checked with tshark's dhcp.option.hostname);
  // EdimaxCam1 sends none but answers mDNS as localcam.local.
  const SENTINEL: Record<string, { vendor: string; hostname: string | null; source: string | null }> = {
    Aria: { vendor: 'Delta Electronics', hostname: 'GainSpanca9152', source: 'dhcp' },
    'D-LinkCam': { vendor: 'D-Link International', hostname: 'DCS-935L', source: 'dhcp' },
    'D-LinkDoorSensor': { vendor: 'D-Link International', hostname: null, source: null },
    'D-LinkSwitch': { vendor: 'D-Link International', hostname: 'DSP-W215', source: 'dhcp' },
    EdimaxCam1: { vendor: 'Edimax Technology Co. Ltd.', hostname: 'localcam', source: 'mdns' },
    EdimaxPlug1101W: { vendor: 'Edimax Technology Co. Ltd.', hostname: null, source: null },
    EdnetGateway: { vendor: 'Hi-flying electronics technology Co.,Ltd', hostname: 'HF-LPB100', source: 'dhcp' },
    HueBridge: { vendor: 'Philips Lighting BV', hostname: 'Philips-hue', source: 'dhcp' },
    Lightify: { vendor: 'Osram GmbH', hostname: 'Lightify-7B5F6B', source: 'dhcp' },
    SmarterCoffee: { vendor: 'Espressif Inc.', hostname: 'ESP_07AEFB', source: 'dhcp' },
    'TP-LinkPlugHS100': { vendor: 'TP-LINK TECHNOLOGIES CO.,LTD.', hostname: 'HS100(EU)', source: 'dhcp' },
    WeMoSwitch: { vendor: 'Belkin International Inc.', hostname: null, source: null },
    Withings: { vendor: 'Withings', hostname: null, source: null },
    iKettle2: { vendor: 'Espressif Inc.', hostname: 'ESP_06D902', source: 'dhcp' },
  };

  it.each(Object.entries(SENTINEL))('IoT Sentinel %s: the device is found with its vendor and DHCP hostname', (folder, want) => {
    const dir = fixture(`pcap/iot-sentinel/${folder}`);
    const mac = readFileSync(join(dir, '_iotdevice-mac.txt'), 'utf8').trim().toLowerCase();
    const files = execFileSync('ls', [dir], { encoding: 'utf8' }).split('\n').filter((n) => n.endsWith('.pcap'));
    expect(files.length).toBe(2);
    for (const name of files) {
      const s = replay(join(dir, name));
      const d = s.devices.find((x) => x.mac === mac);
      expect(d, `${mac} in ${name}`).toBeDefined();
      expect(d!.vendor).toBe(want.vendor);
      expect(d!.hostname).toBe(want.hostname);
      expect(d!.hostnameSource).toBe(want.source);
      // Its LAN address is known, from its own frames or its DHCP exchange.
      expect(d!.ips.some((ip) => ip.startsWith('10.10.10.'))).toBe(true);
    }
  });

  it('a spoofed SYN flood with a 10,000-flow cap stays within the cap and counts evictions', () => {
    const s = replay(fixture('pcap/stopddos/pkt.TCP.synflood.spoofed.pcap'), '--max-flows', '10000', '--top-flows', '0');
    expect(s.packets).toBe(37841);
    expect(s.flows.peak).toBe(10000);
    expect(s.flows.evicted).toBeGreaterThan(0);
    expect(s.flows.total).toBe(37669);
    // Without the cap the same capture holds more than 10,000 flows at once: the cap is what bounds it.
    const uncapped = replay(fixture('pcap/stopddos/pkt.TCP.synflood.spoofed.pcap'), '--top-flows', '0');
    expect(uncapped.flows.peak).toBeGreaterThan(10000);
    expect(uncapped.flows.evicted).toBe(0);
  });

  it('runs as the `edgeward` bin of the package (npx), the way the README says', () => {
    const out = execFileSync('npx', ['--no-install', 'edgeward', 'replay', fixture('pcap/ndpi/NTPv4.pcap'), '--json', '--no-progress'], { cwd: ROOT, encoding: 'utf8' });
    expect((JSON.parse(out) as ReplaySummary).packets).toBe(1);
  });

  it('refuses a file that is not a capture, with a clear message and exit code 1', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [CLI, 'replay', join(ROOT, 'package.json'), '--json'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: string }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/not a pcap or pcapng capture/);
  });
});
