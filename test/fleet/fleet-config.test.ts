// Config section `fleet` (gateway/fleet/fleet-config.ts): off by default; when enabled a valid site
// id, servers and consistent credentials are required; the nested tls is checked key by key; the
// password can come from the environment; a wrong key is reported with its path.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../gateway/config/load-config.js';
import { applyEnv } from '../../gateway/config/load-config.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';

const problems = (raw: Record<string, unknown>): string[] => {
  try {
    validateConfig(raw, 'test');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

describe('fleet config', () => {
  it('is off by default, with a 100,000-record outbox', () => {
    const cfg = validateConfig({}, 'test');
    expect(cfg.fleet).toMatchObject({ enabled: false, servers: [], site: '', outboxMaxRecords: 100_000, tls: { ca: '', cert: '', key: '' } });
  });

  it('takes a complete section', () => {
    const cfg = validateConfig({ fleet: { enabled: true, servers: ['nats://127.0.0.1:4222'], site: 'shop-12', user: 'site-shop-12', password: 'x', tls: { ca: '/etc/ca.pem' }, outboxMaxRecords: 10 } }, 'test');
    expect(cfg.fleet).toMatchObject({ enabled: true, site: 'shop-12', tls: { ca: '/etc/ca.pem', cert: '', key: '' }, outboxMaxRecords: 10 });
    expect(Object.isFrozen(cfg.fleet) && Object.isFrozen(cfg.fleet.tls)).toBe(true);
  });

  it('refuses a bad site id, no servers, a password without a user, half a client certificate, unknown keys', () => {
    const p = problems({ fleet: { enabled: true, site: 'Shop.1', password: 'secret-pw', tls: { cert: '/c.pem', pem: 'x' }, outboxMaxRecords: 0, colour: 1 } });
    const text = p.join('\n');
    for (const path of ['fleet.site', 'fleet.servers', 'fleet.user', 'fleet.tls.pem', 'fleet.tls: cert and key', 'fleet.outboxMaxRecords', 'fleet.colour']) expect(text).toContain(path);
    // The password is never echoed in a problem.
    expect(text).not.toContain('secret-pw');
  });

  it('does not check the site of a section that is off', () => {
    expect(problems({ fleet: { site: 'Not A Site' } })).toEqual([]);
  });

  it('reads the password from EDGEWARD_FLEET_PASSWORD', () => {
    const raw = applyEnv({ fleet: { enabled: true, servers: ['nats://h:4222'], site: 'a', user: 'site-a' } }, { EDGEWARD_FLEET_PASSWORD: 'pw' });
    expect(validateConfig(raw, 'test').fleet.password).toBe('pw');
  });
});
