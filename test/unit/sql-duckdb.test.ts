/**
 * Sandboxed SQL run for real on DuckDB: tables laid out as the local twin stores events, each
 * source presented through eventRelationSql (typed, nested columns), and the answers compared
 * with expectations computed here from the same events. Also checks that the DuckDB allow-list
 * names functions DuckDB has, and that what the sandbox refuses would really have escaped.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventRelationSql } from '../../shared/adapters/local/event-relation.ts';
import type { LogEvent, SourceSchema } from '../../shared/events/model.ts';
import { allowedFunctions, sandboxSql } from '../../shared/sql/index.ts';

const WEB_SCHEMA: SourceSchema = [
  {
    name: 'metadata', type: 'RECORD', mode: 'NULLABLE', fields: [
      { name: 'status', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'latency', type: 'FLOAT', mode: 'NULLABLE' },
      { name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'user', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'name', type: 'STRING', mode: 'NULLABLE' }] },
      { name: 'spans', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'ms', type: 'FLOAT', mode: 'NULLABLE' }] },
    ],
  },
  { name: 'region', type: 'STRING', mode: 'NULLABLE' },
];
const API_SCHEMA: SourceSchema = [{ name: 'request_id', type: 'STRING', mode: 'NULLABLE' }];

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0) * 1000;
const web = (i: number, body: LogEvent['body'], message = `web ${i}`): LogEvent => ({
  id: `w${i}`, timestamp: T0 + i * 20_000_000, event_message: message, body,
});
const WEB: LogEvent[] = [
  web(0, { metadata: { status: 200, latency: 0.5, ok: true, tags: ['a', 'b'], user: { name: 'ana' }, spans: [{ ms: 1.5 }] }, region: 'eu' }),
  web(1, { metadata: { status: 500, latency: 2, ok: false, tags: ['b'], user: { name: "o'neil" } }, region: 'us' }),
  web(2, { metadata: { status: 503, user: { name: 'ana' } } }),
  web(3, { region: 'eu' }, "it's \\ quoted"),
  web(4, {}),
  web(5, { metadata: { status: 404, latency: 1.25, tags: [], spans: [{ ms: 2 }, { ms: 3 }] }, region: 'us' }),
];
const API: LogEvent[] = [
  { id: 'w1', timestamp: T0, event_message: 'api one', body: { request_id: 'r1' } },
  { id: 'w5', timestamp: T0 + 1, event_message: 'api five', body: { request_id: 'r5' } },
  { id: 'x9', timestamp: T0 + 2, event_message: 'api other', body: {} },
];

let instance: DuckDBInstance;
let db: DuckDBConnection;

async function load(table: string, events: LogEvent[]): Promise<void> {
  await db.run(`CREATE TABLE ${table} (id VARCHAR PRIMARY KEY, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON)`);
  for (const e of events) {
    await db.run(`INSERT INTO ${table} VALUES ($1, make_timestamp($2::BIGINT), $3, $4::JSON)`, [e.id, e.timestamp, e.event_message, JSON.stringify(e.body)]);
  }
}

const relations: Record<string, string> = {};

function plain(value: DuckDBValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object' && 'items' in value) return (value.items as DuckDBValue[]).map(plain);
  if (value !== null && typeof value === 'object' && 'entries' in value) {
    return Object.fromEntries(Object.entries(value.entries as Record<string, DuckDBValue>).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

async function run(sql: string, params: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const sandboxed = sandboxSql(sql, { dialect: 'duckdb', relation: (name) => relations[name] ?? null });
  const reader = await db.runAndReadAll(sandboxed.sql, params);
  return reader.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await load('events_web', WEB);
  await load('events_api', API);
  await db.run('CREATE TABLE api_keys (hash VARCHAR)');
  await db.run("INSERT INTO api_keys VALUES ('secret-hash')");
  relations.web = eventRelationSql('events_web', WEB_SCHEMA);
  relations.api = eventRelationSql('events_api', API_SCHEMA);
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

describe('the relation of a source', () => {
  it('has the base columns and each inferred field as a typed, nested column', async () => {
    const reader = await db.runAndReadAll(`SELECT * FROM (${relations.web}) LIMIT 0`);
    expect(reader.columnNames()).toEqual(['id', 'timestamp', 'event_message', 'metadata', 'region']);
    expect(reader.columnTypes().map(String)).toEqual([
      'VARCHAR',
      'TIMESTAMP',
      'VARCHAR',
      'STRUCT("status" BIGINT, "latency" DOUBLE, "ok" BOOLEAN, "tags" VARCHAR[], "user" STRUCT("name" VARCHAR), "spans" STRUCT("ms" DOUBLE)[])',
      'VARCHAR',
    ]);
  });

  it('reads a value that does not fit its field\'s type as NULL', async () => {
    await load('events_odd', [{ id: 'o', timestamp: T0, event_message: '', body: { region: 7, metadata: { status: 'high' } } }]);
    const reader = await db.runAndReadAll(`SELECT region, metadata.status FROM (${eventRelationSql('events_odd', WEB_SCHEMA)})`);
    expect(reader.getRows()).toEqual([['7', null]]);
  });
});

describe('sandboxed SQL answers', () => {
  it('counts events', async () => {
    expect(await run('SELECT count(*) AS n FROM web')).toEqual([{ n: WEB.length }]);
  });

  it('reads nested fields by path and groups by them', async () => {
    const rows = await run('SELECT metadata.user.name AS name, count(*) AS n FROM web GROUP BY name ORDER BY name NULLS LAST');
    const counts = new Map<string | null, number>();
    for (const e of WEB) {
      const name = ((e.body.metadata as { user?: { name?: string } } | undefined)?.user?.name) ?? null;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const expected = [...counts].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : 1)).map(([name, n]) => ({ name, n }));
    expect(rows).toEqual(expected);
  });

  it('filters on typed numbers', async () => {
    const rows = await run('SELECT id FROM web WHERE metadata.status >= 500 ORDER BY id');
    const expected = WEB.filter((e) => ((e.body.metadata as { status?: number } | undefined)?.status ?? 0) >= 500).map((e) => ({ id: e.id }));
    expect(rows).toEqual(expected);
  });

  it('reads arrays and arrays of records', async () => {
    const rows = await run('SELECT id, metadata.tags[1] AS first_tag, len(metadata.spans) AS spans FROM web WHERE len(metadata.tags) > 0 ORDER BY id');
    expect(rows).toEqual([
      { id: 'w0', first_tag: 'a', spans: 1 },
      { id: 'w1', first_tag: 'b', spans: null },
    ]);
    const total = await run('SELECT sum(span.ms) AS total FROM (SELECT unnest(metadata.spans) AS span FROM web)');
    expect(total).toEqual([{ total: 6.5 }]);
  });

  it('joins two sources', async () => {
    const rows = await run('SELECT w.id, a.request_id FROM web w JOIN api a ON a.id = w.id ORDER BY w.id');
    expect(rows).toEqual([
      { id: 'w1', request_id: 'r1' },
      { id: 'w5', request_id: 'r5' },
    ]);
  });

  it('buckets by time', async () => {
    const rows = await run("SELECT date_trunc('minute', timestamp) AS minute, count(*) AS n FROM web GROUP BY minute ORDER BY minute");
    expect(rows.map((r) => r.n)).toEqual([3, 3]);
  });

  it('keeps the user\'s strings exactly, quotes and backslashes included', async () => {
    expect(await run("SELECT id FROM web WHERE event_message = 'it''s \\ quoted'")).toEqual([{ id: 'w3' }]);
    expect(await run("SELECT 'a\\' AS s, $$b'c$$ AS t")).toEqual([{ s: 'a\\', t: "b'c" }]);
  });

  it('binds @parameters as values, never as SQL', async () => {
    expect(await run('SELECT id FROM web WHERE metadata.user.name = @name ORDER BY id', { name: "o'neil" })).toEqual([{ id: 'w1' }]);
    expect(await run('SELECT id FROM web WHERE metadata.user.name = @name', { name: "x' OR '1'='1" })).toEqual([]);
  });

  it('runs a query with its own CTEs that read sources', async () => {
    const rows = await run('WITH errors AS (SELECT id FROM web WHERE metadata.status >= 500) SELECT count(*) AS n FROM errors, api WHERE api.id = errors.id');
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('runs a parenthesised set operation', async () => {
    const rows = await run('(SELECT id FROM web WHERE id = \'w0\') UNION ALL (SELECT id FROM api WHERE id = \'x9\')');
    expect(rows.map((r) => r.id).sort()).toEqual(['w0', 'x9']);
  });
});

describe('what the sandbox guards against', () => {
  it('refuses queries that DuckDB, unguarded, would answer with other tables and files', async () => {
    const dangers = ['SELECT hash FROM api_keys', "SELECT * FROM read_text('package.json')", "SELECT * FROM glob('*')"];
    for (const sql of dangers) {
      const direct = await db.runAndReadAll(sql);
      expect(direct.getRows().length, sql).toBeGreaterThan(0);
      await expect(run(sql)).rejects.toMatchObject({ status: 400, code: 'sql_refused' });
    }
  });

  it('allows only functions DuckDB has (a few are syntax: COALESCE, IF, …), none of them a table function', async () => {
    const reader = await db.runAndReadAll('SELECT lower(function_name), list(DISTINCT function_type) FROM duckdb_functions() GROUP BY 1');
    const kinds = new Map(reader.getRows().map(([name, types]) => [name as string, String(types)]));
    const syntax = ['coalesce', 'current_timestamp', 'grouping', 'grouping_id', 'if', 'ifnull', 'unnest'];
    for (const name of allowedFunctions('duckdb')) {
      if (syntax.includes(name)) continue;
      expect(kinds.get(name), name).toBeDefined();
      expect(kinds.get(name), name).not.toMatch(/table/);
    }
  });
});
