// RFC 5424 lines: the §6.5 examples, structured data escapes, NILVALUEs, BOM, time offsets, and
// malformed headers reported by their failure code.
import { describe, expect, it } from 'vitest';
import { parseRfc5424 } from '../../gateway/edge-logs/parse-rfc5424.js';
import { parseSyslog } from '../../gateway/edge-logs/parse-syslog.js';
import type { ParsedSyslog, SyslogParseResult } from '../../gateway/edge-logs/parsed-syslog.js';

const RECEIVED = new Date('2026-03-01T12:00:00.000Z');
const BOM = '\uFEFF';

function ok(r: SyslogParseResult): ParsedSyslog {
  if (!r.ok) throw new Error(`expected a parse, got ${r.reason}`);
  return r.record;
}

function reason(r: SyslogParseResult): string {
  return r.ok ? 'ok' : r.reason;
}

describe('RFC 5424 §6.5 examples', () => {
  it('example 1: no structured data, BOM before MSG', () => {
    const r = ok(parseSyslog(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`, RECEIVED));
    expect(r).toEqual({
      ts: '2003-10-11T22:14:15.003Z', deviceTs: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', app: 'su', procId: null, msgId: 'ID47',
      facility: 4, severityCode: 2, message: "'su root' failed for lonvick on /dev/pts/8", structuredData: null, format: 'rfc5424',
    });
  });

  it('example 2: microseconds and a -07:00 offset, MSG without BOM', () => {
    const r = ok(parseSyslog("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", RECEIVED));
    expect(r.ts).toBe('2003-08-24T12:14:15.000Z');
    expect(r).toMatchObject({ host: '192.0.2.1', app: 'myproc', procId: '8710', msgId: null, facility: 20, severityCode: 5 });
    expect(r.message).toBe("%% It's time to make the do-nuts.");
  });

  it('example 3: structured data then a BOM message', () => {
    const r = ok(parseSyslog(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ${BOM}An application event log entry...`, RECEIVED));
    expect(r.structuredData).toEqual({ 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } });
    expect(r.message).toBe('An application event log entry...');
    expect(r.app).toBe('evntslog');
  });

  it('example 4: two SD elements and no MSG', () => {
    const r = ok(parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]', RECEIVED));
    expect(r.structuredData).toEqual({
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
      'examplePriority@32473': { class: 'high' },
    });
    expect(r.message).toBe('');
  });
});

describe('RFC 5424 fields', () => {
  it('all NILVALUEs: the receive time stands in for the timestamp', () => {
    const r = ok(parseSyslog('<14>1 - - - - - -', RECEIVED));
    expect(r).toEqual({
      ts: RECEIVED.toISOString(), deviceTs: null, host: null, app: null, procId: null, msgId: null, facility: 1, severityCode: 6,
      message: '', structuredData: null, format: 'rfc5424',
    });
  });

  it('unescapes \\" \\\\ and \\] in PARAM-VALUE and keeps other backslashes (§6.3.3)', () => {
    const r = ok(parseSyslog('<11>1 2026-01-01T00:00:00Z cam01 streamer 88 - [x@1 a="say \\"hi\\"" b="c:\\\\dir" c="[1\\]" d="tab\\t" e="]"] boom', RECEIVED));
    expect(r.structuredData!['x@1']).toEqual({ a: 'say "hi"', b: 'c:\\dir', c: '[1]', d: 'tab\\t', e: ']' });
    expect(r.message).toBe('boom');
  });

  it('keeps every value of a repeated PARAM-NAME and merges a repeated SD-ID', () => {
    const r = ok(parseSyslog('<11>1 - h a - - [origin ip="192.0.2.1" ip="192.0.2.2"][origin software="fw"]', RECEIVED));
    expect(r.structuredData).toEqual({ origin: { ip: '192.0.2.1\n192.0.2.2', software: 'fw' } });
  });

  it('a "__proto__" SD-ID is plain data', () => {
    const r = ok(parseSyslog('<11>1 - h a - - [__proto__ polluted="yes"] m', RECEIVED));
    expect(Object.keys(r.structuredData!)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads offsets and fractions of RFC 5424 §6.2.3.1 example times', () => {
    const at = (t: string): string => ok(parseSyslog(`<14>1 ${t} h a - - -`, RECEIVED)).ts;
    expect(at('1985-04-12T23:20:50.52Z')).toBe('1985-04-12T23:20:50.520Z');
    expect(at('1985-04-12T19:20:50.52-04:00')).toBe('1985-04-12T23:20:50.520Z');
    expect(at('2026-01-01T01:30:00+05:30')).toBe('2025-12-31T20:00:00.000Z');
    expect(at('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses the invalid times of §6.2.3.1 and other bad ones', () => {
    for (const t of ['2003-08-24T05:14:15.000000003-07:00', '1990-12-31T15:59:60-08:00', '2003-10-11T22:14:15.003', '2003-10-11t22:14:15Z',
      '2023-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+24:00', 'Oct 11 22:14:15']) {
      expect(reason(parseSyslog(`<14>1 ${t} h a - - -`, RECEIVED)), t).toBe('rfc5424.bad_timestamp');
    }
  });

  it('names what is wrong with a malformed header', () => {
    const cases: [string, string][] = [
      ['<14>1 2026-01-01T00:00:00Z host', 'rfc5424.header_truncated'],
      ['<14>1 - h a - -', 'rfc5424.header_truncated'],
      ['<14>1 - h a - - ', 'rfc5424.header_truncated'],
      ['<14>1 -  a - - - m', 'rfc5424.bad_hostname'],
      [`<14>1 - ${'h'.repeat(256)} a - - - m`, 'rfc5424.bad_hostname'],
      ['<14>1 - h\u00e9 a - - - m', 'rfc5424.bad_hostname'],
      [`<14>1 - h ${'a'.repeat(49)} - - - m`, 'rfc5424.bad_app_name'],
      [`<14>1 - h a ${'p'.repeat(129)} - - m`, 'rfc5424.bad_procid'],
      [`<14>1 - h a - ${'m'.repeat(33)} - m`, 'rfc5424.bad_msgid'],
      ['<14>1 - h a - - x m', 'rfc5424.bad_structured_data'],
      ['<14>1 - h a - - [id a="1" m', 'rfc5424.bad_structured_data'],
      ['<14>1 - h a - - [id a=1] m', 'rfc5424.bad_structured_data'],
      ['<14>1 - h a - - [ a="1"] m', 'rfc5424.bad_structured_data'],
      ['<14>1 - h a - - [id a="unterminated\\"] m', 'rfc5424.bad_structured_data'],
      [`<14>1 - h a - - [${'s'.repeat(33)}] m`, 'rfc5424.bad_structured_data'],
      ['<14>1 - h a - - [id a="1"]m', 'rfc5424.no_space_before_msg'],
      ['<14>1 - h a - - -m', 'rfc5424.no_space_before_msg'],
      ['<014>1 - h a - - - m', 'syslog.bad_pri'],
      ['<192>1 - h a - - - m', 'syslog.bad_pri'],
    ];
    for (const [line, code] of cases) expect(reason(parseSyslog(line, RECEIVED)), line).toBe(code);
  });

  it('parseRfc5424 called directly refuses other versions', () => {
    expect(reason(parseRfc5424('<14>2 - h a - - - m', RECEIVED))).toBe('rfc5424.bad_version');
    expect(reason(parseRfc5424('no pri', RECEIVED))).toBe('syslog.bad_pri');
  });

  it('ignores trailing line terminators and keeps inner spaces of MSG', () => {
    const r = ok(parseSyslog('<14>1 - h a - - - two  spaces \r\n\0', RECEIVED));
    expect(r.message).toBe('two  spaces ');
  });

  it('never throws on any prefix of a valid line', () => {
    const line = `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"x"][p@1 class="high"] ${BOM}msg`;
    for (let n = 0; n <= line.length; n++) expect(() => parseSyslog(line.slice(0, n), RECEIVED)).not.toThrow();
  });
});
