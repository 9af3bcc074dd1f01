/**
 * E2E: Endpoints over HTTP on the local twin — CRUD with unique names and queries checked when
 * saved; running SQL and LQL endpoints with `@param` values (by id or name, GET or POST) against
 * expectations computed here; parameters that never become SQL or LQL syntax; the result cache
 * keyed by endpoint and parameters; tenancy and scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createSource, ingest, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;
let sourceId: string;

const START = Date.now() - 30 * 60_000;
const EVENTS = Array.from({ length: 60 }, (_, i) => ({
  id: `e${String(i).padStart(2, '0')}`,
  timestamp: new Date(START + i * 20_000).toISOString(),
  message: i % 10 === 0 ? `checkout failed for order ${i}` : `GET /items/${i}`,
  metadata: { status: [200, 404, 500, 503][i % 4]!, user: { name: i % 5 === 0 ? "o'neil" : `user${i % 5}` } },
}));
const ids = (events: typeof EVENTS) => events.map((e) => e.id);

function json(method: string, body: unknown, key?: string): RequestInit & { key?: string } {
  return { method, key, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

async function create(body: object, key?: string): Promise<Record<string, unknown>> {
  const response = await twin.request('/api/endpoints', json('POST', body, key));
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

async function run(endpoint: string, query = '', key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await twin.request(`/api/endpoints/query/${encodeURIComponent(endpoint)}${query}`, { key });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function result(endpoint: string, query = ''): Promise<Record<string, unknown>[]> {
  const { status, body } = await run(endpoint, query);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.result as Record<string, unknown>[];
}

beforeAll(async () => {
  twin = await startTwin();
  sourceId = await createSource(twin, 'web');
  expect((await ingest(twin, sourceId, { batch: EVENTS })).status).toBe(200);
  await waitForEvents(twin, sourceId, EVENTS.length);
}, 60_000);
afterAll(async () => {
  await twin.destroy();
});

describe('managing endpoints', () => {
  it('creates an SQL endpoint, gets it by id or name, lists, renames and deletes it', async () => {
    const created = await create({ name: 'crud', query: 'SELECT count(*) AS n FROM web' });
    expect(created).toMatchObject({
      name: 'crud', token: created.id, language: 'sql', source: null, cache_duration_seconds: 3600,
      query: 'SELECT count(*) AS n FROM web',
    });
    expect(await (await twin.request(`/api/endpoints/${created.id}`)).json()).toEqual(created);
    expect(await (await twin.request('/api/endpoints/crud')).json()).toEqual(created);
    const list = (await (await twin.request('/api/endpoints')).json()) as { name: string }[];
    expect(list.map((e) => e.name)).toContain('crud');

    const renamed = await twin.request(`/api/endpoints/${created.id}`, json('PATCH', { name: 'crud-2', cache_duration_seconds: 0 }));
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: created.id, name: 'crud-2', cache_duration_seconds: 0, query: created.query });
    expect((await twin.request(`/api/endpoints/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await twin.request(`/api/endpoints/${created.id}`)).status).toBe(404);
    expect((await run(String(created.id))).status).toBe(404);
  });

  it('refuses a second endpoint of the same name, and a rename onto it (409)', async () => {
    await create({ name: 'taken', query: 'SELECT 1 AS one' });
    expect((await twin.request('/api/endpoints', json('POST', { name: 'taken', query: 'SELECT 2 AS two' }))).status).toBe(409);
    const other = await create({ name: 'other', query: 'SELECT 2 AS two' });
    expect((await twin.request(`/api/endpoints/${other.id}`, json('PATCH', { name: 'taken' }))).status).toBe(409);
  });

  it.each([
    [{ name: 'bad', query: "SELECT * FROM read_csv('/etc/passwd')" }, 'the table function read_csv'],
    [{ name: 'bad', query: 'SELECT * FROM nowhere' }, 'the table nowhere'],
    [{ name: 'bad', query: 'DROP TABLE web' }, 'a DROP statement'],
  ])('refuses to save SQL the sandbox refuses: %j', async (body, what) => {
    const response = await twin.request('/api/endpoints', json('POST', body));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'sql_refused', refused: what });
  });

  it.each([
    [{ name: 'bad', query: 'm.status:500', language: 'lql' }, /needs `source`/],
    [{ name: 'bad', query: 'SELECT 1', source: 'web' }, /`source` is for LQL endpoints/],
    [{ name: 'bad', query: 'm.nope:1', language: 'lql', source: 'web' }, /metadata\.nope/],
    [{ name: 'bad', query: 'SELECT 1', cache_duration_seconds: -1 }, /cache_duration_seconds/],
    [{ name: '', query: 'SELECT 1' }, /name/],
  ])('refuses an invalid endpoint: %j', async (body, message) => {
    const response = await twin.request('/api/endpoints', json('POST', body));
    expect(response.status).toBe(400);
    expect(String(((await response.json()) as { message: string }).message)).toMatch(message);
  });
});

describe('running SQL endpoints', () => {
  beforeAll(async () => {
    await create({
      name: 'by_status',
      query: 'SELECT id FROM web WHERE metadata.status >= CAST(@min AS BIGINT) AND metadata.user.name <> @not_user ORDER BY id',
      cache_duration_seconds: 0,
    });
  });

  it('binds the parameters and answers, by name or id, with GET or POST', async () => {
    const expected = ids(EVENTS.filter((e) => e.metadata.status >= 500 && e.metadata.user.name !== 'user1')).map((id) => ({ id }));
    expect(await result('by_status', '?min=500&not_user=user1')).toEqual(expected);
    const { id } = (await (await twin.request('/api/endpoints/by_status')).json()) as { id: string };
    expect(await result(id, '?min=500&not_user=user1')).toEqual(expected);
    const posted = await twin.request(`/api/endpoints/query/${id}`, json('POST', { min: 500, not_user: 'user1' }));
    expect(await posted.json()).toEqual({ result: expected });
  });

  it('treats parameter values as values only: they never become SQL', async () => {
    const before = await result('by_status', '?min=0&not_user=nobody');
    expect(before).toHaveLength(EVENTS.length);
    const quoteOnly = EVENTS.filter((e) => e.metadata.user.name !== "o'neil").map((e) => ({ id: e.id }));
    expect(await result('by_status', `?min=0&not_user=${encodeURIComponent("o'neil")}`)).toEqual(quoteOnly);
    for (const attack of ["x' OR '1'='1", "nobody'; DROP TABLE web; --", "') UNION SELECT hash FROM meta_api_keys --"]) {
      expect(await result('by_status', `?min=0&not_user=${encodeURIComponent(attack)}`)).toEqual(before);
    }
    const numeric = await run('by_status', `?min=${encodeURIComponent('0 OR 1=1')}&not_user=x`);
    expect(numeric.status).toBe(400);
    expect(await result('by_status', '?min=0&not_user=nobody')).toEqual(before);
  });

  it('refuses a call without a value for a parameter (400 naming it)', async () => {
    const { status, body } = await run('by_status', '?min=500');
    expect(status).toBe(400);
    expect(body.message).toMatch(/@not_user/);
  });
});

describe('running LQL endpoints', () => {
  it('searches its source with @param values, newest first', async () => {
    await create({ name: 'lql_status', language: 'lql', source: 'web', query: 'm.status:>=@min', cache_duration_seconds: 0 });
    const expected = ids(EVENTS.filter((e) => e.metadata.status >= 503)).reverse();
    expect((await result('lql_status', '?min=503')).map((e) => e.id)).toEqual(expected);
  });

  it('keeps a parameter one value: quotes, spaces and LQL syntax in it match literally', async () => {
    await create({ name: 'lql_user', language: 'lql', source: 'web', query: 'm.user.name:@name', cache_duration_seconds: 0 });
    const oneil = ids(EVENTS.filter((e) => e.metadata.user.name === "o'neil")).reverse();
    expect((await result('lql_user', `?name=${encodeURIComponent("o'neil")}`)).map((e) => e.id)).toEqual(oneil);
    for (const attack of ['user1 m.status:500', 'x" -m.status:1', '*', 'user1..user4']) {
      expect(await result('lql_user', `?name=${encodeURIComponent(attack)}`), attack).toEqual([]);
    }
    const typed = await create({ name: 'lql_typed', language: 'lql', source: 'web', query: 'm.status:@status', cache_duration_seconds: 0 });
    expect((await run(String(typed.id), `?status=${encodeURIComponent('500 OR 1')}`)).status).toBe(400);
  });

  it('searches the message for a phrase parameter', async () => {
    await create({ name: 'lql_phrase', language: 'lql', source: 'web', query: '@phrase', cache_duration_seconds: 0 });
    const expected = ids(EVENTS.filter((e) => e.message.includes('checkout failed'))).reverse();
    expect((await result('lql_phrase', '?phrase=checkout%20failed')).map((e) => e.id)).toEqual(expected);
  });

  it('answers selected fields, and charts', async () => {
    await create({ name: 'lql_select', language: 'lql', source: 'web', query: 's:id s:m.status@status m.status:404' });
    const selected = await result('lql_select');
    expect(selected).toEqual(EVENTS.filter((e) => e.metadata.status === 404).reverse().map((e) => ({ id: e.id, status: 404 })));
    await create({ name: 'lql_chart', language: 'lql', source: 'web', query: 'c:count(*) c:group_by(t::hour) t:last@2h' });
    const points = (await result('lql_chart')) as { value: number }[];
    expect(points.reduce((sum, p) => sum + p.value, 0)).toBe(EVENTS.length);
  });
});

describe('the result cache', () => {
  it('answers from the cache per endpoint and parameters until the endpoint changes', async () => {
    const late = await createSource(twin, 'late');
    const endpoint = await create({ name: 'cached', query: 'SELECT count(*) AS n FROM late WHERE event_message <> @skip', cache_duration_seconds: 600 });
    const uncached = await create({ name: 'uncached', query: 'SELECT count(*) AS n FROM late', cache_duration_seconds: 0 });
    await ingest(twin, late, { message: 'one' });
    await waitForEvents(twin, late, 1);
    expect(await result('cached', '?skip=x')).toEqual([{ n: 1 }]);
    await ingest(twin, late, { message: 'two' });
    await waitForEvents(twin, late, 2);
    expect(await result('uncached')).toEqual([{ n: 2 }]);
    expect(await result('cached', '?skip=x&unused=1')).toEqual([{ n: 1 }]);
    expect(await result('cached', '?skip=y')).toEqual([{ n: 2 }]);
    await twin.request(`/api/endpoints/${endpoint.id}`, json('PATCH', { cache_duration_seconds: 300 }));
    expect(await result('cached', '?skip=x')).toEqual([{ n: 2 }]);
    expect(uncached.cache_duration_seconds).toBe(0);
  });
});

describe('tenancy and scopes', () => {
  it("keeps endpoints within their account, and needs the right scopes", async () => {
    const mine = await create({ name: 'private_one', query: 'SELECT count(*) AS n FROM web' });
    const created = await fetch(`${twin.url}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Other' }),
    });
    const { api_key: other } = (await created.json()) as { api_key: string };
    expect((await run(String(mine.id), '', other)).status).toBe(404);
    expect((await run('private_one', '', other)).status).toBe(404);
    expect((await twin.request(`/api/endpoints/${mine.id}`, { key: other })).status).toBe(404);
    expect((await twin.request(`/api/endpoints/${mine.id}`, { method: 'DELETE', key: other })).status).toBe(404);
    expect((await twin.request('/api/endpoints', json('POST', { name: 'x', query: 'SELECT * FROM web' }, other))).status).toBe(400);

    const token = async (scopes: string[]) =>
      ((await (await twin.request('/api/access-tokens', json('POST', { scopes }))).json()) as { token: string }).token;
    const ingestOnly = await token(['ingest']);
    const queryOnly = await token(['query']);
    expect((await run('private_one', '', ingestOnly)).status).toBe(403);
    expect((await run('private_one', '', queryOnly)).status).toBe(200);
    expect((await twin.request('/api/endpoints', json('POST', { name: 'y', query: 'SELECT 1 AS one' }, queryOnly))).status).toBe(403);
  });
});
