// Config section `fleet` (gateway/fleet/fleet-config.ts): off by default; when enabled a valid site
// id, servers and consistent credentials are required; the nested tls is checked key by key and its
// files must hold PEM; the password can come from the environment; a wrong key is reported with its path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-fleet-config-'));
  const caFile = join(dir, 'ca.pem');
  // The file is looked at for a PEM line only (the TLS test gives real certificates).
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is off by default, with a 100,000-record outbox', () => {
    const cfg = validateConfig({}, 'test');
    expect(cfg.fleet).toMatchObject({ enabled: false, servers: [], site: '', outboxMaxRecords: 100_000, tls: { ca: '', cert: '', key: '' } });
  });

  it('takes a complete section', () => {
    const cfg = validateConfig({ fleet: { enabled: true, servers: ['tls://127.0.0.1:4222'], site: 'shop-12', user: 'site-shop-12', password: 'x', tls: { ca: caFile }, outboxMaxRecords: 10 } }, 'test');
    expect(cfg.fleet).toMatchObject({ enabled: true, site: 'shop-12', tls: { ca: caFile, cert: '', key: '' }, outboxMaxRecords: 10 });
    expect(Object.isFrozen(cfg.fleet) && Object.isFrozen(cfg.fleet.tls)).toBe(true);
  });

  it('refuses a TLS file it cannot read or that holds no PEM, naming the key and the path, never the content', () => {
    const notPem = join(dir, 'key.txt');
    writeFileSync(notPem, 'hunter2-private');
    const base = { enabled: true, servers: ['tls://127.0.0.1:4222'], site: 'shop-12', user: 'site-shop-12', password: 'x' };
    const p = problems({ fleet: { ...base, tls: { ca: join(dir, 'missing-ca.pem'), cert: caFile, key: notPem } } });
    expect(p).toEqual([
      `test: fleet.tls.ca: cannot read ${join(dir, 'missing-ca.pem')} (ENOENT)`,
      `test: fleet.tls.key: ${notPem} is not a PEM file (no "-----BEGIN …-----" line)`,
    ]);
    expect(p.join('\n')).not.toContain('hunter2');
    // A section that is off is not looked at.
    expect(problems({ fleet: { ...base, enabled: false, tls: { ca: join(dir, 'missing-ca.pem') } } })).toEqual([]);
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
