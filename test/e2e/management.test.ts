/**
 * E2E: the management API — the account, sources CRUD with unique names, access tokens with
 * scopes (secret shown once, revocable), and newest-first paginated event reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createSource, ingest, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

function json(method: string, body: unknown, key?: string): RequestInit & { key?: string } {
  return { method, key, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

describe('account', () => {
  it('shows the plan and its limits', async () => {
    const response = await twin.request('/api/account');
    expect(response.status).toBe(200);
    const account = (await response.json()) as { id: string; plan: string; limits: Record<string, number> };
    expect(account.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(account.plan).toBe('local');
    expect(account.limits.events_per_second).toBeGreaterThan(0);
  });

  it('answers GET /health', async () => {
    const response = await twin.request('/health', { key: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await twin.request('/no/such/route');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('sources', () => {
  it('creates a source with a UUID id, also returned as token', async () => {
    const response = await twin.request('/api/sources', json('POST', { name: 'web', rate_limit_per_second: 20, retention_days: 7 }));
    expect(response.status).toBe(201);
    const source = (await response.json()) as Record<string, unknown>;
    expect(source.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(source.token).toBe(source.id);
    expect(source).toMatchObject({ name: 'web', rate_limit_per_second: 20, retention_days: 7 });
  });

  it('refuses a second source of the same name with 409', async () => {
    const response = await twin.request('/api/sources', json('POST', { name: 'web' }));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'conflict' });
  });

  it('refuses invalid source bodies with 400', async () => {
    for (const body of [{}, { name: '' }, { name: 'x', rate_limit_per_second: -1 }, { name: 42 }]) {
      const response = await twin.request('/api/sources', json('POST', body));
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    const malformed = await twin.request('/api/sources', { method: 'POST', body: '{not json' });
    expect(malformed.status).toBe(400);
  });

  it('gets by id or name, lists, renames and deletes', async () => {
    const id = await createSource(twin, 'crud');
    expect((await twin.request(`/api/sources/${id}`)).status).toBe(200);
    const byName = await twin.request('/api/sources/crud');
    expect(((await byName.json()) as { id: string }).id).toBe(id);
    const list = (await (await twin.request('/api/sources')).json()) as { name: string }[];
    expect(list.map((s) => s.name)).toEqual(expect.arrayContaining(['crud', 'web']));

    const renamed = await twin.request(`/api/sources/${id}`, json('PATCH', { name: 'crud-2' }));
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { name: string }).name).toBe('crud-2');
    const clash = await twin.request(`/api/sources/${id}`, json('PATCH', { name: 'web' }));
    expect(clash.status).toBe(409);

    expect((await twin.request(`/api/sources/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await twin.request(`/api/sources/${id}`)).status).toBe(404);
    expect((await ingest(twin, id, { message: 'gone' })).status).toBe(404);
  });
});

describe('plan limits on sources', () => {
  it("enforces the plan's source count and retention", async () => {
    const created = await twin.request('/admin/accounts', json('POST', { name: 'small', plan: 'free' }, ADMIN_TOKEN));
    const { api_key: key } = (await created.json()) as { api_key: string };
    const tooLong = await twin.request('/api/sources', json('POST', { name: 'keep', retention_days: 30 }, key));
    expect(tooLong.status).toBe(400);
    for (let i = 0; i < 10; i++) expect((await twin.request('/api/sources', json('POST', { name: `s${i}` }, key))).status).toBe(201);
    const eleventh = await twin.request('/api/sources', json('POST', { name: 's10' }, key));
    expect(eleventh.status).toBe(403);
    expect(((await eleventh.json()) as { message: string }).message).toContain('at most 10 sources');
  });
});

describe('access tokens', () => {
  it('shows the secret once and lists tokens without it', async () => {
    const created = await twin.request('/api/access-tokens', json('POST', { scopes: ['ingest'], description: 'ci' }));
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: string; token: string; scopes: string[] };
    expect(token.token.length).toBeGreaterThan(20);
    const list = (await (await twin.request('/api/access-tokens')).json()) as { result: Record<string, unknown>[] };
    const listed = list.result.find((t) => t.id === token.id)!;
    expect(listed.scopes).toEqual(['ingest']);
    expect(JSON.stringify(list)).not.toContain(token.token);
  });

  it('enforces scopes: an ingest token can ingest but not manage or read', async () => {
    const source = await createSource(twin, 'scoped');
    const created = await twin.request('/api/access-tokens', json('POST', { scopes: ['ingest'] }));
    const { token } = (await created.json()) as { token: string };
    expect((await ingest(twin, source, { message: 'ok' }, { key: token })).status).toBe(200);
    expect((await twin.request('/api/sources', { key: token })).status).toBe(403);
    expect((await twin.request(`/api/sources/${source}/events`, { key: token })).status).toBe(403);
  });

  it('binds a token to one source', async () => {
    const mine = await createSource(twin, 'bound-mine');
    const other = await createSource(twin, 'bound-other');
    const created = await twin.request('/api/access-tokens', json('POST', { scopes: ['ingest'], source: mine }));
    const { token } = (await created.json()) as { token: string };
    expect((await ingest(twin, mine, { message: 'ok' }, { key: token })).status).toBe(200);
    expect((await ingest(twin, other, { message: 'no' }, { key: token })).status).toBe(403);
  });

  it('revokes a token', async () => {
    const source = await createSource(twin, 'revoke');
    const created = await twin.request('/api/access-tokens', json('POST', { scopes: ['ingest'] }));
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect((await twin.request(`/api/access-tokens/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await ingest(twin, source, { message: 'late' }, { key: token })).status).toBe(401);
    expect((await twin.request(`/api/access-tokens/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses unknown scopes', async () => {
    const response = await twin.request('/api/access-tokens', json('POST', { scopes: ['admin'] }));
    expect(response.status).toBe(400);
  });
});

describe('reading events', () => {
  it('returns events newest first across pages, each exactly once', async () => {
    const source = await createSource(twin, 'pages');
    const now = Date.now();
    const batch = Array.from({ length: 250 }, (_, i) => ({ id: `e${i}`, message: `m${i}`, timestamp: now - i * 1000 }));
    expect((await ingest(twin, source, { batch })).status).toBe(200);
    await waitForEvents(twin, source, 250);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: Response = await twin.request(`/api/sources/${source}/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await response.json()) as { result: { id: string }[]; next_cursor: string | null };
      seen.push(...page.result.map((e) => e.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(batch.map((e) => e.id));
  });

  it('refuses a bad limit or cursor with 400', async () => {
    const source = await createSource(twin, 'bad-params');
    expect((await twin.request(`/api/sources/${source}/events?limit=0`)).status).toBe(400);
    expect((await twin.request(`/api/sources/${source}/events?limit=1001`)).status).toBe(400);
    expect((await twin.request(`/api/sources/${source}/events?cursor=garbage`)).status).toBe(400);
  });

  it('reads by source name too', async () => {
    const source = await createSource(twin, 'by-name');
    await ingest(twin, source, { message: 'named' });
    await waitForEvents(twin, source, 1);
    const events = await readAll(twin, 'by-name');
    expect(events.map((e) => e.event_message)).toEqual(['named']);
  });
});
