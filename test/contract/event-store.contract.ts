/**
 * The EventStore contract: what every adapter must do, run against each by a small runner file.
 * An adapter whose listing cannot be evaluated in tests (BigQuery: its fake cannot run SQL)
 * declares `runsQueries: false`; the ordering, paging and bound tests are then skipped for it
 * and its query is checked by shape in its own test file instead.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEvent, SourceSchema } from '../../shared/events/model.ts';
import type { EventStore, SourceRef } from '../../shared/ports.ts';
import { batchFromJson } from '../../shared/events/batch.ts';
import { describeSqlContract } from './event-store-sql.contract.ts';
import { bindQuery, parseLql } from '../../shared/lql/index.ts';

export interface EventStoreSubject {
  store: EventStore;
  /** The ids stored in the source's table, read around the store. */
  storedIds(source: SourceRef): Promise<string[]>;
  cleanup(): Promise<void>;
}

export interface EventStoreCapabilities {
  /** False when listEvents is answered with canned rows: order, paging and bounds go untested here. */
  runsQueries: boolean;
  /** False when `inserted` cannot leave out ids already stored (BigQuery insertAll cannot tell). */
  countsDuplicates: boolean;
}

export const SCHEMA: SourceSchema = [
  {
    name: 'metadata',
    type: 'RECORD',
    mode: 'NULLABLE',
    fields: [
      { name: 'level', type: 'STRING', mode: 'NULLABLE' },
      { name: 'count', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'ratio', type: 'FLOAT', mode: 'NULLABLE' },
      { name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'seen_at', type: 'TIMESTAMP', mode: 'NULLABLE' },
      {
        name: 'request',
        type: 'RECORD',
        mode: 'NULLABLE',
        fields: [
          { name: 'path', type: 'STRING', mode: 'NULLABLE' },
          { name: 'status', type: 'INTEGER', mode: 'NULLABLE' },
        ],
      },
      {
        name: 'spans',
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [
          { name: 'name', type: 'STRING', mode: 'NULLABLE' },
          { name: 'ms', type: 'FLOAT', mode: 'NULLABLE' },
        ],
      },
    ],
  },
  { name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' },
];

/** 2023-11-14T22:13:20Z in µs: the tests' epoch. */
export const T0 = 1_700_000_000_000_000;

export function event(id: string, timestamp: number, body: LogEvent['body'] = {}, message = `event ${id}`): LogEvent {
  return { id, timestamp, event_message: message, body };
}

/** Events covering every kind of value the schema allows. */
export const VARIED: LogEvent[] = [
  event('a-full', T0 + 123_456, {
    metadata: {
      level: 'error',
      count: -7,
      ratio: 0.1,
      ok: false,
      tags: ['api', 'eu-west'],
      seen_at: T0 + 654_321,
      request: { path: '/v1/things?id=3', status: 503 },
      spans: [
        { name: 'db', ms: 1.25 },
        { name: 'render', ms: 0.5 },
      ],
    },
    user_id: 9_007_199_254_740_991,
  }),
  event('b-nul', T0 + 1, { metadata: { level: 'a\u0000b', tags: ['\u0000', 'x\u0000y'] } }, 'line\u0000one'),
  event('c-text', T0 + 2, { metadata: { level: 'héllo 😀 \n\t "quoted" \\ \u2028' } }, ''),
  event('d-bare', T0 + 3),
  event('e-numbers', T0 + 4, { metadata: { ratio: 1e-7, count: 0, ok: true, spans: [{ ms: -2.5e10 }] }, user_id: 3 }),
];

const byId = (a: LogEvent, b: LogEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const newestFirst = (a: LogEvent, b: LogEvent) => b.timestamp - a.timestamp || -byId(a, b);

export function describeEventStoreContract(
  name: string,
  make: () => Promise<EventStoreSubject>,
  capabilities: EventStoreCapabilities,
): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreSubject;
    let store: EventStore;
    let source: SourceRef;
    const listing = it.skipIf(!capabilities.runsQueries);
    const all = (ref = source) => store.listEvents(ref, SCHEMA, { limit: 1000 });
    /** ensureTable then insert, as the sink does. */
    const write = async (events: LogEvent[], ref = source, schema = SCHEMA) => {
      await store.ensureTable(ref, schema);
      return store.insert(ref, schema, events);
    };
    const sameEvents = async (ref: SourceRef, expected: LogEvent[]) => {
      const listed = await all(ref);
      if (capabilities.runsQueries) expect(listed).toEqual([...expected].sort(newestFirst));
      else expect([...listed].sort(byId)).toEqual([...expected].sort(byId));
    };

    beforeEach(async () => {
      subject = await make();
      store = subject.store;
      source = { accountId: randomUUID(), sourceId: randomUUID() };
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    describeSqlContract(() => ({ store, source }), capabilities.runsQueries);

    it('ensureTable is idempotent and creates an empty table', async () => {
      await store.ensureTable(source, SCHEMA);
      await store.ensureTable(source, SCHEMA);
      expect(await subject.storedIds(source)).toEqual([]);
      expect(await all()).toEqual([]);
    });

    it('round-trips every kind of value exactly', async () => {
      await write(VARIED);
      await sameEvents(source, VARIED);
    });

    it('keeps NUL characters inside strings', async () => {
      await write([VARIED[1]!]);
      const [listed] = await all();
      expect(listed?.event_message).toBe('line\u0000one');
      expect(listed?.body).toEqual({ metadata: { level: 'a\u0000b', tags: ['\u0000', 'x\u0000y'] } });
    });

    it('keeps timestamps to the microsecond', async () => {
      const events = [event('t1', T0 + 1), event('t2', T0 + 2), event('t3', T0 - 999_999), event('t4', 1_999_999_999_999_999)];
      await write(events);
      await sameEvents(source, events);
    });

    it('reports the events it wrote and no failures', async () => {
      expect(await write(VARIED)).toEqual({ inserted: VARIED.length, failed: [] });
    });

    it('writes nothing for an empty batch', async () => {
      expect(await write([])).toEqual({ inserted: 0, failed: [] });
      expect(await subject.storedIds(source)).toEqual([]);
    });

    it('stores an id once when the same batch is written twice', async () => {
      await write(VARIED);
      const again = await write(VARIED);
      expect(again.failed).toEqual([]);
      if (capabilities.countsDuplicates) expect(again.inserted).toBe(0);
      expect((await subject.storedIds(source)).sort()).toEqual(VARIED.map((e) => e.id).sort());
      await sameEvents(source, VARIED);
    });

    it('stores only the new ids of an overlapping batch, keeping the first version', async () => {
      await write([event('a', T0), event('b', T0 + 1)]);
      const outcome = await write([event('b', T0 + 1, {}, 'changed'), event('c', T0 + 2)]);
      if (capabilities.countsDuplicates) expect(outcome.inserted).toBe(1);
      expect((await subject.storedIds(source)).sort()).toEqual(['a', 'b', 'c']);
      await sameEvents(source, [event('a', T0), event('b', T0 + 1), event('c', T0 + 2)]);
    });

    it('stores an id repeated within one batch once', async () => {
      const outcome = await write([event('x', T0), event('x', T0), event('y', T0)]);
      expect(outcome).toEqual({ inserted: 2, failed: [] });
      expect((await subject.storedIds(source)).sort()).toEqual(['x', 'y']);
    });

    it('takes a batch as the JSON text the sink hands on, exactly as the same events as objects', async () => {
      await store.ensureTable(source, SCHEMA);
      const text = batchFromJson(JSON.stringify(VARIED), (json) => JSON.parse(json) as LogEvent[]);
      expect(await store.insert(source, SCHEMA, text)).toEqual({ inserted: VARIED.length, failed: [] });
      await sameEvents(source, VARIED);
      const again = await store.insert(source, SCHEMA, batchFromJson(JSON.stringify(VARIED), (json) => JSON.parse(json) as LogEvent[]));
      if (capabilities.countsDuplicates) expect(again.inserted).toBe(0);
      expect((await subject.storedIds(source)).sort()).toEqual(VARIED.map((e) => e.id).sort());
    });

    it('lands every event of concurrent batches', async () => {
      const batches = [0, 1, 2, 3, 4].map((b) => Array.from({ length: 50 }, (_, i) => event(`b${b}-${i}`, T0 + b * 100 + i)));
      await store.ensureTable(source, SCHEMA);
      await Promise.all(batches.map((batch) => store.insert(source, SCHEMA, batch)));
      expect(await subject.storedIds(source)).toHaveLength(250);
    });

    it('counts an id written by concurrent batches once in total', async () => {
      await store.ensureTable(source, SCHEMA);
      const outcomes = await Promise.all([
        store.insert(source, SCHEMA, [event('shared', T0), event('left', T0)]),
        store.insert(source, SCHEMA, [event('shared', T0), event('right', T0)]),
      ]);
      if (capabilities.countsDuplicates) expect(outcomes[0].inserted + outcomes[1].inserted).toBe(3);
      expect((await subject.storedIds(source)).sort()).toEqual(['left', 'right', 'shared']);
    });

    it('accepts a grown schema and keeps the rows it had', async () => {
      const small: SourceSchema = [{ name: 'user_id', type: 'INTEGER', mode: 'NULLABLE' }];
      const before = event('old', T0, { user_id: 1 });
      await write([before], source, small);
      await write(VARIED);
      await sameEvents(source, [before, ...VARIED]);
    });

    listing('lists newest first, ties broken by id descending', async () => {
      const events = [event('m', T0 + 5), event('z', T0 + 5), event('a', T0 + 5), event('q', T0 + 9), event('b', T0 + 1)];
      await write(events);
      expect((await all()).map((e) => e.id)).toEqual(['q', 'z', 'm', 'a', 'b']);
    });

    listing('returns at most `limit` events', async () => {
      await write(VARIED);
      expect((await store.listEvents(source, SCHEMA, { limit: 2 })).map((e) => e.id)).toEqual(['a-full', 'e-numbers']);
    });

    listing('pages with `after` through every event exactly once, in order', async () => {
      const events = Array.from({ length: 23 }, (_, i) => event(`p${String(i).padStart(2, '0')}`, T0 + Math.floor(i / 3)));
      await write(events);
      const seen: LogEvent[] = [];
      for (let page = await store.listEvents(source, SCHEMA, { limit: 5 }); page.length > 0; ) {
        seen.push(...page);
        const last = page[page.length - 1]!;
        page = await store.listEvents(source, SCHEMA, { limit: 5, after: { timestamp: last.timestamp, id: last.id } });
      }
      expect(seen).toEqual([...events].sort(newestFirst));
    });

    listing('bounds by `from` (inclusive) and `to` (exclusive)', async () => {
      const events = [0, 1, 2, 3, 4].map((i) => event(`e${i}`, T0 + i * 1_000_000));
      await write(events);
      const ids = async (from?: number, to?: number) =>
        (await store.listEvents(source, SCHEMA, { limit: 100, from, to })).map((e) => e.id);
      expect(await ids(T0 + 1_000_000, T0 + 3_000_000)).toEqual(['e2', 'e1']);
      expect(await ids(T0 + 3_000_000)).toEqual(['e4', 'e3']);
      expect(await ids(undefined, T0 + 1_000_001)).toEqual(['e1', 'e0']);
    });

    listing('combines a cursor with bounds', async () => {
      const events = [0, 1, 2, 3, 4].map((i) => event(`e${i}`, T0 + i));
      await write(events);
      const page = await store.listEvents(source, SCHEMA, { limit: 10, from: T0 + 1, after: { timestamp: T0 + 3, id: 'e3' } });
      expect(page.map((e) => e.id)).toEqual(['e2', 'e1']);
    });

    listing('filters by an LQL query, negation including missing values', async () => {
      await write([
        event('e1', T0 + 1, { metadata: { level: 'error', count: 5 } }, 'disk full'),
        event('e2', T0 + 2, { metadata: { level: 'info', count: 1 } }, 'all fine'),
        event('e3', T0 + 3, { metadata: { level: 'error', count: 1 } }, 'disk slow'),
        event('e4', T0 + 4, {}, 'no metadata'),
      ]);
      const ids = async (q: string) =>
        (await store.listEvents(source, SCHEMA, { limit: 100, filter: bindQuery(parseLql(q, { now: T0 / 1000 }), SCHEMA) })).map(
          (e) => e.id,
        );
      expect(await ids('m.level:error m.count:>2')).toEqual(['e1']);
      expect(await ids('disk')).toEqual(['e3', 'e1']);
      expect(await ids('-m.level:error')).toEqual(['e4', 'e2']);
      expect(await ids('~"^disk (full|slow)$" -m.count:1')).toEqual(['e1']);
    });

    listing('charts an aggregate per bucket, empty buckets included, oldest first', async () => {
      const second = 1_000_000;
      await write([
        event('c1', T0, { metadata: { count: 2 } }),
        event('c2', T0 + 10, { metadata: { count: 4 } }),
        event('c3', T0 + 2 * second, { metadata: { count: 6 } }),
      ]);
      const chart = (q: string) =>
        store.chart(source, bindQuery(parseLql(q, { now: T0 / 1000 }), SCHEMA), { from: T0, to: T0 + 3 * second });
      expect(await chart('c:count(*) c:group_by(t::second)')).toEqual([
        { timestamp: T0, value: 2 },
        { timestamp: T0 + second, value: 0 },
        { timestamp: T0 + 2 * second, value: 1 },
      ]);
      expect((await chart('c:sum(m.count) c:group_by(t::second)')).map((p) => p.value)).toEqual([6, null, 6]);
    });

    it('keeps each source in its own table', async () => {
      const other: SourceRef = { accountId: source.accountId, sourceId: randomUUID() };
      await write([event('mine', T0)]);
      await write([event('theirs', T0)], other);
      expect(await subject.storedIds(source)).toEqual(['mine']);
      expect(await subject.storedIds(other)).toEqual(['theirs']);
      expect((await all(other)).map((e) => e.id)).toEqual(['theirs']);
    });

    it('lists nothing for a source that has no table yet', async () => {
      expect(await all()).toEqual([]);
    });

    it('dropTable removes the events, and the table can be made again', async () => {
      await write(VARIED);
      await store.dropTable(source);
      expect(await subject.storedIds(source)).toEqual([]);
      expect(await all()).toEqual([]);
      await write([event('new', T0)]);
      expect(await subject.storedIds(source)).toEqual(['new']);
    });

    it('dropTable of a source without a table succeeds', async () => {
      await expect(store.dropTable(source)).resolves.toBeUndefined();
    });

    it('refuses a source id that is not a UUID before touching storage', async () => {
      const bad: SourceRef = { accountId: source.accountId, sourceId: 'x"; DROP TABLE outbox; --' };
      await expect(store.ensureTable(bad, SCHEMA)).rejects.toThrow(/not a UUID/);
      await expect(store.insert(bad, SCHEMA, [event('a', T0)])).rejects.toThrow(/not a UUID/);
      await expect(store.listEvents(bad, SCHEMA, { limit: 1 })).rejects.toThrow(/not a UUID/);
    });
  });
}
