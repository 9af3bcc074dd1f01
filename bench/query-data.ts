/**
 * The synthetic logs of bench:query and the two ways they reach the local twin's store: through
 * LocalEventStore.insert (the sink's own path), or in bulk by one INSERT … SELECT into the same
 * four-column table. One SQL generator defines every event, so both paths write the same kind of
 * rows: web-service access and error lines over the last 26 hours, with level, status, latency,
 * user id, path, method and host in `metadata`. As with real logs, events are stored roughly in
 * the order they happened: event number i of n happened i/n of the way through the 26 hours, up
 * to 30 s earlier (late delivery). That order matters: DuckDB skips row groups by their min/max
 * timestamp, so a newest-first page reads the recent row groups and little else.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LocalDatabase } from '../shared/adapters/local/database.ts';
import { LocalEventStore } from '../shared/adapters/local/event-store.ts';
import { eventTableName } from '../shared/adapters/names.ts';
import { mergeSchema, inferSchema } from '../shared/events/schema.ts';
import type { JsonObject, LogEvent, SourceSchema } from '../shared/events/model.ts';
import type { SourceRef } from '../shared/ports.ts';

/** Events spread over this many µs before the load's `now`, so `t:last@24h` selects most, not all. */
const SPAN_US = 26n * 3600n * 1_000_000n;

/**
 * Event number `i` (of `$total`) of a relation with one BIGINT column `i`, as the store's columns.
 * Every choice comes from hash(i * 8 + k), so a number always yields the same line; only ids vary.
 * About 5% errors (5 in 6 of them with a 5xx status, the rest status-less panics), 10% warnings
 * (4xx), 15% debug, 70% info; "timeout" appears in a quarter of the errors and some warnings.
 * Latencies are odd thousandths of a ms, never integral, so the inferred type stays FLOAT.
 * A null status is left out of the JSON, as ingest drops null values.
 */
function generatorSql(rows: string): string {
  return `
WITH drawn AS (
  SELECT i, (hash(i * 8 + 1) % 1000)::BIGINT AS lv, (hash(i * 8 + 2) >> 1)::BIGINT AS h2,
    (hash(i * 8 + 3) >> 1)::BIGINT AS h3, (hash(i * 8 + 4) >> 1)::BIGINT AS h4
  FROM ${rows}
), fields AS (
  SELECT i, h2, h3, h4,
    CASE WHEN lv < 50 THEN 'error' WHEN lv < 150 THEN 'warn' WHEN lv < 300 THEN 'debug' ELSE 'info' END AS level,
    ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE'][1 + h2 % 7] AS method,
    ['/api/users/', '/api/orders/', '/api/carts/', '/api/payments/', '/api/search?q='][1 + h3 % 5] || (h4 % 10000) AS path,
    h4 % 100000 AS user_id,
    ((h2 % 2500000) * 2 + 1) / 1000.0::DOUBLE AS latency
  FROM drawn
), lines AS (
  SELECT *,
    CASE level
      WHEN 'error' THEN [500, 500, 502, 503, 504, NULL][1 + h3 % 6]
      WHEN 'warn' THEN [400, 401, 403, 404, 429][1 + h3 % 5]
      ELSE [200, 200, 200, 201, 204, 301, 304][1 + h3 % 7] END AS status
  FROM fields
)
SELECT uuid()::VARCHAR AS id,
  make_timestamp($now::BIGINT - 1 - ($total::BIGINT - 1 - i) * ($span::BIGINT // $total::BIGINT)
    - (hash(i * 8 + 5) % 30000000)::BIGINT) AS timestamp,
  CASE
    WHEN level = 'error' AND status IS NULL THEN 'panic: runtime error: invalid memory address in handler for ' || path
    WHEN level = 'error' AND h4 % 4 = 0 THEN 'upstream timeout after ' || latency || 'ms calling payments-api for user ' || user_id
    WHEN level = 'warn' AND h4 % 10 = 0 THEN 'retrying ' || method || ' ' || path || ' after timeout'
    WHEN level = 'debug' THEN 'cache miss for key user:' || user_id
    ELSE method || ' ' || path || ' ' || status || ' in ' || latency || 'ms'
  END AS event_message,
  json_object('metadata', CASE WHEN status IS NULL
    THEN json_object('level', level, 'latency', latency, 'user', json_object('id', user_id),
      'path', path, 'method', method, 'host', 'web-' || (h2 % 8))
    ELSE json_object('level', level, 'status', status, 'latency', latency, 'user', json_object('id', user_id),
      'path', path, 'method', method, 'host', 'web-' || (h2 % 8)) END) AS body
FROM lines`;
}

/** Where events fall in time: the n-th of `total` at about now - 26 h + n/total × 26 h. */
export interface Timeline {
  total: number;
  /** µs since the epoch; every event happened before it. */
  now: number;
}

const timeline = (t: Timeline) => ({ total: BigInt(t.total), now: BigInt(t.now), span: SPAN_US });

export interface LoadPlan extends Timeline {
  /** How many of them (the last ones) go through LocalEventStore.insert. */
  throughStore: number;
  /** Events per LocalEventStore.insert call. */
  batch: number;
}

export interface LoadStep {
  path: string;
  events: number;
  seconds: number;
}

/** Events numbered [from, to) as LogEvents, read from the generator on a reader connection. */
async function generated(db: LocalDatabase, from: number, to: number, plan: Timeline): Promise<LogEvent[]> {
  const reader = await db.read((c) =>
    c.runAndReadAll(`SELECT id, epoch_us(timestamp), event_message, body::VARCHAR FROM (${generatorSql('range($from::BIGINT, $to::BIGINT) t(i)')})`, {
      from: BigInt(from), to: BigInt(to), ...timeline(plan),
    }),
  );
  return reader.getRows().map(([id, ts, message, body]) => ({
    id: id as string,
    timestamp: Number(ts as bigint),
    event_message: message as string,
    body: JSON.parse(body as string) as JsonObject,
  }));
}

/** The schema ingest would have inferred from these events. */
export function schemaOf(events: LogEvent[], schema: SourceSchema = []): SourceSchema {
  for (const event of events) {
    const merged = mergeSchema(schema, inferSchema(event.body));
    if (merged.conflicts.length > 0) throw new Error(`synthetic events disagree on ${merged.conflicts.join(', ')}`);
    schema = merged.schema;
  }
  return schema;
}

/** A sample of the events the generator makes, for their schema when the load is skipped. */
export const sampleEvents = (db: LocalDatabase): Promise<LogEvent[]> =>
  generated(db, 0, 10_000, { total: 10_000, now: Date.now() * 1000 });

/**
 * The bulk path, for all but the store's share: a table without the key, filled in parallel from
 * a numbers table (a range() source would run on one thread), then the primary key added over
 * the loaded rows and a checkpoint. Maintaining the key row by row during the insert measured
 * about twice as slow here. The result is the table ensureTable makes: the same columns, NOT NULL and
 * PRIMARY KEY (id).
 */
async function loadInBulk(db: LocalDatabase, table: string, count: number, plan: Timeline): Promise<void> {
  await db.write(async (c: DuckDBConnection) => {
    await c.run(
      `CREATE TABLE "${table}" (id VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON)`,
    );
    await c.run('CREATE TEMP TABLE bench_numbers AS SELECT range AS i FROM range($count::BIGINT)', { count: BigInt(count) });
    await c.run(`INSERT INTO "${table}" ${generatorSql('temp.bench_numbers')}`, timeline(plan));
    await c.run('DROP TABLE temp.bench_numbers');
    await c.run(`ALTER TABLE "${table}" ADD PRIMARY KEY (id)`);
    await c.run('CHECKPOINT');
  }, 'events');
}

/**
 * Loads `plan.total` events: the first ones in bulk, the last `plan.throughStore` through
 * LocalEventStore.insert in `plan.batch`-event calls (timed without generating them), so the
 * store's rate is measured where it matters, on a table that is already big. That rate includes
 * DuckDB's automatic checkpoints (every 16 MB of WAL), which at millions of rows stall for
 * seconds writing the primary-key index. Returns each path's time and the schema the events imply.
 */
export async function loadEvents(
  db: LocalDatabase,
  source: SourceRef,
  plan: LoadPlan,
): Promise<{ steps: LoadStep[]; schema: SourceSchema }> {
  const steps: LoadStep[] = [];
  const table = eventTableName(source.sourceId);
  const bulk = Math.max(0, plan.total - plan.throughStore);
  let schema = schemaOf(await sampleEvents(db));
  if (bulk > 0) {
    const started = performance.now();
    await loadInBulk(db, table, bulk, plan);
    steps.push({ path: 'bulk INSERT … SELECT, then ADD PRIMARY KEY', events: bulk, seconds: (performance.now() - started) / 1000 });
  }
  const store = new LocalEventStore(db);
  let seconds = 0;
  for (let from = bulk; from < plan.total; from += plan.batch) {
    const events = await generated(db, from, Math.min(plan.total, from + plan.batch), plan);
    schema = schemaOf(events, schema);
    const started = performance.now();
    await store.ensureTable(source, schema);
    const { inserted } = await store.insert(source, schema, events);
    seconds += (performance.now() - started) / 1000;
    if (inserted !== events.length) throw new Error(`the store took ${inserted} of ${events.length} events`);
  }
  if (plan.total > bulk) {
    const started = performance.now();
    await db.write((c) => c.run('CHECKPOINT'), 'events');
    seconds += (performance.now() - started) / 1000;
    steps.push({ path: `LocalEventStore.insert, ${plan.batch}-event batches`, events: plan.total - bulk, seconds });
  }
  return { steps, schema };
}

/** Events in the source's table; 0 when it has none. */
export async function storedCount(db: LocalDatabase, source: SourceRef): Promise<number> {
  const table = eventTableName(source.sourceId);
  const reader = await db.read((c) =>
    c.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $t", { t: table }),
  );
  if (Number(reader.getRows()[0]![0]) === 0) return 0;
  const rows = await db.read((c) => c.runAndReadAll(`SELECT count(*) FROM "${table}"`));
  return Number(rows.getRows()[0]![0]);
}
