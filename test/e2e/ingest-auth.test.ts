/**
 * E2E: how ingest finds the caller and the source — every key position and precedence, every
 * way to name a source, and the 401/404 answers, including another account's source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createSource, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;
let source: string;
const NAME = 'auth-source';

beforeAll(async () => {
  twin = await startTwin();
  source = await createSource(twin, NAME);
});
afterAll(async () => {
  await twin.destroy();
});

function post(pathAndQuery: string, init: { key?: string | null; headers?: Record<string, string> } = {}) {
  return twin.request(pathAndQuery, {
    method: 'POST',
    key: init.key,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ message: `via ${pathAndQuery}` }),
  });
}

describe('API key positions', () => {
  it('accepts Authorization: Bearer', async () => {
    expect((await post(`/logs?source=${source}`)).status).toBe(200);
  });

  it('accepts x-api-key', async () => {
    const response = await post(`/logs?source=${source}`, { key: null, headers: { 'x-api-key': twin.key } });
    expect(response.status).toBe(200);
  });

  it('accepts ?api_key=', async () => {
    expect((await post(`/logs?source=${source}&api_key=${twin.key}`, { key: null })).status).toBe(200);
  });

  it('prefers Authorization over x-api-key and ?api_key', async () => {
    const response = await post(`/logs?source=${source}&api_key=${twin.key}`, {
      key: null,
      headers: { authorization: 'Bearer wrong-key', 'x-api-key': twin.key },
    });
    expect(response.status).toBe(401);
  });

  it('answers 401 JSON without a key', async () => {
    const response = await post(`/logs?source=${source}`, { key: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as { error: string }).error).toBe('Unauthorized');
  });

  it('answers 401 for an unknown key', async () => {
    const response = await post(`/logs?source=${source}`, { key: 'not-a-key' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('Unauthorized');
  });
});

describe('naming the source', () => {
  it.each([
    ['/logs?source=%s', 'id'],
    ['/logs?collection=%s', 'id'],
    ['/logs?source_name=%n', 'name'],
    ['/logs?collection_name=%n', 'name'],
    ['/api/logs?source=%s', 'id'],
    ['/api/events?source=%s', 'id'],
  ])('accepts %s', async (pattern) => {
    const url = pattern.replace('%s', source).replace('%n', NAME);
    expect((await post(url)).status).toBe(200);
  });

  it('accepts the x-source header', async () => {
    expect((await post('/logs', { headers: { 'x-source': source } })).status).toBe(200);
  });

  it('answers 404 JSON for an unknown source', async () => {
    const response = await post('/logs?source=7f1f4ad4-5b3c-4b8e-9a55-1d1f7b0f2a11');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('answers 404 for an unknown source name', async () => {
    expect((await post('/logs?source_name=nope')).status).toBe(404);
  });

  it('answers 400 when no source is named', async () => {
    const response = await post('/logs');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/source/);
  });

  it('stores what was accepted above', async () => {
    const events = await waitForEvents(twin, source, 10);
    expect(events.length).toBe(10);
  });
});

describe('tenancy', () => {
  it("hides another account's source: 404 on ingest and reads", async () => {
    const created = await twin.request('/admin/accounts', {
      method: 'POST',
      key: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'other' }),
    });
    expect(created.status).toBe(201);
    const other = (await created.json()) as { id: string; api_key: string };
    expect((await post(`/logs?source=${source}`, { key: other.api_key })).status).toBe(404);
    expect((await post(`/logs?source_name=${NAME}`, { key: other.api_key })).status).toBe(404);
    const read = await twin.request(`/api/sources/${source}/events`, { key: other.api_key });
    expect(read.status).toBe(404);
    const list = await twin.request('/api/sources', { key: other.api_key });
    expect(await list.json()).toEqual([]);
    expect((await readAll(twin, source)).length).toBe(10);
  });

  it('refuses operator routes to account keys', async () => {
    const response = await twin.request('/admin/accounts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky' }),
    });
    expect(response.status).toBe(401);
  });
});
