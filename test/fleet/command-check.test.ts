// The checks a gateway makes on a control message before it acts (gateway/fleet/command-check.ts)
// and the key files of both ends: canonical JSON, Ed25519 signatures, the refusal code of each
// fault (shape, key, signature, site, time window with its skew allowance), and config errors that
// name the file (fleet.commandKeys, hub commands.signingKeyFile).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../gateway/config/load-config.js';
import { checkCommand, COMMAND_CLOCK_SKEW_MS, parseSignedCommand } from '../../gateway/fleet/command-check.js';
import { readCommandKeys, readSigningKey, signCommand } from '../../gateway/fleet/command-signature.js';
import { canonicalJson, type FleetCommand, type SignedCommand } from '../../gateway/fleet/command-types.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeward-command-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const ed = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const PRIV = write('hub.key', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const PUB = write('hub.pub', ed.publicKey.export({ type: 'spki', format: 'pem' }));
const OTHER_PUB = write('other.pub', other.publicKey.export({ type: 'spki', format: 'pem' }));
const RSA_PUB = write('rsa.pub', rsa.publicKey.export({ type: 'spki', format: 'pem' }));
const NOT_KEY = write('notes.txt', 'hello\n');

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const command = (over: Partial<FleetCommand> = {}): FleetCommand => ({
  id: '0b7c6a52-8d1e-4c1b-9a55-3f0e2d9f4a10', site: 'home', action: 'block', target: { peer: '203.0.113.7' }, note: null,
  issuedBy: 'soc analyst (tok_1)', issuedAt: new Date(NOW).toISOString(), expiresAt: new Date(NOW + 3600_000).toISOString(), ...over,
});
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const keys = readCommandKeys([PUB], []);
const verdict = (s: SignedCommand, now = NOW, k = keys) => checkCommand(s, 'home', k, now)?.code ?? null;

describe('fleet command checks', () => {
  it('signs the canonical JSON: key order does not matter, any change does', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'x' }], c: undefined } })).toBe('{"a":{"d":[1,{"y":"x","z":null}]},"b":1}');
    const signed = signCommand(command(), readSigningKey(PRIV));
    // Members in another order (as another JSON writer may send them) still verify.
    const reordered = JSON.parse(JSON.stringify({ signature: signed.signature, command: Object.fromEntries(Object.entries(signed.command).reverse()) })) as unknown;
    const parsed = parseSignedCommand(bytes(reordered)) as SignedCommand;
    expect(verdict(parsed)).toBeNull();
    expect(verdict({ ...signed, command: { ...signed.command, target: { peer: '203.0.113.8' } } })).toBe('command.bad-signature');
    expect(verdict(signed, NOW, readCommandKeys([OTHER_PUB], []))).toBe('command.bad-signature');
    expect(verdict(signed, NOW, [])).toBe('command.no-key');
    expect(verdict({ ...signed, signature: 'AAAA' })).toBe('command.bad-signature');
  });

  it('refuses another site, an expired command past the skew allowance, and one from the future', () => {
    const key = readSigningKey(PRIV);
    expect(verdict(signCommand(command({ site: 'shop' }), key))).toBe('command.wrong-site');
    const c = command({ issuedAt: new Date(NOW - 7200_000).toISOString(), expiresAt: new Date(NOW - 3600_000).toISOString() });
    expect(verdict(signCommand(c, key))).toBe('command.expired');
    const exp = Date.parse(command().expiresAt);
    expect(verdict(signCommand(command(), key), exp + COMMAND_CLOCK_SKEW_MS - 1)).toBeNull();
    expect(verdict(signCommand(command(), key), exp + COMMAND_CLOCK_SKEW_MS + 1)).toBe('command.expired');
    expect(verdict(signCommand(command(), key), NOW - COMMAND_CLOCK_SKEW_MS - 1)).toBe('command.not-yet-valid');
  });

  it('refuses malformed messages with command.malformed, keeping the id when it is a UUID', () => {
    const sig = 'x'.repeat(88);
    const cases: [unknown, string | null][] = [
      ['{not json', null],
      [{ command: command({ id: 'not-a-uuid' }), signature: sig }, null],
      [{ command: command({ id: randomUUID().toUpperCase() }), signature: sig }, null],
      [{ command: { ...command(), extra: 1 }, signature: sig }, command().id],
      [{ command: command({ action: 'delete' as 'block' }), signature: sig }, command().id],
      [{ command: command({ action: 'quarantine' }), signature: sig }, command().id], // a peer with quarantine
      [{ command: command({ target: { peer: '1.2.3.4', domain: 'x.example' } }), signature: sig }, command().id],
      [{ command: command({ target: {} }), signature: sig }, command().id],
      [{ command: command({ site: 'Home' }), signature: sig }, command().id],
      [{ command: command({ expiresAt: command().issuedAt }), signature: sig }, command().id],
      [{ command: command({ note: 'bell\u0007' }), signature: sig }, command().id],
      [{ command: command() }, null],
    ];
    for (const [body, id] of cases) {
      const r = parseSignedCommand(bytes(body));
      expect(r, JSON.stringify(body)).toMatchObject({ code: 'command.malformed', commandId: id });
    }
    expect(parseSignedCommand(Buffer.alloc(20_000, 32))).toMatchObject({ code: 'command.malformed' });
  });

  it('checks fleet.commandKeys at load: each problem names the entry and the file', () => {
    expect(validateConfig({ fleet: { commandKeys: [PUB] } }, 'test').fleet.commandKeys).toEqual([PUB]);
    let problems: string[] = [];
    try {
      validateConfig({ fleet: { commandKeys: [PUB, join(dir, 'missing.pub'), RSA_PUB, PRIV, NOT_KEY] } }, 'test');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^test: fleet\.commandKeys\[1\] \(.*missing\.pub\): cannot read: ENOENT/);
    expect(problems[1]).toMatch(/^test: fleet\.commandKeys\[2\] \(.*rsa\.pub\): an rsa key; must be Ed25519/);
    expect(problems[2]).toMatch(/^test: fleet\.commandKeys\[3\] \(.*hub\.key\): is a private key/);
    expect(problems[3]).toMatch(/^test: fleet\.commandKeys\[4\] \(.*notes\.txt\): not a PEM public key/);
  });

  it('checks the hub\'s commands.signingKeyFile at load', () => {
    expect(validateHubConfig({ commands: { signingKeyFile: PRIV } }).commands).toEqual({ signingKeyFile: PRIV, resendMs: 5000, ttlSeconds: 3600 });
    expect(() => validateHubConfig({ commands: { signingKeyFile: PUB, resendMs: 0 } })).toThrow(ConfigError);
    try {
      validateHubConfig({ commands: { signingKeyFile: PUB, resendMs: 0 } });
    } catch (e) {
      const text = (e as ConfigError).problems.join('\n');
      expect(text).toContain('commands.resendMs: must be at least 1');
      expect(text).toContain(`commands.signingKeyFile: ${PUB}: not a readable PEM private key`);
    }
  });
});
