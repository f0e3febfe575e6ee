// The live alert feed in Chromium: sign-in refuses a bad token; the demo's alerts are listed as
// the REST API has them (and filtered by rule); an alert the server raises reaches the open page
// over the stream (no fetch, no reload); acknowledging it from its row is kept by the server, so it
// is still acknowledged after a reload (which keeps the sign-in).
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, launchBrowser, screenshot, signIn, waitConnState, type PageElement, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { deviceMac } from '../helpers/device-capture.js';
import { ingestDemo, newDevicesCapture, startDemoDaemon } from './demo-daemon.js';

const skip = browserTestsSkipReason();

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: alert feed'), () => {
  let b: TestBrowser;
  let t: TestDaemon;
  /** The alert raised while the page watched, as the REST API has it. */
  let raised: StoredAlert;

  beforeAll(async () => {
    [b, t] = await Promise.all([launchBrowser(), startDemoDaemon()]);
    // The demo's alerts are there before the page opens: the feed starts from a snapshot.
    await ingestDemo(t);
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const alerts = async (query = '') => ((await (await t.api(`/api/v1/alerts?limit=1000${query}`, { token: t.tokens.admin })).json()) as { items: StoredAlert[] }).items;
  const rows = () => byTestId(b.page, 'alert-row');

  it('refuses a bad token at sign-in and stays on the sign-in form', async () => {
    await b.page.goto(`${t.url}/`);
    await byTestId(b.page, 'token-input').fill('ew_not-a-token-of-this-gateway');
    await byTestId(b.page, 'sign-in').click();
    await byTestId(b.page, 'sign-in-error').waitFor();
    expect(await byTestId(b.page, 'role').count()).toBe(0);
    expect(await byTestId(b.page, 'alert-feed').count()).toBe(0);
  });

  it('lists the alerts already raised, each row as the REST API has it', async () => {
    await signIn(b.page, t.url, t.tokens.analyst);
    await expect.poll(() => b.page.url()).toMatch(/#\/feed$/);
    expect(await byTestId(b.page, 'role').textContent()).toContain('analyst');
    await byTestId(b.page, 'alert-feed').waitFor();
    const stored = await alerts();
    expect(stored.length).toBeGreaterThan(10);
    await rows().first().waitFor();
    const shown = await rows().evaluateAll((els: PageElement[]) => els.map((e) => ({
      id: e.getAttribute('data-alert-id'), rule: e.getAttribute('data-rule'), severity: e.getAttribute('data-severity'),
      status: e.getAttribute('data-status'), device: e.getAttribute('data-device') || null,
    })));
    const byId = new Map(stored.map((a) => [a.id, a]));
    // Whether the feed pages or not, what it shows is the newest alerts, each as stored.
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown.map((s) => s.id)).size).toBe(shown.length);
    for (const s of shown) {
      const a = byId.get(s.id!);
      expect(a, `row ${s.id}`).toBeDefined();
      expect(s).toEqual({ id: a!.id, rule: a!.rule, severity: a!.severity, status: 'open', device: a!.device });
    }
    // The rows in view (the list may render only those) are the newest alerts.
    const newest = [...stored].sort((x, y) => y.seq - x.seq).slice(0, shown.length);
    expect(shown.map((s) => s.id).sort()).toEqual(newest.map((a) => a.id).sort());
    expect(await byTestId(b.page, 'feed-total').textContent()).toBe(String(stored.length));

    // Filtered by rule, the feed holds exactly what the API has of that rule — one whose alerts are
    // all older than the rows in view when there is such a rule, so the filter must reach past them.
    const inView = new Set(newest.map((a) => a.rule));
    const rule = stored.map((a) => a.rule).find((r) => !inView.has(r)) ?? 'malware.download';
    const ofRule = stored.filter((a) => a.rule === rule);
    expect(ofRule.length).toBeGreaterThan(0);
    await byTestId(b.page, 'filter-rule').selectOption(rule);
    await expect.poll(() => byTestId(b.page, 'feed-total').textContent()).toBe(String(ofRule.length));
    const filtered = await rows().evaluateAll((els: PageElement[]) => els.map((e) => [e.getAttribute('data-alert-id'), e.getAttribute('data-rule')]));
    expect(filtered.sort()).toEqual(ofRule.map((a) => [a.id, a.rule]).sort());
    await byTestId(b.page, 'filter-rule').selectOption('all');
    await expect.poll(() => byTestId(b.page, 'feed-total').textContent()).toBe(String(stored.length));
  });

  it('shows an alert the server raises as it is pushed, without a fetch or a reload', async () => {
    await waitConnState(b.page, 'live');
    const mac = deviceMac(1);
    const file = newDevicesCapture(t, 1, 2);
    const row = b.page.locator(`[data-testid="alert-row"][data-rule="device.new"][data-device="${mac}"]`);
    expect(await row.count()).toBe(0);
    // How it gets there is what is tested, not how fast (a loaded machine is slow either way): the
    // page asks the REST API for no alerts and does not load again, so the row came by the stream.
    const fetched: string[] = [];
    const onRequest = (r: Request) => { if (new URL(r.url()).pathname.startsWith('/api/v1/alerts')) fetched.push(r.url()); };
    let loads = 0;
    const onLoad = () => { loads++; };
    b.page.on('request', onRequest);
    b.page.on('load', onLoad);
    // ingestCapture resolves once the alert is flushed to the store (and published).
    await t.daemon.ingestCapture(file);
    const at = Date.now();
    try {
      await row.waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      // the count below says it did not come
    } finally {
      b.page.off('request', onRequest);
      b.page.off('load', onLoad);
    }
    const seenAfter = Date.now() - at;
    const stored = (await alerts(`&rule=device.new&device=${mac}`));
    expect(stored).toHaveLength(1);
    raised = stored[0]!;
    expect(await row.count(), `no row for the new alert ${seenAfter} ms after it was raised`).toBe(1);
    expect(fetched, 'the page fetched alerts instead of being pushed the new one').toEqual([]);
    expect(loads, 'the page loaded again').toBe(0);
    expect(await row.getAttribute('data-alert-id')).toBe(raised.id);
    expect(await row.getAttribute('data-severity')).toBe(raised.severity);
    expect(await row.getAttribute('data-status')).toBe('open');
  });

  it('acknowledges an alert from its row; the server keeps it, and a reload still shows it acknowledged', async () => {
    expect(raised, 'needs the alert of the previous test').toBeDefined();
    const row = () => b.page.locator(`[data-testid="alert-row"][data-alert-id="${raised.id}"]`);
    await row().locator('[data-testid="ack"]').click();
    await b.page.locator(`[data-testid="alert-row"][data-alert-id="${raised.id}"][data-status="acknowledged"]`).waitFor();
    const got = async () => (await (await t.api(`/api/v1/alerts/${encodeURIComponent(raised.id)}`, { token: t.tokens.admin })).json()) as StoredAlert;
    await expect.poll(async () => (await got()).status, { timeout: 5_000 }).toBe('acknowledged');
    expect((await got()).acknowledgedBy).toContain('test analyst');

    await b.page.reload();
    // Still signed in (the token is in sessionStorage): no sign-in form, the feed comes back.
    await byTestId(b.page, 'role').waitFor();
    expect(await byTestId(b.page, 'token-input').count()).toBe(0);
    await waitConnState(b.page, 'live');
    await row().waitFor();
    expect(await row().getAttribute('data-status')).toBe('acknowledged');
    expect((await got()).status).toBe('acknowledged');
    // The other alerts were not touched.
    expect((await alerts('&status=acknowledged')).map((a) => a.id)).toEqual([raised.id]);

    const png = await screenshot(b.page, 'feed');
    expect(isPng(png), png).toBe(true);
    expect(b.pageErrors.map((e) => e.message)).toEqual([]);
  });
});
