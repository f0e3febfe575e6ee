// POST /api/v1/logs bodies: one record or an array, normalized to the schema; every fault reported
// with its JSON Pointer and code; unknown keys refused.
import { describe, expect, it } from 'vitest';
import { JSON_LOG_ERROR_LIST } from '../../gateway/edge-logs/edge-log-events.js';
import { normalizeJsonLog, type JsonLogError } from '../../gateway/edge-logs/json-log.js';

const AT = new Date('2026-03-01T12:00:00.000Z');
const IP = '10.0.0.7';

function errors(body: unknown, limits?: { maxRecords: number; maxLineBytes: number }): [string, string][] {
  const r = normalizeJsonLog(body, IP, AT, limits);
  if (!('errors' in r)) throw new Error('expected errors');
  return r.errors.map((e: JsonLogError) => [e.path, e.code]);
}

describe('normalizeJsonLog', () => {
  it('normalizes one full record', () => {
    const body = { ts: '2026-03-01T11:59:59.250+09:00', host: 'cam01', app: 'streamer', severity: 'error', message: 'encoder stalled',
      structuredData: { 'x@1': { fps: '0' } }, procId: '88', msgId: 'ENC' };
    const r = normalizeJsonLog(body, IP, AT);
    expect(r).toEqual({
      records: [{
        // Dated by the receive time; the device's own time (in UTC) kept beside it.
        ts: AT.toISOString(), receivedAt: AT.toISOString(), deviceTs: '2026-03-01T02:59:59.250Z', clockSkewed: false,
        device: null, sourceIp: IP, host: 'cam01', app: 'streamer',
        procId: '88', msgId: 'ENC', facility: null, severity: 'error', severityCode: 3, message: 'encoder stalled',
        structuredData: { 'x@1': { fps: '0' } }, format: 'json', transport: 'http', raw: JSON.stringify(body), truncated: false,
      }],
    });
  });

  it('takes an array; a missing ts is the receive time, a missing severity is null; severity by number or alias', () => {
    const r = normalizeJsonLog([{ message: 'a' }, { message: 'b', severity: 4 }, { message: 'c', severity: 'CRIT' }, { message: 'd', severity: 'warn' }], IP, AT);
    if (!('records' in r)) throw new Error('refused');
    expect(r.records.map((x) => [x.ts, x.deviceTs, x.severity, x.severityCode])).toEqual([
      [AT.toISOString(), null, null, null], [AT.toISOString(), null, 'warning', 4], [AT.toISOString(), null, 'critical', 2], [AT.toISOString(), null, 'warning', 4],
    ]);
  });

  it('reports every fault with its path and code, and stores nothing', () => {
    const body = [
      { message: 'fine' },
      { severity: 'loud', colour: 'red', 'a/b~c': 1 },
      { message: 5, ts: 'yesterday', host: 'h'.repeat(256), app: 7, severity: 8 },
      'not an object',
      { message: 'x', ts: 1700000000, severity: 2.5, structuredData: { 'bad id': {}, ok: { 'p=q': 'v', n: 3 }, list: [] } },
    ];
    expect(errors(body)).toEqual([
      ['/1/colour', 'json.unknown_key'],
      ['/1/a~1b~0c', 'json.unknown_key'],
      ['/1/message', 'json.missing'],
      ['/1/severity', 'json.bad_severity'],
      ['/2/message', 'json.wrong_type'],
      ['/2/host', 'json.too_long'],
      ['/2/app', 'json.wrong_type'],
      ['/2/ts', 'json.bad_timestamp'],
      ['/2/severity', 'json.bad_severity'],
      ['/3', 'json.not_object'],
      ['/4/ts', 'json.wrong_type'],
      ['/4/severity', 'json.bad_severity'],
      ['/4/structuredData/bad id', 'json.bad_structured_data'],
      ['/4/structuredData/ok/p=q', 'json.bad_structured_data'],
      ['/4/structuredData/ok/n', 'json.bad_structured_data'],
      ['/4/structuredData/list', 'json.bad_structured_data'],
    ]);
  });

  it('paths of a single object have no index', () => {
    expect(errors({ msg: 'typo' })).toEqual([['/msg', 'json.unknown_key'], ['/message', 'json.missing']]);
  });

  it('refuses bodies that are not records, empty batches and oversized ones', () => {
    expect(errors('text')).toEqual([['', 'json.not_object']]);
    expect(errors(null)).toEqual([['', 'json.not_object']]);
    expect(errors([])).toEqual([['', 'json.empty_batch']]);
    expect(errors([{ message: 'a' }, { message: 'b' }, { message: 'c' }], { maxRecords: 2, maxLineBytes: 100 })).toEqual([['', 'json.too_many']]);
  });

  it('severity names that are Object.prototype keys are not severities', () => {
    expect(errors({ message: 'm', severity: 'constructor' })).toEqual([['/severity', 'json.bad_severity']]);
  });

  it('cuts a long message and flags it', () => {
    const r = normalizeJsonLog({ message: 'x'.repeat(50) }, IP, AT, { maxRecords: 10, maxLineBytes: 20 });
    if (!('records' in r)) throw new Error('refused');
    expect(r.records[0]!.message).toBe('x'.repeat(20));
    expect(r.records[0]!.truncated).toBe(true);
  });

  it('reports at most 100 faults', () => {
    const body = Array.from({ length: 300 }, () => ({}));
    expect(errors(body)).toHaveLength(100);
  });

  it('every code it can report is documented', () => {
    for (const [code, doc] of JSON_LOG_ERROR_LIST) expect(doc.length, code).toBeGreaterThan(10);
  });
});
