// The alert lifecycle as an analyst meets it, in Chromium: alerts raised, the daemon restarted twice
// with the same traffic — the feed holds each alert once, its count carried on; resolved from the
// pane with a note, the alert recurs and the feed shows it reopened, the history naming who resolved
// it and the recurrence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, launchBrowser, screenshot, signIn, type PageElement, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { ingestDemo, startDemoDaemon } from './demo-daemon.js';

const skip = browserTestsSkipReason();

/** A feed row as the page function reads it (the tests compile without the DOM lib). */
interface CountedRow extends PageElement {
  querySelector(selector: string): { textContent: string | null } | null;
}

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: alert lifecycle across restarts'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    [b, t] = await Promise.all([launchBrowser(), startDemoDaemon()]);
    await ingestDemo(t);
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const stored = async (): Promise<StoredAlert[]> => ((await (await t.api('/api/v1/alerts?limit=1000', { token: t.tokens.admin })).json()) as { items: StoredAlert[] }).items;
  const rows = () => byTestId(b.page, 'alert-row');
  const shownRows = () => rows().evaluateAll((els: CountedRow[]) => els.map((e) => ({
    id: e.getAttribute('data-alert-id')!, status: e.getAttribute('data-status'), count: e.querySelector('.c-count')?.textContent ?? '',
  })));
  /** The camera's loader download: the alert this suite triages. */
  const download = (list: StoredAlert[]) => list.find((a) => a.rule === 'malware.download' && a.device === DEMO_HOSTS.camera.mac)!;

  it('after two restarts with the same traffic the feed holds each alert once, with its count carried on', async () => {
    const before = await stored();
    expect(download(before)).toBeDefined();
    for (let round = 2; round <= 3; round++) {
      await t.restart();
      await ingestDemo(t);
    }
    const after = await stored();
    expect(after.map((a) => a.id).sort()).toEqual(before.map((a) => a.id).sort());
    expect(download(after).count).toBe(download(before).count * 3);

    await signIn(b.page, t.url, t.tokens.analyst);
    await byTestId(b.page, 'alert-feed').waitFor();
    await byTestId(b.page, 'filter-rule').selectOption('malware.download');
    await expect.poll(async () => (await shownRows()).find((r) => r.id === download(after).id)?.count).toBe(`×${download(after).count}`);
    await byTestId(b.page, 'filter-rule').selectOption('all');
    await rows().first().waitFor();
    const shown = await shownRows();
    expect(new Set(shown.map((r) => r.id)).size, 'no alert twice in the feed').toBe(shown.length);
    for (const r of shown) expect(after.some((a) => a.id === r.id), `row ${r.id} is a stored alert`).toBe(true);
  });

  it('resolved with a note, the alert recurs and shows reopened, first in the feed, with its history', async () => {
    const a = download(await stored());
    await byTestId(b.page, 'filter-rule').selectOption('malware.download');
    const row = () => b.page.locator(`[data-testid="alert-row"][data-alert-id="${a.id}"]`);
    await row().click();
    await byTestId(b.page, 'alert-detail').waitFor();
    await byTestId(b.page, 'detail-note').fill('loader blocked upstream');
    await byTestId(b.page, 'detail-resolve').click();
    await expect.poll(() => row().getAttribute('data-status')).toBe('resolved');

    // The same traffic again: a recurrence.
    await ingestDemo(t);
    await expect.poll(() => row().getAttribute('data-status'), { timeout: 10_000 }).toBe('reopened');
    const now = (await stored()).find((x) => x.id === a.id)!;
    expect(now).toMatchObject({ status: 'reopened', count: a.count * 4 / 3 });
    // Most recent activity first: the reopened alert is at the top of the unfiltered feed, as in the API.
    await byTestId(b.page, 'filter-rule').selectOption('all');
    const api = await stored();
    await expect.poll(async () => (await shownRows())[0]?.id).toBe(api[0]!.id);
    expect(api.findIndex((x) => x.id === a.id)).toBeLessThan(api.length / 2);

    // The pane still shows it, repainted with the reopen.
    const history = byTestId(b.page, 'alert-history');
    await expect.poll(() => history.locator('li').evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('data-status')))).toEqual(['resolved', 'reopened']);
    expect(await history.textContent()).toContain('loader blocked upstream');
    expect(await history.textContent()).toContain('test analyst');
    await screenshot(b.page, 'alert-reopened');
  });
});
