/** The EventStore contract against the local twin's DuckDB store, plus what only DuckDB shows. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDatabase, statementsPrepared } from '../../shared/adapters/local/database.ts';
import { eventRuns, LocalEventStore, STATEMENT_BYTES } from '../../shared/adapters/local/event-store.ts';
import { eventTableName } from '../../shared/adapters/names.ts';
import type { SourceRef } from '../../shared/ports.ts';
import type { LogEvent } from '../../shared/events/model.ts';
import { batchFromJson } from '../../shared/events/batch.ts';
import { describeEventStoreContract, event, SCHEMA, T0, VARIED } from './event-store.contract.ts';

async function openStore(): Promise<{ db: LocalDatabase; store: LocalEventStore }> {
  const db = await LocalDatabase.open(':memory:');
  return { db, store: new LocalEventStore(db) };
}

/** The kinds of constraint on `table`, as DuckDB lists them. */
async function constraintTypes(db: LocalDatabase, table: string): Promise<unknown[]> {
  const reader = await db.read((c) =>
    c.runAndReadAll("SELECT constraint_type FROM duckdb_constraints() WHERE table_name = $t", { t: table }),
  );
  return reader.getRows().flat();
}

async function storedIds(db: LocalDatabase, source: SourceRef): Promise<string[]> {
  const table = eventTableName(source.sourceId);
  const reader = await db.read((c) =>
    c.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE table_name = $t", { t: table }),
  );
  if (Number(reader.getRows()[0]![0]) === 0) return [];
  const rows = await db.read((c) => c.runAndReadAll(`SELECT id FROM "${table}"`));
  return rows.getRows().map(([id]) => id as string);
}

describeEventStoreContract(
  'LocalEventStore (DuckDB)',
  async () => {
    const { db, store } = await openStore();
    return {
      store,
      storedIds: (source) => storedIds(db, source),
      cleanup: async () => {
        await store.close();
        await db.close();
      },
    };
  },
  { runsQueries: true, countsDuplicates: true },
);

describe('LocalEventStore (DuckDB) specifics', () => {
  it('uses the fixed four-column layout the query layer compiles against', async () => {
    const { db, store } = await openStore();
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await store.ensureTable(source, SCHEMA);
    await store.insert(source, SCHEMA, [VARIED[0]!]);
    const table = eventTableName(source.sourceId);
    const columns = await db.read((c) =>
      c.runAndReadAll(
        'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $t ORDER BY ordinal_position',
        { t: table },
      ),
    );
    expect(columns.getRows()).toEqual([
      ['id', 'VARCHAR', 'NO'],
      ['timestamp', 'TIMESTAMP', 'NO'],
      ['event_message', 'VARCHAR', 'YES'],
      ['body', 'JSON', 'YES'],
    ]);
    const row = await db.read((c) =>
      c.runAndReadAll(`SELECT epoch_us(timestamp), body->>'$.metadata.request.path' FROM "${table}"`),
    );
    expect(row.getRows()).toEqual([[BigInt(VARIED[0]!.timestamp), '/v1/things?id=3']]);
    await db.close();
  });

  it("prepares its kept INSERT again once another source's table changed the catalog", async () => {
    // DuckDB plans a statement prepared before a catalog change again at every execution.
    const { db, store } = await openStore();
    const first = { accountId: randomUUID(), sourceId: randomUUID() };
    const second = { accountId: first.accountId, sourceId: randomUUID() };
    const prepared = () => db.write(async (c) => statementsPrepared(c), 'events');
    await store.insert(first, SCHEMA, [event('1', T0)]);
    const kept = await prepared();
    await store.insert(first, SCHEMA, [event('2', T0)]);
    expect(await prepared()).toBe(kept);
    await store.insert(second, SCHEMA, [event('3', T0)]);
    expect(await prepared()).toBe(kept + 1);
    await store.insert(first, SCHEMA, [event('4', T0)]);
    await store.insert(first, SCHEMA, [event('5', T0)]);
    expect(await prepared()).toBe(kept + 2);
    expect((await storedIds(db, first)).sort()).toEqual(['1', '2', '4', '5']);
    await db.close();
  });

  it('names tables from the source id without dashes, in lower case', () => {
    expect(eventTableName('0F8E2C4A-1B2C-4D3E-8F90-A1B2C3D4E5F6')).toBe('events_0f8e2c4a1b2c4d3e8f90a1b2c3d4e5f6');
  });

  it('keeps the events of a batch when the database is closed and reopened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-events-'));
    const file = path.join(dir, 'kindling.duckdb');
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    try {
      const first = await LocalDatabase.open(file);
      await new LocalEventStore(first).insert(source, SCHEMA, [event('durable', T0)]);
      await first.close();
      const second = await LocalDatabase.open(file);
      const listed = await new LocalEventStore(second).listEvents(source, SCHEMA, { limit: 10 });
      expect(listed.map((e) => e.id)).toEqual(['durable']);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a database file within its memory limit: rows beyond it spill to disk, none is lost', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-events-'));
    const file = path.join(dir, 'kindling.duckdb');
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    const padding = 'x'.repeat(500);
    // ~36 MB of rows, none checkpointed, against a 32 MB limit: the first write is one 12 MB
    // batch (an 11 MB request failed every delivery at this limit as one INSERT), then 2,000-event ones.
    const total = 60_000;
    try {
      const db = await LocalDatabase.open(file, { memoryLimit: '32MB' });
      const setting = await db.read((c) => c.runAndReadAll("SELECT current_setting('memory_limit')"));
      expect(setting.getRows()).toEqual([['30.5 MiB']]);
      const store = new LocalEventStore(db);
      const events = Array.from({ length: total }, (_, i) => event(`spill-${i}`, T0 + i, { padding, i }));
      const batch = batchFromJson(JSON.stringify(events.slice(0, 20_000)), () => events.slice(0, 20_000), 20_000);
      expect(batch.utf8().length).toBeGreaterThan(10 * STATEMENT_BYTES); // so cut into 12 statements
      expect(await store.insert(source, SCHEMA, batch)).toEqual({ inserted: 20_000, failed: [] });
      for (let start = 20_000; start < total; start += 2_000) {
        expect(await store.insert(source, SCHEMA, events.slice(start, start + 2_000))).toEqual({ inserted: 2_000, failed: [] });
      }
      const memory = await db.read((c) =>
        c.runAndReadAll('SELECT sum(memory_usage_bytes)::BIGINT, sum(temporary_storage_bytes)::BIGINT FROM duckdb_memory()'),
      );
      const [[used, spilled]] = memory.getRows() as [[bigint, bigint]];
      expect(Number(used)).toBeLessThanOrEqual(32 * 2 ** 20);
      expect(Number(spilled)).toBeGreaterThan(0);
      await db.close();
      const reopened = await LocalDatabase.open(file);
      const table = eventTableName(source.sourceId);
      const stored = await reopened.read((c) =>
        c.runAndReadAll(`SELECT count(DISTINCT id), min(body->>'i')::INT, max((body->>'i')::INT) FROM "${table}"`),
      );
      expect(stored.getRows()).toEqual([[BigInt(total), 0, total - 1]]);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cuts a JSON array between its elements, never inside a string or an object', () => {
    const elements = ['{"a":"x,y"}', '{"b":[1,2,{"c":"]}"}]}', '{"d":"\\\",{"}', '7', '"s,t"', '{"e":{}}'];
    const items = Buffer.from(elements.join(','));
    for (const limit of [1, 8, 12, 20, 30, 200]) {
      const runs = eventRuns(items, limit).map((run) => run.toString());
      expect(runs.join(',')).toBe(elements.join(','));
      expect(runs.flatMap((run) => JSON.parse(`[${run}]`) as unknown[])).toEqual(elements.map((e) => JSON.parse(e) as unknown));
      for (const run of runs) expect(run.length <= limit || elements.includes(run)).toBe(true);
    }
    expect(eventRuns(items, 200)).toHaveLength(1);
    expect(eventRuns(items, 1)).toHaveLength(elements.length);
  });

  it('stores an id once when it comes again after the database is reopened (a redelivered task)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-events-'));
    const file = path.join(dir, 'kindling.duckdb');
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    const batch = Array.from({ length: 50 }, (_, i) => event(`redelivered-${i}`, T0 + i));
    try {
      const first = await LocalDatabase.open(file);
      expect(await new LocalEventStore(first).insert(source, SCHEMA, batch)).toEqual({ inserted: 50, failed: [] });
      await first.close();
      const second = await LocalDatabase.open(file);
      const store = new LocalEventStore(second);
      const again = await store.insert(source, SCHEMA, [...batch, event('new-one', T0)]);
      expect(again).toEqual({ inserted: 1, failed: [] });
      expect((await storedIds(second, source)).length).toBe(51);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deletes the repeat a crash left between an insert and its DELETE before writing again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-events-'));
    const file = path.join(dir, 'kindling.duckdb');
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    const table = eventTableName(source.sourceId);
    try {
      const first = await LocalDatabase.open(file);
      await new LocalEventStore(first).insert(source, SCHEMA, [event('kept', T0), event('twice', T0)]);
      // What the process left if it died after an INSERT that repeated 'twice' committed on its own.
      await first.write((c) => c.run(`INSERT INTO "${table}" VALUES ('twice', make_timestamp(${T0 + 1}), 'copy', '{}')`));
      await first.close();
      const second = await LocalDatabase.open(file);
      const store = new LocalEventStore(second);
      expect(await store.insert(source, SCHEMA, [event('later', T0)])).toEqual({ inserted: 1, failed: [] });
      expect((await storedIds(second, source)).sort()).toEqual(['kept', 'later', 'twice']);
      // The first copy stays; the later one goes.
      const copies = await second.read((c) => c.runAndReadAll(`SELECT count(*) FROM "${table}" WHERE event_message = 'copy'`));
      expect(copies.getRows()).toEqual([[0n]]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dedupes within its window of latest ids and documents that older repeats are not looked for', async () => {
    const db = await LocalDatabase.open(':memory:');
    const store = new LocalEventStore(db, { dedupeWindow: 10 });
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await store.insert(source, SCHEMA, [event('early', T0)]);
    await store.insert(source, SCHEMA, [event('a', T0), event('b', T0)]);
    expect((await store.insert(source, SCHEMA, [event('early', T0)])).inserted).toBe(0);
    for (let i = 0; i < 20; i++) await store.insert(source, SCHEMA, [event(`filler-${i}`, T0)]);
    expect((await store.insert(source, SCHEMA, [event('filler-19', T0)])).inserted).toBe(0);
    // Twenty newer ids later, 'early' is out of the window: like BigQuery's insertId, no longer deduped.
    expect((await store.insert(source, SCHEMA, [event('early', T0)])).inserted).toBe(1);
    await db.close();
  });

  it('has no index on id: appends do not maintain one and checkpoints do not rewrite one', async () => {
    const { db, store } = await openStore();
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await store.ensureTable(source, SCHEMA);
    const table = eventTableName(source.sourceId);
    expect(await constraintTypes(db, table)).toEqual(['NOT NULL', 'NOT NULL']);
    await db.close();
  });

  it('refuses events text that is not an array of events as a bad task, writing nothing', async () => {
    const { db, store } = await openStore();
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await store.ensureTable(source, SCHEMA);
    const refuse = (text: string) => store.insert(source, SCHEMA, batchFromJson(text, (json) => JSON.parse(json) as LogEvent[]));
    for (const text of ['[{"id": "a", "timestamp": 1', '[{"timestamp": 1, "event_message": "no id", "body": {}}]', '[{"id": "b", "timestamp": "soon"}]']) {
      await expect(refuse(text)).rejects.toMatchObject({ status: 400, code: 'bad_task' });
    }
    await store.insert(source, SCHEMA, [event('fine', T0)]);
    expect(await storedIds(db, source)).toEqual(['fine']);
    await db.close();
  });

  it('stores a batch DuckDB refuses for a lone surrogate, with U+FFFD in its place', async () => {
    const { db, store } = await openStore();
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    const text = JSON.stringify([event('lone', T0, { metadata: { s: 'a\ud800b' } })]);
    const outcome = await store.insert(source, SCHEMA, batchFromJson(text, (json) => JSON.parse(json) as LogEvent[]));
    expect(outcome).toEqual({ inserted: 1, failed: [] });
    const [stored] = await store.listEvents(source, SCHEMA, { limit: 1 });
    expect(stored!.body).toEqual({ metadata: { s: 'a\ufffdb' } });
    await db.close();
  });

  it('rebuilds a table an earlier version made with PRIMARY KEY (id) without it, keeping its rows', async () => {
    const db = await LocalDatabase.open(':memory:');
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    const table = eventTableName(source.sourceId);
    await db.write(async (c) => {
      await c.run(`CREATE TABLE "${table}" (id VARCHAR PRIMARY KEY, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON)`);
      await c.run(`INSERT INTO "${table}" VALUES ('old-1', make_timestamp(${T0}), 'a', '{"n":1}'), ('old-2', make_timestamp(${T0}), 'b', NULL)`);
    });
    const store = new LocalEventStore(db, { dedupeWindow: 2 });
    await store.insert(source, SCHEMA, [event('new-1', T0), event('new-2', T0), event('new-3', T0)]);
    // 'old-1' is out of the 2-id window now: stored again rather than refused forever by an index.
    expect(await store.insert(source, SCHEMA, [event('old-1', T0)])).toEqual({ inserted: 1, failed: [] });
    expect((await storedIds(db, source)).sort()).toEqual(['new-1', 'new-2', 'new-3', 'old-1', 'old-1', 'old-2']);
    expect(await constraintTypes(db, table)).toEqual(['NOT NULL', 'NOT NULL']);
    await db.close();
  });

  it('writes concurrent batches as one, whatever white space or emptiness their texts have', async () => {
    const { db, store } = await openStore();
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await store.ensureTable(source, SCHEMA);
    const text = (json: string, count: number) => batchFromJson(json, (t) => JSON.parse(t) as LogEvent[], count);
    const outcomes = await Promise.all([
      store.insert(source, SCHEMA, [event('plain', T0)]),
      store.insert(source, SCHEMA, text(` \n[ ${JSON.stringify(event('spaced', T0))} ,\t${JSON.stringify(event('spaced-2', T0))} ]\r\n`, 2)),
      store.insert(source, SCHEMA, text('[ ]', 0)),
      store.insert(source, SCHEMA, text(JSON.stringify([event('last', T0)]), 1)),
    ]);
    expect(outcomes.map((o) => o.inserted)).toEqual([1, 2, 0, 1]);
    expect((await storedIds(db, source)).sort()).toEqual(['last', 'plain', 'spaced', 'spaced-2']);
    await expect(store.insert(source, SCHEMA, text('{"id": "not-an-array"}', 1))).rejects.toMatchObject({ code: 'bad_task' });
    await db.close();
  });

  it('keeps the good batches of a group commit that one bad batch failed', async () => {
    const { db, store } = await openStore();
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await store.ensureTable(source, SCHEMA);
    const outcomes = await Promise.allSettled([
      store.insert(source, SCHEMA, [event('before', T0)]),
      store.insert(source, SCHEMA, batchFromJson('[{"id": "broken"', (json) => JSON.parse(json) as LogEvent[])),
      store.insert(source, SCHEMA, [event('after', T0)]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await storedIds(db, source)).sort()).toEqual(['after', 'before']);
    await db.close();
  });
});
