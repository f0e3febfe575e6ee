// Exact cases built in code, written as real pcaps and replayed through the whole pipeline: how a
// device announces its MUD URL (DHCPv4 option 161, DHCPv6 option 112, LLDP), what the app layer
// learns (SNI from a ClientHello split over two segments, HTTP Host), NDP address learning, and a
// truncated IPv6 header that is counted and skipped while the rest of the capture goes on.
import { describe, expect, it } from 'vitest';
import { ether, frame, ipv4, ipv6, neighborAdvert, ndpOption, NDP_OPT, PROTO, tcp, udp } from '../helpers/frames.js';
import { hex } from '../helpers/hex.js';
import { replayFrames } from '../helpers/replay-frames.js';
import { MUD_URL, samples } from '../unit/decode/app/samples.js';

const DEV = '00:16:3e:5a:1b:2c'; // the MAC inside the DHCP/DHCPv6/LLDP samples
const GW = '02:00:00:00:00:01';
const BCAST = 'ff:ff:ff:ff:ff:ff';

const ip4 = (src: string, dst: string, proto: number, payload: Buffer) => ipv4({ src, dst, proto, payload });

describe('built cases through the pipeline', () => {
  it('DHCPv4 REQUEST with option 161: the device gets its MUD URL, hostname, fingerprint; the ACK gives its address', async () => {
    const ack = Buffer.from(samples.dhcp.request);
    ack[0] = 2; // BOOTREPLY
    ack.writeUInt32BE(0xc0a80117, 16); // yiaddr 192.168.1.23
    const typeAt = ack.indexOf(Buffer.from([0x35, 0x01, 0x03]), 240);
    ack[typeAt + 2] = 5; // DHCPACK
    const { summary } = await replayFrames([
      { t: 0, data: frame(ether({ dst: BCAST, src: DEV, type: 0x0800 }), ip4('0.0.0.0', '255.255.255.255', PROTO.UDP, udp({ sport: 68, dport: 67, payload: samples.dhcp.request }))) },
      { t: 0.01, data: frame(ether({ dst: DEV, src: GW, type: 0x0800 }), ip4('192.168.1.1', '192.168.1.23', PROTO.UDP, udp({ sport: 67, dport: 68, payload: ack }))) },
    ]);
    const d = summary.devices.find((x) => x.mac === DEV)!;
    expect(d).toMatchObject({
      mudUrl: MUD_URL, mudUrlSource: 'dhcpv4', hostname: 'thermostat', hostnameSource: 'dhcp',
      dhcpFingerprint: '1,3,6,12,15,28', dhcpVendorClass: 'udhcp 1.36.1', ips: ['192.168.1.23'],
    });
    expect(summary.decodeErrors).toBe(0);
  });

  it('DHCPv6 SOLICIT with option 112: MUD URL and FQDN hostname', async () => {
    const { summary } = await replayFrames([
      { t: 0, data: frame(ether({ dst: '33:33:00:01:00:02', src: DEV, type: 0x86dd }), ipv6({ src: 'fe80::216:3eff:fe5a:1b2c', dst: 'ff02::1:2', next: PROTO.UDP, payload: udp({ sport: 546, dport: 547, payload: samples.dhcpv6.solicit }) })) },
    ]);
    expect(summary.devices.find((x) => x.mac === DEV)).toMatchObject({
      mudUrl: MUD_URL, mudUrlSource: 'dhcpv6', hostname: 'thermostat.home.arpa', hostnameSource: 'dhcpv6', ips: ['fe80::216:3eff:fe5a:1b2c'],
    });
  });

  it('LLDP with the MUD URL TLV (OUI 00:00:5E subtype 1): MUD URL and system name', async () => {
    const { summary } = await replayFrames([
      { t: 0, data: frame(ether({ dst: '01:80:c2:00:00:0e', src: DEV, type: 0x88cc }), samples.lldp.mud) },
    ]);
    expect(summary.devices.find((x) => x.mac === DEV)).toMatchObject({ mudUrl: MUD_URL, mudUrlSource: 'lldp', lldpSystemName: 'thermostat' });
    expect(summary.decodeErrors).toBe(0);
  });

  it('a ClientHello split over two TCP segments still gives the SNI; an HTTP request gives Host and User-Agent', async () => {
    const hello = samples.tls.clientHello;
    // Sequence numbers kept straight per sender (the reassembler orders bytes by them): SYN at 0, data from 1.
    const next = new Map<string, number>();
    const seg = (t: number, sport: number, dport: number, flags: string, payload?: Buffer, fromDev = true) => {
      const key = `${sport}>${dport}`;
      const seq = next.get(key) ?? 0;
      next.set(key, seq + (payload?.length ?? 0) + (flags.includes('S') ? 1 : 0));
      return {
        t,
        data: frame(ether({ dst: fromDev ? GW : DEV, src: fromDev ? DEV : GW, type: 0x0800 }),
          ip4(fromDev ? '192.168.1.23' : '93.184.216.34', fromDev ? '93.184.216.34' : '192.168.1.23', PROTO.TCP, tcp({ sport, dport, flags, seq, payload }))),
      };
    };
    const { summary } = await replayFrames([
      seg(0, 40000, 443, 'S'), seg(0.01, 443, 40000, 'SA', undefined, false), seg(0.02, 40000, 443, 'A'),
      seg(0.03, 40000, 443, 'PA', hello.subarray(0, 60)), seg(0.04, 40000, 443, 'PA', hello.subarray(60)),
      seg(1, 40001, 80, 'S'), seg(1.01, 80, 40001, 'SA', undefined, false), seg(1.02, 40001, 80, 'PA', samples.http.get),
    ]);
    const byPort = new Map(summary.flows.top.map((f) => [f.dport, f]));
    expect(byPort.get(443)!.sni).toBe('example.com');
    expect(byPort.get(80)!.http).toEqual({ method: 'GET', host: 'cloud.example.com', uri: '/api/v1/status?id=7', userAgent: 'AcmeThermo/2.1 (Linux; ARMv7)' });
  });

  it('a neighbor advertisement teaches the device its global IPv6 address', async () => {
    const na = neighborAdvert({ target: '2001:db8::216:3eff:fe5a:1b2c', flags: 0x60, options: [ndpOption(NDP_OPT.TARGET_LL, DEV)] });
    const { summary } = await replayFrames([
      { t: 0, data: frame(ether({ dst: '33:33:00:00:00:01', src: DEV, type: 0x86dd }), ipv6({ src: 'fe80::216:3eff:fe5a:1b2c', dst: 'ff02::1', next: PROTO.ICMPV6, hopLimit: 255, payload: na })) },
    ]);
    expect(summary.devices.find((x) => x.mac === DEV)!.ips).toEqual(['fe80::216:3eff:fe5a:1b2c', '2001:db8::216:3eff:fe5a:1b2c']);
  });

  it('a truncated IPv6 header is counted by name and the frames around it are still read', async () => {
    const good = (t: number) => ({ t, data: frame(ether({ dst: GW, src: DEV, type: 0x0800 }), ip4('192.168.1.23', '192.168.1.1', PROTO.UDP, udp({ sport: 5000, dport: 53, payload: samples.dns.query }))) });
    const cut = frame(ether({ dst: GW, src: DEV, type: 0x86dd }), hex`6000 0000 0014 11 40 fe80`); // 8 of 40 header bytes
    const { summary } = await replayFrames([good(0), { t: 1, data: cut }, good(2)]);
    expect(summary.packets).toBe(3);
    expect(summary.decodeEvents).toEqual({ 'decoder.ipv6.too_small': 1 });
    expect(summary.decodeErrors).toBe(1);
    expect(summary.flows.udp).toBe(1);
    expect(summary.flows.top[0]!.srcPackets).toBe(2);
  });
});
