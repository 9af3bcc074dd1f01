/**
 * The questions bench:query asks, each twice: as LQL through the store the API uses, and as the
 * DuckDB SQL someone who knows the table (id, timestamp, event_message, body JSON) would write by
 * hand for it. Both sides answer with the same canonical text, so the bench can check they agree.
 */
import { DuckDBTimestampValue } from '@duckdb/node-api';
import type { LocalDatabase } from '../shared/adapters/local/database.ts';
import type { LocalEventStore } from '../shared/adapters/local/event-store.ts';
import { eventTableName } from '../shared/adapters/names.ts';
import type { JsonObject, LogEvent, SourceSchema } from '../shared/events/model.ts';
import { bindQuery, chartWindow, parseLql, timeBounds } from '../shared/lql/index.ts';
import type { ChartPoint, SourceRef } from '../shared/ports.ts';

export interface Contender {
  /** Answers the question as of `now` (ms since the epoch), as canonical text. */
  run(now: number): Promise<string>;
}

export interface Question {
  title: string;
  kindling: Contender;
  hand: Contender;
}

export interface QuestionSpec {
  title: string;
  lql: string;
  /** The issue's target for kindling's p50, or null when the question is only informative. */
  targetMs: number | null;
  kindling(store: LocalEventStore, source: SourceRef, schema: SourceSchema): Contender;
  hand(db: LocalDatabase, source: SourceRef): Contender;
  /** How much of the data the question touches, for reading the numbers. */
  describe(db: LocalDatabase, source: SourceRef): Promise<string>;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** The API's default page; it asks the store for one more to know whether a next page exists. */
const LIMIT = 100;
const at = (us: number) => new DuckDBTimestampValue(BigInt(us));
const table = (source: SourceRef) => `"${eventTableName(source.sourceId)}"`;

async function scalar(db: LocalDatabase, sql: string, params: Record<string, DuckDBTimestampValue | string | number> = {}): Promise<number> {
  const reader = await db.read((c) => c.runAndReadAll(sql, params));
  return Number(reader.getRows()[0]![0]);
}

/** `t:last@24h`: from the start of the hour 24 hours ago until now, inclusive. */
const last24h = (now: number) => ({ from: (Math.floor(now / HOUR_MS) * HOUR_MS - 24 * HOUR_MS) * 1000, to: now * 1000 + 1 });

/**
 * A newest-first page of the events matching `where` (hand-written conditions) in the last 24 h.
 * The conditions carry their values inline, as one writes SQL by hand; that gains nothing over
 * Kindling's bound parameters, which DuckDB plans with their values (EXPLAIN ANALYZE shows the
 * same filters pushed into the scan).
 */
const HAND_SEARCH = (source: SourceRef, where: string[], limit: string) => `
SELECT id, epoch_us(timestamp) AS ts, event_message, body::VARCHAR AS body
FROM ${table(source)}
WHERE timestamp >= $from AND timestamp < $to
  ${where.map((condition) => `AND ${condition}`).join('\n  ')}
ORDER BY timestamp DESC, id DESC
${limit}`;

const searchAnswer = (events: LogEvent[]) => JSON.stringify(events);

function searchSpec(title: string, lql: string, where: string[], targetMs: number | null): QuestionSpec {
  return {
    title,
    lql,
    targetMs,
    kindling: (store, source, schema) => ({
      async run(now) {
        const query = bindQuery(parseLql(lql, { now }), schema);
        const { from, to } = timeBounds(query);
        if (from === null) throw new Error('the search query bounds its start');
        return searchAnswer(await store.listEvents(source, schema, { limit: LIMIT + 1, from, to, filter: query }));
      },
    }),
    hand: (db, source) => ({
      async run(now) {
        const { from, to } = last24h(now);
        const sql = HAND_SEARCH(source, where, `LIMIT ${LIMIT + 1}`);
        const reader = await db.read((c) => c.runAndReadAll(sql, { from: at(from), to: at(to) }));
        return searchAnswer(
          reader.getRows().map(([id, ts, message, body]) => ({
            id: id as string,
            timestamp: Number(ts as bigint),
            event_message: message as string,
            body: JSON.parse(body as string) as JsonObject,
          })),
        );
      },
    }),
    async describe(db, source) {
      const { from, to } = last24h(Date.now());
      const window = { from: at(from), to: at(to) };
      const inWindow = await scalar(db, `SELECT count(*) FROM ${table(source)} WHERE timestamp >= $from AND timestamp < $to`, window);
      const matching = await scalar(db, `SELECT count(*) FROM (${HAND_SEARCH(source, where, '')})`, window);
      return `${inWindow.toLocaleString('en-US')} events in the window, ${matching.toLocaleString('en-US')} match`;
    },
  };
}

const LEVEL_ERROR = "(body->>'$.metadata.level') = 'error'";
const STATUS_5XX = "TRY_CAST(body->>'$.metadata.status' AS BIGINT) >= 500";

export const SEARCHES: QuestionSpec[] = [
  searchSpec(
    `search: 3 filters and a message term, limit ${LIMIT}, last 24 h`,
    'timeout m.level:error m.status:>=500 t:last@24h',
    ["contains(event_message, 'timeout')", LEVEL_ERROR, STATUS_5XX],
    300,
  ),
  // Fewer matches than the limit: no page fills early, so every event of the window is read and
  // its body parsed. Not a target of the issue; it shows what the JSON body costs (DESIGN.md).
  searchSpec(
    `needle search: 3 filters matching fewer than ${LIMIT} events, so the whole window is read`,
    'm.user.id:4242 m.status:>=500 t:last@24h',
    ["TRY_CAST(body->>'$.metadata.user.id' AS BIGINT) = 4242", STATUS_5XX],
    null,
  ),
];

interface ChartShape {
  lql: string;
  period: 'minute' | 'hour';
  /** The window's start (ms) as the query's `t:` clause sets it. */
  start(now: number): number;
}

const chartAnswer = (points: ChartPoint[]) => JSON.stringify(points);

const kindlingChart = (lql: string) => (store: LocalEventStore, source: SourceRef, schema: SourceSchema): Contender => ({
  async run(now) {
    const query = bindQuery(parseLql(lql, { now }), schema);
    return chartAnswer(await store.chart(source, query, chartWindow(query)));
  },
});

/** Counts per bucket, the empty buckets of the window included as 0. */
const HAND_CHART = (source: SourceRef, period: string) => `
WITH counts AS (
  SELECT date_trunc('${period}', timestamp) AS bucket, count(*) AS n
  FROM ${table(source)}
  WHERE timestamp >= $from AND timestamp < $to
  GROUP BY ALL
)
SELECT epoch_us(bucket) AS ts, coalesce(n, 0) AS value
FROM range($from, $to, INTERVAL 1 ${period}) buckets(bucket) LEFT JOIN counts USING (bucket)
ORDER BY bucket`;

function chartSpec(title: string, shape: ChartShape): QuestionSpec {
  const window = (now: number) => ({ from: at(shape.start(now) * 1000), to: at(now * 1000 + 1) });
  return {
    title,
    lql: shape.lql,
    targetMs: 1000,
    kindling: kindlingChart(shape.lql),
    hand: (db, source) => ({
      async run(now) {
        const reader = await db.read((c) => c.runAndReadAll(HAND_CHART(source, shape.period), window(now)));
        return chartAnswer(reader.getRows().map(([ts, value]) => ({ timestamp: Number(ts as bigint), value: Number(value as bigint) })));
      },
    }),
    async describe(db, source) {
      const params = window(Date.now());
      const events = await scalar(db, `SELECT count(*) FROM ${table(source)} WHERE timestamp >= $from AND timestamp < $to`, params);
      const buckets = await scalar(db, `SELECT count(*) FROM range($from, $to, INTERVAL 1 ${shape.period})`, params);
      return `${events.toLocaleString('en-US')} events in the window, ${buckets} buckets`;
    },
  };
}

export const CHARTS: QuestionSpec[] = [
  chartSpec('chart: count per minute, 1,000 buckets (the most LQL allows)', {
    lql: 'c:count(*) c:group_by(t::minute) t:last@999m',
    period: 'minute',
    start: (now) => Math.floor(now / MINUTE_MS) * MINUTE_MS - 999 * MINUTE_MS,
  }),
  chartSpec('chart: count per hour, last 24 h', {
    lql: 'c:count(*) c:group_by(t::hour) t:last@24h',
    period: 'hour',
    start: (now) => Math.floor(now / HOUR_MS) * HOUR_MS - 24 * HOUR_MS,
  }),
];

/** The issue's own chart: per minute over 24 h is 1,440+ buckets, over LQL.md's limit of 1,000. */
const ISSUE_CHART = 'c:count(*) c:group_by(t::minute) t:last@24h';
export const REFUSED_CHART = { lql: ISSUE_CHART, kindling: kindlingChart(ISSUE_CHART) };
