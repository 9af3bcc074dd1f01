/**
 * The `web` function: serves the dashboard built into `dist/web` — `GET /` (the page),
 * `GET /assets/*` (content-hashed scripts and styles, cached for a year) and
 * `GET /web-config.json` (how to sign in here: an API key, or Firebase Auth on GCP). The
 * dashboard itself talks only to the public REST API.
 */
import path from 'node:path';
import type { Context } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import type { Config } from '../../shared/config.ts';
import { KindlingError, notFound } from '../../shared/errors.ts';
import type { KindlingApp } from '../http/app.ts';
import { AssetCache, dashboardDir, isAssetName, readWebFile, type WebFile } from './assets.ts';

/** What the page reads before it shows anything: how users sign in on this deployment. */
export interface WebConfig {
  auth: 'api_key' | 'firebase';
  firebase: { apiKey: string; authDomain: string; projectId: string } | null;
}

export function webConfig(config: Config): WebConfig {
  if (config.KINDLING_BACKEND !== 'gcp' || !config.FIREBASE_API_KEY || !config.GCP_PROJECT) {
    return { auth: 'api_key', firebase: null };
  }
  const projectId = config.GCP_PROJECT;
  const authDomain = config.FIREBASE_AUTH_DOMAIN ?? `${projectId}.firebaseapp.com`;
  return { auth: 'firebase', firebase: { apiKey: config.FIREBASE_API_KEY, authDomain, projectId } };
}

/** The page runs only our own scripts; Firebase sign-in adds Google's auth hosts and nothing else. */
function contentSecurityPolicy(web: WebConfig): string {
  const firebase = web.firebase;
  return [
    "default-src 'self'",
    firebase ? "script-src 'self' https://apis.google.com" : "script-src 'self'",
    firebase
      ? "connect-src 'self' https://identitytoolkit.googleapis.com https://securetoken.googleapis.com"
      : "connect-src 'self'",
    firebase ? `frame-src https://${firebase.authDomain}` : "frame-src 'none'",
    "img-src 'self' data:",
    // uPlot and Preact set element styles from script.
    "style-src 'self' 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function acceptsGzip(c: Context): boolean {
  return /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
}

function sendFile(c: Context, file: WebFile, headers: Record<string, string>): Response {
  const gzip = file.gzipped !== null && acceptsGzip(c);
  const body = gzip ? file.gzipped! : file.body;
  return new Response(new Uint8Array(body), {
    status: 200,
    headers: {
      'content-type': file.contentType,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...headers,
    },
  });
}

export function webRoutes(app: KindlingApp, ctx: AppContext): void {
  const dir = dashboardDir();
  const assets = new AssetCache(dir);
  const web = webConfig(ctx.config);
  const pageHeaders = {
    // The page names the current hashed assets: always revalidate it.
    'cache-control': 'no-cache',
    'content-security-policy': contentSecurityPolicy(web),
    'referrer-policy': 'no-referrer',
  };

  app.get('/', async (c) => {
    const page = await readWebFile(path.join(dir, 'index.html'));
    if (!page) {
      throw new KindlingError(503, 'dashboard_not_built', 'The dashboard is not built: run `npm run build:web`.');
    }
    return sendFile(c, page, pageHeaders);
  });

  app.get('/web-config.json', (c) => {
    c.header('cache-control', 'no-cache');
    return c.json(web);
  });

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const file = isAssetName(name) ? await assets.get(name) : null;
    if (!file) throw notFound(`The asset ${name}`);
    return sendFile(c, file, { 'cache-control': 'public, max-age=31536000, immutable' });
  });
}
