/**
 * User SQL on BigQueryEventStore, through the real client into the REST fake: the jobs.query
 * request (parameters, caps, timeout, first page only), the decoding of result rows by their
 * schema, the bytes processed, and BigQuery's refusals turned into 400s that name sources.
 * The fake cannot run SQL; each test configures the answer BigQuery would give.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BigQueryEventStore } from '../../shared/adapters/gcp/bigquery-event-store.ts';
import { eventTableName } from '../../shared/adapters/names.ts';
import { KindlingError, TransientError } from '../../shared/errors.ts';
import type { SourceRef } from '../../shared/ports.ts';
import { sandboxSql } from '../../shared/sql/index.ts';
import { apiError, FakeRejection } from '../support/fakes/http-fake.ts';
import { BigQueryFake } from '../support/fakes/bigquery-fake.ts';
import { SCHEMA } from './event-store.contract.ts';
import { LIMITS } from './event-store-sql.contract.ts';

let fake: BigQueryFake;
let store: BigQueryEventStore;
let source: SourceRef;
let table: string;

beforeEach(async () => {
  fake = await BigQueryFake.start();
  store = new BigQueryEventStore({ projectId: fake.projectId, dataset: fake.datasetId, location: 'EU', apiEndpoint: fake.url, maxRetries: 0 });
  source = { accountId: randomUUID(), sourceId: randomUUID() };
  table = eventTableName(source.sourceId);
  await store.ensureTable(source, SCHEMA);
});
afterEach(async () => {
  expect(fake.crashes).toEqual([]);
  await store.close();
  await fake.close();
});

function run(text: string, params: Record<string, string> = {}, limits = LIMITS) {
  const sandboxed = sandboxSql(text, { dialect: store.dialect, relation: () => store.relationSql(source, SCHEMA) });
  return store.runQuery({ sql: sandboxed.sql, params, sources: [{ ref: source, name: 'logs' }] }, limits);
}

const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

describe('BigQueryEventStore SQL', () => {
  it('presents a source as its own table, every inferred field a column already', () => {
    expect(store.dialect).toBe('bigquery');
    expect(store.relationSql(source, SCHEMA)).toBe(`SELECT * FROM \`kindling-test.kindling.${table}\``);
  });

  it('sends one jobs.query: STRING parameters, the byte cap, a timeout, one row past the row cap', async () => {
    fake.answerQueries(() => ({ fields: [{ name: 'id', type: 'STRING', mode: 'NULLABLE' }], rows: [] }));
    await run('SELECT id FROM logs WHERE id = @id AND event_message = @text', { id: 'a', text: "x' OR 1=1" });
    const [query] = fake.queries;
    expect(query!.query).toBe(
      `WITH \`logs\` AS (SELECT * FROM \`kindling-test.kindling.${table}\`) SELECT id FROM logs WHERE id = @id AND event_message = @text`,
    );
    expect(query!.params).toEqual({ id: { type: 'STRING', value: 'a' }, text: { type: 'STRING', value: "x' OR 1=1" } });
    expect(query!.body).toMatchObject({
      useLegacySql: false,
      location: 'EU',
      maximumBytesBilled: String(LIMITS.maxBytes),
      maxResults: LIMITS.maxRows + 1,
      timeoutMs: LIMITS.timeoutMs,
    });
  });

  it('decodes rows by the result schema: big integers as strings, timestamps as ISO, records, arrays, JSON', async () => {
    fake.answerQueries(() => ({
      fields: [
        { name: 'n', type: 'INTEGER', mode: 'NULLABLE' },
        { name: 'big', type: 'INTEGER', mode: 'NULLABLE' },
        { name: 'ratio', type: 'FLOAT', mode: 'NULLABLE' },
        { name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' },
        { name: 'at', type: 'TIMESTAMP', mode: 'NULLABLE' },
        { name: 'tags', type: 'STRING', mode: 'REPEATED' },
        { name: 'request', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'status', type: 'INTEGER', mode: 'NULLABLE' }] },
        { name: 'missing', type: 'STRING', mode: 'NULLABLE' },
      ],
      rows: [
        {
          n: 3, big: '9007199254740993', ratio: 0.25, ok: true, at: '2026-11-27T10:00:00.123456Z',
          tags: ['a', 'b'], request: { status: 503 }, missing: null,
        },
      ],
      bytesProcessed: 4096,
    }));
    expect(await run('SELECT * FROM logs')).toEqual({
      rows: [
        {
          n: 3, big: '9007199254740993', ratio: 0.25, ok: true, at: '2026-11-27T10:00:00.123456Z',
          tags: ['a', 'b'], request: { status: 503 }, missing: null,
        },
      ],
      bytesScanned: 4096,
    });
  });

  it('refuses (400) a query BigQuery refuses for its bytes cap', async () => {
    fake.answerQueries(() => ({ fields: [], rows: [], bytesProcessed: LIMITS.maxBytes + 1 }));
    const error = await failure(run('SELECT * FROM logs'));
    expect(error).toBeInstanceOf(KindlingError);
    expect(error).toMatchObject({ status: 400, code: 'query_too_large' });
  });

  it('refuses (400) a result over the row cap, reading only the first page', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}` }));
    fake.answerQueries(() => ({ fields: [{ name: 'id', type: 'STRING', mode: 'NULLABLE' }], rows }));
    expect((await run('SELECT id FROM logs', {}, { ...LIMITS, maxRows: 6 })).rows).toHaveLength(6);
    const error = await failure(run('SELECT id FROM logs', {}, { ...LIMITS, maxRows: 5 }));
    expect(error).toMatchObject({ status: 400, code: 'result_too_large' });
    expect(fake.calls.filter((call) => call.route === 'unknown')).toEqual([]);
  });

  it("answers BigQuery's refusal of the query with a 400 naming the source, not the table", async () => {
    fake.answerQueries(() => {
      throw new FakeRejection(apiError(400, `Unrecognized name: nope; table kindling-test:kindling.${table} at [1:8]`, 'invalidQuery'));
    });
    const error = await failure(run('SELECT nope FROM logs'));
    expect(error).toMatchObject({ status: 400, code: 'query_failed', message: 'Unrecognized name: nope; table logs' });
  });

  it('turns a 503 into TransientError', async () => {
    fake.failNext('jobs.query', 503);
    expect(await failure(run('SELECT id FROM logs'))).toBeInstanceOf(TransientError);
  });
});
