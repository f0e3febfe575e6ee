// HTTP request head parser: request line, Host and User-Agent, stream answers, garbage by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { MAX_HEAD_LEN, parseHttpRequest } from '../../../../gateway/app/http/parse-http-request.js';
import { samples } from './samples.js';

const MALFORMED = { status: 'error', event: -ev('decoder.http.malformed') };
const INCOMPLETE = { status: 'incomplete' };
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const parse = (b: Buffer) => parseHttpRequest(b, 0, b.length);

describe('parseHttpRequest', () => {
  it('reads a GET with Host and User-Agent', () => {
    const get = samples.http.get;
    expect(parse(get)).toEqual({
      status: 'ok',
      value: {
        method: 'GET',
        uri: '/api/v1/status?id=7',
        version: 'HTTP/1.1',
        host: 'cloud.example.com',
        userAgent: 'AcmeThermo/2.1 (Linux; ARMv7)',
      },
      end: get.length,
    });
  });

  it('matches header names case-insensitively, trims values, ends before the body', () => {
    const post = samples.http.post;
    expect(parse(post)).toEqual({
      status: 'ok',
      value: { method: 'POST', uri: '/upload', version: 'HTTP/1.0', host: '10.0.0.5:8080', userAgent: 'curl/8.5.0' },
      end: post.length - 'hello'.length,
    });
  });

  it('accepts bare LF line ends and no headers', () => {
    expect(parse(text('OPTIONS * HTTP/1.1\n\n'))).toMatchObject({
      status: 'ok',
      value: { method: 'OPTIONS', uri: '*', host: null, userAgent: null },
      end: 20,
    });
  });

  it('reads at an offset', () => {
    const get = samples.http.get;
    const buf = Buffer.concat([text('xx'), get, text('yy')]);
    expect(parseHttpRequest(buf, 2, 2 + get.length)).toMatchObject({ status: 'ok', end: 2 + get.length });
  });

  it('is incomplete until the blank line arrives', () => {
    const get = samples.http.get;
    for (let n = 0; n < get.length; n++) expect(parseHttpRequest(get, 0, n)).toEqual(INCOMPLETE);
    expect(parse(text('GET / HTTP/1.1\r\nHost: a\r\n'))).toEqual(INCOMPLETE);
  });

  it('errors on garbage as soon as it shows', () => {
    expect(parse(text('\x16\x03\x01\x00'))).toEqual(MALFORMED); // TLS on port 80
    expect(parse(text('GET'))).toEqual(INCOMPLETE);
    expect(parse(text('G(T / HTTP/1.1\r\n'))).toEqual(MALFORMED);
    expect(parse(text('GET  / HTTP/1.1\r\n'))).toEqual(MALFORMED); // empty target
    expect(parse(text('GET / HTTP/1.1 \r\n'))).toEqual(MALFORMED);
    expect(parse(text('GET / HTTX'))).toEqual(MALFORMED);
    expect(parse(text('GET / HTTP/1.x\r\n\r\n'))).toEqual(MALFORMED);
    expect(parse(text('GET /\r\n\r\n'))).toEqual(MALFORMED); // HTTP/0.9
    expect(parse(text('hello world, this is not http\r\n\r\n'))).toEqual(MALFORMED);
  });

  it('errors on a bad header line, a long method or a long URI', () => {
    expect(parse(text('GET / HTTP/1.1\r\nno colon here\r\n\r\n'))).toEqual(MALFORMED);
    expect(parse(text('GET / HTTP/1.1\r\nHost : a\r\n\r\n'))).toEqual(MALFORMED); // space before colon
    expect(parse(text('ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n'))).toEqual(MALFORMED);
    expect(parse(text(`GET /${'a'.repeat(8192)} HTTP/1.1\r\n\r\n`))).toEqual(MALFORMED);
    expect(parse(text(`GET /${'a'.repeat(8191)} HTTP/1.1\r\n\r\n`))).toMatchObject({ status: 'ok' });
  });

  it('ignores obs-fold continuation lines', () => {
    const r = parse(text('GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\nHost: h\r\n\r\n'));
    expect(r).toMatchObject({ status: 'ok', value: { host: 'h' } });
  });

  it('gives up with decoder.http.incomplete when the head outgrows the cap', () => {
    const big = text(`GET / HTTP/1.1\r\nX-Pad: ${'p'.repeat(MAX_HEAD_LEN)}\r\n\r\n`);
    expect(parse(big)).toEqual({ status: 'error', event: -ev('decoder.http.incomplete') });
    expect(parseHttpRequest(big, 0, MAX_HEAD_LEN)).toEqual(INCOMPLETE);
  });
});
