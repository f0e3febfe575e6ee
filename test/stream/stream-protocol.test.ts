// The wire protocol: client messages parse to a message or a stable error code, event frames are
// valid JSON built from the stored text, and every code and close code is documented.
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, eventFrame, parseClientMessage, STREAM_ERRORS } from '../../gateway/server/stream-protocol.js';

describe('stream protocol', () => {
  it('parses subscribe and ping, with defaults', () => {
    expect(parseClientMessage('{"type":"subscribe"}')).toEqual({ ok: true, message: { type: 'subscribe', topics: ['alert', 'log', 'device', 'incident'], since: null } });
    expect(parseClientMessage('{"type":"subscribe","topics":["log","log"],"since":0}')).toEqual({ ok: true, message: { type: 'subscribe', topics: ['log'], since: 0 } });
    expect(parseClientMessage('{"type":"subscribe","since":null}')).toMatchObject({ ok: true, message: { since: null } });
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
  });

  it.each([
    ['', 'stream.bad-json'],
    ['{', 'stream.bad-json'],
    ['null', 'stream.bad-message'],
    ['"subscribe"', 'stream.bad-message'],
    ['{"topics":["log"]}', 'stream.bad-message'],
    ['{"type":5}', 'stream.bad-message'],
    ['{"type":"unsubscribe"}', 'stream.unknown-type'],
    ['{"type":"subscribe","topics":"log"}', 'stream.unknown-topic'],
    ['{"type":"subscribe","topics":["flows"]}', 'stream.unknown-topic'],
    ['{"type":"subscribe","since":"5"}', 'stream.bad-since'],
    ['{"type":"subscribe","since":9007199254740993}', 'stream.bad-since'],
  ])('%s → %s', (text, code) => {
    expect(parseClientMessage(text)).toEqual({ ok: false, code });
  });

  it('builds event frames that parse back to the event', () => {
    const frame = eventFrame({ id: 7, topic: 'device', at: '2026-01-01T00:00:00.000Z', data: '{"mac":"aa:bb:cc:dd:ee:ff","ips":["10.0.0.2"]}' });
    expect(JSON.parse(frame)).toEqual({ type: 'event', id: 7, topic: 'device', at: '2026-01-01T00:00:00.000Z', data: { mac: 'aa:bb:cc:dd:ee:ff', ips: ['10.0.0.2'] } });
  });

  it('documents every code; close codes are in the application range or RFC 6455 own', () => {
    for (const [code, e] of Object.entries(STREAM_ERRORS)) {
      expect(code).toMatch(/^stream\.[a-z-]+$/);
      expect(e.message.length).toBeGreaterThan(5);
    }
    for (const c of Object.values(CLOSE_CODES)) expect(c === 1001 || (c >= 4000 && c <= 4999)).toBe(true);
    expect(CLOSE_CODES['slow-consumer']).toBe(4008);
  });
});
