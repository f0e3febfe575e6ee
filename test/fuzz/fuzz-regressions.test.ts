// Every real finding of the fuzzer, fixed, as a case that would fail again if the bug came back.
// Each case names the run that found it (target, seed, iteration) and builds the reproducer inline
// or reads it from test/fuzz/regressions/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProfile, parseMud, renderNft } from '../../policies/index.js';
import { SeededRandom } from '../../gateway/synth/seeded-random.js';
import { fakeApiContext } from '../../gateway/fuzz/targets/fake-api-context.js';
import { restTarget } from '../../gateway/fuzz/targets/rest-target.js';
import { ApiError } from '../../gateway/server/api-errors.js';
import type { ApiRequest } from '../../gateway/server/route.js';
import { ROUTES } from '../../gateway/server/route-table.js';
import { ROOT } from '../helpers/fixtures.js';

const upload = ROUTES.find((r) => r.method === 'post' && r.path === '/api/v1/profiles')!;

/** `{"a": [[[…1…]]]}` nested `depth` levels in all. */
function nested(depth: number): unknown {
  return JSON.parse(`{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`) as unknown;
}

function uploadRequest(body: unknown): ApiRequest {
  return {
    params: {}, query: { allowUnsigned: 'true' }, body, raw: null, contentType: 'application/json', headers: {}, ip: '192.168.1.10',
    auth: { tokenId: 't1', role: 'admin', vendor: null, device: null, name: null },
  };
}

async function refusal(p: unknown): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the request was taken');
}

/** The nftables script of a parsed MUD text, for one device. */
function nft(text: string): string {
  const r = parseMud(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return renderNft([compileProfile(r.profile, { deviceMac: '02:00:00:00:00:0a' })]);
}

describe('fuzz regressions', () => {
  // mud, seed 2, iteration 19297 (found with --bound-ms 100): the bundled speaker profile with its
  // from-device policy naming its one ACL 1,001 times. Every repeat was compiled and rendered
  // again: ~300 ms and 11,000 nftables rules from a 37 KB file, a fetched or uploaded MUD file
  // buying seconds of the event loop at the 1 MiB limit. Repeats are now dropped with a warning.
  it('a policy naming one ACL a thousand times compiles as if it named it once', () => {
    const text = readFileSync(join(ROOT, 'policies/profiles/speaker.json'), 'utf8');
    const doc = JSON.parse(text) as { 'ietf-mud:mud': Record<string, { 'access-lists': { 'access-list': { name: string }[] } }> };
    const list = doc['ietf-mud:mud']['from-device-policy']!['access-lists']['access-list'];
    const once = list.map((e) => e.name);
    doc['ietf-mud:mud']['from-device-policy']!['access-lists']['access-list'] = Array.from({ length: 1001 }, () => ({ name: once[0]! })).concat(list.slice(1));
    const r = parseMud(JSON.stringify(doc));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.profile.fromDevicePolicy).toEqual(once);
    expect(r.warnings.filter((w) => w.code === 'policy.duplicate-acl').map((w) => w.path))
      .toEqual(['/ietf-mud:mud/from-device-policy/access-lists/access-list/1/name']);
    expect(nft(JSON.stringify(doc))).toBe(nft(text));
  });

  // rest, seed 1, iteration 10763: POST /api/v1/profiles with the MUD file as a JSON object nested
  // 100,000 deep. JSON.stringify overflowed the stack (RangeError, an internal 500) before the MUD
  // parser, which refuses nesting deeper than 64, could see the document.
  it('a MUD object nested too deep is request.invalid at /mud, not a stack overflow', async () => {
    const { ctx, db } = fakeApiContext();
    try {
      const e = await refusal(upload.handle(uploadRequest({ mud: nested(100_000) }), ctx));
      expect(e.code).toBe('request.invalid');
      expect(e.details).toEqual([{ path: '/mud', code: 'too-deep', message: 'nested deeper than 64 levels' }]);
      expect((await refusal(upload.handle(uploadRequest({ mud: nested(65) }), ctx))).code).toBe('request.invalid');
      // 64 levels reach the MUD parser, which refuses the document for what it is (not a MUD file).
      expect((await refusal(upload.handle(uploadRequest({ mud: nested(64) }), ctx))).code).toBe('profile.invalid');
    } finally {
      db.close();
    }
  });

  it('the rest target takes that reproducer as a documented refusal', async () => {
    const input = Buffer.from(`{"route":"post /api/v1/profiles","query":{"allowUnsigned":"true"},"auth":{"role":"admin"},"body":{"mud":${JSON.stringify(nested(1))}`
      .replace('{"a":1}', `{"a":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`) + '}}');
    const session = await restTarget.open({ frames: [], captures: [], mud: [], notes: [] }, { scratchDir: '' });
    const err = await Promise.resolve(session.run(input, new SeededRandom(1))).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(restTarget.documented!(err)).toBe(true);
    await session.finish?.();
  });
});
