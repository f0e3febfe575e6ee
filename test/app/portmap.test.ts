// Port mapping requests as records: NAT-PMP and PCP over UDP 5351, UPnP IGD AddPortMapping SOAP read
// by the HTTP module from a capped copy of the request body.
import { describe, expect, it } from 'vitest';
import { httpModule } from '../../gateway/app/http/http-module.js';
import { natpmpModule } from '../../gateway/app/natpmp/natpmp-module.js';
import { parseNatPmpOrPcp } from '../../gateway/app/natpmp/parse-natpmp.js';
import { parseSoapPortMapping } from '../../gateway/app/upnp/parse-soap-portmap.js';
import { chunks, collect, ofKind, request, runTcp, T0 } from './app-test-kit.js';

function natpmpMap(op: number, internal: number, external: number, lifetime: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0; b[1] = op;
  b.writeUInt16BE(internal, 4); b.writeUInt16BE(external, 6); b.writeUInt32BE(lifetime, 8);
  return b;
}

function pcpMap(lifetime: number, proto: number, internal: number, external: number): Buffer {
  const b = Buffer.alloc(60);
  b[0] = 2; b[1] = 1; // version 2, MAP request
  b.writeUInt32BE(lifetime, 4);
  b[24 + 12] = proto;
  b.writeUInt16BE(internal, 24 + 16); b.writeUInt16BE(external, 24 + 18);
  return b;
}

const SOAP_BODY = `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>
<u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewRemoteHost></NewRemoteHost><NewExternalPort>2323</NewExternalPort>
<NewProtocol>TCP</NewProtocol><NewInternalPort>23</NewInternalPort><NewInternalClient>192.168.1.12</NewInternalClient><NewEnabled>1</NewEnabled>
<NewPortMappingDescription>libminiupnpc</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>`;

describe('natpmp module', () => {
  it('NAT-PMP map TCP and PCP MAP become portmap records; responses emit nothing', () => {
    const { recs, out } = collect();
    const a = natpmpMap(2, 51413, 51413, 3600);
    const b = pcpMap(600, 6, 8443, 443);
    expect(natpmpModule.parse(a, 0, a.length, T0, 0, out)).toBe(0);
    expect(natpmpModule.parse(b, 0, b.length, T0, 0, out)).toBe(0);
    const resp = Buffer.from(a);
    resp[1] = 0x82;
    expect(natpmpModule.parse(resp, 0, resp.length, T0, 1, out)).toBe(0);
    expect(recs).toEqual([
      { kind: 'portmap', ts: T0, protocol: 'natpmp', internalPort: 51413, externalPort: 51413, lifetime: 3600, proto: 'tcp', extra: {} },
      { kind: 'portmap', ts: T0, protocol: 'pcp', internalPort: 8443, externalPort: 443, lifetime: 600, proto: 'tcp', extra: { opcode: 'map' } },
    ]);
  });

  it('reads nothing past end', () => {
    const a = natpmpMap(1, 1, 2, 3);
    for (let n = 0; n < a.length; n++) expect(parseNatPmpOrPcp(a, 0, n)).toBeNull();
    expect(parseNatPmpOrPcp(a, 0, 999)).not.toBeNull();
  });
});

describe('UPnP AddPortMapping through the HTTP module', () => {
  const req = request('POST', '/ctl/IPConn', {
    'Content-Type': 'text/xml; charset="utf-8"', SOAPAction: '"urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping"',
  }, Buffer.from(SOAP_BODY, 'latin1'));
  const want = {
    kind: 'portmap', protocol: 'upnp', internalPort: 23, externalPort: 2323, lifetime: 0, proto: 'tcp',
    extra: { action: 'AddPortMapping', service: 'WANIPConnection:1', uri: '/ctl/IPConn', internalClient: '192.168.1.12', description: 'libminiupnpc' },
  };

  it('a portmap record after the request record, whatever the segments', () => {
    for (const size of [7, 100, req.length]) {
      const { recs } = runTcp(httpModule, chunks(req, size).map((b) => [0, b] as [number, Buffer]));
      expect(recs.map((r) => r.kind)).toEqual(['http.request', 'portmap']);
      expect(recs[1]).toMatchObject(want);
      expect(ofKind(recs, 'http.request')[0]!.soapAction).toBe('urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping');
    }
  });

  it('agrees with the whole-request parser the detector uses; other actions give no portmap', () => {
    const { kind: _k, ...mapping } = want;
    expect(parseSoapPortMapping(req)).toEqual(mapping);
    const other = request('POST', '/ctl/IPConn', { SOAPAction: '"urn:schemas-upnp-org:service:WANIPConnection:1#GetExternalIPAddress"' }, Buffer.from('<x/>'));
    expect(runTcp(httpModule, [[0, other]]).recs.map((r) => r.kind)).toEqual(['http.request']);
  });
});
