// SSDP parser: M-SEARCH, NOTIFY and 200 OK decoded field by field, and malformed datagrams by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { parseSsdp } from '../../../../gateway/app/ssdp/parse-ssdp.js';
import { samples } from './samples.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const parse = (b: Buffer) => parseSsdp(b, 0, b.length);
const MALFORMED = -ev('decoder.ssdp.malformed');

describe('parseSsdp', () => {
  it('reads an M-SEARCH', () => {
    expect(parse(samples.ssdp.mSearch)).toEqual({
      kind: 'M-SEARCH',
      target: 'urn:dial-multiscreen-org:service:dial:1',
      usn: null,
      server: null,
      location: null,
      nts: null,
    });
  });

  it('reads a NOTIFY', () => {
    expect(parse(samples.ssdp.notify)).toEqual({
      kind: 'NOTIFY',
      target: 'upnp:rootdevice',
      usn: 'uuid:2f402f80-da50-11e1-9b23-00163e5a1b2c::upnp:rootdevice',
      server: 'Linux/4.9 UPnP/1.0 AcmeCam/1.2',
      location: 'http://192.168.1.23:49152/description.xml',
      nts: 'ssdp:alive',
    });
  });

  it('reads a 200 OK search response with mixed-case header names', () => {
    expect(parse(samples.ssdp.response)).toEqual({
      kind: 'RESPONSE',
      target: 'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      usn: 'uuid:a1b2c3d4-0000-0000-0000-000000000001::urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      server: 'OpenWRT/23.05 UPnP/1.1 MiniUPnPd/2.3.3',
      location: 'http://192.168.1.1:5000/rootDesc.xml',
      nts: null,
    });
  });

  it('tolerates LF line ends, no final blank line, a space before the colon', () => {
    expect(parse(text('NOTIFY * HTTP/1.1\nNT : upnp:rootdevice\nNTS: ssdp:byebye'))).toMatchObject({
      kind: 'NOTIFY',
      target: 'upnp:rootdevice',
      nts: 'ssdp:byebye',
    });
    expect(parse(text('HTTP/1.0 200\r\nST: ssdp:all\r\n\r\n'))).toMatchObject({ kind: 'RESPONSE', target: 'ssdp:all' });
  });

  it('takes ST in M-SEARCH and NT in NOTIFY, not the other', () => {
    expect(parse(text('M-SEARCH * HTTP/1.1\r\nNT: x\r\n\r\n'))).toMatchObject({ target: null });
    expect(parse(text('NOTIFY * HTTP/1.1\r\nST: x\r\n\r\n'))).toMatchObject({ target: null });
  });

  it('reads at an offset without looking past end', () => {
    const n = samples.ssdp.notify;
    const buf = Buffer.concat([text('zz'), n, text('USN: later\r\n')]);
    expect(parseSsdp(buf, 2, 2 + n.length)).toEqual(parse(n));
  });

  it('malformed for other start lines and header lines without a name', () => {
    for (const s of [
      '',
      'GET / HTTP/1.1\r\n\r\n',
      'M-SEARCH / HTTP/1.1\r\n\r\n',
      'M-SEARCH * HTTP/1.1 \r\n\r\n',
      'HTTP/1.1 404 Not Found\r\n\r\n',
      'HTTP/1.1 2000\r\n\r\n',
      'NOTIFY * HTTP/1.1\r\njunk\r\n\r\n',
      'NOTIFY * HTTP/1.1\r\n: empty name\r\n\r\n',
    ]) {
      expect(parse(text(s))).toBe(MALFORMED);
    }
  });
});
