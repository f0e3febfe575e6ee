// Who may be audited: the config's audit section (a MAC that does not parse is a problem with its
// path, lists must exist, the pace must be positive), the consent file (one MAC a line, # comments,
// a bad line named by its number), and the plan that refuses a device without consent.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../gateway/config/load-config.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import { AUDIT_DEFAULTS } from '../../gateway/exposure/audit/audit-config.js';
import { ConsentFileError, consentOf, parseConsentFile } from '../../gateway/exposure/audit/consent.js';
import { auditScope, AuditRefusal, planTargets } from '../../gateway/exposure/audit/audit-targets.js';
import { CREDENTIAL_LIST_NAMES } from '../../gateway/exposure/default-credentials.js';
import { auditPairs } from '../../gateway/exposure/audit/run-audit.js';

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, 'c.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

describe('config audit', () => {
  it('defaults: nobody consents, every list, 2 attempts a second, the whole list', () => {
    const c = validateConfig({}, 'c.json');
    expect(c.audit).toEqual(AUDIT_DEFAULTS);
    expect(c.audit.consent).toEqual([]);
    expect(c.audit.lists).toEqual(CREDENTIAL_LIST_NAMES);
    expect([c.audit.attemptsPerSecond, c.audit.maxAttempts]).toEqual([2, 0]);
    expect(auditPairs(c.audit).length).toBeGreaterThan(60);
  });

  it('keeps consenting MACs canonical and once; maxAttempts and lists cut the pairs', () => {
    const c = validateConfig({ audit: { consent: ['02-AA-00-00-00-01', '02:aa:00:00:00:01', '02:AA:00:00:00:02'], lists: ['mirai'], maxAttempts: 4 } }, 'c.json');
    expect(c.audit.consent).toEqual(['02:aa:00:00:00:01', '02:aa:00:00:00:02']);
    expect(Object.isFrozen(c.audit)).toBe(true);
    expect(auditPairs(c.audit).map((p) => `${p.list}`)).toEqual(['mirai', 'mirai', 'mirai', 'mirai']);
  });

  it('reports every problem with its path', () => {
    expect(problems({ audit: { consent: ['02:aa:00:00:00:01', 'not-a-mac', 7], lists: ['mirai', 'nope'], attemptsPerSecond: 0, maxAttempts: 1.5, concurrentDevices: 0, bogus: 1 } })).toEqual([
      'c.json: audit.consent: must be a list of strings',
      'c.json: audit.bogus: unknown key (known: consent, lists, attemptsPerSecond, maxAttempts, connectTimeoutMs, readTimeoutMs, concurrentDevices)',
      'c.json: audit.consent[1]: "not-a-mac" is not a MAC address',
      'c.json: audit.lists[1]: unknown list "nope" (known: mirai, mirai-variants)',
      'c.json: audit.maxAttempts: must be an integer of at least 0',
      'c.json: audit.concurrentDevices: must be an integer of at least 1',
      'c.json: audit.attemptsPerSecond: must be more than 0',
    ]);
    expect(problems({ audit: { lists: [] } })).toEqual(['c.json: audit.lists: name at least one list (mirai, mirai-variants)']);
  });
});

describe('consent file', () => {
  it('reads one MAC a line, with comments and blank lines, canonical and once each', () => {
    const text = '# cameras in the garden\n02:AA:00:00:00:01\n\n02-aa-00-00-00-02   # the doorbell\n  02:aa:00:00:00:01\r\n';
    expect(parseConsentFile(text, 'consent.txt')).toEqual(['02:aa:00:00:00:01', '02:aa:00:00:00:02']);
    expect(parseConsentFile('', 'empty.txt')).toEqual([]);
  });

  it('names every bad line by its number; nothing of the file is taken', () => {
    try {
      parseConsentFile('02:aa:00:00:00:01\n02:aa:00:00:00\n# fine\nthe printer\n', 'consent.txt');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConsentFileError);
      expect((e as ConsentFileError).code).toBe('audit.consent-file');
      expect((e as ConsentFileError).problems).toEqual(['line 2: "02:aa:00:00:00" is not a MAC address', 'line 4: "the printer" is not a MAC address']);
    }
  });

  it('the config\'s consent and the file\'s together', () => {
    expect([...consentOf(['02:aa:00:00:00:01'], ['02:AA:00:00:00:02'])]).toEqual(['02:aa:00:00:00:01', '02:aa:00:00:00:02']);
  });
});

describe('audit plan', () => {
  const scope = auditScope(consentOf(['02:aa:00:00:00:01', '02:aa:00:00:00:02']), ['203.0.113.0/24'], ['192.168.1.1', 'fe80::1']);
  const addresses: Record<string, string[]> = {
    '02:aa:00:00:00:01': ['fe80::aa:1', 'fd00::1', '192.168.1.20'],
    '02:aa:00:00:00:02': ['203.0.113.9'],
    '02:aa:00:00:00:03': ['192.168.1.30'],
  };
  const of = (m: string) => addresses[m] ?? [];

  it('takes the IPv4 LAN address first, a configured local network counts as LAN', () => {
    expect(planTargets(scope, ['02:aa:00:00:00:01', '02:aa:00:00:00:02'], of)).toEqual([
      { mac: '02:aa:00:00:00:01', ip: '192.168.1.20' }, { mac: '02:aa:00:00:00:02', ip: '203.0.113.9' },
    ]);
  });

  it('refuses the whole plan when one device has not consented, naming it', () => {
    try {
      planTargets(scope, ['02:aa:00:00:00:01', '02:aa:00:00:00:03'], of);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AuditRefusal);
      expect((e as AuditRefusal).refusals.map((r) => [r.mac, r.code])).toEqual([['02:aa:00:00:00:03', 'exposure.no-consent']]);
    }
  });

  it('refuses a device with no usable address, a public one, and the gateway\'s own', () => {
    const codes = (addrs: string[]) => {
      try {
        planTargets(scope, ['02:aa:00:00:00:01'], () => addrs);
        return null;
      } catch (e) {
        return (e as AuditRefusal).refusals.map((r) => r.code);
      }
    };
    expect(codes([])).toEqual(['exposure.no-address']);
    expect(codes(['fe80::aa:1'])).toEqual(['exposure.no-address']);
    expect(codes(['198.51.100.7'])).toEqual(['exposure.not-lan']);
    expect(codes(['8.8.8.8', '2001:db8::1'])).toEqual(['exposure.not-lan']);
    expect(codes(['192.168.1.1'])).toEqual(['exposure.own-address']);
    expect(codes(['192.168.1.1', '10.1.2.3'])).toBeNull();
  });
});
