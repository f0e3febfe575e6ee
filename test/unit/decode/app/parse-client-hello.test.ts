// TLS ClientHello parser: SNI, ALPN and versions from a browser-shaped hello, stream answers
// (ok / incomplete / error) and the malformed cases by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { parseClientHello } from '../../../../gateway/app/tls/parse-client-hello.js';
import { ascii, hex } from '../../../helpers/hex.js';
import { samples } from './samples.js';

const hello = samples.tls.clientHello;
const MALFORMED = { status: 'error', event: -ev('decoder.tls.malformed') };
const INCOMPLETE = { status: 'incomplete' };

const expected = {
  recordVersion: 0x0301,
  helloVersion: 0x0303,
  sni: 'example.com',
  alpn: ['h2', 'http/1.1'],
  supportedVersions: [0x0304, 0x0303],
  cipherSuiteCount: 4,
};

/** A single-record ClientHello around `body` (everything after the handshake header). */
function wrap(body: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h[0] = 0x16;
  h.writeUInt16BE(0x0303, 1);
  h.writeUInt16BE(body.length + 4, 3);
  h[5] = 1;
  h.writeUIntBE(body.length, 6, 3);
  return Buffer.concat([h, body]);
}

/** A TLS 1.2-style body: version, random, empty session id, one suite, null compression, then `ext`. */
function body(ext: Buffer | null): Buffer {
  const fixed = hex`0303 ${'11'.repeat(32)} 00 0002 c02f 01 00`;
  if (ext === null) return fixed;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(ext.length);
  return Buffer.concat([fixed, len, ext]);
}

describe('parseClientHello', () => {
  it('reads a browser-shaped ClientHello', () => {
    expect(parseClientHello(hello, 0, hello.length)).toEqual({ status: 'ok', value: expected, end: hello.length });
  });

  it('says where the hello ends when application data follows', () => {
    const buf = Buffer.concat([hello, hex`17 0303 0010`]);
    expect(parseClientHello(buf, 0, buf.length)).toMatchObject({ status: 'ok', end: hello.length });
  });

  it('reads at an offset', () => {
    const buf = Buffer.concat([hex`ffff`, hello, hex`ffffff`]);
    expect(parseClientHello(buf, 2, 2 + hello.length)).toEqual({ status: 'ok', value: expected, end: 2 + hello.length });
  });

  it('gathers a ClientHello split over two records', () => {
    const split = samples.tls.split;
    expect(parseClientHello(split, 0, split.length)).toEqual({ status: 'ok', value: expected, end: split.length });
    expect(parseClientHello(split, 0, 105)).toEqual(INCOMPLETE);
    expect(parseClientHello(split, 0, split.length - 1)).toEqual(INCOMPLETE);
  });

  it('is incomplete at every cut of the hello', () => {
    for (let n = 0; n < hello.length; n++) expect(parseClientHello(hello, 0, n)).toEqual(INCOMPLETE);
  });

  it('lower-cases the SNI and keeps the first host_name', () => {
    const sni = hex`0000 0015 0013 00 0007 ${ascii('Foo.BAR')} 00 0006 ${ascii('second')}`;
    const r = parseClientHello(wrap(body(sni)), 0, 999);
    expect(r).toMatchObject({ status: 'ok', value: { sni: 'foo.bar', alpn: [], supportedVersions: [] } });
  });

  it('reads a hello without extensions (TLS 1.0-1.2)', () => {
    const b = wrap(body(null));
    expect(parseClientHello(b, 0, b.length)).toMatchObject({ status: 'ok', value: { sni: null, cipherSuiteCount: 1 } });
  });

  it('skips unknown extensions and reads an empty server_name as no SNI', () => {
    const b = wrap(body(hex`ff01 0001 00  0000 0000`));
    expect(parseClientHello(b, 0, b.length)).toMatchObject({ status: 'ok', value: { sni: null } });
  });

  describe('errors', () => {
    it('malformed on a first byte that is not a handshake record, before the record is complete', () => {
      expect(parseClientHello(hex`17`, 0, 1)).toEqual(MALFORMED);
      expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'), 0, 16)).toEqual(MALFORMED);
      expect(parseClientHello(hex`16 0200`, 0, 3)).toEqual(MALFORMED); // SSL 2 version
      expect(parseClientHello(hex`16 0301 00c2 02`, 0, 6)).toEqual(MALFORMED); // ServerHello
    });

    it('malformed on record lengths of 0, under 4 or over 2^14', () => {
      expect(parseClientHello(hex`16 0301 0000`, 0, 5)).toEqual(MALFORMED);
      expect(parseClientHello(hex`16 0301 0003 010000`, 0, 8)).toEqual(MALFORMED);
      expect(parseClientHello(hex`16 0301 4001`, 0, 5)).toEqual(MALFORMED);
    });

    it('malformed when inner lengths do not add up', () => {
      const cases = [
        hex`0303 ${'11'.repeat(32)} 21`, // session id of 33 bytes
        hex`0303 ${'11'.repeat(32)} 00 0003 c02f00 01 00`, // odd cipher suite length
        hex`0303 ${'11'.repeat(32)} 00 0000 01 00`, // no cipher suites
        hex`0303 ${'11'.repeat(32)} 00 0002 c02f 00`, // no compression method
        hex`0303 ${'11'.repeat(32)} 00 0002 c02f 01 00 0005 0000 0000`, // extensions length off
        body(hex`0000 0005 0004 00 0003 61`), // host_name past its list
        body(hex`0010 0003 0001 00`), // empty ALPN protocol
        body(hex`0010 0004 0003 02 6832`), // ALPN list length off
        body(hex`002b 0003 03 0304`), // odd supported_versions
        body(hex`0000 0008`), // extension past the block
      ];
      for (const c of cases) {
        const b = wrap(c);
        expect(parseClientHello(b, 0, b.length)).toEqual(MALFORMED);
      }
    });

    it('malformed when a continuation record is not a handshake record', () => {
      const split = Buffer.from(samples.tls.split);
      split[105] = 0x17;
      expect(parseClientHello(split, 0, split.length)).toEqual(MALFORMED);
    });

    it('malformed past the record cap for a split hello', () => {
      // hello length 200 announced, 1-byte continuation records
      const parts = [hex`16 0303 0005 01 0000c8 03`];
      for (let i = 0; i < 10; i++) parts.push(hex`16 0303 0001 03`);
      const b = Buffer.concat(parts);
      expect(parseClientHello(b, 0, b.length)).toEqual(MALFORMED);
    });
  });
});
