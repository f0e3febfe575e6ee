// `edgeward mud validate|compile`, run in-process: exit codes, what goes to stdout and stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMudCommand } from '../../../policies/index.js';
import { FIXTURE_ROOT } from './helpers/mud-fixtures.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runMudCommand(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
  return { code, out, err };
}

const fx = (rel: string): string => join(FIXTURE_ROOT, rel);
const SMARTTHINGS = fx('mud/mud-visualizer/SmartThingsMud.json');
const AUGUST = fx('mud/mud-visualizer/augustdoorbellcamMud.json');
const CLEAN = fx('mud/nist-mud/mudfile.json');

describe('edgeward mud validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-mud-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 for accepted files, warnings on stderr', async () => {
    const r = await run('validate', SMARTTHINGS, CLEAN);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${SMARTTHINGS}: accepted (3 warnings)`);
    expect(r.out).toContain(`${CLEAN}: accepted (0 warnings)`);
    expect(r.err).toContain(`${SMARTTHINGS}: warning mud.draft-access-lists-root at /ietf-access-control-list:access-lists`);
  });

  it('exits 1 when any file is refused, naming code and path', async () => {
    const r = await run('validate', CLEAN, AUGUST);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${AUGUST}: refused (1 error)`);
    expect(r.err).toContain('refused value.bad-network at /ietf-access-control-list:access-lists/acl/2/aces/ace/2/matches/ipv6/destination-ipv6-network');
  });

  it('gives line and column for malformed JSON, and refuses unreadable files', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "ietf-mud:mud": {,\n}');
    const r = await run('validate', bad, join(dir, 'missing.json'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('refused json.syntax at (document root) (line 2, column 20)');
    expect(r.err).toContain('missing.json: cannot read');
  });

  it('exits 2 on usage errors', async () => {
    expect((await run('validate')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run()).code).toBe(2);
    expect((await run('--help')).code).toBe(0);
  });
});

describe('edgeward mud compile', () => {
  it('prints an nft script for the device', async () => {
    const r = await run('compile', SMARTTHINGS, '--nft', '--device', 'AA:BB:CC:00:11:22', '--controller', 'urn:ietf:params:mud:dns=192.168.1.1,fd00::1', '--local', '192.168.1.0/24');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('#!/usr/sbin/nft -f\n')).toBe(true);
    expect(r.out).toContain('chain dev_aabbcc001122_from {');
    expect(r.out).toContain('ether saddr aa:bb:cc:00:11:22 jump dev_aabbcc001122_from');
    expect(r.out).toMatch(/set ctl_[0-9a-f]{8}_v4 \{[^}]*elements = \{ 192\.168\.1\.1 \}/);
    expect(r.err).toContain('warning ace.ethertype-hex-string');
  });

  it('uses the placeholder device without --device', async () => {
    const r = await run('compile', CLEAN, '--nft');
    expect(r.code).toBe(0);
    expect(r.out).toContain('jump dev_020000000000_from');
  });

  it('exits 1 for a refused profile and prints no script', async () => {
    const r = await run('compile', AUGUST, '--nft');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('refused value.bad-network');
  });

  it('exits 2 on usage errors', async () => {
    expect((await run('compile', CLEAN)).code).toBe(2);
    expect((await run('compile', '--nft')).code).toBe(2);
    expect((await run('compile', CLEAN, '--nft', '--device', 'nope')).code).toBe(2);
    expect((await run('compile', CLEAN, '--nft', '--controller', 'novalue')).code).toBe(2);
    expect((await run('compile', CLEAN, '--nft', '--local', '300.1.1.1/8')).code).toBe(2);
    expect((await run('compile', CLEAN, '--nft', '--bogus')).code).toBe(2);
  });
});
