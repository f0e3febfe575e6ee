// BSD syslog lines: the RFC 3164 §5.4 examples, the year chosen for a timestamp without one, and
// what devices really send (BusyBox, OpenWrt, Cisco IOS, rsyslog ISO timestamps, bare lines).
// Times are read as local time; the suite pins TZ=UTC (vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../gateway/edge-logs/parse-syslog.js';
import type { ParsedSyslog, SyslogParseResult } from '../../gateway/edge-logs/parsed-syslog.js';

const RECEIVED = new Date('2026-03-01T12:00:00.000Z');

function ok(r: SyslogParseResult): ParsedSyslog {
  if (!r.ok) throw new Error(`expected a parse, got ${r.reason}`);
  return r.record;
}

describe('RFC 3164 §5.4 examples', () => {
  it('example 1: PRI, timestamp, host, tag', () => {
    const r = ok(parseSyslog("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", RECEIVED));
    expect(r).toEqual({
      ts: '2025-10-11T22:14:15.000Z', deviceTs: '2025-10-11T22:14:15.000Z', host: 'mymachine', app: 'su', procId: null, msgId: null, facility: 4, severityCode: 2,
      message: "'su root' failed for lonvick on /dev/pts/8", structuredData: null, format: 'rfc3164',
    });
  });

  it('example 2: no PRI, no header: PRI 13 and the receive time (§4.3.3), the whole line as message', () => {
    const r = ok(parseSyslog('Use the BFG!', RECEIVED));
    expect(r).toMatchObject({ ts: RECEIVED.toISOString(), deviceTs: null, host: null, app: null, facility: 1, severityCode: 5, message: 'Use the BFG!' });
  });

  it('example 3: the word after the time is the HOSTNAME, even when it is a zone', () => {
    const r = ok(parseSyslog("<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.", RECEIVED));
    expect(r).toMatchObject({ ts: '2025-08-24T05:34:00.000Z', host: 'CST', app: null, facility: 20, severityCode: 5 });
    expect(r.message).toBe("1987 mymachine myproc[10]: %% It's time to make the do-nuts.");
  });

  it('example 4: a year before the month is no timestamp; severity emergency', () => {
    const r = ok(parseSyslog("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!", RECEIVED));
    expect(r).toMatchObject({ ts: RECEIVED.toISOString(), host: null, app: null, facility: 0, severityCode: 0 });
    expect(r.message).toBe("1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!");
  });

  it('example 4 as relayed: host scapegoat, the original as content', () => {
    const r = ok(parseSyslog("<0>Oct 22 10:52:12 scapegoat 1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!", RECEIVED));
    expect(r).toMatchObject({ host: 'scapegoat', app: null, ts: '2025-10-22T10:52:12.000Z' });
  });
});

describe('year of a timestamp without one', () => {
  const at = (line: string, received: string): string => ok(parseSyslog(line, new Date(received))).ts;

  it('Dec 31 received on Jan 1 is last year', () => {
    expect(at('<13>Dec 31 23:59:00 h a: m', '2026-01-01T00:10:00Z')).toBe('2025-12-31T23:59:00.000Z');
  });

  it('a clock a little ahead stays in the receive year, also across New Year', () => {
    expect(at('<13>Jan  1 00:20:00 h a: m', '2026-01-01T00:10:00Z')).toBe('2026-01-01T00:20:00.000Z');
    expect(at('<13>Jan  1 00:05:00 h a: m', '2025-12-31T23:50:00Z')).toBe('2026-01-01T00:05:00.000Z');
  });

  it('more than a day ahead is taken as last year', () => {
    expect(at('<13>Mar  3 12:00:00 h a: m', '2026-03-01T12:00:00Z')).toBe('2025-03-03T12:00:00.000Z');
    expect(at('<13>Mar  2 11:00:00 h a: m', '2026-03-01T12:00:00Z')).toBe('2026-03-02T11:00:00.000Z');
  });

  it('Feb 29 goes to the last leap year; a day that never exists is no timestamp', () => {
    expect(at('<13>Feb 29 12:00:00 h a: m', '2026-03-01T12:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
    const r = ok(parseSyslog('<13>Feb 30 12:00:00 h a: m', RECEIVED));
    expect(r.ts).toBe(RECEIVED.toISOString());
    expect(r.message).toBe('Feb 30 12:00:00 h a: m');
  });
});

describe('device variants', () => {
  it('BusyBox syslogd: timestamp, no hostname, tag[pid]', () => {
    const r = ok(parseSyslog('<30>Jan  1 00:00:10 udhcpc[123]: sending discover', new Date('2026-01-01T00:01:00Z')));
    expect(r).toMatchObject({ ts: '2026-01-01T00:00:10.000Z', host: null, app: 'udhcpc', procId: '123', facility: 3, severityCode: 6, message: 'sending discover' });
  });

  it('OpenWrt logd: hostname and tag, and a kernel line', () => {
    const r = ok(parseSyslog('<29>Feb 27 09:15:02 OpenWrt dnsmasq[1234]: started, version 2.80 cachesize 150', RECEIVED));
    expect(r).toMatchObject({ host: 'OpenWrt', app: 'dnsmasq', procId: '1234', severityCode: 5, message: 'started, version 2.80 cachesize 150' });
    const k = ok(parseSyslog('<3>Feb 27 09:15:03 OpenWrt kernel: [   12.345678] ath10k_pci 0000:01:00.0: firmware crashed!', RECEIVED));
    expect(k).toMatchObject({ host: 'OpenWrt', app: 'kernel', procId: null, severityCode: 3, message: '[   12.345678] ath10k_pci 0000:01:00.0: firmware crashed!' });
  });

  it('no timestamp: tag only, and host with tag[pid]', () => {
    expect(ok(parseSyslog('<11>watchdog: reset in 5s', RECEIVED))).toMatchObject({ host: null, app: 'watchdog', message: 'reset in 5s', ts: RECEIVED.toISOString() });
    expect(ok(parseSyslog('<11>cam01 streamer[88]: encoder stalled', RECEIVED))).toMatchObject({ host: 'cam01', app: 'streamer', procId: '88', message: 'encoder stalled' });
    // Without a timestamp a word is a host only when a tag[pid]: follows, so prose stays prose.
    expect(ok(parseSyslog('<11>Error in module x: failed', RECEIVED))).toMatchObject({ host: null, app: null, message: 'Error in module x: failed' });
  });

  it('Cisco IOS: sequence number, unsynchronized clock with ms, %FAC-SEV-MNEMONIC', () => {
    const r = ok(parseSyslog('<189>77: *Mar  1 00:09:52.643: %SYS-5-CONFIG_I: Configured from console by console', RECEIVED));
    expect(r).toMatchObject({
      ts: '2026-03-01T00:09:52.643Z', host: null, app: 'SYS-5-CONFIG_I', facility: 23, severityCode: 5,
      message: 'Configured from console by console', structuredData: { meta: { sequenceId: '77' } },
    });
  });

  it('Cisco IOS with origin-id hostname, year and zone', () => {
    const r = ok(parseSyslog('<187>1234: core-sw1: Feb 27 2026 10:00:00.120 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down', RECEIVED));
    expect(r).toMatchObject({
      ts: '2026-02-27T10:00:00.120Z', host: 'core-sw1', app: 'LINK-3-UPDOWN', severityCode: 3,
      message: 'Interface Gi0/1, changed state to down', structuredData: { meta: { sequenceId: '1234' } },
    });
  });

  it('rsyslog forwarding formats: an RFC 3339 timestamp in a BSD line', () => {
    const r = ok(parseSyslog('<14>2026-02-28T10:00:00.123456+01:00 gw01 sshd[42]: Accepted publickey', RECEIVED));
    expect(r).toMatchObject({ ts: '2026-02-28T09:00:00.123Z', host: 'gw01', app: 'sshd', procId: '42', message: 'Accepted publickey' });
  });

  it('single-digit day without padding, lower-case month, a space after PRI, a non-numeric pid', () => {
    const r = ok(parseSyslog('<13> feb 5 17:32:18 10.0.0.99 app[root-1787]: hi', RECEIVED));
    expect(r).toMatchObject({ ts: '2026-02-05T17:32:18.000Z', host: '10.0.0.99', app: 'app', procId: 'root-1787', message: 'hi' });
  });

  it('a host and then prose without a tag', () => {
    const r = ok(parseSyslog('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', RECEIVED));
    expect(r).toMatchObject({ host: '10.0.0.99', app: null, message: 'Use the BFG!' });
  });

  it('a PRI alone is a message with nothing in it', () => {
    expect(ok(parseSyslog('<13>', RECEIVED))).toMatchObject({ message: '', host: null, severityCode: 5 });
  });
});

describe('malformed lines', () => {
  it('a broken PRI is syslog.bad_pri (kept raw by the ingest)', () => {
    for (const line of ['<999>x', '<>x', '<12', '<1x>y', '<1234>z', '<-1>m']) {
      const r = parseSyslog(line, RECEIVED);
      expect(r.ok ? 'ok' : r.reason, line).toBe('syslog.bad_pri');
    }
  });

  it('blank lines are syslog.empty', () => {
    for (const line of ['', ' ', '\r\n', '\0', ' \n']) {
      const r = parseSyslog(line, RECEIVED);
      expect(r.ok ? 'ok' : r.reason).toBe('syslog.empty');
    }
  });

  it('never throws on any prefix of the variants', () => {
    const lines = ['<187>1234: core-sw1: Feb 27 2026 10:00:00.120 UTC: %LINK-3-UPDOWN: x', '<14>2026-02-28T10:00:00.123456+01:00 gw01 sshd[42]: y',
      '<30>Jan  1 00:00:10 udhcpc[123]: z'];
    for (const line of lines) for (let n = 0; n <= line.length; n++) expect(() => parseSyslog(line.slice(0, n), RECEIVED)).not.toThrow();
  });
});
