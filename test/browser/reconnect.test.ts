// The feed's WebSocket across a daemon restart: the page notices the server went away, reconnects
// by itself when a new daemon comes up on the same port and data, and shows the alerts raised
// meanwhile and after, once each, without a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, launchBrowser, signIn, waitConnState, type PageElement, type TestBrowser } from '../helpers/browser.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac } from '../helpers/device-capture.js';
import { newDevicesCapture } from './demo-daemon.js';

const skip = browserTestsSkipReason();

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: stream reconnect'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    // Only device.new, raised at once: one alert per new device.
    [b, t] = await Promise.all([launchBrowser(), startTestDaemon({ detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } } })]);
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const rowOf = (i: number) => b.page.locator(`[data-testid="alert-row"][data-rule="device.new"][data-device="${deviceMac(i)}"]`);
  const stored = async () => ((await (await t.api('/api/v1/alerts?limit=1000', { token: t.tokens.admin })).json()) as { items: StoredAlert[] }).items;

  it('reconnects after the WebSocket server was killed and restarted, and shows the alerts raised meanwhile', async () => {
    const page = b.page;
    await signIn(page, t.url, t.tokens.analyst);
    await t.daemon.ingestCapture(newDevicesCapture(t, 1, 2));
    await rowOf(1).waitFor();
    // A mark in the page's global scope: still there at the end means the page was never reloaded.
    await page.evaluate(() => { (globalThis as Record<string, unknown>).edgewardTestMark = 'same page'; });

    await t.stop();
    const down = await waitConnState(page, 'offline', 'connecting');
    expect(['offline', 'connecting']).toContain(down);

    // The page may not reconnect before the new daemon has raised alerts: it is kept off the
    // network (Chromium's offline emulation fails its WebSocket handshakes) until they are stored.
    await b.context.setOffline(true);
    await t.start();
    await t.daemon.ingestCapture(newDevicesCapture(t, 2, 5));
    expect(await byTestId(page, 'conn-state').getAttribute('data-state')).not.toBe('live');
    await b.context.setOffline(false);
    for (const i of [2, 3, 4]) await rowOf(i).waitFor({ timeout: 15_000 });
    await waitConnState(page, 'live');

    // And the live stream works on the new connection.
    await t.daemon.ingestCapture(newDevicesCapture(t, 5, 6));
    await rowOf(5).waitFor();

    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).edgewardTestMark)).toBe('same page');
    // Once each: the catch-up after the reconnect repeats nothing the page already had.
    for (const i of [1, 2, 3, 4, 5]) expect(await rowOf(i).count(), deviceMac(i)).toBe(1);
    const all = await stored();
    expect(all).toHaveLength(5);
    const ids = await byTestId(page, 'alert-row').evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-alert-id')));
    expect(ids.sort()).toEqual(all.map((a) => a.id).sort());
    expect(b.pageErrors.map((e) => e.message)).toEqual([]);
  });
});
