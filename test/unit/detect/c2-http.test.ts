// c2.http: requests built for each mark and combination. The check-ins of Emotet (bare IP on 7080,
// MSIE 7 on Trident/7.0, random multi-segment path, multipart upload), TrickBot (victim id in the
// path, bare IP on 7080), CryptoWall (random .php query, MSIE 7) raise one alert per (device,
// server); any single mark, two weak marks, ordinary IoT cloud calls and a server on the LAN raise
// none. Then the marks one by one, and the table cap.
import { describe, expect, it } from 'vitest';
import type { HttpRequestRecord } from '../../../gateway/app/app-record.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { Family, PacketView } from '../../../gateway/decode/packet-view.js';
import {
  c2Http, C2_HTTP_DEFAULTS, randomToken, scoreRequest, type C2HttpConfig, type C2HttpDetector,
} from '../../../gateway/detect/detectors/c2-http.js';
import { Flow } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const DEV = '192.168.1.30', DEV_MAC = '02:00:00:00:00:1e', GW_MAC = '02:00:00:00:00:01';
const MSIE7_ON_IE11 = 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.2; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const BROWSER_HEADERS = 'Accept: text/html\r\nAccept-Language: en-US,en;q=0.9\r\n';

interface Req {
  method?: string; uri?: string; host?: string | null; ua?: string | null; ct?: string | null; headers?: string;
}

function rec(o: Req, t = 0, index = 0): HttpRequestRecord {
  const host = o.host === undefined ? 'api.example.com' : o.host;
  const ua = o.ua === undefined ? 'device-agent/1.2' : o.ua;
  return {
    kind: 'http.request', ts: T + t * S, index, method: o.method ?? 'POST', uri: o.uri ?? '/v1/report', host, userAgent: ua,
    contentType: o.ct ?? null, contentLength: null, soapAction: null,
    headerText: `${host === null ? '' : `Host: ${host}\r\n`}${ua === null ? '' : `User-Agent: ${ua}\r\n`}${o.headers ?? ''}`,
    head: null, magic: null, elfArch: null, bodyLen: 0, truncated: false,
  };
}

function setup(over: Partial<C2HttpConfig> = {}) {
  const fh = fakeHost();
  fh.devices.touch(parseMac(DEV_MAC), T, 60);
  const d = c2Http.create(fh.host, { ...C2_HTTP_DEFAULTS, ...over }) as C2HttpDetector;
  let id = 0;
  const pv = new PacketView();
  /** Sends request `r` from the device to `server`:`port` on a new connection at `t` seconds. */
  function send(server: string, port: number, r: Req, t = 0): void {
    const f = new Flow(++id, 0, 4, 6, T + t * S);
    f.a0 = parseIpv4(DEV); f.b0 = parseIpv4(server); f.aPort = 49000 + id; f.bPort = port;
    f.aMac = parseMac(DEV_MAC); f.bMac = parseMac(GW_MAC); f.initiatorKnown = true;
    pv.reset();
    pv.ts = T + t * S; pv.family = Family.V4; pv.ipProto = 6; pv.src0 = f.a0; pv.dst0 = f.b0; pv.srcPort = f.aPort; pv.dstPort = port;
    d.onApp!(rec(r, t), pv, f, 0);
  }
  return { d, alerts: fh.alerts, send, events: fh.events };
}

const EMOTET: Req = {
  uri: '/IEyF/EN3GUkgHakZ3iVe/YBqssWlF8iWaHTr/', host: '74.120.55.163:7080', ua: MSIE7_ON_IE11,
  ct: 'multipart/form-data; boundary=---------------------------887112469033623', headers: 'Accept: */*\r\nReferer: http://74.120.55.163/IEyF/\r\n',
};
const TRICKBOT: Req = {
  uri: '/mor84/DESKTOP-4T9GJ2K_W10019041.8D2E3CA1B0F94C57A6D3E2F1B0C9D8E7/90/', host: '185.14.31.104:7080', ua: CHROME,
  ct: 'multipart/form-data; boundary=------Boundary0A4B3C2D', headers: 'Accept: */*\r\n',
};
const CRYPTOWALL: Req = { uri: '/76N1Lm.php?n=x4tk7t4jo6', host: 'homealldaylong.com', ua: 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; WOW64; Trident/7.0; SLCC2)', ct: 'application/x-www-form-urlencoded', headers: 'Accept: */*\r\n' };

describe('c2.http: combinations', () => {
  it('an Emotet-style check-in on 7080: one alert with every mark, its values and the request', () => {
    const { alerts, send } = setup();
    send('74.120.55.163', 7080, EMOTET);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'c2.http', device: DEV_MAC, src: DEV, dst: '74.120.55.163', dport: 7080, peer: '74.120.55.163', proto: 'tcp' });
    const ev = alerts[0]!.evidence;
    expect(ev).toMatchObject({ method: 'POST', path: EMOTET.uri, host: EMOTET.host, userAgent: MSIE7_ON_IE11, requests: 1, scored: 1, threshold: 6, score: 10 });
    expect((ev.marks as { mark: string; weight: number; value: unknown }[]).map((m) => [m.mark, m.weight])).toEqual([
      ['ip-host', 2], ['port', 2], ['ua-forged', 2], ['no-accept-language', 1], ['path-random', 2], ['multipart', 1],
    ]);
    expect((ev.marks as { mark: string; value: unknown }[])[2]!.value).toMatch(/^inconsistent: Mozilla\/4\.0 \(compatible; MSIE 7\.0/);
  });

  it('a TrickBot-style module upload on 7080 with a browser user agent: one alert', () => {
    const { alerts, send } = setup();
    send('185.14.31.104', 7080, TRICKBOT);
    expect(alerts.map((a) => a.evidence.marks as { mark: string }[]).map((ms) => ms.map((m) => m.mark))).toEqual([
      ['ip-host', 'port', 'no-accept-language', 'client-id-path', 'multipart'],
    ]);
  });

  it('CryptoWall\'s random .php query to a named host on port 80: one alert per (device, server), folded per request', () => {
    const { alerts, send } = setup();
    send('184.170.149.44', 80, CRYPTOWALL, 0);
    send('184.170.149.44', 80, { ...CRYPTOWALL, uri: '/76N1Lm.php?g=9m822y31lxud7aj' }, 15);
    send('184.170.149.44', 80, { method: 'GET', uri: '/favicon.ico', host: 'homealldaylong.com', ua: CHROME, headers: BROWSER_HEADERS }, 20);
    expect(alerts.map((a) => [a.rule, a.device, a.peer, a.evidence.requests, a.evidence.scored, a.evidence.score])).toEqual([
      ['c2.http', DEV_MAC, '184.170.149.44', 1, 1, 6], ['c2.http', DEV_MAC, '184.170.149.44', 2, 2, 6],
    ]);
  });

  it('no single mark is enough, nor two weak ones', () => {
    const { alerts, send } = setup();
    send('203.0.113.1', 80, { host: '203.0.113.1' }); // bare IP
    send('203.0.113.2', 7080, {}); // odd port
    send('203.0.113.3', 80, { ua: MSIE7_ON_IE11, headers: 'Accept-Language: en\r\n' }); // forged UA
    send('203.0.113.4', 80, { ua: 'qwRtZpLmXk' }); // random UA
    send('203.0.113.5', 80, { uri: '/EN3GUkgHakZ3iVe/YBqssWlF8iWaHTr/' }); // random path
    send('203.0.113.6', 80, { uri: '/76N1Lm.php?n=x4tk7t4jo6' }); // random .php (the strongest, 3)
    send('203.0.113.7', 80, { uri: '/mor84/PC_W617601.8D2E3CA1B0F94C57A6D3E2F1B0C9D8E7/5/' }); // TrickBot id (3)
    send('203.0.113.8', 80, { ct: 'multipart/form-data; boundary=x' });
    send('203.0.113.9', 8080, { host: '203.0.113.9:8080', ua: null }); // bare IP + alternate port + no UA = 4
    send('203.0.113.10', 80, { host: '203.0.113.10', ua: 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)' }); // an old DDNS updater: 2 + 2 + 1 = 5
    send('203.0.113.11', 7080, { host: '203.0.113.11:7080' }); // bare IP + odd port = 4
    expect(alerts).toEqual([]);
  });

  it('ordinary IoT cloud calls raise nothing (IoT Sentinel\'s Hue, D-Link, Withings, a camera app to its cloud by address)', () => {
    const { alerts, send } = setup();
    send('52.28.1.1', 80, { uri: '/queue/getmessage?duration=180000&interval=25&sso=91c2b44e0cde', host: 'bridge.meethue.com:80', ua: null, ct: 'text/plain' });
    send('52.28.1.2', 80, { method: 'GET', uri: '/dst?timezone=Europe/Berlin&ts=1461242829&hash=902c1bf161002', host: 'tzinfo.dch.dlink.com', ua: 'Wget/1.13 (linux-uclibc)' });
    send('52.28.1.3', 80, { uri: '/cgi-bin/session', host: 'scalews.withings.net', ua: 'Withings UserAgent', ct: 'application/x-www-form-urlencoded' });
    send('52.28.1.4', 8080, { method: 'GET', uri: '/api/59df4532a5f9c15ff500b552b69bbc/lights/new', host: '52.28.1.4:8080', ua: 'Dalvik/2.1.0 (Linux; U; Android 5.1.1; SM-N7505 Build/LMY47X)' });
    send('52.28.1.5', 80, { uri: '/HNAP1/', host: '52.28.1.5', ua: 'ksoap2-android/2.6.0+', ct: 'text/xml;charset=utf-8' });
    send('52.28.1.6', 80, { method: 'GET', uri: '/index.html', host: 'www.example.com', ua: CHROME, headers: BROWSER_HEADERS });
    expect(alerts).toEqual([]);
  });

  it('a server on the LAN is no C&C, however marked', () => {
    const { alerts, send } = setup();
    send('192.168.1.5', 7080, { ...EMOTET, host: '192.168.1.5:7080' });
    expect(alerts).toEqual([]);
  });

  it('threshold and minMarks come from config', () => {
    const strict = setup({ threshold: 11 });
    strict.send('74.120.55.163', 7080, EMOTET);
    expect(strict.alerts).toEqual([]);
    const loose = setup({ threshold: 3, minMarks: 1 });
    loose.send('203.0.113.6', 80, { uri: '/76N1Lm.php?n=x4tk7t4jo6' });
    expect(loose.alerts).toHaveLength(1);
  });

  it('caps the (device, server) pairs, counting evictions (only requests with a mark take one)', () => {
    const { d, send } = setup({ maxTracked: 2 });
    for (let i = 0; i < 3; i++) send(`203.0.113.${20 + i}`, 80, {}, i);
    expect(d.stateSize!()).toBe(0);
    for (let i = 0; i < 3; i++) send(`203.0.113.${20 + i}`, 80, { host: `203.0.113.${20 + i}` }, i);
    expect(d.stateSize!()).toBe(2);
    expect(d.evicted).toBe(1);
  });
});

describe('c2.http: the marks', () => {
  const http = new Set([80]), alt = new Set([8080]);
  const marks = (o: Req, port = 80) => scoreRequest(rec(o), port, http, alt).marks.map((m) => [m.mark, m.weight]);

  it('Host: a bare IPv4 or IPv6 address (with or without port), none at all; a name is no mark', () => {
    expect(marks({ host: '1.2.3.4' })).toEqual([['ip-host', 2]]);
    expect(marks({ host: '1.2.3.4:80' })).toEqual([['ip-host', 2]]);
    expect(marks({ host: '[2001:db8::1]:80' })).toEqual([['ip-host', 2]]);
    expect(marks({ host: null })).toEqual([['no-host', 1]]);
    expect(marks({ host: 'a1.example.net' })).toEqual([]);
  });

  it('port: none on 80, weak on an alternate HTTP port, strong elsewhere (plain HTTP on 443 too)', () => {
    expect(marks({}, 80)).toEqual([]);
    expect(marks({}, 8080)).toEqual([['port', 1]]);
    expect(marks({}, 443)).toEqual([['port', 2]]);
    expect(marks({}, 7080)).toEqual([['port', 2]]);
  });

  it('user agent: old or inconsistent MSIE, old Windows, random letters, missing; real clients are no mark', () => {
    expect(marks({ ua: 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)', headers: 'Accept-Language: en\r\n' })).toEqual([['ua-forged', 2]]);
    expect(marks({ ua: 'Mozilla/5.0 (Windows NT 5.1; rv:52.0) Gecko/20100101 Firefox/52.0', headers: 'Accept-Language: en\r\n' })).toEqual([['ua-forged', 2]]);
    expect(marks({ ua: 'xKqTzVbNmW' })).toEqual([['ua-random', 2]]);
    expect(marks({ ua: 'qwrtzpl' })).toEqual([['ua-random', 2]]);
    expect(marks({ ua: null })).toEqual([['ua-missing', 1]]);
    for (const ua of ['Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)', 'okhttp/4.9.0', 'Dalvik/2.1.0 (Linux; U; Android 11)', 'Wget/1.21', 'SmartThings', 'curl/8.5.0']) {
      expect(marks({ ua, headers: 'Accept-Language: en\r\n' }), ua).toEqual([]);
    }
  });

  it('a browser user agent without Accept-Language', () => {
    expect(marks({ ua: CHROME })).toEqual([['no-accept-language', 1]]);
    expect(marks({ ua: CHROME, headers: BROWSER_HEADERS })).toEqual([]);
  });

  it('paths: random segments (two or more), a random .php, TrickBot\'s id; API paths are no mark', () => {
    expect(marks({ uri: '/wFqUooBGCpy2wJ8Y3z/ir9yVBNoOmXe/' })).toEqual([['path-random', 2]]);
    expect(marks({ uri: '/wFqUooBGCpy2wJ8Y3z/index/' })).toEqual([]);
    expect(marks({ uri: '/gate.php?id=8f3k2j9x1q' })).toEqual([['php-random', 3]]);
    expect(marks({ uri: '/Xk9Qm2Lp.php' })).toEqual([['php-random', 3]]);
    expect(marks({ uri: '/index.php?page=home&lang=en' })).toEqual([]);
    expect(marks({ uri: '/mor84/WIN-7ABC_W617601.8D2E3CA1B0F94C57A6D3E2F1B0C9D8E7/81/' })).toEqual([['client-id-path', 3]]);
    for (const uri of ['/api/59df4532a5f9c15ff500b552b69bbc/lights/new', '/getDeviceStatus/ConfigManager/', '/v2/YouTube/PlayList/', '/static-us-west.dch.dlink.com/firmware/agent/DSP-W215/']) {
      expect(marks({ uri }), uri).toEqual([]);
    }
  });

  it('randomToken: mixed case with digits or many case changes; words, camel case and hex ids are not', () => {
    expect(['EN3GUkgHakZ3iVe', '76N1Lm', 'YBqssWlF8iWaHTr', 'qWeRtYuI'].map(randomToken)).toEqual([true, true, true, true]);
    expect(['camelCaseWord', 'getMessage', '59df4532a5f9c15ff5', 'lights', 'IEyF', 'HTTPServer', 'HTTP2Server', 'iPhone12', 'v2'].map(randomToken)).toEqual(Array(9).fill(false));
  });

  it('a multipart upload is a POST mark only', () => {
    expect(marks({ ct: 'multipart/form-data; boundary=x' })).toEqual([['multipart', 1]]);
    expect(marks({ method: 'PUT', ct: 'multipart/form-data; boundary=x' })).toEqual([]);
  });
});
