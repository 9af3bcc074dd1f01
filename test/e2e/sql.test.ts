/**
 * E2E: user SQL over HTTP on the local twin (`GET|POST /api/query`) against a generated data
 * set: answers compared with expectations computed here from the same events; sandbox escape
 * attempts refused with a 400 naming what was refused, and nothing changed by them; tenancy
 * (another account's sources are unknown tables); scopes; query bytes metered as usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createSource, ingest, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;

const STATUSES = [200, 201, 404, 500, 503];
const REGIONS = ['eu', 'us', 'ap'];
const START = Date.now() - 3 * 3600_000;

interface WebEvent {
  id: string;
  timestamp: string;
  message: string;
  metadata: { status: number; latency: number; user: { id: number; name: string }; tags?: string[]; request_id: string };
  region: string;
}

const WEB: WebEvent[] = Array.from({ length: 240 }, (_, i) => ({
  id: `w${String(i).padStart(3, '0')}`,
  timestamp: new Date(START + i * 30_000).toISOString(),
  message: `GET /path/${i % 7} ${STATUSES[i % 5]}`,
  metadata: {
    status: STATUSES[i % 5]!,
    latency: ((i * 37) % 100) / 10 + 0.05,
    user: { id: i % 13, name: `user${i % 13}` },
    ...(i % 3 === 0 ? { tags: ['alpha', 'beta'] } : i % 3 === 1 ? { tags: ['beta'] } : {}),
    request_id: `r${i}`,
  },
  region: REGIONS[i % 3]!,
}));
const API = Array.from({ length: 60 }, (_, i) => ({
  id: `a${i}`,
  timestamp: new Date(START + i * 60_000).toISOString(),
  message: `api ${i}`,
  metadata: { request_id: `r${i * 4}`, backend: i % 2 === 0 ? 'db' : 'cache' },
}));

type Rows = Record<string, unknown>[];

async function query(sql: string, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await twin.request(`/api/query?sql=${encodeURIComponent(sql)}`, { key });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function rows(sql: string, key?: string): Promise<Rows> {
  const { status, body } = await query(sql, key);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.result as Rows;
}

async function load(source: string, events: object[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) {
    const response = await ingest(twin, source, { batch: events.slice(i, i + 100) });
    expect(response.status).toBe(200);
  }
  expect(await waitForEvents(twin, source, events.length)).toHaveLength(events.length);
}

beforeAll(async () => {
  twin = await startTwin();
  await load(await createSource(twin, 'web'), WEB);
  await load(await createSource(twin, 'api'), API);
}, 120_000);
afterAll(async () => {
  await twin.destroy();
});

describe('SQL answers', () => {
  it('counts a source', async () => {
    expect(await rows('SELECT count(*) AS n FROM web')).toEqual([{ n: WEB.length }]);
  });

  it('groups by a nested field', async () => {
    const expected = STATUSES.map((status) => ({ status, n: WEB.filter((e) => e.metadata.status === status).length }));
    expect(await rows('SELECT metadata.status AS status, count(*) AS n FROM web GROUP BY status ORDER BY status')).toEqual(expected);
  });

  it('averages a float per top-level field', async () => {
    const result = await rows('SELECT region, avg(metadata.latency) AS latency FROM web GROUP BY region ORDER BY region');
    expect(result.map((r) => r.region)).toEqual([...REGIONS].sort());
    for (const row of result) {
      const mine = WEB.filter((e) => e.region === row.region);
      expect(row.latency).toBeCloseTo(mine.reduce((sum, e) => sum + e.metadata.latency, 0) / mine.length, 9);
    }
  });

  it('reads two levels of nesting and counts distinct values', async () => {
    const expected = new Set(WEB.map((e) => e.metadata.user.id)).size;
    expect(await rows('SELECT count(DISTINCT metadata.user.id) AS users FROM web')).toEqual([{ users: expected }]);
  });

  it('filters on arrays', async () => {
    const expected = WEB.filter((e) => e.metadata.tags?.includes('alpha')).length;
    expect(await rows("SELECT count(*) AS n FROM web WHERE list_contains(metadata.tags, 'alpha')")).toEqual([{ n: expected }]);
  });

  it('filters by time and returns timestamps as ISO strings', async () => {
    const since = WEB[200]!.timestamp;
    const result = await rows(`SELECT id, timestamp FROM web WHERE timestamp >= '${since}' ORDER BY timestamp LIMIT 3`);
    expect(result).toEqual(WEB.slice(200, 203).map((e) => ({ id: e.id, timestamp: e.timestamp.replace('Z', '000Z') })));
  });

  it('joins two sources', async () => {
    const result = await rows(
      'SELECT w.id, a.metadata.backend AS backend FROM web w JOIN api a ON a.metadata.request_id = w.metadata.request_id ' +
        "WHERE w.metadata.status = 500 ORDER BY w.id",
    );
    const expected = API.flatMap((a) => {
      const web = WEB.find((e) => e.metadata.request_id === a.metadata.request_id)!;
      return web.metadata.status === 500 ? [{ id: web.id, backend: a.metadata.backend }] : [];
    }).sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(result).toEqual(expected);
  });

  it('answers POST with a JSON body, and returns nested values as objects and arrays', async () => {
    const response = await twin.request('/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: "SELECT metadata.user AS user, metadata.tags AS tags FROM web WHERE id = 'w000'" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: [{ user: { id: 0, name: 'user0' }, tags: ['alpha', 'beta'] }] });
  });

  it('answers a query error with a 400 that names the source, not its table', async () => {
    const { status, body } = await query('SELECT no_such_field FROM web');
    expect(status).toBe(400);
    expect(body.error).toBe('query_failed');
    expect(String(body.message)).toMatch(/no_such_field/);
    expect(String(body.message)).not.toMatch(/events_[0-9a-f]{32}/);
  });

  it('refuses a missing sql with 400', async () => {
    expect((await query('')).status).toBe(400);
  });
});

describe('sandbox escape attempts over HTTP', () => {
  /** Each attempt and what the 400 names as refused. */
  const ATTEMPTS: [string, string][] = [
    ["SELECT * FROM read_csv('/etc/passwd')", "the table function read_csv"],
    ["SELECT * FROM read_text('/etc/passwd')", "the table function read_text"],
    ["SELECT * FROM read_parquet('/tmp/x.parquet')", "the table function read_parquet"],
    ["SELECT * FROM read_json_auto('package.json')", "the table function read_json_auto"],
    ["SELECT * FROM glob('/*')", "the table function glob"],
    ["SELECT getenv('HOME')", "the function getenv"],
    ["SELECT current_setting('threads')", "the function current_setting"],
    ["SELECT current_query()", "the function current_query"],
    ["SELECT * FROM duckdb_tables()", "the table function duckdb_tables"],
    ["SELECT * FROM duckdb_settings()", "the table function duckdb_settings"],
    ["SELECT * FROM pragma_table_info('meta_api_keys')", "the table function pragma_table_info"],
    ["SELECT * FROM query('SELECT * FROM meta_api_keys')", "the table function query"],
    ["SELECT * FROM information_schema.tables", "the table information_schema.tables"],
    ["SELECT * FROM pg_catalog.pg_class", "the table pg_catalog.pg_class"],
    ["SELECT * FROM sqlite_master", "the table sqlite_master"],
    ["SELECT * FROM meta_api_keys", "the table meta_api_keys"],
    ["SELECT * FROM meta_accounts", "the table meta_accounts"],
    ["SELECT * FROM main.web", "the table main.web"],
    ["SELECT * FROM 'package.json'", "the table 'package.json'"],
    ["DROP TABLE web", "a DROP statement"],
    ["DELETE FROM web", "a DELETE statement"],
    ["INSERT INTO web (id) VALUES ('x')", "an INSERT statement"],
    ["UPDATE web SET id = 'x'", "an UPDATE statement"],
    ["CREATE TABLE stolen AS SELECT * FROM web", "a CREATE statement"],
    ["SELECT * INTO stolen FROM web", "SELECT … INTO"],
    ["SELECT 1; DROP TABLE web", "multiple statements"],
    ["PRAGMA database_list", "SQL the sandbox cannot parse"],
    ["SET threads = 1", "a SET statement"],
    ["ATTACH '/tmp/other.duckdb' AS other", "SQL the sandbox cannot parse"],
    ["COPY web TO '/tmp/web.csv'", "SQL the sandbox cannot parse"],
    ["INSTALL httpfs", "SQL the sandbox cannot parse"],
    ["EXPORT DATABASE '/tmp/dump'", "SQL the sandbox cannot parse"],
    ["CALL pragma_version()", "a CALL statement"],
    ["SELECT * FROM web WHERE id IN (SELECT hash FROM meta_api_keys)", "the table meta_api_keys"],
    ["WITH meta_api_keys AS (SELECT * FROM meta_api_keys) SELECT * FROM meta_api_keys", "the CTE name meta_api_keys"],
    ["SELECT 'a\\', read_text('/etc/passwd') --'", "the function read_text"],
    ["SELECT 'a\\'; DROP TABLE web; --'", "multiple statements"],
    ["SELECT \"read_text\"('/etc/passwd')", "the function read_text"],
    ["SELECT '/etc/passwd'.read_text()", "the function '/etc/passwd'.read_text"],
    ["SELECT * FROM web NATURAL JOIN meta_api_keys", "the table meta_api_keys"],
  ];

  it(`refuses ${ATTEMPTS.length} attempts with a 400 naming what was refused, and changes nothing`, async () => {
    const before = await rows('SELECT count(*) AS n, max(id) AS last FROM web');
    const sources = await (await twin.request('/api/sources')).json();
    for (const [sql, what] of ATTEMPTS) {
      for (const response of [
        await twin.request(`/api/query?sql=${encodeURIComponent(sql)}`),
        await twin.request('/api/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) }),
      ]) {
        const body = (await response.json()) as Record<string, unknown>;
        expect(response.status, `${sql}: ${JSON.stringify(body)}`).toBe(400);
        expect([body.error, body.refused], sql).toEqual(['sql_refused', what]);
        expect(String(body.message).length, sql).toBeGreaterThan(10);
      }
    }
    expect(await rows('SELECT count(*) AS n, max(id) AS last FROM web')).toEqual(before);
    expect(await (await twin.request('/api/sources')).json()).toEqual(sources);
    expect((await twin.request('/api/account')).status).toBe(200);
  });
});

describe('tenancy and scopes', () => {
  it("sees only the caller's sources: another account's are unknown tables", async () => {
    const created = await fetch(`${twin.url}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Other' }),
    });
    const { api_key: other } = (await created.json()) as { api_key: string };
    const secret = await createSource(twin, 'their_secret', other);
    expect((await ingest(twin, secret, { message: 'theirs' }, { key: other })).status).toBe(200);
    await createSource(twin, 'web', other);

    const refused = await query('SELECT * FROM their_secret');
    expect([refused.status, refused.body.refused]).toEqual([400, 'the table their_secret']);
    expect(await rows('SELECT count(*) AS n FROM web', other)).toEqual([{ n: 0 }]);
    expect(await rows('SELECT count(*) AS n FROM web')).toEqual([{ n: WEB.length }]);
  });

  it('needs the query scope, and a source-bound token reads its source only', async () => {
    const token = async (body: object) => {
      const response = await twin.request('/api/access-tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return ((await response.json()) as { token: string }).token;
    };
    expect((await query('SELECT 1 AS one', await token({ scopes: ['ingest'] }))).status).toBe(403);
    const bound = await token({ scopes: ['query'], source: 'api' });
    expect(await rows('SELECT count(*) AS n FROM api', bound)).toEqual([{ n: API.length }]);
    expect((await query('SELECT count(*) AS n FROM web', bound)).body.refused).toBe('the table web');
  });
});

describe('metering', () => {
  it("adds the bytes queries scan to the account's usage", async () => {
    await rows('SELECT count(*) AS n FROM web');
    const today = new Date().toISOString().slice(0, 10);
    const deadline = Date.now() + 15_000;
    let usage: { query_bytes: number }[] = [];
    while (Date.now() < deadline) {
      const response = await twin.request(`/api/usage?from=${today}&to=${today}`);
      usage = ((await response.json()) as { result: { query_bytes: number }[] }).result;
      if ((usage[0]?.query_bytes ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(usage[0]?.query_bytes).toBeGreaterThan(0);
  });
});
