/**
 * Schema growth at ingest under concurrency (SourceDirectory.growSchema, which rule copies use
 * too): requests bringing new fields to a source while an update of its schema is under way wait
 * for that update and check again, so a burst of the same new fields costs one metadata write,
 * and every field still ends up in the stored schema.
 */
import type { SerialisedEvents } from '../../shared/ingest/serialised.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, Source } from '../../shared/accounts/model.ts';
import { SourceDirectory } from '../../shared/accounts/sources.ts';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalEventStore } from '../../shared/adapters/local/event-store.ts';
import { LocalMetaStore } from '../../shared/adapters/local/meta-store.ts';
import type { SourceSchema } from '../../shared/events/model.ts';
import type { GroupCommit } from '../../shared/ingest/group-commit.ts';
import { Ingestor } from '../../shared/ingest/pipeline.ts';
import type { MetaStore } from '../../shared/ports.ts';

const clock = { now: () => Date.UTC(2026, 10, 27, 12) };
const ids = { uuid: () => crypto.randomUUID() };
const account: Account = { id: crypto.randomUUID(), name: 'Acme', plan: 'free', created_at: '2026-01-01T00:00:00.000Z' };

let db: LocalDatabase;
let meta: LocalMetaStore;
let ingestor: Ingestor;
let source: Source;
let submitted: number;
/** Calls to updateSourceSchema; each holds until `release` while `hold` is set. */
let updates: number;
let failNext: boolean;
let hold: Promise<void> | undefined;
let release: () => void;

beforeEach(async () => {
  db = await LocalDatabase.open(':memory:');
  meta = await LocalMetaStore.create(db);
  updates = 0;
  failNext = false;
  submitted = 0;
  hold = undefined;
  const counted = Object.create(meta) as MetaStore;
  counted.updateSourceSchema = async (accountId, sourceId, update) => {
    updates++;
    await hold;
    if (failNext) {
      failNext = false;
      throw new Error('metadata write failed');
    }
    return meta.updateSourceSchema(accountId, sourceId, update);
  };
  const sources = new SourceDirectory(counted, new LocalEventStore(db), clock, ids);
  const commit = {
    submit: async (_source: Source, events: SerialisedEvents) => {
      submitted += events.ends.length;
    },
  } as unknown as GroupCommit;
  ingestor = new Ingestor({ meta: counted, sources, commit, clock, ids, maxTaskBytes: 100_000 });
  source = await sources.create(account, { name: 'app' });
});
afterEach(async () => {
  await db.close();
});

function holdUpdates(): void {
  hold = new Promise((resolve) => {
    release = () => {
      hold = undefined;
      resolve();
    };
  });
}

/** Lets the requests started so far run up to their first wait. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const fieldNames = (schema: SourceSchema | undefined) => (schema ?? []).map((field) => field.name).sort();

async function storedFields(): Promise<string[]> {
  const stored = await meta.getSource(account.id, source.id);
  const metadata = stored?.schema.find((field) => field.name === 'metadata');
  return fieldNames(metadata?.fields);
}

describe('schema growth at ingest', () => {
  it('writes the schema once for a burst of requests that bring the same new fields', async () => {
    holdUpdates();
    const requests = Array.from({ length: 32 }, (_, i) =>
      ingestor.ingest(source, [{ message: `request ${i}`, metadata: { status: 200, path: '/a' } }]),
    );
    await settle();
    release();
    const outcomes = await Promise.all(requests);
    expect(outcomes.every((outcome) => outcome.accepted === 1 && outcome.rejected.length === 0)).toBe(true);
    expect(updates).toBe(1);
    expect(submitted).toBe(32);
    expect(await storedFields()).toEqual(['path', 'status']);
  });

  it('adds fields that arrive during an update in a second one, and keeps both', async () => {
    holdUpdates();
    const first = ingestor.ingest(source, [{ message: 'one', metadata: { status: 200 } }]);
    await settle();
    const second = ingestor.ingest(source, [{ message: 'two', metadata: { region: 'eu' } }]);
    const third = ingestor.ingest(source, [{ message: 'three', metadata: { region: 'us' } }]);
    await settle();
    release();
    const outcomes = await Promise.all([first, second, third]);
    expect(outcomes.map((outcome) => outcome.accepted)).toEqual([1, 1, 1]);
    expect(updates).toBe(2);
    expect(await storedFields()).toEqual(['region', 'status']);
  });

  it('rejects an event that conflicts with the fields an update under way brings', async () => {
    holdUpdates();
    const first = ingestor.ingest(source, [{ message: 'one', metadata: { status: 200 } }]);
    await settle();
    const second = ingestor.ingest(source, [{ message: 'two', metadata: { status: 'ok' } }, { message: 'three' }]);
    await settle();
    release();
    const [one, two] = await Promise.all([first, second]);
    expect(one).toMatchObject({ accepted: 1, rejected: [] });
    expect(two.accepted).toBe(1);
    expect(two.rejected).toEqual([{ index: 0, reason: expect.stringContaining('status') }]);
    expect(updates).toBe(1);
  });

  it('lets the requests that waited write the fields themselves when the update under way fails', async () => {
    holdUpdates();
    failNext = true;
    const first = ingestor.ingest(source, [{ message: 'one', metadata: { status: 200 } }]);
    await settle();
    const second = ingestor.ingest(source, [{ message: 'two', metadata: { status: 201 } }]);
    await settle();
    release();
    await expect(first).rejects.toThrow('metadata write failed');
    await expect(second).resolves.toMatchObject({ accepted: 1, rejected: [] });
    expect(updates).toBe(2);
    expect(await storedFields()).toEqual(['status']);
  });
});
