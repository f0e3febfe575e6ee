// Vendor MUD uploads over real HTTP: a signed profile of the vendor's own domain is taken (201),
// one of another domain is refused (403), an invalid one gets 422 with the JSON path of the fault
// and leaves the profile in force as it was; unsigned files need an admin's word.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { makeTestPki, signDetached, type TestPki } from '../helpers/pki.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const BASE = JSON.parse(readFileSync(fixture('mud/mud-visualizer/tester_domain.json'), 'utf8')) as Record<string, Record<string, unknown>>;

/** The members of a MUD document these tests read or change. */
interface MudJson {
  'ietf-mud:mud': Record<string, unknown>;
  'ietf-access-control-list:acls': { acl: { aces: { ace: { matches: Record<string, unknown> }[] } }[] };
}

/** tester_domain.json under another MUD URL, optionally with a changed cache-validity. */
function mudText(url: string, cacheValidity = 48): string {
  const d = structuredClone(BASE);
  d['ietf-mud:mud']!['mud-url'] = url;
  d['ietf-mud:mud']!['cache-validity'] = cacheValidity;
  return JSON.stringify(d, null, 2);
}

let pki: TestPki;
let t: TestDaemon;
const OWN = 'https://mud.example.com/edgeward-test/cam.json';
const enc = encodeURIComponent;

async function upload(token: string, body: unknown, query = '') {
  const res = await t.api(`/api/v1/profiles${query}`, { method: 'POST', token, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const signed = async (text: string, signer = pki.vendor) => ({ mud: text, signature: (await signDetached(Buffer.from(text), signer)).toString('base64') });

beforeAll(async () => {
  pki = await makeTestPki();
  const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'edgeward-ca-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, pki.ca.pem);
  t = await startTestDaemon({ fetch: { trustAnchors: [ca] } });
});
afterAll(async () => { await t.close(); });

describe('vendor upload', () => {
  it('takes a signed profile of the vendor\'s own domain (201) and lists it with its signer', async () => {
    const r = await upload(t.tokens.vendor, await signed(mudText(OWN)));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ mudUrl: OWN, source: 'uploaded', signature: 'signed', aces: 4 });
    expect(String(r.body.signer)).toContain('mud.example.com');
    const list = (await (await t.api('/api/v1/profiles', { token: t.tokens.vendor })).json()) as { items: { mudUrl: string }[] };
    expect(list.items.map((p) => p.mudUrl)).toEqual([OWN]);
  });

  it('replaces it with 200 on a second upload', async () => {
    const r = await upload(t.tokens.vendor, await signed(mudText(OWN, 24)));
    expect(r.status).toBe(200);
    const got = (await (await t.api(`/api/v1/profiles/${enc(OWN)}`, { token: t.tokens.vendor })).json()) as { content: string };
    expect((JSON.parse(got.content) as MudJson)['ietf-mud:mud']['cache-validity']).toBe(24);
  });

  it('refuses a profile of another domain with 403, even a lookalike one', async () => {
    for (const url of ['https://devices.example.net/cam.json', 'https://evil-example.com/cam.json', 'https://example.com.evil.test/cam.json']) {
      const r = await upload(t.tokens.vendor, await signed(mudText(url)));
      expect(r.status, url).toBe(403);
      expect(r.body.code).toBe('auth.vendor-scope');
    }
    const list = (await (await t.api('/api/v1/profiles', { token: t.tokens.admin })).json()) as { items: { mudUrl: string }[] };
    expect(list.items.map((p) => p.mudUrl)).toEqual([OWN]);
  });

  it('refuses an invalid profile with 422 and the JSON path, and the previous profile stays', async () => {
    const bad = JSON.parse(mudText(OWN, 12)) as MudJson;
    bad['ietf-access-control-list:acls'].acl[1]!.aces.ace[0]!.matches.tcp = { 'destination-port': { operator: 'eq', port: 70000 } };
    const text = JSON.stringify(bad);
    const r = await upload(t.tokens.vendor, await signed(text));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('profile.invalid');
    const paths = (r.body.details as { path: string }[]).map((d) => d.path);
    expect(paths.some((p) => p.startsWith('/ietf-access-control-list:acls/acl/1/aces/ace/0/matches/tcp'))).toBe(true);
    const got = (await (await t.api(`/api/v1/profiles/${enc(OWN)}`, { token: t.tokens.vendor })).json()) as { content: string };
    expect((JSON.parse(got.content) as MudJson)['ietf-mud:mud']['cache-validity']).toBe(24);
  });

  it('refuses malformed JSON with the line and column', async () => {
    const r = await upload(t.tokens.vendor, { mud: '{"ietf-mud:mud": {\n  "mud-version": 1,,\n}}' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('profile.invalid');
  });

  it('refuses a signature by an untrusted signer, and one over other bytes', async () => {
    const other = await upload(t.tokens.vendor, await signed(mudText(OWN), pki.otherSigner));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('profile.bad-signature');
    const s = await signed(mudText(OWN));
    const changed = await upload(t.tokens.vendor, { mud: s.mud.replace('"cache-validity": 48', '"cache-validity": 47'), signature: s.signature });
    expect(changed.status).toBe(422);
    expect(changed.body.code).toBe('profile.bad-signature');
  });

  it('refuses unsigned files unless an admin allows them; a vendor may not allow them', async () => {
    const url = 'https://mud.example.com/edgeward-test/unsigned.json';
    expect((await upload(t.tokens.vendor, { mud: mudText(url) })).body.code).toBe('profile.unsigned');
    const v = await upload(t.tokens.vendor, { mud: mudText(url) }, '?allowUnsigned=true');
    expect(v.status).toBe(403);
    const a = await upload(t.tokens.admin, { mud: mudText(url) }, '?allowUnsigned=true');
    expect(a.status).toBe(201);
    expect(a.body.signature).toBe('unsigned');
    // The raw form (application/mud+json) is the same file, unsigned.
    const raw = await t.api('/api/v1/profiles?allowUnsigned=true', { method: 'POST', token: t.tokens.admin, body: mudText(url, 5), headers: { 'content-type': 'application/mud+json' } });
    expect(raw.status).toBe(200);
  });

  it('lets a vendor delete its own uploads only', async () => {
    const foreign = 'https://devices.example.net/x.json';
    expect((await upload(t.tokens.admin, { mud: mudText(foreign) }, '?allowUnsigned=true')).status).toBe(201);
    const denied = await t.api(`/api/v1/profiles/${enc(foreign)}`, { method: 'DELETE', token: t.tokens.vendor });
    expect(denied.status).toBe(403);
    const gone = await t.api(`/api/v1/profiles/${enc(OWN)}`, { method: 'DELETE', token: t.tokens.vendor });
    expect(gone.status).toBe(204);
    const again = await t.api(`/api/v1/profiles/${enc(OWN)}`, { method: 'DELETE', token: t.tokens.vendor });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { code: string }).code).toBe('profile.not-found');
  });

  it('stores the uploads in the SQLite file', () => {
    const rows = t.daemon.db.prepare('SELECT mud_url FROM mud_uploads ORDER BY mud_url').all() as { mud_url: string }[];
    expect(rows.map((r) => r.mud_url)).toEqual(['https://devices.example.net/x.json', 'https://mud.example.com/edgeward-test/unsigned.json']);
  });
});
