// Suppressions in Chromium: the alert pane's "Suppress…" form comes prefilled from the alert (rule
// and device ticked, peer and port offered), shows the server's refusal by field, and makes the
// suppression; the next occurrence is silenced; the Suppressions page lists it with its count and
// what it silenced, and removes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../gateway/alerts/alert.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const skip = browserTestsSkipReason();
const T = Date.UTC(2026, 5, 1) * 1000;
const MAC = '02:00:00:00:5b:01';

const beacon = (ts: number): AlertInput => ({
  rule: 'beacon.c2', ts, device: MAC, src: '192.168.1.20', dst: '203.0.113.80', proto: 'tcp', sport: 40100, dport: 8443,
  message: 'periodic check-ins to 203.0.113.80', evidence: {},
});

interface Sup { id: string; rule: string | null; device: string | null; peer: string | null; port: number | null; state: string; suppressed: number; reason: string }

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: suppressions'), () => {
  let b: TestBrowser;
  let t: TestDaemon;
  const sups = async () => ((await (await t.api('/api/v1/suppressions', { token: t.tokens.admin })).json()) as { items: Sup[] }).items;

  beforeAll(async () => {
    [b, t] = await Promise.all([launchBrowser(), startTestDaemon()]);
    t.daemon.alerts.raise(beacon(T));
    t.daemon.alerts.raise({ ...beacon(T), rule: 'scan.port', message: 'a port scan' });
    t.daemon.alerts.flush();
    b.page.on('dialog', (d) => void d.accept());
    await signIn(b.page, t.url, t.tokens.analyst);
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('opens the form from the alert pane, prefilled from the alert', async () => {
    await b.page.locator('[data-testid="alert-row"][data-rule="beacon.c2"]').click();
    await byTestId(b.page, 'detail-suppress').click();
    const form = byTestId(b.page, 'suppress-form');
    await form.waitFor();
    const value = (id: string) => byTestId(b.page, id).inputValue();
    expect([await value('suppress-rule'), await value('suppress-device'), await value('suppress-peer'), await value('suppress-port')])
      .toEqual(['beacon.c2', MAC, '203.0.113.80', '8443']);
    const ticked = (part: string) => byTestId(b.page, `suppress-use-${part}`).isChecked();
    expect([await ticked('rule'), await ticked('device'), await ticked('peer'), await ticked('port')]).toEqual([true, true, false, false]);
    await screenshot(b.page, 'suppress-form');
  });

  it('shows the server\'s refusal by field, then makes the suppression', async () => {
    await byTestId(b.page, 'suppress-reason').evaluate((el) => { (el as unknown as { required: boolean }).required = false; });
    await byTestId(b.page, 'suppress-submit').click();
    await expect.poll(() => byTestId(b.page, 'suppress-error').allTextContents()).toEqual([expect.stringMatching(/^reason /)]);
    expect(await sups()).toEqual([]);
    await byTestId(b.page, 'suppress-reason').fill('lab camera talking to its test cloud');
    await byTestId(b.page, 'suppress-submit').click();
    await byTestId(b.page, 'suppress-form').waitFor({ state: 'detached' });
    const [s] = await sups();
    expect(s).toMatchObject({ rule: 'beacon.c2', device: MAC, peer: null, port: null, state: 'active', reason: 'lab camera talking to its test cloud' });
    // The next occurrence raises nothing: it is counted to the suppression.
    expect(t.daemon.alerts.raise(beacon(T + 60e6))).toBeNull();
    expect(t.daemon.alerts.raise({ ...beacon(T + 60e6), rule: 'scan.port', message: 'a port scan' })).not.toBeNull();
  });

  it('lists it with its count and what it silenced on the Suppressions page, and removes it', async () => {
    await byTestId(b.page, 'nav-suppressions').click();
    const row = byTestId(b.page, 'suppression-row');
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('active');
    expect(await row.locator('[data-testid="suppression-count"]').textContent()).toBe('1');
    expect(await row.locator('[data-testid="suppression-scope"]').textContent()).toBe(`rulebeacon.c2device${MAC}`);
    await row.locator('[data-testid="suppression-show-hits"]').click();
    await expect.poll(() => byTestId(b.page, 'suppression-hit').count()).toBe(1);
    expect(await byTestId(b.page, 'suppression-hit').textContent()).toContain('192.168.1.20:40100 → 203.0.113.80:8443');
    await screenshot(b.page, 'suppressions');
    await row.locator('[data-testid="suppression-remove"]').click();
    await expect.poll(async () => (await sups())[0]?.state).toBe('removed');
    // The page now shows active ones: none.
    await expect.poll(() => byTestId(b.page, 'suppression-row').count()).toBe(0);
    expect(t.daemon.alerts.raise(beacon(T + 120e6))).not.toBeNull();
    expect(b.pageErrors).toEqual([]);
  });
});
