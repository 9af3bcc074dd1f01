/**
 * The EventStore contract for user SQL: relationSql presents a source as one typed table (base
 * columns, nested records, arrays) and runQuery answers sandboxed queries with JSON-safe rows,
 * bound parameters, the bytes it scanned, and 400s for the query's own failures and for the
 * byte and row caps. Stores whose queries cannot run in tests (the BigQuery fake) skip this;
 * their request and decoding are checked in their own test file.
 */
import { describe, expect, it } from 'vitest';
import { KindlingError } from '../../shared/errors.ts';
import { isoFromMicros } from '../../shared/events/present.ts';
import type { EventStore, SourceRef, SqlLimits } from '../../shared/ports.ts';
import { sandboxSql } from '../../shared/sql/index.ts';
import { SCHEMA, T0, VARIED } from './event-store.contract.ts';

export const LIMITS: SqlLimits = { maxBytes: 1_000_000_000, maxRows: 1000, timeoutMs: 10_000 };

export function describeSqlContract(
  current: () => { store: EventStore; source: SourceRef },
  runsQueries: boolean,
): void {
  const sql = it.skipIf(!runsQueries);
  /** Sandboxes `text` over one source named `logs`, as the SQL service does, and runs it. */
  const query = async (text: string, params: Record<string, string> = {}, limits = LIMITS) => {
    const { store, source } = current();
    const sandboxed = sandboxSql(text, {
      dialect: store.dialect,
      relation: (name) => (name === 'logs' ? store.relationSql(source, SCHEMA) : null),
    });
    return store.runQuery({ sql: sandboxed.sql, params, sources: [{ ref: source, name: 'logs' }] }, limits);
  };
  const write = async () => {
    const { store, source } = current();
    await store.ensureTable(source, SCHEMA);
    await store.insert(source, SCHEMA, VARIED);
  };
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(KindlingError);
    return error as KindlingError;
  };

  describe('SQL over a source', () => {
    sql('reads base columns, nested records and arrays as typed columns, nulls as null', async () => {
      await write();
      const { rows } = await query(
        'SELECT id, event_message, metadata.level AS level, metadata.request.status AS status, metadata.tags AS tags, ' +
          'metadata.ok AS ok, metadata.ratio AS ratio, user_id FROM logs ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 'a-full', event_message: 'event a-full', level: 'error', status: 503, tags: ['api', 'eu-west'], ok: false, ratio: 0.1, user_id: 9_007_199_254_740_991 },
        { id: 'b-nul', event_message: 'line\u0000one', level: 'a\u0000b', status: null, tags: ['\u0000', 'x\u0000y'], ok: null, ratio: null, user_id: null },
        { id: 'c-text', event_message: '', level: 'héllo 😀 \n\t "quoted" \\ \u2028', status: null, tags: null, ok: null, ratio: null, user_id: null },
        { id: 'd-bare', event_message: 'event d-bare', level: null, status: null, tags: null, ok: null, ratio: null, user_id: null },
        { id: 'e-numbers', event_message: 'event e-numbers', level: null, status: null, tags: null, ok: true, ratio: 1e-7, user_id: 3 },
      ]);
    });

    sql('returns records as objects, arrays of records as arrays, timestamps as ISO strings', async () => {
      await write();
      const { rows } = await query("SELECT timestamp, metadata.request AS request, metadata.spans AS spans FROM logs WHERE id = 'a-full'");
      expect(rows).toEqual([
        {
          timestamp: isoFromMicros(T0 + 123_456),
          request: { path: '/v1/things?id=3', status: 503 },
          spans: [{ name: 'db', ms: 1.25 }, { name: 'render', ms: 0.5 }],
        },
      ]);
    });

    sql('aggregates', async () => {
      await write();
      const { rows } = await query('SELECT count(*) AS n, count(metadata.level) AS with_level, sum(user_id) AS users FROM logs');
      expect(rows).toEqual([{ n: 5, with_level: 3, users: 9_007_199_254_740_994 }].map((r) => ({ ...r, users: String(r.users) })));
    });

    sql('binds parameters as values, never as SQL', async () => {
      await write();
      expect((await query('SELECT id FROM logs WHERE id = @id', { id: 'c-text' })).rows).toEqual([{ id: 'c-text' }]);
      expect((await query('SELECT id FROM logs WHERE id = @id', { id: "x' OR '1'='1" })).rows).toEqual([]);
    });

    sql('reports the bytes it scanned, and refuses (400) a query over the byte cap', async () => {
      await write();
      expect((await query('SELECT count(*) AS n FROM logs')).bytesScanned).toBeGreaterThan(0);
      const error = await failure(query('SELECT count(*) AS n FROM logs', {}, { ...LIMITS, maxBytes: 10 }));
      expect([error.status, error.code]).toEqual([400, 'query_too_large']);
    });

    sql('refuses (400) a result over the row cap', async () => {
      await write();
      expect((await query('SELECT id FROM logs', {}, { ...LIMITS, maxRows: 5 })).rows).toHaveLength(5);
      const error = await failure(query('SELECT id FROM logs', {}, { ...LIMITS, maxRows: 4 }));
      expect([error.status, error.code]).toEqual([400, 'result_too_large']);
    });

    sql("answers the query's own errors with a 400 that names the source, not the table", async () => {
      await write();
      const error = await failure(query('SELECT no_such_column FROM logs'));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/no_such_column/);
      expect(error.message).not.toMatch(/events_[0-9a-f]{32}/);
    });

    sql('reads a source with an empty schema as its base columns', async () => {
      const { store, source } = current();
      await store.ensureTable(source, []);
      await store.insert(source, [], [VARIED[3]!]);
      const sandboxed = sandboxSql('SELECT * FROM logs', { dialect: store.dialect, relation: () => store.relationSql(source, []) });
      const { rows } = await store.runQuery({ sql: sandboxed.sql, params: {}, sources: [{ ref: source, name: 'logs' }] }, LIMITS);
      expect(rows).toEqual([{ id: 'd-bare', timestamp: isoFromMicros(T0 + 3), event_message: 'event d-bare' }]);
    });
  });
}
