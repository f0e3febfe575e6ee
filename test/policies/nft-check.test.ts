// `nft -c -f` accepts the compiled script of every accepted MUD fixture, alone and all devices in
// one table. Runs in a network namespace the test creates (root needed), deleted afterwards.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProfile, parseMud, renderNft, type CompiledPolicy } from '../../policies/index.js';
import { listMudFixtures, readFixture } from '../unit/policies/helpers/mud-fixtures.js';
import { contextFor } from '../unit/policies/helpers/flow-for-rule.js';

const nftPresent = spawnSync('nft', ['--version']).status === 0;
if (!nftPresent) console.warn('nft-check: SKIPPED — the `nft` binary is not installed, so nft -c cannot check the scripts');

describe.skipIf(!nftPresent)('nft -c -f accepts compiled fixture profiles', () => {
  const ns = `edgeward-nft-${process.pid}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-nft-'));

  const policies: [string, CompiledPolicy][] = [];
  listMudFixtures().forEach((file, i) => {
    const r = parseMud(readFixture(file));
    if (!r.ok) return;
    const mac = `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;
    policies.push([file, compileProfile(r.profile, { ...contextFor(r.profile), deviceMac: mac, emergency: ['192.0.2.0/24', '2001:db8:911::/48'] })]);
  });

  const check = (name: string, script: string): void => {
    const path = join(dir, `${name.replace(/[^A-Za-z0-9.]/g, '_')}.nft`);
    writeFileSync(path, script);
    const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', path], { encoding: 'utf8' });
    expect(r.status, `${name}: ${r.stderr}`).toBe(0);
  };

  beforeAll(() => {
    const r = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot create network namespace ${ns}: ${r.stderr}`);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'delete', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has accepted fixtures', () => {
    expect(policies.length).toBeGreaterThan(30);
  });

  it.each(policies)('%s', (file, policy) => {
    check(file, renderNft([policy]));
  });

  it('all devices in one table', () => {
    check('all-devices', renderNft(policies.map(([, p]) => p)));
  });

  it('guarded, with quarantined devices and gateway service addresses', () => {
    check('guarded-quarantine', renderNft(policies.slice(0, 5).map(([, p]) => p), {
      guard: true, quarantine: [0x0200000002ff, 0x0200000002fe], gatewayAddresses: ['192.168.1.1', '2001:db8::1'],
    }));
  });

  it('without a device MAC (placeholder chain)', () => {
    const [, first] = policies[0]!;
    check('placeholder', renderNft([compileProfile(first.profile)]));
  });
});
