/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a started
 * local twin, doing what a user does: sign in with the key, create a source, watch ingested
 * events arrive in live tail, search with LQL, read the chart, create and revoke a key, open the
 * usage page; at 1280×800 and on a phone. Screenshots of every page land in
 * test-output/screenshots; the source page's load time is measured and printed. The global
 * setup has built the dashboard into dist/web.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, ingest, startTwin, waitForEvents, type Twin } from '../support/twin.ts';
import { barPixels, findChromium, fitsViewport, launchBrowser, screenshot, SCREENSHOTS, type Browser } from '../support/browser.ts';

const executablePath = findChromium();
if (!executablePath) {
  const message = 'chromium is not on PATH (apt-get install -y chromium): the dashboard browser tests cannot run.';
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n!!! ${message} They are SKIPPED. !!!\n`);
}

let twin: Twin;
let browser: Browser;
let page: Page;
let sourceId = '';
const pageErrors: string[] = [];
const NOW = Date.now();

/** `count` events a second apart ending `endAgoMs` before the test started; every third is an error. */
function events(prefix: string, count: number, endAgoMs: number) {
  return Array.from({ length: count }, (_, i) => ({
    message: `${prefix} ${i} placed`,
    timestamp: NOW - endAgoMs - (count - 1 - i) * 1000,
    metadata: { level: i % 3 === 0 ? 'error' : 'info', amount: i, user: { id: i % 5 } },
  }));
}

/** Waits for what the page shows to settle: pages update on their own, after requests. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });

const resultCount = () => page.locator('#result-count');

async function search(query: string): Promise<void> {
  const box = page.getByLabel('LQL query');
  await box.fill(query);
  await box.press('Enter');
}

describe.skipIf(!executablePath)('the dashboard in a browser', () => {
  beforeAll(async () => {
    twin = await startTwin();
    browser = await launchBrowser(executablePath!);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await twin?.destroy();
  });

  it('refuses a wrong key and signs in with the right one', async () => {
    await page.goto(`${twin.url}/`);
    await eventually(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await screenshot(page, 'desktop-sign-in');

    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('That key was not accepted');

    await page.getByLabel('API key').fill(twin.key);
    await page.getByLabel('API key').press('Enter');
    await eventually(() => page.getByRole('heading', { name: 'Sources' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('kindling.session'))).toContain(twin.key);
  });

  it('creates a source and shows how to send it events', async () => {
    await page.getByLabel('Source name').fill('checkout');
    await page.getByRole('button', { name: 'Create source' }).click();
    await eventually(() => page.getByRole('link', { name: 'checkout' }).isVisible()).toBe(true);
    const sources = (await (await twin.request('/api/sources')).json()) as { id: string; name: string }[];
    sourceId = sources.find((source) => source.name === 'checkout')!.id;
    const snippet = page.locator('.snippets');
    await eventually(() => snippet.textContent()).toContain(`/logs?source=${sourceId}`);
    expect(await snippet.textContent()).toContain(`sourceToken: '${sourceId}'`);
    await screenshot(page, 'desktop-sources');
  });

  it('shows events ingested through the API in live tail, newest first', async () => {
    await page.getByRole('link', { name: 'checkout' }).click();
    await eventually(() => page.getByRole('heading', { name: 'checkout' }).isVisible()).toBe(true);
    await eventually(() => resultCount().textContent()).toBe('0 events');
    const tail = page.getByRole('button', { name: 'Live tail' });
    await tail.click();
    expect(await tail.getAttribute('aria-pressed')).toBe('true');

    expect((await ingest(twin, sourceId, { batch: events('order', 30, 5_000) })).status).toBe(200);
    await eventually(() => resultCount().textContent()).toBe('30 events');
    expect(await page.locator('.event-row').first().textContent()).toContain('order 29 placed');

    // Still tailing: a later batch joins the list on the next polls.
    const late = { message: 'late order arrived', metadata: { level: 'info' } };
    expect((await ingest(twin, sourceId, { batch: [late] })).status).toBe(200);
    await eventually(() => resultCount().textContent()).toBe('31 events');
    expect(await page.locator('.event-row').first().textContent()).toContain('late order arrived');
    await tail.click();
    expect(await tail.getAttribute('aria-pressed')).toBe('false');
  });

  it('narrows the results with LQL, adds schema fields as filters, explains invalid queries', async () => {
    await search('m.level:error');
    await eventually(() => resultCount().textContent()).toBe('10 events');
    expect(page.url()).toContain('q=m.level%3Aerror');

    await page.getByRole('button', { name: /^m\.user\.id/ }).click();
    await eventually(() => page.getByLabel('LQL query').inputValue()).toBe('m.level:error m.user.id:');
    await page.keyboard.type('2');
    await page.keyboard.press('Enter');
    // Errors are i % 3 == 0 and user 2 is i % 5 == 2: orders 12 and 27.
    await eventually(() => resultCount().textContent()).toBe('2 events');

    // The cheat sheet's examples go into the query too.
    await page.getByText('LQL help').click();
    await page.getByRole('button', { name: 't:last@15m' }).click();
    expect(await page.getByLabel('LQL query').inputValue()).toBe('m.level:error m.user.id:2 t:last@15m');
    await screenshot(page, 'desktop-source-lql-help');
    await page.getByText('LQL help').click();

    await search('m.nope:1');
    await eventually(() => page.getByRole('alert').textContent()).toContain('not present in source schema');
    await screenshot(page, 'desktop-source-invalid-lql');
  });

  it('opens an event as JSON from the keyboard', async () => {
    await search('"order 12 placed"');
    await eventually(() => resultCount().textContent()).toBe('1 event');
    const toggle = page.locator('.event-row .disclosure').first();
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const json = JSON.parse((await page.getByLabel('Event JSON').textContent())!) as Record<string, unknown>;
    expect(json).toMatchObject({ event_message: 'order 12 placed', metadata: { level: 'error', amount: 12, user: { id: 2 } } });
  });

  it('charts the query and pages older events with "load more"', async () => {
    // Two hours back: outside the default chart window, and more than one page of events.
    expect((await ingest(twin, sourceId, { batch: events('archived', 120, 2 * 3600_000) })).status).toBe(200);
    await waitForEvents(twin, sourceId, 151);
    await search('');
    await eventually(() => resultCount().textContent()).toBe('100 events, more available');
    await eventually(() => page.locator('.chart').getAttribute('aria-label')).toContain('total 31');
    const bars = await barPixels(page, '.chart-box');
    expect(bars.rows).toBeGreaterThan(10);
    await screenshot(page, 'desktop-source');

    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(() => resultCount().textContent()).toBe('151 events');

    await search('c:max(m.amount) c:group_by(t::hour) t:last@3h');
    await eventually(() => page.locator('.chart-box figcaption').textContent()).toBe('Chart: c:max(m.amount) c:group_by(t::hour)');
    await eventually(() => page.locator('.chart').getAttribute('aria-label')).toContain('highest 119');
    expect((await barPixels(page, '.chart-box')).rows).toBeGreaterThan(10);
  });

  it('counts the source live on the Sources page', async () => {
    await page.getByRole('link', { name: 'Sources', exact: true }).click();
    const item = page.locator('.source-item', { hasText: 'checkout' });
    const today = new Date(NOW).toISOString().slice(0, 10);
    // The archived batch lies two hours back: still today unless the day began since.
    const archivedToday = events('archived', 120, 2 * 3600_000).filter((e) => new Date(e.timestamp).toISOString() >= today);
    const expected = archivedToday.length + 31;
    await eventually(() => item.locator('dd').nth(1).textContent()).toBe(String(expected));
    expect(await item.locator('dd').nth(2).textContent()).toMatch(/s ago|min ago/);
  });

  it('creates a key, shows its secret once, and revokes it', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByLabel('Description').fill('browser test key');
    await page.getByRole('checkbox', { name: /query/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('#new-secret').textContent())!;
    expect(secret.length).toBeGreaterThan(16);
    expect((await twin.request(`/api/sources/${sourceId}/events?limit=1`, { key: secret })).status).toBe(200);
    await screenshot(page, 'desktop-keys-new-secret');

    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.locator('#new-secret').count()).toBe(0);
    const row = page.locator('tr', { hasText: 'browser test key' });
    expect(await row.textContent()).toContain('ingest, query');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /Revoke/ }).click();
    await eventually(() => row.count()).toBe(0);
    expect((await twin.request(`/api/sources/${sourceId}/events?limit=1`, { key: secret })).status).toBe(401);
  });

  it('shows the plan, daily usage and usage reports', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = await twin.request('/billing/report', {
      method: 'POST',
      key: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period: today }),
    });
    expect(report.status).toBe(200);
    await page.getByRole('link', { name: 'Usage' }).click();
    await eventually(() => page.locator('#plan-name').textContent()).toBe('local');
    expect(await page.locator('#estimated-charge').textContent()).toBe('$0.00');
    await eventually(() => page.locator('tr', { hasText: today }).last().textContent()).toContain('Provisional');
    await eventually(async () => (await barPixels(page, '.card')).rows).toBeGreaterThan(10);
    await screenshot(page, 'desktop-usage');
  });

  it('runs SQL, or says the server does not offer it', async () => {
    await page.getByRole('link', { name: 'SQL' }).click();
    await page.getByLabel('SQL query').fill('SELECT count(*) AS n FROM checkout');
    await page.getByRole('button', { name: 'Run query' }).click();
    const answer = page.locator('table caption, .notice');
    await eventually(() => answer.first().textContent()).toMatch(/Result in|does not offer SQL/);
    if ((await answer.first().textContent())!.startsWith('Result in')) {
      expect(await page.locator('td').first().textContent()).toBe('151');
    }
    await screenshot(page, 'desktop-sql');
  });

  it('creates and runs an endpoint, or says the server does not offer them', async () => {
    await page.getByRole('link', { name: 'Endpoints' }).click();
    const offered = (await twin.request('/api/endpoints')).status === 200;
    if (!offered) {
      await eventually(() => page.locator('main').textContent()).toContain('does not offer endpoints');
      return;
    }
    await page.getByRole('link', { name: 'New endpoint' }).click();
    await page.getByLabel('Name', { exact: true }).fill('errors_by_level');
    await page.getByLabel('Query', { exact: true }).fill('SELECT count(*) AS n FROM checkout WHERE metadata.level = @level');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await eventually(() => page.getByRole('heading', { name: 'errors_by_level' }).isVisible()).toBe(true);
    await page.getByLabel('@level').fill('error');
    await page.getByRole('button', { name: 'Run endpoint' }).click();
    // Every third order (10 of 30) and every third archived event (40 of 120).
    await eventually(() => page.locator('table td').first().textContent()).toBe('50');
    await screenshot(page, 'desktop-endpoint-editor');

    await page.getByRole('link', { name: '← Endpoints' }).click();
    await eventually(() => page.getByRole('link', { name: 'errors_by_level' }).isVisible()).toBe(true);
    await screenshot(page, 'desktop-endpoints');
  });

  it('loads the source page quickly', async () => {
    const fresh = await browser.context.newPage();
    // A first visit: nothing cached from the pages before.
    await (await browser.context.newCDPSession(fresh)).send('Network.clearBrowserCache');
    await fresh.goto(`${twin.url}/#/sources/${sourceId}`);
    // Resolves on the first animation frame where events are listed and the chart has bars.
    const ready = await fresh.waitForFunction(() => {
      const rows = document.querySelectorAll('.event-row').length;
      const canvas = document.querySelector<HTMLCanvasElement>('.chart canvas');
      const label = document.querySelector('.chart')?.getAttribute('aria-label') ?? '';
      return rows > 0 && canvas !== null && label.includes('total') ? performance.now() : false;
    });
    const usableMs = Math.round((await ready.jsonValue()) as number);
    const domContentLoadedMs = Math.round(
      await fresh.evaluate(() => {
        const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
        return navigation!.domContentLoadedEventEnd;
      }),
    );
    await fresh.close();
    console.info(`source page: DOMContentLoaded at ${domContentLoadedMs} ms, events and chart shown at ${usableMs} ms`);
    writeFileSync(path.join(SCREENSHOTS, '..', 'source-page-timing.json'), JSON.stringify({ domContentLoadedMs, usableMs }));
    expect(usableMs).toBeLessThan(3000);
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // Each page, and what shows it has loaded.
    const pages = [
      ['sources', '#/sources', page.locator('.source-stats dd', { hasText: /\d/ }).first()],
      ['source', `#/sources/${sourceId}`, page.locator('.event-row').first()],
      ['keys', '#/keys', page.locator('td', { hasText: 'first key' }).first()],
      ['usage', '#/usage', page.locator('#plan-name')],
      ['sql', '#/sql', page.getByLabel('SQL query')],
    ] as const;
    for (const [name, hash, loaded] of pages) {
      await page.goto(`${twin.url}/${hash}`);
      await page.reload();
      await loaded.waitFor();
      // Charts draw on the next animation frame after their data arrives.
      await page.waitForTimeout(300);
      expect(await fitsViewport(page), `${name} is wider than the phone`).toBe(true);
      await screenshot(page, `phone-${name}`);
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await eventually(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await fitsViewport(page)).toBe(true);
    await screenshot(page, 'phone-sign-in');
    expect(await page.evaluate(() => localStorage.getItem('kindling.session'))).toBeNull();
  });

  it('raised no script errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
