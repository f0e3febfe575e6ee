// The TLS stream module: ClientHello and ServerHello over records and segments, GREASE removed, and
// JA4 against the published vectors of the FoxIO JA4 specification (technical_details/JA4.md).
import { describe, expect, it } from 'vitest';
import type { TlsClientHelloRecord } from '../../gateway/app/app-record.js';
import { ja4 } from '../../gateway/app/tls/ja4.js';
import { tlsModule } from '../../gateway/app/tls/tls-module.js';
import { ev } from '../../gateway/common/events.js';
import { ofKind, runTcp, splitAt } from './app-test-kit.js';

const hexList = (s: string): number[] => s.split(',').map((x) => parseInt(x, 16));
const u16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
const list16 = (vs: number[]): Buffer => Buffer.concat(vs.map(u16));

/** The spec's example (JA4_ro): a Chrome ClientHello, ciphers and extensions in wire order. */
const SPEC = {
  ciphers: hexList('1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035'),
  extensions: hexList('001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015'),
  sigalgs: hexList('0403,0804,0401,0503,0805,0501,0806,0601'),
  ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
};
/** A later Chrome (ECH, X25519MLKEM768) as published with its JA4_ro by browserleaks.com. */
const CHROME_143 = {
  ciphers: SPEC.ciphers,
  extensions: hexList('002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b'),
  sigalgs: SPEC.sigalgs,
  ja4: 't13d1516h2_8daaf6152771_d8a2da3f94cd',
};

/** Extension body for each type the builder knows; others get a few filler bytes. */
function extBody(type: number, sni: string, sigalgs: number[]): Buffer {
  switch (type) {
    case 0x0000: return vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from(sni, 'latin1'))]));
    case 0x0010: return vec16(Buffer.concat([vec8(Buffer.from('h2')), vec8(Buffer.from('http/1.1'))]));
    case 0x002b: return vec8(list16([0x3a3a, 0x0304, 0x0303])); // a GREASE version first, as Chrome sends
    case 0x000d: return vec16(list16(sigalgs));
    case 0x000a: return vec16(list16([0x4a4a, 0x11ec, 0x001d, 0x0017, 0x0018]));
    case 0x0017: case 0xff01: case 0x0012: case 0x0023: return type === 0xff01 ? Buffer.from([0]) : Buffer.alloc(0);
    default: return Buffer.from([0x01, 0x02, 0x03]);
  }
}

/** A ClientHello handshake message (type, length, body) with GREASE cipher and extensions added. */
function clientHelloMsg(v: { ciphers: number[]; extensions: number[]; sigalgs: number[] }, sni = 'example.com'): Buffer {
  const ciphers = [0x0a0a, ...v.ciphers];
  const exts = [0x1a1a, ...v.extensions, 0xfafa];
  const extBlock = Buffer.concat(exts.map((t) => {
    const body = (t & 0x0f0f) === 0x0a0a ? Buffer.alloc(0) : extBody(t, sni, v.sigalgs);
    return Buffer.concat([u16(t), vec16(body)]);
  }));
  const body = Buffer.concat([
    u16(0x0303), Buffer.alloc(32, 0x11), vec8(Buffer.alloc(32, 0x22)), vec16(list16(ciphers)), vec8(Buffer.from([0])), vec16(extBlock),
  ]);
  const hdr = Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
  return Buffer.concat([hdr, body]);
}

/** Wraps handshake bytes in records of at most `max` bytes each. */
function records(msg: Buffer, max = 16_384, type = 22): Buffer {
  const out: Buffer[] = [];
  for (let p = 0; p < msg.length; p += max) {
    const frag = msg.subarray(p, Math.min(msg.length, p + max));
    out.push(Buffer.from([type, 3, 1, frag.length >> 8, frag.length & 0xff]), frag);
  }
  return Buffer.concat(out);
}

function serverHelloMsg(opts: { version?: number | null; alpn?: string | null; cipher?: number } = {}): Buffer {
  const exts: Buffer[] = [];
  if (opts.version !== null) exts.push(Buffer.concat([u16(0x002b), vec16(u16(opts.version ?? 0x0304))]));
  exts.push(Buffer.concat([u16(0x0033), vec16(Buffer.alloc(36, 7))]));
  if (opts.alpn != null) exts.push(Buffer.concat([u16(0x0010), vec16(vec16(vec8(Buffer.from(opts.alpn))))]));
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 0x33), vec8(Buffer.alloc(32, 0x22)), u16(opts.cipher ?? 0x1301), Buffer.from([0]), vec16(Buffer.concat(exts))]);
  return Buffer.concat([Buffer.from([2, 0, body.length >> 8, body.length & 0xff]), body]);
}

describe('JA4 (FoxIO specification vectors)', () => {
  it('the spec example: t13d1516h2_8daaf6152771_e5627efa2ab1', () => {
    expect(ja4({ legacyVersion: 0x0303, supportedVersions: [0x0304, 0x0303], ciphers: SPEC.ciphers, extensions: SPEC.extensions, alpn: ['h2', 'http/1.1'], signatureAlgorithms: SPEC.sigalgs })).toBe(SPEC.ja4);
  });

  it('part c without signature algorithms hashes the extension list alone (the spec: 6d807ffa2a79)', () => {
    const r = ja4({ legacyVersion: 0x0303, supportedVersions: null, ciphers: SPEC.ciphers, extensions: SPEC.extensions, alpn: [], signatureAlgorithms: [] });
    expect(r.split('_')[2]).toBe('6d807ffa2a79');
    expect(r.slice(0, 10)).toBe('t12d151600'); // legacy version without supported_versions, no ALPN
  });

  it('part a: QUIC, no SNI, counts capped at 99, ALPN ends that are not alphanumeric, no ciphers', () => {
    const base = { legacyVersion: 0x0301, supportedVersions: null, ciphers: [0x002f], extensions: [0x000a], alpn: ['x'], signatureAlgorithms: [] };
    expect(ja4(base, 'q').slice(0, 10)).toBe('q10i0101xx');
    expect(ja4({ ...base, ciphers: Array.from({ length: 120 }, (_, i) => i + 1) }).slice(3, 6)).toBe('i99');
    expect(ja4({ ...base, alpn: ['\x01h2*'] }).slice(8, 10)).toBe('0a');
    expect(ja4({ ...base, legacyVersion: 0x9999 }).slice(1, 3)).toBe('00');
    expect(ja4({ ...base, ciphers: [] }).split('_')[1]).toBe('000000000000');
  });
});

describe('tls module', () => {
  it('reads a ClientHello split over 2 segments: SNI, ALPN, versions, GREASE removed, JA4 of the spec', () => {
    const wire = records(clientHelloMsg(SPEC));
    const { recs, rets, state } = runTcp(tlsModule, splitAt(wire, 100).map((b) => [0, b] as [number, Buffer]), { end: false });
    expect(rets).toEqual([0, 0]);
    const [h] = ofKind(recs, 'tls.client_hello');
    expect(h).toMatchObject({
      sni: 'example.com', alpn: ['h2', 'http/1.1'], version: 0x0303, supportedVersions: [0x0304, 0x0303], ciphers: SPEC.ciphers,
      extensions: SPEC.extensions, signatureAlgorithms: SPEC.sigalgs, groups: [0x11ec, 0x001d, 0x0017, 0x0018], ja4: SPEC.ja4,
    } satisfies Partial<TlsClientHelloRecord>);
    expect(state.done).toBe(false); // the ServerHello is still to come
  });

  it('the browserleaks Chrome 143 vector, its hello split over 3 records and 5 segments', () => {
    const wire = records(clientHelloMsg(CHROME_143, 'tls.browserleaks.com'), 200);
    const { recs } = runTcp(tlsModule, splitAt(wire, 3, 7, 204, 380).map((b) => [0, b] as [number, Buffer]));
    const [h] = ofKind(recs, 'tls.client_hello');
    expect(h!.ja4).toBe(CHROME_143.ja4);
    expect(h!.sni).toBe('tls.browserleaks.com');
  });

  it('every split point of the hello gives the same record', () => {
    const wire = records(clientHelloMsg(SPEC));
    const noTs = (recs: object[]): object[] => recs.map((r) => ({ ...r, ts: 0 }));
    const whole = noTs(runTcp(tlsModule, [[0, wire]]).recs);
    expect(whole).toHaveLength(1);
    for (let cut = 1; cut < wire.length; cut++) {
      expect(noTs(runTcp(tlsModule, splitAt(wire, cut).map((b) => [0, b] as [number, Buffer])).recs)).toEqual(whole);
    }
  });

  it('reads the ServerHello (selected version, cipher, ALPN), then is done and skips the rest', () => {
    const sh = records(serverHelloMsg({ alpn: 'h2', cipher: 0x1302 }));
    const rest = Buffer.concat([Buffer.from([20, 3, 3, 0, 1, 1]), Buffer.from([23, 3, 3, 0, 4, 1, 2, 3, 4])]);
    const { recs, state } = runTcp(tlsModule, [[0, records(clientHelloMsg(SPEC))], [1, Buffer.concat([sh, rest])]], { end: false });
    expect(ofKind(recs, 'tls.server_hello')).toEqual([
      { kind: 'tls.server_hello', ts: expect.any(Number) as unknown, version: 0x0303, selectedVersion: 0x0304, cipher: 0x1302, extensions: [0x002b, 0x0033, 0x0010], alpn: 'h2' },
    ]);
    expect(state.done).toBe(true);
  });

  it('a TLS 1.2 ServerHello without extensions', () => {
    const body = Buffer.concat([u16(0x0303), Buffer.alloc(32), vec8(Buffer.alloc(0)), u16(0xc02f), Buffer.from([0])]);
    const msg = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
    const { recs } = runTcp(tlsModule, [[1, records(msg)]]);
    expect(ofKind(recs, 'tls.server_hello')[0]).toMatchObject({ version: 0x0303, selectedVersion: null, cipher: 0xc02f, extensions: [], alpn: null });
  });

  it('a server alert instead of a ServerHello ends that side without a record', () => {
    const { recs, state } = runTcp(tlsModule, [[0, records(clientHelloMsg(SPEC))], [1, Buffer.from([21, 3, 3, 0, 2, 2, 40])]], { end: false });
    expect(ofKind(recs, 'tls.server_hello')).toEqual([]);
    expect(state.done).toBe(true);
  });

  it.each([
    ['not a TLS record', Buffer.from('GET / HTTP/1.1\r\n'), 'decoder.tls.malformed'],
    ['a record version that is not 3.x', Buffer.from([22, 2, 0, 0, 4, 1, 0, 0, 0]), 'decoder.tls.malformed'],
    ['an empty handshake record', Buffer.from([22, 3, 1, 0, 0]), 'decoder.tls.malformed'],
    ['application data before the hello', Buffer.from([23, 3, 3, 0, 1, 0]), 'decoder.tls.unexpected_message'],
    ['a first handshake message that is not a ClientHello', records(Buffer.from([11, 0, 0, 1, 0])), 'decoder.tls.unexpected_message'],
    ['a hello over 64 KiB', records(Buffer.from([1, 0x02, 0, 0])), 'decoder.tls.hello_too_long'],
    ['a hello whose lengths do not add up', records(Buffer.from([1, 0, 0, 4, 3, 3, 0, 0])), 'decoder.tls.malformed'],
  ] as const)('%s', (_what, wire, name) => {
    const { rets } = runTcp(tlsModule, [[0, wire]], { end: false });
    expect(rets).toEqual([-ev(name)]);
  });

  it('a gap before the hello gives up on that side quietly', () => {
    const st = tlsModule.create();
    tlsModule.gap!(st, 0, 100);
    tlsModule.gap!(st, 1, 100);
    expect(st.done).toBe(true);
  });
});
