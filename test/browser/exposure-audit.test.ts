// The exposure card's audit button in Chromium, for an admin: an audit of a device that has not
// consented is refused by the gateway before anything is sent, and the card says why; no run is
// kept. (The audit itself, against real telnet/SSH/HTTP servers, is test/e2e/exposure-audit-netns.test.ts;
// an analyst sees no button: test/browser/devices.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, screenshot, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { openDemoDashboard } from './demo-daemon.js';

const skip = browserTestsSkipReason();

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: exposure audit'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    [b, t] = await openDemoDashboard('admin');
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('refuses to audit a device without consent, says so on the card, and keeps no run', async () => {
    const page = b.page;
    const mac = DEMO_HOSTS.camera.mac;
    await page.evaluate((h) => { (globalThis as unknown as { location: { hash: string } }).location.hash = h; }, `#/devices/${mac}`);
    const button = byTestId(page, 'audit-now');
    await button.waitFor({ timeout: 10_000 });
    await button.click();
    const status = byTestId(page, 'audit-status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/consent/i);
    expect(await status.getAttribute('class')).toContain('form-error');
    expect(await button.isDisabled()).toBe(false);
    const runs = (await (await t.api('/api/v1/exposure/audits', { token: t.tokens.admin })).json()) as { items: unknown[]; requests: unknown[] };
    expect(runs.items).toEqual([]);
    expect(runs.requests).toEqual([]);
    expect(isPng(await screenshot(page, 'exposure-audit-refused'))).toBe(true);
  });
});
