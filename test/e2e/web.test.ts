/**
 * E2E: the `web` function over HTTP — the dashboard page, its hashed assets (cache headers,
 * gzip, no way out of dist/web) and the sign-in config. The global setup has built dist/web.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwin, type Twin } from '../support/twin.ts';

let twin: Twin;
let page: Response;
let html: string;

beforeAll(async () => {
  twin = await startTwin();
  page = await twin.request('/', { key: null });
  html = await page.text();
});
afterAll(async () => {
  await twin.destroy();
});

const assetsOf = (text: string) => [...text.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((match) => match[1]!);

describe('GET /', () => {
  it('serves the page without a key, always revalidated, locked to its own origin', () => {
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(html).toContain('<div id="app">');
  });

  it('names a content-hashed script and stylesheet, by relative URL', () => {
    const assets = assetsOf(html);
    expect(assets.some((asset) => /^assets\/app-[A-Z0-9]{8}\.js$/.test(asset))).toBe(true);
    expect(assets.some((asset) => /^assets\/app-[A-Z0-9]{8}\.css$/.test(asset))).toBe(true);
  });
});

describe('GET /assets/*', () => {
  it('serves each asset with its type, cached for a year, gzipped on request', async () => {
    for (const asset of assetsOf(html)) {
      const plain = await twin.request(`/${asset}`, { key: null, headers: { 'accept-encoding': 'identity' } });
      expect(plain.status).toBe(200);
      const type = asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
      expect(plain.headers.get('content-type')).toBe(type);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('content-encoding')).toBeNull();
      const bytes = Buffer.from(await plain.arrayBuffer());

      // fetch decodes the gzip: what comes out must be the plain bytes.
      const zipped = await fetch(`${twin.url}/${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(zipped.headers.get('vary')).toBe('accept-encoding');
      expect(Buffer.from(await zipped.arrayBuffer()).equals(bytes)).toBe(true);
      expect(bytes.length).toBeGreaterThan(1000);
    }
  });

  it('answers unknown assets and paths out of dist/web with a JSON 404', async () => {
    for (const path of ['/assets/app-NOPE.js', '/assets/..%2F..%2Fpackage.json', '/assets/%2E%2E%2Findex.html']) {
      const response = await twin.request(path, { key: null });
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'not_found' });
    }
  });
});

describe('GET /web-config.json', () => {
  it('tells the local twin to sign in with an API key', async () => {
    const response = await twin.request('/web-config.json', { key: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ auth: 'api_key', firebase: null });
  });
});
