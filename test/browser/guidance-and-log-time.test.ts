// Issue 17 items 5 and 6 in Chromium: the alert pane names the device by its host name and says
// what to do about the alert's rule (GET /api/v1/rules, fetched once); the log list dates records
// by their receive time and flags a device clock five minutes ahead with its offset and time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleCatalog } from '../../gateway/alerts/rule-guidance.js';
import { DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, screenshot, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { openDemoDashboard } from './demo-daemon.js';

const skip = browserTestsSkipReason();
const whatToDo = (rule: string): string => ruleCatalog().find((r) => r.id === rule)!.whatToDo;

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: what to do, and edge log time'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    [b, t] = await openDemoDashboard();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('the alert pane names the camera by its host name and says what to do about its rule; the rules are fetched once', async () => {
    const page = b.page;
    const ruleFetches: string[] = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/rules') ruleFetches.push(r.url()); });
    const cam = DEMO_HOSTS.camera;
    const download = page.locator(`[data-testid="alert-row"][data-rule="malware.download"]`).first();
    await download.click();
    const pane = byTestId(page, 'alert-detail');
    await pane.waitFor();
    const todo = byTestId(page, 'alert-what-to-do');
    await expect.poll(() => todo.textContent(), { timeout: 5000 }).toBe(whatToDo('malware.download'));
    expect(await todo.getAttribute('data-rule')).toBe('malware.download');
    const msg = await pane.locator('.pane-msg').textContent();
    expect(msg).toMatch(new RegExp(`^${cam.hostname} \\(${cam.ip.replace(/\./g, '\\.')}\\) fetched `));
    expect(msg).not.toContain(cam.mac);
    // Another alert of another rule: its own guidance, from the table already fetched.
    await page.locator(`[data-testid="alert-row"][data-rule="mud.violation"]`).first().click();
    await expect.poll(() => todo.getAttribute('data-rule'), { timeout: 5000 }).toBe('mud.violation');
    await expect.poll(() => todo.textContent(), { timeout: 5000 }).toBe(whatToDo('mud.violation'));
    expect(ruleFetches).toHaveLength(1);
    expect(isPng(await screenshot(page, 'alert-what-to-do'))).toBe(true);
  });

  it('the log list dates by receipt and flags a device clock five minutes ahead, with the device time in the tooltip', async () => {
    const page = b.page;
    await byTestId(page, 'nav-logs').click();
    const tok = t.daemon.tokens.create({ role: 'device', device: DEMO_HOSTS.plug.mac }).token;
    const ahead = new Date(Date.now() + 5 * 60_000).toISOString();
    const res = await t.api('/api/v1/logs', {
      method: 'POST', token: tok, headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ message: 'relay stuck', severity: 'error', app: 'relayd', ts: ahead }, { message: 'relay ok', severity: 'info', app: 'relayd' }]),
    });
    expect(res.status).toBe(202);
    const stuck = page.locator('[data-testid="log-row"]', { hasText: 'relay stuck' });
    const ok = page.locator('[data-testid="log-row"]', { hasText: 'relay ok' });
    await stuck.waitFor({ timeout: 5000 });
    await ok.waitFor({ timeout: 5000 });
    expect(await stuck.getAttribute('data-skewed')).toBe('true');
    expect(await stuck.locator('[data-testid="log-skew"]').textContent()).toBe('+5m');
    expect(await stuck.locator('[data-testid="log-skew"]').isVisible()).toBe(true);
    expect(await stuck.locator('.c-time').getAttribute('title')).toContain(`device clock ${ahead}`);
    expect(await ok.getAttribute('data-skewed')).toBe('false');
    expect(await ok.locator('[data-testid="log-skew"]').isVisible()).toBe(false);
    expect(await ok.locator('.c-time').getAttribute('title')).toContain('device clock not given');
    expect(isPng(await screenshot(page, 'logs-clock-skew'))).toBe(true);
    expect(b.pageErrors.map((e) => e.message)).toEqual([]);
  });
});
