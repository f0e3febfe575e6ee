// FrameTemplate: a frame patched in place must be byte for byte the frame the builders make with
// the new values, checksums included (RFC 1624 incremental updates), whatever the word alignment.
import { describe, expect, it } from 'vitest';
import { dnsQuery } from '../../gateway/synth/dns-payload.js';
import { echoBody, ETHER_IPV4, ether, icmp, ipv4, padTo, PROTO, tcp, udp } from '../../gateway/synth/frame-builders.js';
import { AT, FrameTemplate } from '../../gateway/soak/frame-template.js';

interface TcpValues { srcMac: string; src: string; dst: string; sport: number; dport: number; seq: number; ack: number }

function tcpFrame(v: TcpValues, payload = Buffer.from('hello, gateway')): Buffer {
  return padTo(Buffer.concat([
    ether({ src: v.srcMac, dst: '02:ed:9e:00:00:01', type: ETHER_IPV4 }),
    ipv4({ src: v.src, dst: v.dst, proto: PROTO.TCP, payload: tcp({ sport: v.sport, dport: v.dport, flags: 'PA', seq: v.seq, ack: v.ack, window: 64240, payload }) }),
  ]));
}

const ip = (t: string) => t.split('.').reduce((n, o) => n * 256 + Number(o), 0);

describe('FrameTemplate', () => {
  it('rewrites MAC, addresses, ports and sequence numbers of a TCP frame with both checksums right', () => {
    const from: TcpValues = { srcMac: '0a:ed:00:00:00:01', src: '10.1.0.1', dst: '198.18.0.1', sport: 50000, dport: 443, seq: 1, ack: 1 };
    const cases: TcpValues[] = [
      { srcMac: '0a:ed:00:01:e2:40', src: '10.1.3.7', dst: '198.18.200.9', sport: 61234, dport: 80, seq: 0xfffffffe, ack: 123456789 },
      { srcMac: '0a:ed:ff:ff:ff:ff', src: '10.1.255.254', dst: '198.19.255.254', sport: 49152, dport: 443, seq: 0, ack: 0 },
    ];
    const t = new FrameTemplate(tcpFrame(from));
    for (const to of cases) {
      const mac = to.srcMac.replaceAll(':', '');
      t.mac(AT.ETH_SRC, parseInt(mac.slice(0, 4), 16), parseInt(mac.slice(4), 16) | 0);
      t.u32(AT.IP_SRC, ip(to.src));
      t.u32(AT.IP_DST, ip(to.dst) | 0);
      t.u16(AT.SPORT, to.sport);
      t.u16(AT.DPORT, to.dport);
      t.u32(AT.TCP_SEQ, to.seq);
      t.u32(AT.TCP_ACK, to.ack);
      expect(t.buf.toString('hex')).toBe(tcpFrame(to).toString('hex'));
    }
  });

  it('patches single bytes at odd and even offsets inside the transport payload', () => {
    const before = tcpFrame({ srcMac: '0a:ed:00:00:00:01', src: '10.1.0.1', dst: '198.18.0.1', sport: 50000, dport: 443, seq: 7, ack: 9 }, Buffer.from('label-000000'));
    const after = tcpFrame({ srcMac: '0a:ed:00:00:00:01', src: '10.1.0.1', dst: '198.18.0.1', sport: 50000, dport: 443, seq: 7, ack: 9 }, Buffer.from('label-0k3zz9'));
    const t = new FrameTemplate(before);
    // Five consecutive bytes: the low byte of one word, both bytes of the next two.
    t.base36(t.find('000000') + 1, parseInt('k3zz9', 36), 5);
    expect(t.buf.toString('hex')).toBe(after.toString('hex'));
  });

  it('keeps the ICMP checksum (no pseudo-header) when the echo identifier changes', () => {
    const echo = (id: number, src: string) => padTo(Buffer.concat([
      ether({ src: '0a:ed:00:00:00:01', dst: '02:ed:9e:00:00:01', type: ETHER_IPV4 }),
      ipv4({ src, dst: '198.18.0.7', proto: PROTO.ICMP, payload: icmp({ type: 8, body: echoBody({ id, seq: 1, data: Buffer.alloc(56, 0x61) }) }) }),
    ]));
    const t = new FrameTemplate(echo(1, '10.1.0.1'));
    t.u16(AT.ICMP_ID, 0xbeef);
    t.u32(AT.IP_SRC, ip('10.1.9.9'));
    expect(t.buf.toString('hex')).toBe(echo(0xbeef, '10.1.9.9').toString('hex'));
  });

  it('leaves a UDP checksum of 0 (none) alone while the DNS label changes', () => {
    const frame = (name: string) => padTo(Buffer.concat([
      ether({ src: '0a:ed:00:00:00:01', dst: '02:ed:9e:00:00:01', type: ETHER_IPV4 }),
      ipv4({ src: '10.1.0.1', dst: '10.0.0.1', proto: PROTO.UDP, transportChecksum: false, payload: udp({ sport: 53000, dport: 53, payload: dnsQuery(0x1234, name) }) }),
    ]));
    const t = new FrameTemplate(frame('aaaaaa.svc.vendor01.example'));
    t.base36(AT.UDP_DATA + 13, 36 ** 6 - 1, 6);
    expect(t.buf.toString('hex')).toBe(frame('zzzzzz.svc.vendor01.example').toString('hex'));
    expect(t.buf.readUInt16BE(AT.L4 + 6)).toBe(0);
  });
});

