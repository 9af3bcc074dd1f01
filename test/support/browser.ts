/**
 * A real browser for the dashboard tests: Debian's chromium (found with `command -v chromium`)
 * driven by playwright-core, headless, in a fresh profile; plus what the tests look at — the
 * pixels a chart drew, page overflow, and screenshots under test-output/screenshots.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');

/** The chromium binary on PATH, or null. */
export function findChromium(): string | null {
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    return found || null;
  } catch {
    return null;
  }
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string, viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'kindling-chromium-'));
  // launchPersistentContext is how playwright takes a --user-data-dir: a fresh one per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/**
 * What the chart in `container` drew in the bar colour (#e8590c): how many pixels, and over how
 * many pixel rows — a chart of all-zero buckets draws none, a real bar spans many rows.
 */
export function barPixels(page: Page, container: string): Promise<{ pixels: number; rows: number }> {
  return page.evaluate((selector) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`${selector} canvas`);
    if (!canvas || canvas.width === 0) return { pixels: 0, rows: 0 };
    const { data, width } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let pixels = 0;
    const rows = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      const close = Math.abs(data[i]! - 232) < 16 && Math.abs(data[i + 1]! - 89) < 16 && Math.abs(data[i + 2]! - 12) < 16;
      if (close && data[i + 3]! > 200) {
        pixels++;
        rows.add(Math.floor(i / 4 / width));
      }
    }
    return { pixels, rows: rows.size };
  }, container);
}

/** True when the page is no wider than the viewport (nothing forces sideways scrolling). */
export function fitsViewport(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}
