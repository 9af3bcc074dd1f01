/**
 * The EventStore contract against BigQueryEventStore, driven through the real client into the
 * in-test BigQuery fake, plus what only BigQuery has: partitioning, schema patches, row-level
 * errors, retryable failures, request sizes, and the listing query's SQL and parameters.
 *
 * The fake cannot run SQL, so listEvents is answered with every stored row of the table the
 * query names: the contract's ordering, paging and bound tests are skipped here, and the query
 * that would do that work in BigQuery is checked by shape below.
 */
import { bindQuery, parseLql } from '../../shared/lql/index.ts';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BigQuery } from '@google-cloud/bigquery';
import { BigQueryEventStore } from '../../shared/adapters/gcp/bigquery-event-store.ts';
import { staticTokenAuth } from '../../shared/adapters/gcp/static-token.ts';
import { eventTableName } from '../../shared/adapters/names.ts';
import { TransientError } from '../../shared/errors.ts';
import type { LogEvent, SourceSchema } from '../../shared/events/model.ts';
import type { SourceRef } from '../../shared/ports.ts';
import { BigQueryFake } from '../support/fakes/bigquery-fake.ts';
import { describeEventStoreContract, event, SCHEMA, T0, VARIED } from './event-store.contract.ts';

const NOW_MS = T0 / 1000 + 60_000;
const DAY_US = 86_400_000_000;

async function start(options: { maxRetries?: number } = {}) {
  const fake = await BigQueryFake.start();
  fake.answerQueries((query) => fake.allRowsOf(/`[^`]+\.([^`.]+)`/.exec(query.query)![1]!));
  const store = new BigQueryEventStore({
    projectId: fake.projectId,
    dataset: fake.datasetId,
    location: 'EU',
    apiEndpoint: fake.url,
    maxRetries: options.maxRetries ?? 0,
    maximumBytesBilled: 5_000_000_000,
    clock: { now: () => NOW_MS },
  });
  return { fake, store };
}

describeEventStoreContract(
  'BigQueryEventStore (REST fake)',
  async () => {
    const { fake, store } = await start();
    return {
      store,
      storedIds: async (source) =>
        (fake.tables.get(eventTableName(source.sourceId))?.rows ?? []).map((row) => row.json.id as string),
      cleanup: async () => {
        expect(fake.crashes).toEqual([]);
        expect(fake.count('unknown')).toBe(0);
        await store.close();
        await fake.close();
      },
    };
  },
  { runsQueries: false, countsDuplicates: false },
);

describe('BigQueryEventStore specifics', () => {
  let fake: BigQueryFake;
  let store: BigQueryEventStore;
  let source: SourceRef;
  let table: string;
  /** A second store on the same fake, as another function instance would have. */
  const anotherProcess = (maxRetries = 0) =>
    new BigQueryEventStore({ projectId: fake.projectId, dataset: fake.datasetId, apiEndpoint: fake.url, maxRetries });
  const write = async (events: LogEvent[], schema: SourceSchema = SCHEMA) => {
    await store.ensureTable(source, schema);
    return store.insert(source, schema, events);
  };

  beforeEach(async () => {
    ({ fake, store } = await start());
    source = { accountId: randomUUID(), sourceId: randomUUID() };
    table = eventTableName(source.sourceId);
  });
  afterEach(async () => {
    expect(fake.crashes).toEqual([]);
    expect(fake.count('unknown')).toBe(0);
    await store.close();
    await fake.close();
  });

  it('creates the table partitioned by DAY on timestamp, clustered, with base columns first', async () => {
    await store.ensureTable(source, SCHEMA);
    const resource = fake.tables.get(table)!.resource;
    expect(resource.timePartitioning).toEqual({ type: 'DAY', field: 'timestamp' });
    expect(resource.clustering).toEqual({ fields: ['timestamp', 'id'] });
    expect(resource.schema.fields.map((f) => [f.name, f.type, f.mode])).toEqual([
      ['id', 'STRING', 'REQUIRED'],
      ['timestamp', 'TIMESTAMP', 'REQUIRED'],
      ['event_message', 'STRING', 'NULLABLE'],
      ['metadata', 'RECORD', 'NULLABLE'],
      ['user_id', 'INTEGER', 'NULLABLE'],
    ]);
  });

  it('patches in new fields, nested ones included, as NULLABLE and without touching old ones', async () => {
    const level = { name: 'level', type: 'STRING', mode: 'NULLABLE' } as const;
    await store.ensureTable(source, [{ name: 'metadata', type: 'RECORD', mode: 'NULLABLE', fields: [level] }]);
    const grown: SourceSchema = [
      {
        name: 'metadata',
        type: 'RECORD',
        mode: 'NULLABLE',
        fields: [
          { name: 'level', type: 'STRING', mode: 'NULLABLE' },
          { name: 'request', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'status', type: 'INTEGER', mode: 'REQUIRED' }] },
        ],
      },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
    ];
    await store.ensureTable(source, grown);
    expect(fake.count('tables.patch')).toBe(1);
    const metadata = fake.tables.get(table)!.resource.schema.fields.find((f) => f.name === 'metadata')!;
    expect(metadata.fields).toEqual([
      { name: 'level', type: 'STRING', mode: 'NULLABLE' },
      { name: 'request', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'status', type: 'INTEGER', mode: 'NULLABLE' }] },
    ]);
    expect(fake.tables.get(table)!.resource.schema.fields.at(-1)).toEqual({ name: 'tags', type: 'STRING', mode: 'REPEATED' });
    await write([event('n', T0, { metadata: { request: { status: 200 } }, tags: ['x'] })], grown);
    expect(fake.tables.get(table)!.rows).toHaveLength(1);
  });

  it('never asks to change the type of an existing column', async () => {
    await store.ensureTable(source, [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }]);
    await anotherProcess().ensureTable(source, [{ name: 'USER_ID', type: 'STRING', mode: 'NULLABLE' }]);
    expect(fake.count('tables.patch')).toBe(0);
    expect(fake.tables.get(table)!.resource.schema.fields.at(-1)).toEqual({ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' });
  });

  it('has a fake that refuses, as BigQuery does, a patch changing a type or dropping a column', async () => {
    await store.ensureTable(source, [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }]);
    const client = new BigQuery({ projectId: fake.projectId, apiEndpoint: fake.url, authClient: staticTokenAuth('test') });
    const bqTable = client.dataset(fake.datasetId).table(table);
    const base = fake.tables.get(table)!.resource.schema.fields.slice(0, 3);
    const changed = bqTable.setMetadata({ schema: { fields: [...base, { name: 'user_id', type: 'STRING', mode: 'NULLABLE' }] } });
    await expect(changed).rejects.toMatchObject({ code: 400, message: expect.stringMatching(/changed type from INTEGER to STRING/) });
    await expect(bqTable.setMetadata({ schema: { fields: base } })).rejects.toMatchObject({ code: 400 });
    const required = bqTable.setMetadata({
      schema: { fields: [...fake.tables.get(table)!.resource.schema.fields, { name: 'x', type: 'STRING', mode: 'REQUIRED' }] },
    });
    await expect(required).rejects.toMatchObject({ message: expect.stringMatching(/Cannot add required fields/) });
  });

  it('skips tables.get and tables.patch when the cached schema already covers the source', async () => {
    await store.ensureTable(source, SCHEMA);
    const calls = fake.calls.length;
    await store.ensureTable(source, SCHEMA);
    await store.insert(source, SCHEMA, [event('a', T0)]);
    expect(fake.calls.slice(calls).map((c) => c.route)).toEqual(['tabledata.insertAll']);
  });

  it('reads an existing table once per process and patches only what it lacks', async () => {
    await store.ensureTable(source, [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }]);
    const second = anotherProcess();
    await second.ensureTable(source, [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }]);
    await second.ensureTable(source, [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }]);
    expect([fake.count('tables.insert'), fake.count('tables.get'), fake.count('tables.patch')]).toEqual([1, 2, 0]);
  });

  it('takes a 409 from a concurrent creation as "the table exists"', async () => {
    const other = anotherProcess();
    fake.latencyMs = 10;
    await Promise.all([store.ensureTable(source, SCHEMA), other.ensureTable(source, SCHEMA)]);
    expect(fake.calls.filter((c) => c.route === 'tables.insert').map((c) => c.status).sort()).toEqual([200, 409]);
  });

  it('recovers when another writer patched the table since it was cached', async () => {
    await store.ensureTable(source, SCHEMA);
    const other = anotherProcess();
    await other.ensureTable(source, [...SCHEMA, { name: 'theirs', type: 'STRING', mode: 'NULLABLE' }]);
    await store.ensureTable(source, [...SCHEMA, { name: 'mine', type: 'BOOLEAN', mode: 'NULLABLE' }]);
    const names = fake.tables.get(table)!.resource.schema.fields.map((f) => f.name);
    expect(names.slice(-2)).toEqual(['theirs', 'mine']);
  });

  it('sends one row per event with insertId = event id and µs ISO timestamps', async () => {
    await write([event('abc', T0 + 654_321, { metadata: { seen_at: T0 + 7 } })]);
    const [row] = fake.tables.get(table)!.rows;
    expect(row!.insertId).toBe('abc');
    expect(row!.json).toEqual({
      id: 'abc',
      timestamp: '2023-11-14T22:13:20.654321Z',
      event_message: 'event abc',
      metadata: { seen_at: '2023-11-14T22:13:20.000007Z' },
    });
  });

  it('splits a large batch into insertAll requests of at most 500 rows', async () => {
    const events = Array.from({ length: 1201 }, (_, i) => event(`e${i}`, T0 + i));
    expect(await write(events)).toEqual({ inserted: 1201, failed: [] });
    expect(fake.count('tabledata.insertAll')).toBe(3);
    expect(fake.tables.get(table)!.rows).toHaveLength(1201);
  });

  it('keeps each insertAll request under 9 MB', async () => {
    const big = 'x'.repeat(1_000_000);
    const events = Array.from({ length: 12 }, (_, i) => event(`big${i}`, T0 + i, { metadata: { level: big } }));
    expect(await write(events)).toEqual({ inserted: 12, failed: [] });
    const requests = fake.calls.filter((c) => c.route === 'tabledata.insertAll');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const request of requests) expect(request.requestBytes).toBeLessThanOrEqual(9_000_000);
  });

  it('reports rows BigQuery refuses as failed and stores the rest', async () => {
    const schema: SourceSchema = [{ name: 'count', type: 'INTEGER', mode: 'NULLABLE' }];
    const events = [event('good', T0, { count: 1 }), event('bad', T0 + 1, { count: 'many' }), event('good2', T0 + 2)];
    const outcome = await write(events, schema);
    expect(outcome.inserted).toBe(2);
    expect(outcome.failed).toEqual([{ id: 'bad', reason: expect.stringMatching(/^invalid: Cannot convert value to integer/) }]);
    expect(fake.tables.get(table)!.rows.map((r) => r.insertId)).toEqual(['good', 'good2']);
  });

  it('refuses, without sending it, a row with a field outside the source schema', async () => {
    const outcome = await write([event('stray', T0, { nope: 1 }), event('fine', T0)]);
    expect(outcome).toEqual({ inserted: 1, failed: [{ id: 'stray', reason: 'no such field in the source schema: nope' }] });
  });

  it('throws TransientError when BigQuery does not see a just-added column yet', async () => {
    await store.ensureTable(source, SCHEMA);
    const lagging = { reason: 'invalid', location: 'user_id', message: 'no such field: user_id.' };
    fake.rowErrorsNext(() => [{ index: 0, error: lagging }]);
    await expect(store.insert(source, SCHEMA, [event('late', T0, { user_id: 1 })])).rejects.toBeInstanceOf(TransientError);
    expect(await store.insert(source, SCHEMA, [event('late', T0, { user_id: 1 })])).toEqual({ inserted: 1, failed: [] });
  });

  it.each([429, 500, 503])('turns HTTP %i from insertAll into TransientError', async (status) => {
    await store.ensureTable(source, SCHEMA);
    fake.failNext('tabledata.insertAll', status);
    await expect(store.insert(source, SCHEMA, [event('a', T0)])).rejects.toBeInstanceOf(TransientError);
  });

  it('turns a 403 rateLimitExceeded into TransientError, and a 403 accessDenied into a plain error', async () => {
    await store.ensureTable(source, SCHEMA);
    fake.failNext('tabledata.insertAll', 403, 1, 'rateLimitExceeded');
    await expect(store.insert(source, SCHEMA, [event('a', T0)])).rejects.toBeInstanceOf(TransientError);
    fake.failNext('tabledata.insertAll', 403, 1, 'accessDenied');
    const error = await store.insert(source, SCHEMA, [event('a', T0)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
  });

  it('turns an unreachable BigQuery into TransientError', async () => {
    await store.ensureTable(source, SCHEMA);
    await fake.close();
    await expect(store.insert(source, SCHEMA, [event('a', T0)])).rejects.toBeInstanceOf(TransientError);
  });

  it('turns a 503 while creating the table into TransientError', async () => {
    fake.failNext('tables.get', 503);
    await expect(store.ensureTable(source, SCHEMA)).rejects.toBeInstanceOf(TransientError);
    await store.ensureTable(source, SCHEMA);
    expect(fake.tables.has(table)).toBe(true);
  });

  it('lets the client retry a 503 when retries are allowed', { timeout: 20_000 }, async () => {
    const retrying = anotherProcess(1);
    await retrying.ensureTable(source, SCHEMA);
    fake.failNext('tabledata.insertAll', 503);
    expect(await retrying.insert(source, SCHEMA, [event('a', T0)])).toEqual({ inserted: 1, failed: [] });
    expect(fake.count('tabledata.insertAll')).toBe(2);
  });

  it('lists with one parameterised query: partition filter, order, limit, cost cap', async () => {
    await write(VARIED);
    await store.listEvents(source, SCHEMA, { limit: 25 });
    const [query] = fake.queries;
    expect(query!.query).toBe(
      `SELECT * FROM \`kindling-test.kindling.${table}\` WHERE timestamp >= TIMESTAMP_MICROS(@from_us) ` +
        'ORDER BY timestamp DESC, id DESC LIMIT @limit',
    );
    expect(query!.params).toEqual({
      from_us: { type: 'INT64', value: String(NOW_MS * 1000 - 7 * DAY_US) },
      limit: { type: 'INT64', value: '25' },
    });
    expect(query!.body).toMatchObject({
      useLegacySql: false,
      maximumBytesBilled: '5000000000',
      location: 'EU',
      formatOptions: { useInt64Timestamp: true },
    });
  });

  it('binds bounds and the cursor as parameters, never in the SQL text', async () => {
    await write(VARIED);
    await store.listEvents(source, SCHEMA, { limit: 5, from: T0, to: T0 + 10, after: { timestamp: T0 + 5, id: "x' OR 1=1 --" } });
    const [query] = fake.queries;
    expect(query!.query).toContain(
      'timestamp >= TIMESTAMP_MICROS(@from_us) AND timestamp < TIMESTAMP_MICROS(@to_us) AND ' +
        '(timestamp < TIMESTAMP_MICROS(@after_us) OR (timestamp = TIMESTAMP_MICROS(@after_us) AND id < @after_id))',
    );
    expect(query!.query).not.toContain('OR 1=1');
    expect(query!.params).toEqual({
      from_us: { type: 'INT64', value: String(T0) },
      to_us: { type: 'INT64', value: String(T0 + 10) },
      after_us: { type: 'INT64', value: String(T0 + 5) },
      after_id: { type: 'STRING', value: "x' OR 1=1 --" },
      limit: { type: 'INT64', value: '5' },
    });
  });

  it('adds an LQL filter to the listing with its values as typed parameters', async () => {
    await write(VARIED);
    const filter = bindQuery(parseLql('m.level:"x\' OR 1=1" m.count:>2', { now: NOW_MS }), SCHEMA);
    await store.listEvents(source, SCHEMA, { limit: 5, filter });
    const [query] = fake.queries;
    expect(query!.query).toContain('timestamp >= TIMESTAMP_MICROS(@from_us) AND (');
    expect(query!.query).toContain('`metadata`.`level` = @p0');
    expect(query!.query).not.toContain('OR 1=1');
    expect(Object.values(query!.params)).toEqual(
      expect.arrayContaining([
        { type: 'STRING', value: "x' OR 1=1" },
        { type: 'INT64', value: '2' },
      ]),
    );
  });

  it('charts with one parameterised query over the window, read back as numbers', async () => {
    await store.ensureTable(source, SCHEMA);
    fake.answerQueries(() => ({
      fields: [
        { name: 'ts', type: 'INTEGER', mode: 'NULLABLE' },
        { name: 'value', type: 'INTEGER', mode: 'NULLABLE' },
      ],
      rows: [
        { ts: String(T0), value: '3' },
        { ts: String(T0 + 60_000_000), value: '0' },
      ],
    }));
    const bound = bindQuery(parseLql('error', { now: NOW_MS }), SCHEMA);
    const points = await store.chart(source, bound, { from: T0, to: T0 + 120_000_000 });
    expect(points).toEqual([
      { timestamp: T0, value: 3 },
      { timestamp: T0 + 60_000_000, value: 0 },
    ]);
    const [query] = fake.queries;
    expect(query!.query).toMatch(/^SELECT UNIX_MICROS\(`timestamp`\) AS ts, value FROM \(WITH buckets AS/);
    expect(query!.query).toContain(`kindling-test.kindling.${table}`);
    expect(query!.body).toMatchObject({ maximumBytesBilled: '5000000000' });
  });

  it('looks back seven days from `to` when only `to` is given', async () => {
    await write(VARIED);
    await store.listEvents(source, SCHEMA, { limit: 1, to: T0 });
    expect(fake.queries[0]!.params.from_us).toEqual({ type: 'INT64', value: String(T0 - 7 * DAY_US) });
  });

  it('decodes result rows: nulls and empty arrays dropped, integers and timestamps as numbers', async () => {
    await store.ensureTable(source, SCHEMA);
    fake.answerQueries(() => ({
      fields: fake.tables.get(table)!.resource.schema.fields,
      rows: [
        {
          id: 'r',
          timestamp: '2023-11-14 22:13:20.000042 UTC',
          event_message: null,
          metadata: { level: null, tags: [], count: '12', seen_at: 1700000000.5 },
          user_id: null,
        },
      ],
    }));
    expect(await store.listEvents(source, SCHEMA, { limit: 1 })).toEqual([
      { id: 'r', timestamp: T0 + 42, event_message: '', body: { metadata: { count: 12, seen_at: T0 + 500_000 } } },
    ]);
  });

  it('drops the table with tables.delete and forgets its cached schema', async () => {
    await write([event('a', T0)]);
    await store.dropTable(source);
    expect(fake.tables.has(table)).toBe(false);
    await write([event('b', T0)]);
    expect(fake.count('tables.insert')).toBe(2);
  });
});
