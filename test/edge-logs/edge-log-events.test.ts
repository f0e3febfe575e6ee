// The closed lists of edge log outcomes: names unique and documented, every parse failure reachable
// from a line, and the config defaults flat, typed and frozen as the config loader expects.
import { describe, expect, it } from 'vitest';
import { FRAMING_EVENT_LIST, JSON_LOG_ERROR_LIST, SYSLOG_PARSE_FAILURE_LIST } from '../../gateway/edge-logs/edge-log-events.js';
import { EDGE_LOGS_DEFAULTS } from '../../gateway/edge-logs/edge-logs-config.js';
import { parseRfc5424 } from '../../gateway/edge-logs/parse-rfc5424.js';
import { parseSyslog } from '../../gateway/edge-logs/parse-syslog.js';

const AT = new Date('2026-03-01T12:00:00Z');

/** One line per failure name. */
const REACH: Partial<Record<string, string>> = {
  'syslog.empty': '  \r\n',
  'syslog.bad_pri': '<200>x',
  'rfc5424.bad_version': '<14>2 - - - - - -',
  'rfc5424.header_truncated': '<14>1 - h',
  'rfc5424.bad_timestamp': '<14>1 2026-02-30T00:00:00Z h a - - -',
  'rfc5424.bad_hostname': '<14>1 -  a - - -',
  'rfc5424.bad_app_name': `<14>1 - h ${'a'.repeat(49)} - - -`,
  'rfc5424.bad_procid': `<14>1 - h a ${'p'.repeat(129)} - -`,
  'rfc5424.bad_msgid': `<14>1 - h a - ${'m'.repeat(33)} -`,
  'rfc5424.bad_structured_data': '<14>1 - h a - - [x',
  'rfc5424.no_space_before_msg': '<14>1 - h a - - -x',
};

describe('edge log outcome lists', () => {
  for (const [label, list] of [['parse', SYSLOG_PARSE_FAILURE_LIST], ['framing', FRAMING_EVENT_LIST], ['json', JSON_LOG_ERROR_LIST]] as const) {
    it(`${label}: names are unique, namespaced and documented`, () => {
      const names = list.map(([n]) => n);
      expect(new Set(names).size).toBe(names.length);
      for (const [name, doc] of list) {
        expect(name).toMatch(/^[a-z0-9]+\.[a-z_0-9]+$/);
        expect(doc.length, name).toBeGreaterThan(15);
      }
    });
  }

  it('every parse failure is reached by some line', () => {
    for (const [name] of SYSLOG_PARSE_FAILURE_LIST) {
      const line = REACH[name];
      expect(line, `no line for ${name}`).toBeDefined();
      const r = name === 'rfc5424.bad_version' ? parseRfc5424(line!, AT) : parseSyslog(line!, AT);
      expect(r.ok ? 'ok' : r.reason, name).toBe(name);
    }
  });
});

describe('EDGE_LOGS_DEFAULTS', () => {
  it('is frozen, flat (but for the frozen severity map), of numbers, strings and booleans only, with the documented ports', () => {
    expect(Object.isFrozen(EDGE_LOGS_DEFAULTS)).toBe(true);
    for (const [k, v] of Object.entries(EDGE_LOGS_DEFAULTS)) if (k !== 'severityMap') expect(['number', 'string', 'boolean'], k).toContain(typeof v);
    expect(Object.isFrozen(EDGE_LOGS_DEFAULTS.severityMap)).toBe(true);
    expect(EDGE_LOGS_DEFAULTS.severityMap).toEqual({
      emergency: 'critical', alert: 'critical', critical: 'critical', error: 'high', warning: 'medium', notice: 'low', info: 'none', debug: 'none',
    });
    expect(EDGE_LOGS_DEFAULTS.skewThresholdSeconds).toBe(60);
    expect(EDGE_LOGS_DEFAULTS).toMatchObject({ udpPort: 5514, tcpPort: 5514, host: '127.0.0.1', maxLineBytes: 65536 });
    for (const [k, v] of Object.entries(EDGE_LOGS_DEFAULTS)) if (typeof v === 'number') expect(v, k).toBeGreaterThanOrEqual(0);
  });
});
