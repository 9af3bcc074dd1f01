/**
 * The GCP entry point as Cloud Run functions runs it: each function registered with
 * functions-framework and served by the framework's own Express server (its test server), here
 * over the local backend. Shows that every function reads its own body: the framework's body
 * parsers no longer answer bad bodies before Kindling can, nor inflate a gzip bomb.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kindling-gcp-entry-'));
const ADMIN = 'operator-token-for-the-entry-test';
const servers: Server[] = [];
const urls: Record<string, string> = {};
let key = '';
let source = '';

async function serve(name: string): Promise<string> {
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  Object.assign(process.env, { KINDLING_BACKEND: 'local', DATA_DIR: dataDir, KINDLING_ADMIN_TOKEN: ADMIN });
  await import('../../functions/index.ts');
  for (const name of ['admin', 'api', 'ingest']) urls[name] = await serve(name);
  const account = await fetch(`${urls.admin}/admin/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'entry' }),
  });
  expect(account.status).toBe(201);
  key = ((await account.json()) as { api_key: string }).api_key;
  const created = await fetch(`${urls.api}/api/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'entry-source' }),
  });
  expect(created.status).toBe(201);
  source = ((await created.json()) as { id: string }).id;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dataDir, { recursive: true, force: true });
});

function ingest(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${urls.ingest}/logs?source=${source}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: body as BodyInit,
  });
}

async function expectJsonError(response: Response, status: number): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as { error: string; message: string };
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
}

describe('the GCP entry point under functions-framework', () => {
  it('accepts plain and gzipped batches', async () => {
    const plain = await ingest(JSON.stringify({ batch: [{ message: 'one' }, { message: 'two' }] }));
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ message: 'Logged!' });
    const zipped = await ingest(gzipSync(JSON.stringify({ message: 'three' })), { 'content-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
  });

  it('answers malformed JSON with its own JSON 400, not the framework’s', async () => {
    await expectJsonError(await ingest('{"message": "unterminated'), 400);
  });

  it('refuses a gzip bomb with 413 after inflating no more than its 64 MB limit', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    const before = process.memoryUsage().rss;
    await expectJsonError(await ingest(bomb, { 'content-encoding': 'gzip' }), 413);
    // The framework would have inflated all 200 MB into one buffer before answering.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('refuses a body over 12 MB with 413 and still serves the next request', async () => {
    await expectJsonError(await ingest(JSON.stringify({ message: 'x'.repeat(13 * 1024 * 1024) })), 413);
    expect((await ingest(JSON.stringify({ message: 'after' }))).status).toBe(200);
  });

  it('refuses a content type it does not take with 415, and corrupt gzip with 400', async () => {
    await expectJsonError(await ingest('<log/>', { 'content-type': 'application/xml' }), 415);
    await expectJsonError(await ingest(gzipSync('{"message":"x"}').subarray(0, 12), { 'content-encoding': 'gzip' }), 400);
  });

  it('reads management bodies too', async () => {
    const renamed = await fetch(`${urls.api}/api/sources/${source}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'entry-renamed' }),
    });
    expect(renamed.status).toBe(200);
    const bad = await fetch(`${urls.api}/api/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    await expectJsonError(bad, 400);
  });
});
