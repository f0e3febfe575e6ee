// The fleet hub's dashboard in Chromium: three gateways (in-process daemons, each its own data
// directory and capture of new devices) and a hub on one real nats-server. The hub serves the same
// dashboard, which turns to its site pages from the health's `role: 'hub'`: the Sites page lists the
// three sites with each gateway's alert count; the feed filtered to one site shows exactly that
// gateway's alerts (as its own API has them, the same ids at two sites kept apart), and an alert
// raised meanwhile arrives over the hub's WebSocket stream; the devices filtered to one site are that
// gateway's; a search for an address two sites saw lists those two; a block sent to every site from
// the Commands page is applied at all three (signed with the hub's Ed25519 key, acknowledged through
// each gateway's outbox).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { Hub } from '../../gateway/hub/hub.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, launchBrowser, screenshot, signIn, type PageElement, type TestBrowser } from '../helpers/browser.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeDeviceCapture } from '../helpers/device-capture.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

/** Each site's capture: new test devices `from`..`to-1` (device i at 192.168.7.i). */
const SITES = { home: [1, 5], shop: [3, 7], office: [10, 13] } as const satisfies Record<string, readonly [number, number]>;
type Site = keyof typeof SITES;
const SITE_NAMES = Object.keys(SITES) as Site[];
/** Device 3 is in the home and the shop captures (the same MAC and address, the same alert id). */
const SHARED_ADDRESS = '192.168.7.3';
const quiet = () => {};

const skip = browserTestsSkipReason() ?? natsServerUnavailable();

describe.skipIf(skip !== null)(browserSuiteTitle('hub dashboard: three sites (real nats-server, Chromium)'), () => {
  let nats: TestNats;
  let hub: Hub;
  let hubDir: string;
  let b: TestBrowser;
  let token: string;
  const gateways = new Map<Site, TestDaemon>();
  /** Each gateway's alerts as its own API has them, once every outbox drained into the hub. */
  const expected = new Map<Site, StoredAlert[]>();

  beforeAll(async () => {
    nats = await startNatsServer({ sites: SITE_NAMES });
    hubDir = mkdtempSync(join(tmpdir(), 'edgeward-hub-dash-'));
    // The hub signs commands with its private key; every gateway holds the public half.
    const keys = generateKeyPairSync('ed25519');
    const keyFile = join(hubDir, 'hub-command.key');
    const pubFile = join(hubDir, 'hub-command.pub');
    writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(pubFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    hub = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass }, api: { port: 0 }, storage: { dataDir: hubDir },
      consumer: { batch: 64, flushMs: 20 }, commands: { signingKeyFile: keyFile, resendMs: 1000 },
    }), quiet);
    await hub.start();
    token = hub.tokens.create({ role: 'analyst', name: 'soc analyst' }).token;
    for (const site of SITE_NAMES) {
      const c = nats.site(site);
      gateways.set(site, await startTestDaemon({
        detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
        fleet: { enabled: true, servers: [nats.url], site, user: c.user, password: c.pass, commandKeys: [pubFile] },
      }));
    }
    for (const site of SITE_NAMES) {
      const g = gateways.get(site)!;
      const file = join(g.dir, `${site}.pcap`);
      const [from, to] = SITES[site];
      writeDeviceCapture(file, from, to);
      await g.daemon.ingestCapture(file);
    }
    await until(async () => {
      for (const g of gateways.values()) if (g.daemon.fleet?.status().outboxDepth !== 0) return false;
      return hub.consumer!.caughtUp();
    }, () => 'outboxes drained and the hub caught up', 30_000);
    for (const [site, g] of gateways) {
      expected.set(site, ((await (await g.api('/api/v1/alerts?limit=1000', { token: g.tokens.analyst })).json()) as { items: StoredAlert[] }).items);
    }
    b = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await b?.close();
    for (const g of gateways.values()) await g.close();
    await hub?.stop();
    await nats?.close();
    if (hubDir) rmSync(hubDir, { recursive: true, force: true });
  });

  it('lands on the Sites page, which lists the three sites with each gateway\'s alert count', async () => {
    for (const site of SITE_NAMES) expect(expected.get(site)!.length, site).toBeGreaterThan(0);
    await signIn(b.page, hub.url, token);
    await expect.poll(() => b.page.url()).toMatch(/#\/sites$/);
    await byTestId(b.page, 'hub-mode').waitFor();
    const rows = byTestId(b.page, 'site-row');
    await expect.poll(() => rows.count()).toBe(3);
    const read = () => byTestId(b.page, 'site-alerts').evaluateAll((els: PageElement[]) => els.map((e) => [e.getAttribute('data-count')]));
    const sites = await rows.evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-site')));
    expect(sites).toEqual([...SITE_NAMES].sort());
    expect(await read()).toEqual(sites.map((s) => [String(expected.get(s as Site)!.length)]));
    // The nav is the hub's: no gateway-only page.
    expect(await byTestId(b.page, 'nav-profiles').count()).toBe(0);
    const shot = await screenshot(b.page, 'hub-sites');
    expect(isPng(shot)).toBe(true);
    // A site's alert count opens the feed on that site.
    await b.page.locator('[data-testid="site-row"][data-site="office"] [data-testid="site-alerts"]').click();
    await expect.poll(() => b.page.url()).toMatch(/#\/feed$/);
    expect(await byTestId(b.page, 'filter-site').inputValue()).toBe('office');
    const rowSites = () => byTestId(b.page, 'alert-row').evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-site')));
    await expect.poll(rowSites).toEqual(expected.get('office')!.map(() => 'office'));
    expect(b.pageErrors).toEqual([]);
  });

  it('filtered to one site, the feed shows exactly that gateway\'s alerts', async () => {
    await byTestId(b.page, 'nav-feed').click();
    await byTestId(b.page, 'alert-feed').waitFor();
    const rows = byTestId(b.page, 'alert-row');
    const all = SITE_NAMES.reduce((n, s) => n + expected.get(s)!.length, 0);
    // The sites page left the feed on office: every site again first.
    await byTestId(b.page, 'filter-site').selectOption('all');
    await expect.poll(() => rows.count()).toBe(all);
    const shown = () => rows.evaluateAll((els: PageElement[]) => els.map((e) => ({ site: e.getAttribute('data-site'), id: e.getAttribute('data-alert-id') })));
    for (const site of ['shop', 'home'] as const) {
      await byTestId(b.page, 'filter-site').selectOption(site);
      const want = expected.get(site)!.map((a) => `${site}/${a.id}`).sort();
      await expect.poll(async () => (await shown()).map((r) => r.id).sort()).toEqual(want);
      expect(new Set((await shown()).map((r) => r.site))).toEqual(new Set([site]));
    }
    expect(isPng(await screenshot(b.page, 'hub-feed'))).toBe(true);
    // home and shop share device 3: the same alert id at both sites, two rows.
    const homeIds = new Set(expected.get('home')!.map((a) => a.id));
    expect(expected.get('shop')!.some((a) => homeIds.has(a.id))).toBe(true);
    await byTestId(b.page, 'filter-site').selectOption('all');
    await expect.poll(() => rows.count()).toBe(all);
    expect(b.pageErrors).toEqual([]);
  });

  it('an alert a gateway raises while the feed is open arrives over the hub\'s stream (no reload)', async () => {
    const office = gateways.get('office')!;
    await byTestId(b.page, 'filter-site').selectOption('office');
    await b.page.evaluate('window.__sameLoad = true');
    const file = join(office.dir, 'office-2.pcap');
    writeDeviceCapture(file, 20, 21);
    await office.daemon.ingestCapture(file);
    const now = ((await (await office.api('/api/v1/alerts?limit=1000', { token: office.tokens.analyst })).json()) as { items: StoredAlert[] }).items;
    expect(now.length).toBeGreaterThan(expected.get('office')!.length);
    expected.set('office', now);
    const ids = () => byTestId(b.page, 'alert-row').evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-alert-id')).sort());
    await expect.poll(ids, { timeout: 15_000 }).toEqual(now.map((a) => `office/${a.id}`).sort());
    expect(await b.page.evaluate('window.__sameLoad === true')).toBe(true);
    await byTestId(b.page, 'filter-site').selectOption('all');
    expect(b.pageErrors).toEqual([]);
  });

  it('the devices filtered to one site are that gateway\'s devices', async () => {
    const office = gateways.get('office')!;
    const want = ((await (await office.api('/api/v1/devices', { token: office.tokens.analyst })).json()) as { items: { mac: string }[] }).items.map((d) => d.mac).sort();
    expect(want.length).toBeGreaterThan(0);
    await byTestId(b.page, 'nav-devices').click();
    await byTestId(b.page, 'device-table').waitFor();
    await byTestId(b.page, 'device-site').selectOption('office');
    const rows = byTestId(b.page, 'device-row');
    await expect.poll(() => rows.evaluateAll((els: PageElement[]) => els.map((e) => `${e.getAttribute('data-site')} ${e.getAttribute('data-mac')}`).sort()))
      .toEqual(want.map((m) => `office ${m}`));
    expect(b.pageErrors).toEqual([]);
  });

  it('a search for an address two sites saw lists those two sites', async () => {
    await byTestId(b.page, 'nav-search').click();
    await byTestId(b.page, 'hub-search-input').fill(SHARED_ADDRESS);
    await byTestId(b.page, 'hub-search-go').click();
    const sites = byTestId(b.page, 'search-site');
    await expect.poll(() => sites.evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-site')).sort())).toEqual(['home', 'shop']);
    expect(b.pageErrors).toEqual([]);
  });

  it('a block sent to every site from the Commands page is applied at all three', async () => {
    const peer = '203.0.113.66';
    await byTestId(b.page, 'nav-commands').click();
    await byTestId(b.page, 'cmd-form').waitFor();
    await byTestId(b.page, 'cmd-action').selectOption('block-peer');
    await byTestId(b.page, 'cmd-target').fill(peer);
    await byTestId(b.page, 'cmd-note').fill('c2 seen at every site');
    expect(await byTestId(b.page, 'cmd-all-sites').isChecked()).toBe(true);
    await byTestId(b.page, 'cmd-send').click();
    const cards = byTestId(b.page, 'command-row');
    await expect.poll(() => cards.count()).toBe(1);
    const statuses = () => byTestId(b.page, 'command-site').evaluateAll((els: PageElement[]) => els.map((e) => `${e.getAttribute('data-site')} ${e.getAttribute('data-status')}`).sort());
    await expect.poll(statuses, { timeout: 20_000 }).toEqual(SITE_NAMES.map((s) => `${s} applied`).sort());
    // Each gateway holds the block in its own response actions, under the id its ack reported.
    const acked = new Map(await byTestId(b.page, 'command-site').evaluateAll((els: PageElement[]) => els.map((e) => [e.getAttribute('data-site'), e.getAttribute('data-action-id')] as const)));
    for (const [site, g] of gateways) {
      const actions = ((await (await g.api('/api/v1/actions?kind=block&state=active', { token: g.tokens.analyst })).json()) as { items: { id: string; peer: string | null }[] }).items;
      expect(actions.map((a) => [a.id, a.peer?.split('/')[0]]), site).toEqual([[acked.get(site), peer]]);
    }
    const shot = await screenshot(b.page, 'hub-commands');
    expect(isPng(shot)).toBe(true);
    expect(b.pageErrors).toEqual([]);
  }, 30_000);
});
