// The device inventory and a device's detail in Chromium, after one loop of the demo: every demo
// device with its compliance state, and the camera's detail showing the flows to its C&C server
// denied, each naming the ACL that denied it, next to its profile's ACEs with their flow counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import type { FlowRecord } from '../../gateway/track/flow-record.js';
import { browserSuiteTitle, browserTestsSkipReason, byTestId, isPng, screenshot, type PageElement, type TestBrowser } from '../helpers/browser.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { CAMERA_DENIED, DEMO_COMPLIANCE, openDemoDashboard } from './demo-daemon.js';

const skip = browserTestsSkipReason();

interface AceView { acl: string; ace: string | null; flows: number }
interface Detail { mac: string; compliance: string; aces: AceView[]; flows: { live: FlowRecord[]; ended: FlowRecord[] }; recentAlerts: { id: string; rule: string }[] }

describe.skipIf(skip !== null)(browserSuiteTitle('dashboard: devices'), () => {
  let b: TestBrowser;
  let t: TestDaemon;

  beforeAll(async () => {
    [b, t] = await openDemoDashboard();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('lists the demo\'s devices with their compliance state', async () => {
    const page = b.page;
    await byTestId(page, 'nav-devices').click();
    await expect.poll(() => page.url()).toMatch(/#\/devices$/);
    const rows = byTestId(page, 'device-row');
    await expect.poll(() => rows.count()).toBe(Object.keys(DEMO_COMPLIANCE).length);
    const shown = Object.fromEntries(await rows.evaluateAll((els: PageElement[]) => els.map((e) => [String(e.getAttribute('data-mac')), e.getAttribute('data-compliance')] as const)));
    expect(shown).toEqual(DEMO_COMPLIANCE);
    // The API agrees (the page shows the server's state, not its own idea of it).
    const api = (await (await t.api('/api/v1/devices', { token: t.tokens.analyst })).json()) as { items: { mac: string; compliance: string }[] };
    expect(Object.fromEntries(api.items.map((d) => [d.mac, d.compliance]))).toEqual(shown);
    // A row names its device the way a person knows it.
    expect(await page.locator(`[data-testid="device-row"][data-mac="${DEMO_HOSTS.camera.mac}"]`).textContent()).toContain(DEMO_HOSTS.camera.hostname);
    expect(isPng(await screenshot(page, 'devices'))).toBe(true);
  });

  it('shows each device\'s exposure as the API gives it, and the camera\'s telnet with the finding in words', async () => {
    const page = b.page;
    await page.evaluate(() => { (globalThis as unknown as { location: { hash: string } }).location.hash = '#/devices'; });
    const api = (await (await t.api('/api/v1/devices', { token: t.tokens.analyst })).json()) as { items: { mac: string; exposure: { level: string; maintenance: string[] } }[] };
    const cam = api.items.find((d) => d.mac === DEMO_HOSTS.camera.mac)!;
    // The demo's bot logs in to the camera over telnet: a maintenance service it answers on.
    expect(cam.exposure.maintenance).toContain('telnet');
    const cells = byTestId(page, 'exposure-cell');
    await expect.poll(() => cells.count()).toBe(api.items.length);
    for (const d of api.items) {
      await expect.poll(() => page.locator(`[data-testid="device-row"][data-mac="${d.mac}"] [data-testid="exposure-cell"]`).getAttribute('data-level')).toBe(d.exposure.level);
    }
    expect(await page.locator(`[data-testid="device-row"][data-mac="${cam.mac}"] [data-testid="exposure-cell"]`).textContent()).toContain('telnet');
    // The camera's detail: its services and the findings, worst first, each with what to do.
    const detail = (await (await t.api(`/api/v1/devices/${encodeURIComponent(cam.mac)}`, { token: t.tokens.analyst })).json()) as { exposureDetail: { services: { port: number }[]; findings: { text: string }[] } };
    await page.evaluate((h) => { (globalThis as unknown as { location: { hash: string } }).location.hash = h; }, `#/devices/${cam.mac}`);
    const services = byTestId(page, 'exposure-service');
    await expect.poll(() => services.count(), { timeout: 10_000 }).toBe(detail.exposureDetail.services.length);
    expect(await services.evaluateAll((els: PageElement[]) => els.map((e) => Number(e.getAttribute('data-port'))))).toEqual(detail.exposureDetail.services.map((s) => s.port));
    const findings = byTestId(page, 'exposure-finding');
    await expect.poll(() => findings.count()).toBe(detail.exposureDetail.findings.length);
    expect(await findings.first().textContent()).toContain(detail.exposureDetail.findings[0]!.text);
    // An analyst may read the exposure, not start an audit (admin only).
    expect(await byTestId(page, 'audit-now').count()).toBe(0)
    expect(isPng(await screenshot(page, 'device-exposure'))).toBe(true);
  });

  it('shows a violating device\'s denied flow and the ACL that denied it', async () => {
    const page = b.page;
    const mac = DEMO_HOSTS.camera.mac;
    const api = (await (await t.api(`/api/v1/devices/${encodeURIComponent(mac)}`, { token: t.tokens.analyst })).json()) as Detail;
    await page.evaluate((h) => { (globalThis as unknown as { location: { hash: string } }).location.hash = h; }, `#/devices/${mac}`);
    const detail = page.locator(`[data-testid="device-detail"][data-mac="${mac}"]`);
    // The section appears at once ("Loading…"); its state arrives with the device's data.
    await expect.poll(() => detail.getAttribute('data-compliance'), { timeout: 10_000 }).toBe('violating');

    // The flows to the C&C server: denied, and the row names the ACL.
    const denied = page.locator('[data-testid="flow-row"][data-allowed="false"]', { hasText: CAMERA_DENIED.dst });
    await denied.first().waitFor();
    const deniedTexts = await denied.allTextContents();
    expect(deniedTexts.every((x) => x.includes(CAMERA_DENIED.acl)), deniedTexts.join('\n')).toBe(true);
    // As many as the API lists for the device (the page shows every flow it was given).
    const apiFlows = [...api.flows.live, ...api.flows.ended];
    const apiDenied = apiFlows.filter((f) => f.dst === CAMERA_DENIED.dst && f.mud?.some((m) => m.device === mac && !m.allowed && m.acl === CAMERA_DENIED.acl));
    expect(apiDenied.length).toBeGreaterThan(0);
    expect(deniedTexts).toHaveLength(apiDenied.length);
    // An allowed flow names the ACE that allowed it.
    const allowedAces = new Set(apiFlows.flatMap((f) => (f.mud ?? []).filter((m) => m.device === mac && m.allowed && m.ace !== null).map((m) => m.ace!)));
    expect(allowedAces.size).toBeGreaterThan(0);
    const allowedTexts = await page.locator('[data-testid="flow-row"][data-allowed="true"]').allTextContents();
    expect(allowedTexts.length).toBeGreaterThan(0);
    expect(allowedTexts.every((x) => [...allowedAces].some((ace) => x.includes(ace))), allowedTexts.join('\n')).toBe(true);

    // The profile's ACEs, each with the number of flows it matched, as the API counts them.
    const aceRows = await byTestId(page, 'ace-row').evaluateAll((els: PageElement[]) => els.map((e) => ({ acl: e.getAttribute('data-acl'), ace: e.getAttribute('data-ace'), flows: e.getAttribute('data-flows') })));
    for (const a of api.aces.filter((x) => x.ace !== null)) {
      expect(aceRows.find((r) => r.acl === a.acl && r.ace === a.ace), `${a.acl}/${a.ace}`).toMatchObject({ flows: String(a.flows) });
    }
    expect(aceRows.some((r) => r.acl === CAMERA_DENIED.acl)).toBe(true);
    // Its alerts, the violations among them.
    expect(await byTestId(page, 'detail-alert').count()).toBe(api.recentAlerts.length);
    expect(await page.locator('[data-testid="detail-alert"]', { hasText: 'mud.violation' }).count()).toBeGreaterThan(0);

    expect(isPng(await screenshot(page, 'device-detail'))).toBe(true);
    expect(b.pageErrors.map((e) => e.message)).toEqual([]);
  });
});
