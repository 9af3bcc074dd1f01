/**
 * What only the local store promises about user SQL: even SQL that never went through the
 * sandbox is checked again on DuckDB's own parse (one SELECT, allowed functions, only the named
 * sources' tables) and runs read-only, in UTC, within its time limit.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalEventStore } from '../../shared/adapters/local/event-store.ts';
import { eventTableName } from '../../shared/adapters/names.ts';
import type { SourceRef, SqlQuery } from '../../shared/ports.ts';
import { SCHEMA, VARIED } from './event-store.contract.ts';
import { LIMITS } from './event-store-sql.contract.ts';

let db: LocalDatabase;
let store: LocalEventStore;
let source: SourceRef;
let table: string;

beforeEach(async () => {
  db = await LocalDatabase.open(':memory:');
  store = new LocalEventStore(db);
  source = { accountId: randomUUID(), sourceId: randomUUID() };
  table = eventTableName(source.sourceId);
  await store.ensureTable(source, SCHEMA);
  await store.insert(source, SCHEMA, VARIED);
  await db.write((c) => c.run('CREATE TABLE secrets (hash VARCHAR)'));
});
afterEach(async () => {
  await store.close();
  await db.close();
});

const unguarded = (sql: string): SqlQuery => ({ sql, params: {}, sources: [{ ref: source, name: 'logs' }] });
const refusal = (sql: string) => store.runQuery(unguarded(sql), LIMITS).then(() => null, (error: unknown) => error);
const count = async () => Number((await db.read((c) => c.runAndReadAll(`SELECT count(*) FROM "${table}"`))).getRows()[0]![0]);

describe('LocalEventStore SQL, behind the sandbox', () => {
  it.each([
    ['SELECT * FROM secrets', 'the table secrets'],
    [`SELECT * FROM "${eventTableName(randomUUID())}"`, 'the table'],
    ["SELECT * FROM read_text('package.json')", 'the table function read_text'],
    ["SELECT current_setting('threads')", 'the function current_setting'],
    ['SELECT * FROM duckdb_tables()', 'the table function duckdb_tables'],
    ['DELETE FROM "{table}"', 'this statement'],
    ['SELECT 1; DELETE FROM "{table}"', 'this statement'],
    ['SELECT id FROM "{table}"; SELECT 2', 'multiple statements'],
    ['WITH s AS (SELECT * FROM secrets) SELECT * FROM s', 'the table secrets'],
    ['WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets', 'the table secrets'],
  ])('refuses %s on DuckDB\'s own parse', async (sql, what) => {
    const error = await refusal(sql.replaceAll('{table}', table));
    expect(error).toMatchObject({ status: 400, code: 'sql_refused' });
    expect(String((error as { details: { refused: string } }).details.refused)).toContain(what);
    expect(await count()).toBe(VARIED.length);
  });

  it("reads its own source's table and CTEs over it", async () => {
    const { rows } = await store.runQuery(unguarded(`WITH t AS (SELECT id FROM "${table}") SELECT count(*) AS n FROM t`), LIMITS);
    expect(rows).toEqual([{ n: VARIED.length }]);
  });

  it('runs in UTC whatever the connection was set to', async () => {
    for (let i = 0; i < 2; i++) await db.read((c) => c.run("SET TimeZone = 'America/New_York'"));
    const { rows } = await store.runQuery(
      unguarded("SELECT date_trunc('day', TIMESTAMPTZ '2026-01-01 23:30:00-05:00') AS day"),
      LIMITS,
    );
    expect(rows).toEqual([{ day: '2026-01-02T00:00:00.000000Z' }]);
  });

  it('stops a query at its time limit (400), and the store keeps answering', async () => {
    // A cross join of 16 copies of the table: minutes of work, so the limit, not the query, ends it
    // (with 11 copies a fast host sometimes finished inside the 100 ms).
    const copies = Array.from({ length: 16 }, (_, i) => `"${table}" t${i}`).join(', ');
    const slow = `SELECT count(*) FROM ${copies} WHERE t0.id || t1.id || t2.id || t3.id || t4.id <> t5.id`;
    const error = await store.runQuery(unguarded(slow), { ...LIMITS, timeoutMs: 100 }).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'query_failed', message: expect.stringMatching(/longer than 100 ms/) });
    expect((await store.runQuery(unguarded(`SELECT count(*) AS n FROM "${table}"`), LIMITS)).rows).toEqual([{ n: VARIED.length }]);
  });

  it('answers a query that needs more than the memory limit with a 400 naming the limit, and the store keeps answering', async () => {
    const small = await LocalDatabase.open(':memory:', { memoryLimit: '16MB' });
    const smallStore = new LocalEventStore(small);
    try {
      await smallStore.insert(source, SCHEMA, VARIED);
      // 5^7 rows of distinct strings, each with an event's body: more than 16 MB to hold.
      const copies = Array.from({ length: 7 }, (_, i) => `"${table}" t${i}`).join(', ');
      const ids = Array.from({ length: 7 }, (_, i) => `t${i}.id`).join(' || ');
      const big = `SELECT count(DISTINCT ${ids} || t0.body::VARCHAR) AS n FROM ${copies}`;
      const error = await smallStore.runQuery(unguarded(big), LIMITS).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ status: 400, code: 'query_failed', message: expect.stringMatching(/more memory .*DUCKDB_MEMORY_LIMIT, 15\.2 MiB/) });
      expect((await smallStore.runQuery(unguarded(`SELECT count(*) AS n FROM "${table}"`), LIMITS)).rows).toEqual([{ n: VARIED.length }]);
    } finally {
      await smallStore.close();
      await small.close();
    }
  });
});
