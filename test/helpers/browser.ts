// Debian's Chromium, headless, driven through playwright-core for the dashboard's browser tests: one
// browser per test file (a persistent context on a fresh temporary profile, since Playwright refuses
// --user-data-dir as an argument), sign-in through the page's own form, full-page screenshots.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './fixtures.js';

/** The browser CI installs (Debian package `chromium`). */
export const CHROMIUM = '/usr/bin/chromium';
/** The built dashboard the daemon serves at `/`. */
export const DASHBOARD_INDEX = join(ROOT, 'dashboard', 'dist', 'index.html');
/** Where the screenshots go (git-ignored), for a person to look at. */
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');

/** Chromium's switches: no network of its own (updates, sync, QUIC), no GPU, no sandbox (root in CI). */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
] as const;

/** The page size every test and screenshot uses (CSS pixels). */
export const VIEWPORT = { width: 1400, height: 900 } as const;

/** Why Chromium cannot run the browser tests here, or null when it can. */
export function chromiumUnavailable(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  return null;
}

/** Why the dashboard cannot be tested here (no build), or null when it can. */
export function dashboardUnavailable(): string | null {
  if (!existsSync(DASHBOARD_INDEX)) return `${DASHBOARD_INDEX} is missing (npm run build builds the dashboard)`;
  return null;
}

/** Why the browser tests skip (Chromium or the built dashboard missing), or null when they run. */
export function browserTestsSkipReason(): string | null {
  const why = [chromiumUnavailable(), dashboardUnavailable()].filter((w) => w !== null);
  return why.length > 0 ? why.join('; ') : null;
}

/** A describe title that says why it skips, since vitest's skipIf shows no reason. */
export function browserSuiteTitle(title: string): string {
  const why = browserTestsSkipReason();
  return why === null ? title : `${title} (skipped: ${why})`;
}

/**
 * An element as the page functions passed to `locator.evaluateAll` use it. The tests compile
 * without the DOM lib, so Playwright's element types do not resolve: annotate with this instead.
 */
export interface PageElement {
  getAttribute(name: string): string | null;
}

export interface TestBrowser {
  context: BrowserContext;
  /** The context's first page. */
  page: Page;
  /** Uncaught exceptions thrown in any page of the context (the dashboard should throw none). */
  pageErrors: Error[];
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Launches headless Chromium on a fresh profile, with the fixed viewport and a 5 s default action timeout. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'edgeward-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      viewport: { ...VIEWPORT },
      timezoneId: 'UTC',
      locale: 'en-US',
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(5_000);
  const pageErrors: Error[] = [];
  const watch = (p: Page) => { p.on('pageerror', (e) => pageErrors.push(e)); };
  context.on('page', watch);
  const page = context.pages()[0] ?? await context.newPage();
  watch(page);
  return {
    context, page, pageErrors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Element by its `data-testid`. */
export const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/**
 * Opens the dashboard at `baseUrl` and signs in with `token` through the sign-in form; resolves when
 * the signed-in view shows the role and the stream is live.
 */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await byTestId(page, 'token-input').fill(token);
  await byTestId(page, 'sign-in').click();
  await byTestId(page, 'role').waitFor({ state: 'visible' });
  await waitConnState(page, 'live');
}

/** Waits until the connection indicator's data-state is one of `states`; resolves to it. */
export async function waitConnState(page: Page, ...states: ('live' | 'connecting' | 'offline')[]): Promise<string> {
  const sel = states.map((s) => `[data-testid="conn-state"][data-state="${s}"]`).join(', ');
  await page.locator(sel).first().waitFor({ state: 'attached', timeout: 10_000 });
  return (await byTestId(page, 'conn-state').getAttribute('data-state'))!;
}

/** The tallest screenshot taken (CSS pixels): Chromium paints at most 16,384 in one go. */
const SCREENSHOT_MAX_HEIGHT = 8_000;

/**
 * How much taller than the viewport the page's content is, when it scrolls inside an element sized
 * by the window (an app shell: the document itself never scrolls, so a plain full-page shot would
 * show one screen). Page script, run in the browser.
 */
const INNER_OVERFLOW = `(() => {
  let most = 0;
  for (const el of document.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    // A scroller with a max-height keeps it whatever the window: growing the window does not help.
    if (!/auto|scroll/.test(style.overflowY) || style.maxHeight !== 'none') continue;
    const over = el.scrollHeight - el.clientHeight;
    if (over > 0 && el.clientHeight > 0) most = Math.max(most, over);
  }
  return most;
})()`;

/**
 * Saves a full-page PNG to test-output/screenshots/<name>.png; resolves to its path. Where the
 * page scrolls inside a window-high element, the viewport is grown for the shot (up to 8,000 px)
 * so the whole content shows, then set back.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const size = page.viewportSize() ?? VIEWPORT;
  let height = size.height;
  // Growing may render more (a virtual list fills the room it gets): measure again, a few times.
  for (let i = 0; i < 3 && height < SCREENSHOT_MAX_HEIGHT; i++) {
    const over = await page.evaluate<number>(INNER_OVERFLOW);
    if (over <= 0) break;
    height = Math.min(SCREENSHOT_MAX_HEIGHT, height + over);
    await page.setViewportSize({ width: size.width, height });
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  }
  try {
    await page.screenshot({ path, fullPage: true });
  } finally {
    if (height !== size.height) await page.setViewportSize(size);
  }
  return path;
}

/** Whether `path` is a PNG file with an image in it (signature and a non-empty IHDR size). */
export function isPng(path: string): boolean {
  if (!existsSync(path)) return false;
  const b = readFileSync(path);
  return b.length > 24 && b.subarray(0, 8).toString('hex') === '89504e470d0a1a0a' && b.readUInt32BE(16) > 0 && b.readUInt32BE(20) > 0;
}
