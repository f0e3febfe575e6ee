// The edge-log stream with its severity filter, and the charts page, in Chromium: records a
// device posts appear, the filter keeps "this severity and worse", and the three uPlot charts draw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, screenshot, type PageElement, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { openDemoDashboard } from './demo-daemon.js';

const skip = browserTestsSkipReason();

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: edge logs and charts'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    [b, t] = await openDemoDashboard();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('streams a device\'s logs and filters them by severity', async () => {
    const page = b.page;
    await byTestId(page, 'nav-logs').click();
    const tok = t.daemon.tokens.create({ role: 'device', device: '02:ed:00:00:01:0a' }).token;
    const res = await t.api('/api/v1/logs', {
      method: 'POST', token: tok, headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { message: 'rtsp: sensor timeout', severity: 'error', app: 'camd' },
        { message: 'firmware check ok', severity: 'info', app: 'updater' },
        { message: 'watchdog reset', severity: 'critical', app: 'kernel' },
      ]),
    });
    expect(res.status).toBe(202);
    const rows = byTestId(page, 'log-row');
    // Arrive over the stream, without a reload.
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(3);
    await byTestId(page, 'log-severity').selectOption('error');
    await expect.poll(async () => (await rows.evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-severity')))).sort()).toEqual(['critical', 'error']);
    expect(isPng(await screenshot(page, 'logs'))).toBe(true);
  });

  it('draws the three charts', async () => {
    const page = b.page;
    await byTestId(page, 'nav-charts').click();
    for (const id of ['chart-alerts', 'chart-traffic', 'chart-logs']) {
      await expect.poll(() => page.locator(`[data-testid="${id}"] canvas`).count(), { timeout: 5000 }).toBeGreaterThan(0);
    }
    expect(isPng(await screenshot(page, 'charts'))).toBe(true);
  });
});
