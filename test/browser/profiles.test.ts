// MUD uploads from the profiles page in Chromium, as an admin: an invalid file (a port out of range)
// is refused with one error per fault, each naming its JSON path, and nothing is added; a valid one
// (unsigned, which the admin allows with the checkbox) is taken and appears in the list; a profile
// chosen with its signature (the demo vendor's .p7s) is taken with its signer shown, and a
// signature of another file is refused with its reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, launchBrowser, screenshot, signIn, type PageElement, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { fixture } from '../helpers/fixtures.js';
import { PROFILES_DIR, startDemoDaemon } from './demo-daemon.js';

const skip = browserTestsSkipReason();

/** A profile of example.com's (the vendor the test tokens know). */
const MUD_URL = 'https://mud.example.com/edgeward-test/browser-upload.json';
/** Where the bad port sits in the invalid file (test/api/profile-upload.test.ts). */
const BAD_PORT_PATH = '/ietf-access-control-list:acls/acl/1/aces/ace/0/matches/tcp';

/** The members of a MUD document these tests read or change. */
interface MudJson {
  'ietf-mud:mud': Record<string, unknown>;
  'ietf-access-control-list:acls': { acl: { aces: { ace: { matches: Record<string, unknown> }[] } }[] };
}

/** tester_domain.json under MUD_URL; `bad`: with destination port 70000 in an ACE. */
function mudFile(bad: boolean): string {
  const d = JSON.parse(readFileSync(fixture('mud/mud-visualizer/tester_domain.json'), 'utf8')) as MudJson;
  d['ietf-mud:mud']['mud-url'] = MUD_URL;
  if (bad) d['ietf-access-control-list:acls'].acl[1]!.aces.ace[0]!.matches.tcp = { 'destination-port': { operator: 'eq', port: 70000 } };
  return JSON.stringify(d, null, 2);
}

interface ProfileItem { mudUrl: string; source: string; signature: string; signer: string | null }

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: profiles'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    // The bundled profiles are listed too, so the page starts with something in it.
    // The demo vendor CA as a trust anchor, so the demo's shipped signatures verify.
    [b, t] = await Promise.all([launchBrowser(), startDemoDaemon({ fetch: { trustAnchors: [join(PROFILES_DIR, 'demo-pki', 'demo-vendor-ca.pem')] } })]);
    await signIn(b.page, t.url, t.tokens.admin);
    await byTestId(b.page, 'nav-profiles').click();
    await byTestId(b.page, 'drop-zone').waitFor();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const profiles = async () => ((await (await t.api('/api/v1/profiles', { token: t.tokens.admin })).json()) as { items: ProfileItem[] }).items;
  const upload = (text: string) => byTestId(b.page, 'profile-file').setInputFiles({ name: 'browser-upload.json', mimeType: 'application/json', buffer: Buffer.from(text) });

  it('lists the profiles in force', async () => {
    await expect.poll(() => b.page.url()).toMatch(/#\/profiles$/);
    const listed = await profiles();
    expect(listed.length).toBe(4);
    await expect.poll(() => byTestId(b.page, 'profile-row').count()).toBe(listed.length);
    const urls = await byTestId(b.page, 'profile-row').evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-mud-url')));
    expect(urls.sort()).toEqual(listed.map((p) => p.mudUrl).sort());
  });

  it('refuses an invalid file with the JSON path of each fault, and adds nothing', async () => {
    // What the server says of this file (a 422 changes nothing): the page must show each fault.
    const res = await t.api('/api/v1/profiles?allowUnsigned=true', { method: 'POST', token: t.tokens.admin, body: JSON.stringify({ mud: mudFile(true) }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    const paths = ((await res.json()) as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths.some((p) => p.startsWith(BAD_PORT_PATH))).toBe(true);

    await byTestId(b.page, 'allow-unsigned').check();
    await upload(mudFile(true));
    const errors = byTestId(b.page, 'upload-error');
    await errors.first().waitFor();
    const texts = await errors.allTextContents();
    expect(texts).toHaveLength(paths.length);
    for (const p of paths) expect(texts.some((x) => x.includes(p)), `${p} in ${texts.join(' | ')}`).toBe(true);
    expect(await byTestId(b.page, 'upload-ok').count()).toBe(0);
    expect(await b.page.locator(`[data-testid="profile-row"][data-mud-url="${MUD_URL}"]`).count()).toBe(0);
    expect((await profiles()).map((p) => p.mudUrl)).not.toContain(MUD_URL);
    expect(isPng(await screenshot(b.page, 'profiles-invalid'))).toBe(true);
  });

  it('takes a valid file and lists it', async () => {
    expect(await byTestId(b.page, 'allow-unsigned').isChecked()).toBe(true);
    await upload(mudFile(false));
    await byTestId(b.page, 'upload-ok').waitFor();
    await b.page.locator(`[data-testid="profile-row"][data-mud-url="${MUD_URL}"]`).waitFor();
    expect(await byTestId(b.page, 'upload-error').count()).toBe(0);
    expect((await profiles()).find((p) => p.mudUrl === MUD_URL)).toMatchObject({ source: 'uploaded', signature: 'unsigned' });
    expect(await byTestId(b.page, 'profile-row').count()).toBe(5);
    expect(isPng(await screenshot(b.page, 'profiles'))).toBe(true);
    expect(b.pageErrors.map((e) => e.message)).toEqual([]);
  });

  it('takes a profile chosen with its signature and shows who signed it; refuses a signature of another file', async () => {
    const CAMERA = 'https://mud.example.com/edgeward-demo/camera.json';
    const row = b.page.locator(`[data-testid="profile-row"][data-mud-url="${CAMERA}"]`);
    expect(await row.getAttribute('data-signature')).toBe('local');
    await byTestId(b.page, 'allow-unsigned').uncheck();
    await byTestId(b.page, 'signature-file').setInputFiles(join(PROFILES_DIR, 'camera.p7s'));
    await byTestId(b.page, 'profile-file').setInputFiles(join(PROFILES_DIR, 'camera.json'));
    await expect.poll(() => byTestId(b.page, 'upload-ok').textContent()).toContain(CAMERA);
    await expect.poll(() => row.getAttribute('data-signature')).toBe('signed');
    const signer = 'O=Example Home (edgeward DEMO ONLY), CN=mud.example.com';
    expect(await row.locator('[data-testid="profile-signer"]').textContent()).toBe(`by ${signer}`);
    expect((await profiles()).find((p) => p.mudUrl === CAMERA)).toMatchObject({ source: 'uploaded', signature: 'signed', signer });
    expect(isPng(await screenshot(b.page, 'profiles-signed'))).toBe(true);

    // The camera's signature with the speaker's file: refused, the reason named, nothing changed.
    await byTestId(b.page, 'signature-file').setInputFiles(join(PROFILES_DIR, 'camera.p7s'));
    await byTestId(b.page, 'profile-file').setInputFiles(join(PROFILES_DIR, 'speaker.json'));
    const error = byTestId(b.page, 'upload-error');
    await error.first().waitFor();
    expect(await error.first().getAttribute('data-code')).toBe('signature.digest-mismatch');
    expect((await profiles()).find((p) => p.mudUrl === 'https://mud.example.com/edgeward-demo/speaker.json')).toMatchObject({ source: 'bundled' });
    expect(b.pageErrors.map((e) => e.message)).toEqual([]);
  });
});
