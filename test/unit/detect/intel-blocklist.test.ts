// intel.blocklist: list files with addresses, networks, domains, comments, hosts-file lines and
// garbage (counted, not fatal); flows matched on either side by address or longest network, IPv6
// and IPv4-mapped too; DNS queries matched on the name or a parent domain; reloads on packet time
// when a file changes, reload() on demand, a failed reload keeping the old entries; the entry cap;
// and the CLI's `detect.intel.lists` shape through the pipeline.
import { giveDns } from '../../helpers/sensor.js';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DnsMessage } from '../../../gateway/app/dns/dns-message.js';
import { Family, PacketView } from '../../../gateway/decode/packet-view.js';
import { INTEL_DEFAULTS, intel, normalizeDomain, type IntelConfig, type IntelDetector } from '../../../gateway/detect/detectors/intel-blocklist.js';
import { Flow } from '../../../gateway/track/flow.js';
import { parseIpAddress } from '../../../policies/net/ip-address.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ether, frame, ipv4, PROTO, tcp, udp } from '../../helpers/frames.js';
import { replayFrames } from '../../helpers/replay-frames.js';

const S = 1e6;
const T0 = Date.UTC(2026, 0, 1) * 1000;
const DEV_MAC = 0x02000000aa01;
const GW_MAC = 0x020000000001;

const dir = mkdtempSync(join(tmpdir(), 'edgeward-intel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
/** Writes a list file with a fixed modification time (seconds since the epoch). */
function listFile(text: string, mtime = 1_700_000_000, name = `list-${++fileNo}.txt`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  utimesSync(p, mtime, mtime);
  return p;
}

const LIST = [
  '# threat list, test data (documentation ranges, RFC 5737 / RFC 3849)',
  '',
  '203.0.113.5',
  '198.51.100.0/24 ; a whole network',
  '198.51.100.128/25',
  '2001:db8:bad::/48',
  '2001:db8::66',
  'evil.example',
  '*.Wild.Example.',
  '0.0.0.0 hosts-style.example',
  '   192.0.2.77   # trailing comment',
  'not a domain!',
  '300.1.1.1',
  '10.0.0.0/33',
  'http://url.example/path',
  '-bad-.example',
  '203.0.113.5',
].join('\n');

function make(over: Partial<IntelConfig>) {
  const { host, alerts, devices } = fakeHost();
  devices.touch(DEV_MAC, T0, 60);
  devices.learnIpv4(devices.get(DEV_MAC)!, parseIpAddress('192.168.1.20')!.words[0]);
  const d = intel.create(host, { ...INTEL_DEFAULTS, ...over }) as IntelDetector;
  return { d, alerts };
}

let flowId = 0;
/** A TCP flow from `a` (initiator) to `b`, the LAN side's frames carrying DEV_MAC. */
function flow(a: string, b: string, bPort = 443, t = 0): Flow {
  const pa = parseIpAddress(a)!, pb = parseIpAddress(b)!;
  const f = new Flow(++flowId, 0, pa.family, 6, T0 + t * S);
  [f.a0, f.a1, f.a2, f.a3] = pa.words; [f.b0, f.b1, f.b2, f.b3] = pb.words;
  f.aPort = 40000; f.bPort = bPort;
  f.aMac = a.startsWith('192.168.') ? DEV_MAC : GW_MAC;
  f.bMac = b.startsWith('192.168.') ? DEV_MAC : GW_MAC;
  return f;
}

/** onDns arguments: a DNS query message for `name`, the view of its packet, no flow. */
function query(name: string, o: { qr?: boolean; port?: number; t?: number } = {}): [DnsMessage, PacketView] {
  const m: DnsMessage = { id: 1, qr: o.qr ?? false, opcode: 0, rcode: 0, tc: false, questions: [{ name, type: 1, class: 1 }], answers: [], authorities: [], additionals: [] };
  const pv = new PacketView();
  pv.ts = T0 + (o.t ?? 0) * S; pv.family = Family.V4; pv.ipProto = 17;
  pv.src0 = parseIpAddress('192.168.1.20')!.words[0]; pv.dst0 = parseIpAddress('192.168.1.1')!.words[0];
  pv.srcPort = 33000; pv.dstPort = o.port ?? 53; pv.srcMac = DEV_MAC; pv.dstMac = GW_MAC;
  return [m, pv];
}

describe('intel list loading', () => {
  it('loads addresses, networks and domains; counts invalid lines and duplicates, never throws on them', () => {
    const file = listFile(LIST);
    const { d } = make({ lists: [file] });
    expect(d.status()).toEqual([{
      file, addresses: 3, networks: 3, domains: 3, invalid: 5, invalidLines: [12, 13, 14, 15, 16], duplicates: 1, dropped: 0,
      mtimeMs: 1_700_000_000_000, size: LIST.length, error: null,
    }]);
    expect(d.stateSize!()).toBe(9);
  });

  it('normalizes domains and refuses what is none', () => {
    expect(normalizeDomain('*.Wild.Example.')).toBe('wild.example');
    expect(normalizeDomain('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('_dmarc.example')).toBe('_dmarc.example');
    for (const bad of ['300.1.1.1', 'a..b', '-x.example', 'x-.example', 'sp ace.example', `${'a'.repeat(64)}.example`, '']) expect(normalizeDomain(bad)).toBeNull();
  });

  it('a list that cannot be read at start is an error naming it', () => {
    expect(() => make({ lists: [join(dir, 'missing.txt')] })).toThrow(/missing\.txt/);
  });

  it('holds at most maxEntries, counting the rest as dropped', () => {
    const file = listFile(Array.from({ length: 100 }, (_, i) => `10.5.0.${i}`).join('\n'));
    const { d } = make({ lists: [file], maxEntries: 40 });
    expect(d.stateSize!()).toBe(40);
    expect(d.status()[0]).toMatchObject({ addresses: 40, dropped: 60 });
  });
});

describe('intel matches', () => {
  const file = listFile(LIST);

  it('a flow to a listed address: responder side, exact address, the device as device', () => {
    const { d, alerts } = make({ lists: [file] });
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.5', 443, 7));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'intel.blocklist', ts: T0 + 7 * S, src: '192.168.1.20', dst: '203.0.113.5', proto: 'tcp', sport: 40000, dport: 443,
      device: '02:00:00:00:aa:01', peer: '203.0.113.5',
      evidence: { list: file, line: 3, entry: '203.0.113.5', match: 'address', address: '203.0.113.5', side: 'responder' },
    });
  });

  it('networks match by longest prefix; neighbours outside do not match', () => {
    const { d, alerts } = make({ lists: [file] });
    d.onFlowStart!(flow('192.168.1.20', '198.51.100.7'));
    d.onFlowStart!(flow('192.168.1.20', '198.51.100.200'));
    d.onFlowStart!(flow('192.168.1.20', '198.51.101.1'));
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.6'));
    expect(alerts.map((a) => [a.dst, a.evidence.entry, a.evidence.match, a.evidence.line])).toEqual([
      ['198.51.100.7', '198.51.100.0/24', 'network', 4],
      ['198.51.100.200', '198.51.100.128/25', 'network', 5],
    ]);
  });

  it('the initiator side matches too (a listed scanner reaching in)', () => {
    const { d, alerts } = make({ lists: [file] });
    d.onFlowStart!(flow('192.0.2.77', '192.168.1.20', 23));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ side: 'initiator', address: '192.0.2.77', entry: '192.0.2.77', match: 'address' });
    expect(alerts[0]!.device).toBe('02:00:00:00:aa:01');
  });

  it('IPv6 addresses and networks, and IPv4-mapped IPv6 addresses', () => {
    const { d, alerts } = make({ lists: [file] });
    d.onFlowStart!(flow('fd00::20', '2001:db8:bad:1::1'));
    d.onFlowStart!(flow('fd00::20', '2001:db8::66'));
    d.onFlowStart!(flow('fd00::20', '2001:db8::67'));
    d.onFlowStart!(flow('fd00::20', '::ffff:203.0.113.5'));
    expect(alerts.map((a) => [a.dst, a.evidence.entry, a.evidence.match])).toEqual([
      ['2001:db8:bad:1::1', '2001:db8:bad::/48', 'network'],
      ['2001:db8::66', '2001:db8::66', 'address'],
      ['::ffff:203.0.113.5', '203.0.113.5', 'address'],
    ]);
  });

  it('DNS queries for a listed domain or any subdomain, not look-alikes, responses or mDNS', () => {
    const { d, alerts } = make({ lists: [file] });
    for (const name of ['evil.example', 'a.b.evil.example', 'notevil.example', 'example', 'evil.example.org', 'x.wild.example', 'hosts-style.example']) giveDns(d, ...query(name));
    giveDns(d, ...query('evil.example', { qr: true }));
    giveDns(d, ...query('evil.example', { port: 5353 }));
    expect(alerts.map((a) => [a.evidence.name, a.evidence.entry])).toEqual([
      ['evil.example', 'evil.example'], ['a.b.evil.example', 'evil.example'], ['x.wild.example', 'wild.example'], ['hosts-style.example', 'hosts-style.example'],
    ]);
    expect(alerts[1]).toMatchObject({
      rule: 'intel.blocklist', src: '192.168.1.20', dst: '192.168.1.1', proto: 'udp', dport: 53, device: '02:00:00:00:aa:01', peer: 'evil.example',
      evidence: { list: file, line: 8, match: 'domain', qtype: 1 },
    });
  });

  it('with no lists it does nothing and holds nothing', () => {
    const { d, alerts } = make({});
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.5'));
    giveDns(d, ...query('evil.example'));
    d.onTick!(T0);
    expect(alerts).toHaveLength(0);
    expect(d.stateSize!()).toBe(0);
  });
});

describe('intel reloads', () => {
  it('re-reads a changed list at the first check reloadSeconds of packet time later', () => {
    const file = listFile('203.0.113.5\n', 1_700_000_000, 'reload.txt');
    const { d, alerts } = make({ lists: [file], reloadSeconds: 10 });
    d.onTick!(T0); // first tick: the clock starts
    listFile('203.0.113.9\n', 1_700_000_100, 'reload.txt');
    d.onTick!(T0 + 9 * S); // not yet
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.9', 443, 9));
    expect(alerts).toHaveLength(0);
    d.onTick!(T0 + 10 * S);
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.9', 443, 10));
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.5', 443, 10));
    expect(alerts.map((a) => a.dst)).toEqual(['203.0.113.9']);
    expect(d.status()[0]).toMatchObject({ addresses: 1, mtimeMs: 1_700_000_100_000 });
  });

  it('an unchanged list is not re-read; reloadSeconds 0 never checks; reload() reads now', () => {
    const file = listFile('203.0.113.5\n', 1_700_000_000, 'manual.txt');
    const { d, alerts } = make({ lists: [file], reloadSeconds: 0 });
    const before = d.status()[0];
    d.onTick!(T0);
    listFile('203.0.113.9\n', 1_700_000_200, 'manual.txt');
    d.onTick!(T0 + 3600 * S);
    expect(d.status()[0]).toBe(before);
    const st = d.reload();
    expect(st[0]).toMatchObject({ addresses: 1, mtimeMs: 1_700_000_200_000, error: null });
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.9'));
    expect(alerts).toHaveLength(1);
  });

  it('a list gone at reload keeps the entries loaded and reports the error', () => {
    const file = listFile('203.0.113.5\n', 1_700_000_000, 'gone.txt');
    const { d, alerts } = make({ lists: [file], reloadSeconds: 1 });
    rmSync(file);
    d.onTick!(T0);
    d.onTick!(T0 + S);
    expect(d.status()[0]!.error).toMatch(/gone\.txt/);
    d.onFlowStart!(flow('192.168.1.20', '203.0.113.5'));
    expect(alerts).toHaveLength(1);
    listFile('203.0.113.5\n203.0.113.6\n', 1_700_000_300, 'gone.txt');
    d.onTick!(T0 + 2 * S);
    expect(d.status()[0]).toMatchObject({ addresses: 2, error: null });
  });
});

describe('intel through the pipeline, configured as `replay --intel` does', () => {
  it('a DNS query for a listed subdomain and a connection to a listed address', async () => {
    const file = listFile('evil.example\n203.0.113.5\n');
    const DEV = '02:00:00:00:aa:01', GW = '02:00:00:00:00:01';
    const qname = Buffer.concat([...'cdn.evil.example'.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
    const dnsQuery = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), qname]);
    const frames = [
      { t: 0, data: frame(ether({ dst: GW, src: DEV, type: 0x0800 }), ipv4({ src: '192.168.1.20', dst: '192.168.1.1', proto: PROTO.UDP, payload: udp({ sport: 33000, dport: 53, payload: dnsQuery }) })) },
      { t: 0.1, data: frame(ether({ dst: GW, src: DEV, type: 0x0800 }), ipv4({ src: '192.168.1.20', dst: '203.0.113.5', proto: PROTO.TCP, payload: tcp({ sport: 40000, dport: 443, flags: 'S' }) })) },
      { t: 0.2, data: frame(ether({ dst: GW, src: DEV, type: 0x0800 }), ipv4({ src: '192.168.1.20', dst: '203.0.113.6', proto: PROTO.TCP, payload: tcp({ sport: 40001, dport: 443, flags: 'S' }) })) },
    ];
    const { summary } = await replayFrames(frames, { detect: { detectors: [intel], config: { intel: { lists: [file] } } } });
    expect(summary.alerts.map((a) => [a.rule, a.device, a.dst, a.evidence.match, a.evidence.entry])).toEqual([
      ['intel.blocklist', DEV, '192.168.1.1', 'domain', 'evil.example'],
      ['intel.blocklist', DEV, '203.0.113.5', 'address', '203.0.113.5'],
    ]);
  });
});
