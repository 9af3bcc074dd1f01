/**
 * The EventStore contract against StorageWriteEventStore: tables and reads through the real
 * BigQuery client into the REST fake, rows through the real Storage Write client (managed
 * writer, default stream) into the gRPC fake built from the package's protos. Then what only the
 * Storage Write path has: the writer schema, row errors, reconnection, schema lag, and the
 * at-least-once trade-off of the default stream.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BigQueryEventStore } from '../../shared/adapters/gcp/bigquery-event-store.ts';
import { StorageWriteEventStore } from '../../shared/adapters/gcp/bigquery-storage-event-store.ts';
import { eventTableName } from '../../shared/adapters/names.ts';
import { openPorts } from '../../shared/composition.ts';
import { loadConfig } from '../../shared/config.ts';
import { TransientError } from '../../shared/errors.ts';
import type { LogEvent, SourceSchema } from '../../shared/events/model.ts';
import type { SourceRef } from '../../shared/ports.ts';
import { BigQueryFake } from '../support/fakes/bigquery-fake.ts';
import { BigQueryWriteFake } from '../support/fakes/bigquery-write-fake.ts';
import { describeEventStoreContract, event, SCHEMA, T0, VARIED } from './event-store.contract.ts';

interface Fakes {
  rest: BigQueryFake;
  grpc: BigQueryWriteFake;
}

/** The token the composition root hands the BigQuery client when it talks to a fake. */
const COMPOSITION_TOKEN = 'test-token';

async function startFakes(token?: string): Promise<Fakes> {
  const rest = await BigQueryFake.start({ token });
  rest.answerQueries((query) => rest.allRowsOf(/`[^`]+\.([^`.]+)`/.exec(query.query)![1]!));
  return { rest, grpc: await BigQueryWriteFake.start(rest) };
}

function storageStore({ rest, grpc }: Fakes, options: { now?: () => number; dedupeWindowMs?: number } = {}) {
  const clock = { now: options.now ?? (() => Date.now()) };
  const tables = new BigQueryEventStore({
    projectId: rest.projectId,
    dataset: rest.datasetId,
    apiEndpoint: rest.url,
    maxRetries: 0,
    clock,
  });
  return new StorageWriteEventStore(tables, {
    projectId: rest.projectId,
    dataset: rest.datasetId,
    apiEndpoint: grpc.endpoint,
    dedupeWindowMs: options.dedupeWindowMs,
    clock,
  });
}

async function stopFakes({ rest, grpc }: Fakes): Promise<void> {
  expect(rest.crashes).toEqual([]);
  expect(grpc.crashes).toEqual([]);
  expect(rest.count('unknown')).toBe(0);
  await grpc.close();
  await rest.close();
}

describeEventStoreContract(
  'StorageWriteEventStore (REST + gRPC fakes)',
  async () => {
    const fakes = await startFakes();
    const store = storageStore(fakes);
    return {
      store,
      storedIds: async (source) =>
        (fakes.rest.tables.get(eventTableName(source.sourceId))?.rows ?? []).map((row) => row.json.id as string),
      cleanup: async () => {
        expect(fakes.rest.count('tabledata.insertAll')).toBe(0);
        await store.close();
        await stopFakes(fakes);
      },
    };
  },
  { runsQueries: false, countsDuplicates: true },
);

describe('StorageWriteEventStore specifics', () => {
  let fakes: Fakes;
  let store: StorageWriteEventStore;
  let source: SourceRef;
  let table: string;
  const write = async (events: LogEvent[], schema: SourceSchema = SCHEMA, into = store) => {
    await into.ensureTable(source, schema);
    return into.insert(source, schema, events);
  };
  const storedIds = () => fakes.rest.tables.get(table)!.rows.map((row) => row.json.id);
  const small: SourceSchema = [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }];

  beforeEach(async () => {
    fakes = await startFakes();
    store = storageStore(fakes);
    source = { accountId: randomUUID(), sourceId: randomUUID() };
    table = eventTableName(source.sourceId);
  });
  afterEach(async () => {
    await store.close();
    await stopFakes(fakes);
  });

  it('appends proto rows to the default stream under a proto2 writer schema derived from the source schema', async () => {
    await write([event('abc', T0 + 654_321, { metadata: { seen_at: T0 + 7, tags: ['x'] }, user_id: 5 })]);
    const [append] = fakes.grpc.appends;
    expect(append!.writerFields).toEqual([
      { name: 'id', type: 'string', rule: 'required' },
      { name: 'timestamp', type: 'int64', rule: 'required' },
      { name: 'event_message', type: 'string', rule: 'optional' },
      { name: 'metadata', type: 'root_metadata', rule: 'optional' },
      { name: 'user_id', type: 'int64', rule: 'optional' },
    ]);
    expect(fakes.rest.tables.get(table)!.rows.map((row) => row.json)).toEqual([
      {
        id: 'abc',
        timestamp: '2023-11-14T22:13:20.654321Z',
        event_message: 'event abc',
        metadata: { seen_at: '2023-11-14T22:13:20.000007Z', tags: ['x'] },
        user_id: '5',
      },
    ]);
    expect(fakes.rest.count('tabledata.insertAll')).toBe(0);
  });

  it('keeps one connection per table across inserts, and bills the serialized rows', async () => {
    await write([event('a', T0)]);
    await write([event('b', T0), event('c', T0)]);
    expect(fakes.grpc.connections).toBe(1);
    expect(fakes.grpc.usage.appends).toBe(2);
    expect(fakes.grpc.usage.rows).toBe(3);
    // Three rows of a few dozen bytes each: no 1 KB minimum per row.
    expect(fakes.grpc.usage.bytes).toBeGreaterThan(3 * 20);
    expect(fakes.grpc.usage.bytes).toBeLessThan(3 * 100);
  });

  it('opens a connection with the wider writer schema when the source schema grows, keeping old rows', async () => {
    await write([event('old', T0, { user_id: 1 })], small);
    await write(VARIED);
    expect(fakes.grpc.connections).toBe(2);
    expect(fakes.grpc.appends[1]!.writerFields.map((f) => f.name)).toEqual(['id', 'timestamp', 'event_message', 'user_id', 'metadata']);
    expect(storedIds()).toEqual(['old', ...VARIED.map((e) => e.id)]);
  });

  it('reports rows the service refuses and appends the others in a second request', async () => {
    fakes.grpc.rowErrorsNext(() => [1]);
    const outcome = await write([event('a', T0), event('b', T0), event('c', T0)]);
    expect(outcome).toEqual({ inserted: 2, failed: [{ id: 'b', reason: 'invalid: Injected row error.' }] });
    expect(fakes.grpc.appends.map((a) => [a.rows, a.stored])).toEqual([
      [3, false],
      [2, true],
    ]);
    expect(storedIds()).toEqual(['a', 'c']);
  });

  it('refuses, without sending them, values that do not fit their column and fields outside the schema', async () => {
    const outcome = await write([event('bad', T0, { user_id: 'many' }), event('stray', T0, { nope: 1 }), event('fine', T0)]);
    expect(outcome).toEqual({
      inserted: 1,
      failed: [
        { id: 'bad', reason: 'invalid: the value of user_id does not fit its INTEGER column' },
        { id: 'stray', reason: 'no such field in the source schema: nope' },
      ],
    });
    expect(fakes.grpc.appends.map((a) => a.rows)).toEqual([1]);
  });

  it('reconnects after UNAVAILABLE and sends the append again on the new connection', async () => {
    await write([event('first', T0)]);
    fakes.grpc.failNextAppend(status.UNAVAILABLE);
    expect(await write([event('second', T0)])).toEqual({ inserted: 1, failed: [] });
    expect(fakes.grpc.connections).toBe(2);
    expect(storedIds()).toEqual(['first', 'second']);
  });

  it('throws TransientError when the connection keeps failing, and writes the same events on a later try', async () => {
    for (let i = 0; i < 3; i++) fakes.grpc.failNextAppend(status.UNAVAILABLE);
    await expect(write([event('a', T0)])).rejects.toBeInstanceOf(TransientError);
    expect(storedIds()).toEqual([]);
    expect(await write([event('a', T0)])).toEqual({ inserted: 1, failed: [] });
    expect(storedIds()).toEqual(['a']);
  });

  it('throws TransientError while the streaming backend does not see a new column yet', async () => {
    await write([event('a', T0, { user_id: 1 })], small);
    fakes.grpc.freezeSchema(table);
    await expect(write([event('b', T0, { metadata: { level: 'x' } })])).rejects.toBeInstanceOf(TransientError);
    fakes.grpc.thawSchema(table);
    expect(await write([event('b', T0, { metadata: { level: 'x' } })])).toEqual({ inserted: 1, failed: [] });
    expect(storedIds()).toEqual(['a', 'b']);
  });

  it('throws TransientError when the table is not there (yet) for the streaming backend', async () => {
    await store.ensureTable(source, SCHEMA);
    const created = fakes.rest.tables.get(table)!;
    fakes.rest.tables.delete(table);
    await expect(store.insert(source, SCHEMA, [event('a', T0)])).rejects.toBeInstanceOf(TransientError);
    fakes.rest.tables.set(table, created);
    expect(await store.insert(source, SCHEMA, [event('a', T0)])).toEqual({ inserted: 1, failed: [] });
  });

  it('is at-least-once: an append whose acknowledgement is lost is stored again when sent again', async () => {
    fakes.grpc.failNextAppend(status.UNAVAILABLE, { afterStoring: true });
    expect(await write([event('twice', T0)])).toEqual({ inserted: 1, failed: [] });
    expect(storedIds()).toEqual(['twice', 'twice']);
  });

  it('appends a batch redelivered to this process once; another process appends it again', async () => {
    await write(VARIED);
    expect(await write(VARIED)).toEqual({ inserted: 0, failed: [] });
    expect(fakes.grpc.usage.appends).toBe(1);
    const other = storageStore(fakes);
    try {
      expect(await write(VARIED, SCHEMA, other)).toEqual({ inserted: VARIED.length, failed: [] });
    } finally {
      await other.close();
    }
    expect(storedIds()).toHaveLength(2 * VARIED.length);
  });

  it('forgets the ids it wrote after its dedupe window', async () => {
    let now = T0 / 1000;
    const windowed = storageStore(fakes, { now: () => now, dedupeWindowMs: 1_000 });
    try {
      await write([event('a', T0)], SCHEMA, windowed);
      now += 1_500;
      await write([event('b', T0)], SCHEMA, windowed);
      expect((await write([event('a', T0)], SCHEMA, windowed)).inserted).toBe(0);
      now += 1_500;
      expect((await write([event('a', T0)], SCHEMA, windowed)).inserted).toBe(1);
    } finally {
      await windowed.close();
    }
  });
});

describe('the BigQuery writer the configuration picks', () => {
  let fakes: Fakes;
  beforeEach(async () => {
    fakes = await startFakes(COMPOSITION_TOKEN);
  });
  afterEach(async () => {
    await stopFakes(fakes);
  });

  it.each([
    [undefined, 1, 0],
    ['storage', 1, 0],
    ['insertall', 0, 1],
  ] as const)('BIGQUERY_WRITE_API=%s: %i appends, %i insertAll calls', async (api, appends, insertAlls) => {
    const config = loadConfig({
      KINDLING_BACKEND: 'gcp',
      GCP_PROJECT: fakes.rest.projectId,
      BIGQUERY_DATASET: fakes.rest.datasetId,
      BIGQUERY_API_ENDPOINT: fakes.rest.url,
      BIGQUERY_STORAGE_API_ENDPOINT: fakes.grpc.endpoint,
      SINK_URL: 'https://sink.example.test/',
      TASKS_SERVICE_ACCOUNT: 'tasks@example.iam.gserviceaccount.com',
      ...(api ? { BIGQUERY_WRITE_API: api } : {}),
    });
    const ports = await openPorts(config);
    try {
      const source = { accountId: randomUUID(), sourceId: randomUUID() };
      await ports.events.ensureTable(source, SCHEMA);
      expect(await ports.events.insert(source, SCHEMA, [event('a', T0)])).toEqual({ inserted: 1, failed: [] });
      expect([fakes.grpc.usage.appends, fakes.rest.count('tabledata.insertAll')]).toEqual([appends, insertAlls]);
    } finally {
      await ports.events.close();
      await ports.dispose();
    }
  });
});
