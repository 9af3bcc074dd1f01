/** The EventStore contract against the local twin's DuckDB store, plus what only DuckDB shows. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalEventStore } from '../../shared/adapters/local/event-store.ts';
import { eventTableName } from '../../shared/adapters/names.ts';
import type { SourceRef } from '../../shared/ports.ts';
import { describeEventStoreContract, event, SCHEMA, T0, VARIED } from './event-store.contract.ts';

async function openStore(): Promise<{ db: LocalDatabase; store: LocalEventStore }> {
  const db = await LocalDatabase.open(':memory:');
  return { db, store: new LocalEventStore(db) };
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
});
