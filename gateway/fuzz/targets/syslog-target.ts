// The syslog line parsers on mutated lines, decoded from bytes as the receiver does (UTF-8):
// parseSyslog, and both RFC parsers directly. Contract: they never throw; a parsed record has a
// valid ISO-8601 time, facility 0..23 and severity 0..7 (the store and the SOC rely on them).
import { parseRfc3164 } from '../../edge-logs/parse-rfc3164.js';
import { parseRfc5424 } from '../../edge-logs/parse-rfc5424.js';
import { parseSyslog, trimLineEnd } from '../../edge-logs/parse-syslog.js';
import type { SyslogParseResult } from '../../edge-logs/parsed-syslog.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { mutateBytes, randomBytes } from '../byte-mutator.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';
import { SYSLOG_LINES } from './syslog-seeds.js';

/** Pieces of syslog headers, timestamps and structured data. */
export const SYSLOG_DICT = [
  '<', '>', '<0>', '<191>', '<192>', '<999>', '<01>', '1 ', '2 ', ' - ', '-', ' ', '  ', '[', ']', '="', '"', '\\"', '\\]', '\\\\', '@',
  'Jan', 'Feb', 'Dec 31 23:59:59', 'Feb 29 ', 'T', 'Z', '+09:00', '-24:00', '.', '.123456789', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z', '\ufeff', '\u0000', '\r', '\n', ':', '[123]', 'su:', '\ud800',
].map((s) => Buffer.from(s, 'utf8'));

/** A receive time near the year boundaries BSD lines guess their year across. */
export function receiveTime(rng: SeededRandom): Date {
  return new Date(pick(rng, [Date.UTC(2026, 0, 1, 0, 10), Date.UTC(2025, 11, 31, 23, 50), Date.UTC(2024, 1, 29, 12), Date.UTC(2026, 5, 15), 0]) + rng.int(-3600, 3600) * 1000);
}

function checkRecord(r: SyslogParseResult, who: string): void {
  if (!r.ok) return;
  const f = r.record;
  if (!Number.isFinite(Date.parse(f.ts)) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(f.ts)) throw new FuzzInvariantError(`${who}: ts ${JSON.stringify(f.ts)} is not ISO-8601 UTC`);
  if (!(f.facility >= 0 && f.facility <= 23) || !(f.severityCode >= 0 && f.severityCode <= 7)) {
    throw new FuzzInvariantError(`${who}: facility ${f.facility} / severity ${f.severityCode} out of range`);
  }
}

export const syslogTarget: FuzzTarget = {
  name: 'syslog',
  description: 'parseSyslog, parseRfc5424 and parseRfc3164 on mutated lines: never throw, records well-formed',
  ext: 'txt',
  generator() {
    const seeds = SYSLOG_LINES.map((l) => Buffer.from(l, 'utf8'));
    return (rng) => (chance(rng, 0.03) ? randomBytes(rng, 512) : mutateBytes(pick(rng, seeds), rng, seeds, { dict: SYSLOG_DICT, maxLen: 70_000 }));
  },
  open() {
    return {
      run(input: Buffer, rng: SeededRandom): void {
        const line = input.toString('utf8');
        const at = receiveTime(rng);
        checkRecord(parseSyslog(line, at), 'parseSyslog');
        const text = trimLineEnd(line);
        checkRecord(parseRfc5424(text, at), 'parseRfc5424');
        checkRecord(parseRfc3164(text, at), 'parseRfc3164');
      },
    };
  },
};
