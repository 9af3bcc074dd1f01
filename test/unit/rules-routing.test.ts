/**
 * Source rules at ingest, with the group commit replaced by a recorder: what each request hands
 * over — the source's events plus one copy per matching event and sink, however many rules
 * match it, and never a copy of a copy, even when rules point both ways.
 */
import { parseSerialised, type SerialisedEvents } from '../../shared/ingest/serialised.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, Source } from '../../shared/accounts/model.ts';
import { SourceDirectory } from '../../shared/accounts/sources.ts';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalEventStore } from '../../shared/adapters/local/event-store.ts';
import { LocalMetaStore } from '../../shared/adapters/local/meta-store.ts';
import type { LogEvent } from '../../shared/events/model.ts';
import type { GroupCommit } from '../../shared/ingest/group-commit.ts';
import { Ingestor } from '../../shared/ingest/pipeline.ts';
import { RuleService } from '../../shared/rules/index.ts';

const clock = { now: () => Date.UTC(2026, 10, 27, 12) };
const ids = { uuid: () => crypto.randomUUID() };
const account: Account = { id: crypto.randomUUID(), name: 'Acme', plan: 'free', created_at: '2026-01-01T00:00:00.000Z' };

let db: LocalDatabase;
let rules: RuleService;
let ingestor: Ingestor;
let submitted: { source: string; ids: string[] }[];
let app: Source;
let errors: Source;

beforeEach(async () => {
  db = await LocalDatabase.open(':memory:');
  const meta = await LocalMetaStore.create(db);
  const sources = new SourceDirectory(meta, new LocalEventStore(db), clock, ids);
  rules = new RuleService({ meta, sources, clock, ids });
  submitted = [];
  const commit = {
    submit: async (source: Source, events: SerialisedEvents) => {
      const ids = (parseSerialised(events) as LogEvent[]).map((event) => event.id);
      if (ids.length > 0) submitted.push({ source: source.name, ids });
    },
  } as unknown as GroupCommit;
  ingestor = new Ingestor({ meta, sources, commit, clock, ids, maxTaskBytes: 100_000, rules });
  app = await sources.create(account, { name: 'app' });
  errors = await sources.create(account, { name: 'errors' });
});
afterEach(async () => {
  await db.close();
});

const event = (id: string, status: number, message = id) => ({ id, message, metadata: { status } });

describe('routing at ingest', () => {
  it('hands over the events and one copy of each match per sink, never a copy of a copy', async () => {
    await rules.create(account.id, { source: 'app', lql_string: 'm.status:>=500', sink: 'errors' });
    await rules.create(account.id, { source: 'app', lql_string: 'boom', sink: 'errors' });
    await rules.create(account.id, { source: 'errors', lql_string: 'm.status:>=500', sink: 'app' });
    const outcome = await ingestor.ingest(app, [event('a', 500, 'boom'), event('b', 200), event('c', 503), event('d', 200, 'boom')]);
    expect(outcome).toMatchObject({ accepted: 4, rejected: [] });
    expect(submitted).toEqual([
      { source: 'app', ids: ['a', 'b', 'c', 'd'] },
      { source: 'errors', ids: ['a', 'c', 'd'] },
    ]);
  });

  it('routes nothing for a source without rules, or when nothing matches', async () => {
    await rules.create(account.id, { source: 'errors', lql_string: 'm.status:500', sink: 'app' });
    await ingestor.ingest(app, [event('a', 500)]);
    await ingestor.ingest(errors, [event('b', 404)]);
    expect(submitted).toEqual([
      { source: 'app', ids: ['a'] },
      { source: 'errors', ids: ['b'] },
    ]);
  });

  it('sees a rule created or deleted on this instance at once', async () => {
    const rule = await rules.create(account.id, { source: 'app', lql_string: 'm.status:500', sink: 'errors' });
    await ingestor.ingest(app, [event('a', 500)]);
    await rules.delete(account.id, rule.id);
    await ingestor.ingest(app, [event('b', 500)]);
    expect(submitted).toEqual([
      { source: 'app', ids: ['a'] },
      { source: 'errors', ids: ['a'] },
      { source: 'app', ids: ['b'] },
    ]);
  });
});
