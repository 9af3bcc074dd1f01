/**
 * The DuckDB SQL run for real: generated WHERE fragments and chart statements execute on an
 * in-memory table laid out as the local twin stores events, and select exactly the events the
 * in-memory matcher accepts — on fixed cases and on generated events and queries.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindQuery, chartSql, matches, parseLql, toSql, type BoundQuery } from '../../shared/lql/index.ts';
import type { LogEvent, SourceSchema } from '../../shared/events/model.ts';

const SCHEMA: SourceSchema = [
  {
    name: 'metadata', type: 'RECORD', mode: 'NULLABLE', fields: [
      { name: 'status', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'latency', type: 'FLOAT', mode: 'NULLABLE' },
      { name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' },
      { name: 'level', type: 'STRING', mode: 'NULLABLE' },
      { name: 'at', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'codes', type: 'INTEGER', mode: 'REPEATED' },
      { name: 'user', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'name', type: 'STRING', mode: 'NULLABLE' }] },
    ],
  },
];
const NOW = Date.UTC(2026, 10, 26, 15, 47, 23, 456);
const at = (iso: string) => Date.parse(iso) * 1000;

const EVENTS: LogEvent[] = [
  {
    id: 'e1', timestamp: at('2026-11-26T15:00:10Z'), event_message: 'GET /api/users 200 OK',
    body: { metadata: { status: 200, latency: 0.12, ok: true, level: 'info', tags: ['prod', 'eu-west'], codes: [1, 2], user: { name: 'ana' }, at: '2026-11-26T15:00:00Z' } },
  },
  {
    id: 'e2', timestamp: at('2026-11-26T15:01:30Z'), event_message: 'POST /api/login 500 Internal Error',
    body: { metadata: { status: 500, latency: 2.5, ok: false, level: 'error', tags: ['prod'], user: { name: 'Bob' } } },
  },
  { id: 'e3', timestamp: at('2026-11-26T15:01:45Z'), event_message: 'healthcheck', body: { metadata: { level: 'debug' } } },
  {
    id: 'e4', timestamp: at('2026-11-26T15:03:00Z'), event_message: 'Disk 95% full_now',
    body: { metadata: { status: 507, latency: 1, tags: ['staging'], codes: [3], at: '2026-11-26T17:00:00+02:00' } },
  },
  {
    id: 'e5', timestamp: at('2026-11-25T23:59:59.999999Z'), event_message: 'ünïcödé 😀 said "hi"',
    body: { metadata: { ok: true, level: 'ℵ' } },
  },
];

let instance: DuckDBInstance;
let db: DuckDBConnection;

async function load(table: string, events: LogEvent[]): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} (id VARCHAR, timestamp TIMESTAMP, event_message VARCHAR, body JSON)`);
  if (events.length === 0) return;
  const rows = events.map((_, i) => `($${4 * i + 1}, make_timestamp($${4 * i + 2}::BIGINT), $${4 * i + 3}, $${4 * i + 4}::JSON)`);
  const params = events.flatMap((e) => [e.id, e.timestamp, e.event_message, JSON.stringify(e.body)]);
  await db.run(`INSERT INTO ${table} VALUES ${rows.join(', ')}`, params);
}

const bind = (text: string): BoundQuery => bindQuery(parseLql(text, { now: NOW }), SCHEMA);

async function sqlIds(query: BoundQuery, table = 'events'): Promise<string[]> {
  const { where, params } = toSql(query, 'duckdb');
  const reader = await db.runAndReadAll(`SELECT id FROM ${table} WHERE ${where} ORDER BY id`, params);
  return reader.getRowObjectsJson().map((row) => String(row.id));
}

const matcherIds = (query: BoundQuery, events: LogEvent[]) =>
  events.filter((e) => matches(query, e)).map((e) => e.id).sort();

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await load('events', EVENTS);
});

afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

describe('generated DuckDB SQL on the local layout', () => {
  it.each([
    ['api', ['e1', 'e2']],
    ['"95% full_"', ['e4']],
    ['5%_', []],
    ['"said \\"hi\\""', ['e5']],
    ['😀', ['e5']],
    ['~(?i)^post', ['e2']],
    ['~"\\d{3} (OK|Internal)"', ['e1', 'e2']],
    ['-api', ['e3', 'e4', 'e5']],
    ['event_message:healthcheck', ['e3']],
    ['id:e4', ['e4']],
    ['m.status:500', ['e2']],
    ['-m.status:500', ['e1', 'e3', 'e4', 'e5']],
    ['m.status:>=500', ['e2', 'e4']],
    ['m.status:200..500', ['e1', 'e2']],
    ['m.latency:>1', ['e2']],
    ['m.latency:1', ['e4']],
    ['m.latency:0.1..1', ['e1', 'e4']],
    ['m.ok:true', ['e1', 'e5']],
    ['-m.ok:true', ['e2', 'e3', 'e4']],
    ['m.level:>debug', ['e1', 'e2', 'e5']],
    ['m.level:~^(info|error)$', ['e1', 'e2']],
    ['m.user.name:~(?i)^b', ['e2']],
    ['m.status:NULL', ['e3', 'e5']],
    ['-m.status:NULL', ['e1', 'e2', 'e4']],
    ['m.tags:@>prod', ['e1', 'e2']],
    ['-m.tags:@>prod', ['e3', 'e4', 'e5']],
    ['m.tags:@>~^(eu|stag)', ['e1', 'e4']],
    ['m.codes:@>3', ['e4']],
    ['m.tags:NULL', ['e3', 'e5']],
    ['t:2026-11-25', ['e5']],
    ['t:>2026-11-25', ['e1', 'e2', 'e3', 'e4']],
    ['t:<=2026-11-25T23:59:59.999999Z', ['e5']],
    ['t:2026-11-26T15:{00..01}:30', ['e2']],
    ['t:2026-11-26T15:{00..01}:00', ['e1']],
    ['t:1795705200..1795705320', ['e1', 'e2', 'e3']],
    ['t:1795705210000..1795705290000000', ['e1', 'e2']],
    ['t:last@1h', ['e1', 'e2', 'e3', 'e4']],
    ['t:last@30m', []],
    ['t:this@day', ['e1', 'e2', 'e3', 'e4']],
    ['m.at:2026-11-26T15:00:00Z', ['e1', 'e4']],
    ['m.at:>2026-11-26T15:00:00Z', []],
    ['api -m.status:>=500 t:today', ['e1']],
  ])('%s selects %j, as the matcher does', async (text, expected) => {
    const query = bind(text);
    const ids = await sqlIds(query);
    expect(ids).toEqual(expected);
    expect(matcherIds(query, EVENTS)).toEqual(expected);
  });

  it('runs the select list', async () => {
    const { where, params, select } = toSql(bind('s:m.status s:m.user.name@who s:m.tags m.status:200'), 'duckdb');
    const reader = await db.runAndReadAll(`SELECT ${select.join(', ')} FROM events WHERE ${where}`, params);
    expect(reader.getRowObjectsJson()).toEqual([{ status: '200', who: 'ana', tags: '["prod","eu-west"]' }]);
  });
});

describe('chart statements in DuckDB', () => {
  const window = { table: 'events', from: at('2026-11-26T15:00:00Z'), to: at('2026-11-26T15:04:00Z') };
  const chart = async (text: string, options = window) => {
    const { sql, params } = chartSql(bind(text), 'duckdb', options);
    const reader = await db.runAndReadAll(sql, params);
    return reader.getRowObjectsJson().map((row) => [String(row.timestamp), row.value === null ? null : Number(row.value)]);
  };

  it('counts per minute with empty buckets as 0', async () => {
    expect(await chart('c:count(*)')).toEqual([
      ['2026-11-26 15:00:00', 1], ['2026-11-26 15:01:00', 2], ['2026-11-26 15:02:00', 0], ['2026-11-26 15:03:00', 1],
    ]);
  });

  it('applies the filters and leaves empty buckets NULL for other aggregates', async () => {
    expect(await chart('c:sum(m.latency) -healthcheck')).toEqual([
      ['2026-11-26 15:00:00', 0.12], ['2026-11-26 15:01:00', 2.5], ['2026-11-26 15:02:00', null], ['2026-11-26 15:03:00', 1],
    ]);
  });

  it('computes quantiles, distinct counts and averages', async () => {
    const hour = { table: 'events', from: at('2026-11-26T15:00:00Z'), to: at('2026-11-26T15:30:00Z') };
    expect(await chart('c:p50(m.status) c:group_by(t::h)', hour)).toEqual([['2026-11-26 15:00:00', 500]]);
    expect(await chart('c:countd(m.status) c:group_by(t::h)', hour)).toEqual([['2026-11-26 15:00:00', 3]]);
    expect(await chart('c:avg(m.status) c:group_by(t::hour) m.status:<=500', hour)).toEqual([['2026-11-26 15:00:00', 350]]);
  });

  it('returns no rows for an empty window', async () => {
    expect(await chart('c:count(*)', { ...window, to: window.from })).toEqual([]);
  });
});

/** Generators for events and queries over SCHEMA; values are drawn from small pools so they collide. */
const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', ' ', '%', '_', '"', '\\', 'é', '😀', '.'), maxLength: 6 });
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '%', '_', '.', 'é'), minLength: 1, maxLength: 3 });
const pattern = fc.constantFrom('^a', 'b$', '(?i)a', 'a.b', '[%_]', 'é', '^$', '\\.', 'a|😀');
const isoAt = fc
  .tuple(fc.integer({ min: 0, max: 3 * 86_400_000_000 }), fc.constantFrom('Z', '+02:00', '-05:30'))
  .map(([offsetUs, zone]) => {
    const us = Date.UTC(2026, 10, 25) * 1000 + offsetUs;
    const shift = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4))) * 60_000_000;
    const local = new Date(Math.floor((us + shift) / 1000)).toISOString().slice(0, 19);
    return { us, text: `${local}.${String(us % 1_000_000).padStart(6, '0')}${zone}` };
  });

const eventArb = fc.record({
  timestamp: fc.integer({ min: Date.UTC(2026, 10, 25) * 1000, max: Date.UTC(2026, 10, 28) * 1000 }),
  event_message: text,
  status: fc.option(fc.integer({ min: 198, max: 202 })),
  latency: fc.option(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: -2, max: 2 }))),
  ok: fc.option(fc.boolean()),
  level: fc.option(word),
  name: fc.option(text),
  at: fc.option(isoAt),
  tags: fc.option(fc.array(word, { minLength: 1, maxLength: 3 })),
  codes: fc.option(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 })),
});

type GeneratedEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function toEvent(e: GeneratedEvent, i: number): LogEvent {
  const metadata: Record<string, unknown> = {
    status: e.status, latency: e.latency, ok: e.ok, level: e.level, at: e.at?.text, tags: e.tags, codes: e.codes,
    user: e.name === null ? null : { name: e.name },
  };
  for (const key of Object.keys(metadata)) if (metadata[key] === null || metadata[key] === undefined) delete metadata[key];
  return { id: `g${String(i).padStart(3, '0')}`, timestamp: e.timestamp, event_message: e.event_message, body: { metadata } as LogEvent['body'] };
}

const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const op = fc.constantFrom(':', ':>', ':>=', ':<', ':<=');
const decimal = fc.integer({ min: -500, max: 500 }).map((n) => (n / 100).toString());
const instant = fc.integer({ min: 0, max: 3 * 86_400 }).map((s) => new Date(Date.UTC(2026, 10, 25) + s * 1000).toISOString().slice(0, 19));

const clause = fc.oneof(
  word.filter((w) => !w.startsWith('.')).map((w) => w),
  text.map(quote),
  pattern.map((p) => `~${quote(p)}`),
  fc.tuple(op, fc.integer({ min: 197, max: 203 })).map(([o, n]) => `m.status${o}${n}`),
  fc.tuple(fc.integer({ min: 197, max: 203 }), fc.integer({ min: 0, max: 3 })).map(([a, d]) => `m.status:${a}..${a + d}`),
  fc.tuple(op, decimal).map(([o, v]) => `m.latency${o}${v}`),
  fc.tuple(decimal, decimal).map(([a, b]) => `m.latency:${a}..${b}`),
  fc.boolean().map((b) => `m.ok:${b}`),
  fc.tuple(op, word).map(([o, w]) => `m.level${o}${quote(w)}`),
  pattern.map((p) => `m.user.name:~${quote(p)}`),
  word.map((w) => `m.tags:@>${quote(w)}`),
  pattern.map((p) => `m.tags:@>~${quote(p)}`),
  fc.integer({ min: 0, max: 3 }).map((n) => `m.codes:@>${n}`),
  fc.constantFrom('status', 'latency', 'ok', 'level', 'at', 'tags', 'codes', 'user.name').map((f) => `m.${f}:NULL`),
  fc.tuple(op, instant).map(([o, t]) => `t${o}${t}Z`),
  fc.constantFrom('t:2026-11-25', 't:2026-11-{26..27}', 't:today', 't:last@2d', 't:2026-11-26T{10..20}:00:00'),
  fc.tuple(op, instant).map(([o, t]) => `m.at${o}${t}Z`),
);
const queryArb = fc.array(fc.tuple(fc.boolean(), clause).map(([negate, c]) => (negate ? `-${c}` : c)), { minLength: 1, maxLength: 4 });

describe('DuckDB SQL and the matcher agree', () => {
  it('on generated events and queries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 2, maxLength: 12 }), queryArb, async (generated, clauses) => {
        const events = generated.map(toEvent);
        await load('generated', events);
        const query = bind(clauses.join(' '));
        expect(await sqlIds(query, 'generated')).toEqual(matcherIds(query, events));
      }),
      { numRuns: 300 },
    );
  });
});
