/**
 * Unit: how the `web` function tells the dashboard to sign in, and where it finds the built
 * dashboard from source and compiled layouts alike.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.ts';
import { webConfig } from '../../functions/web/routes.ts';
import { contentTypeOf, dashboardDir, isAssetName } from '../../functions/web/assets.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('webConfig', () => {
  it('uses API keys on the local twin, even with a Firebase key configured', () => {
    expect(webConfig(loadConfig({ FIREBASE_API_KEY: 'web-key' }))).toEqual({ auth: 'api_key', firebase: null });
  });

  it('uses API keys on GCP without a Firebase key', () => {
    expect(webConfig(loadConfig({ KINDLING_BACKEND: 'gcp', GCP_PROJECT: 'acme' }))).toEqual({ auth: 'api_key', firebase: null });
  });

  it("uses Firebase on GCP with a key, on the project's default auth domain unless told otherwise", () => {
    const gcp = { KINDLING_BACKEND: 'gcp', GCP_PROJECT: 'acme', FIREBASE_API_KEY: 'web-key' };
    expect(webConfig(loadConfig(gcp))).toEqual({
      auth: 'firebase',
      firebase: { apiKey: 'web-key', authDomain: 'acme.firebaseapp.com', projectId: 'acme' },
    });
    const custom = webConfig(loadConfig({ ...gcp, FIREBASE_AUTH_DOMAIN: 'login.acme.dev' }));
    expect(custom.firebase?.authDomain).toBe('login.acme.dev');
  });
});

describe('the built dashboard on disk', () => {
  it('is dist/web beside package.json, from functions/web and from dist/functions/web', () => {
    expect(dashboardDir(path.join(ROOT, 'functions', 'web'))).toBe(path.join(ROOT, 'dist', 'web'));
    expect(dashboardDir(path.join(ROOT, 'dist', 'functions', 'web'))).toBe(path.join(ROOT, 'dist', 'web'));
  });

  it('accepts only plain asset names', () => {
    expect(isAssetName('app-ABCD1234.js')).toBe(true);
    expect(isAssetName('firebase-ABCD1234.js')).toBe(true);
    for (const name of ['../package.json', '..', '.env', 'a/b.js', 'app.js/', '']) expect(isAssetName(name), name).toBe(false);
  });

  it('names content types by extension', () => {
    expect(contentTypeOf('app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('app.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('blob.bin')).toBe('application/octet-stream');
  });
});
