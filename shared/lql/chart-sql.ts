/**
 * Charts: the time window a chart covers (`chartWindow`) and the full SELECT that computes one
 * `{timestamp, value}` row per bucket of that window (`chartSql`), empty buckets included
 * (0 for counts, NULL for other aggregates), oldest first.
 */
import type { ChartPeriod } from './ast.ts';
import type { BoundChart, BoundQuery, ScalarColumn } from './bound.ts';
import { DEFAULT_CHART } from './chart-clause.ts';
import type { DialectName, ParamsOf } from './dialect.ts';
import { clauseError, queryError } from './errors.ts';
import { dialectFor, whereSql } from './sql.ts';

export const MAX_BUCKETS = 1000;
/** Buckets a chart shows when the query bounds no start time. */
export const DEFAULT_BUCKETS = 60;

const TIMESTAMP: ScalarColumn = {
  path: ['timestamp'],
  name: 'timestamp',
  type: 'TIMESTAMP',
  repeated: false,
  base: true,
};

const PERIOD_US: Record<ChartPeriod, number> = {
  second: 1e6,
  minute: 60e6,
  hour: 3600e6,
  day: 86_400e6,
};

/** µs since the epoch: `from` inclusive, `to` exclusive. */
export interface ChartWindow {
  from: number;
  to: number;
}

export interface ChartOptions extends ChartWindow {
  /** The source's table, already quoted for the dialect by the caller (never user text). */
  table: string;
}

export type ChartStatement<D extends DialectName> = { sql: string } & ParamsOf<D>;

/** The query's chart, or the default `c:count(*) c:group_by(t::minute)`. */
export const chartOf = (query: BoundQuery): BoundChart =>
  query.chart ?? {
    aggregate: DEFAULT_CHART.aggregate,
    column: null,
    period: DEFAULT_CHART.period,
    clause: DEFAULT_CHART.clause,
  };

/**
 * The time bounds the query's own `t:` clauses set (negated ones aside): `from` is null when no
 * clause bounds the start; `to` is now (exclusive) unless a clause ends earlier.
 */
export function timeBounds(query: BoundQuery): { from: number | null; to: number } {
  let from = -Infinity;
  let to = query.query.now * 1000 + 1;
  for (const { condition: c, negated } of query.filters) {
    if (c.kind !== 'time' || !c.column.base || negated) continue;
    if (c.op === '=' || c.op === '>=') from = Math.max(from, c.span.start);
    if (c.op === '>') from = Math.max(from, c.span.end);
    if (c.op === '=' || c.op === '<=') to = Math.min(to, c.span.end);
    if (c.op === '<') to = Math.min(to, c.span.start);
  }
  return { from: from === -Infinity ? null : from, to };
}

/**
 * The window a chart covers: the query's own time bounds; without a lower bound, the latest 60
 * buckets, the current one included.
 */
export function chartWindow(query: BoundQuery): ChartWindow {
  const { from, to } = timeBounds(query);
  if (from !== null) return { from, to };
  const period = PERIOD_US[chartOf(query).period];
  return { from: Math.floor((to - 1) / period) * period - (DEFAULT_BUCKETS - 1) * period, to };
}

export function chartSql<D extends DialectName>(
  query: BoundQuery,
  dialect: D,
  options: ChartOptions,
): ChartStatement<D> {
  const chart = chartOf(query);
  const period = PERIOD_US[chart.period];
  const first = Math.floor(options.from / period) * period;
  const count = options.to > first ? Math.ceil((options.to - first) / period) : 0;
  if (count > MAX_BUCKETS) {
    const message =
      `a chart has at most ${MAX_BUCKETS.toLocaleString('en-US')} buckets, this one would have ` +
      `${count.toLocaleString('en-US')}; narrow the time range or group by a longer period`;
    throw query.chart ? clauseError(query.chart.clause, message) : queryError(message);
  }
  const d = dialectFor(dialect);
  const buckets = d.buckets(first, first + (count - 1) * period, chart.period);
  const value = d.aggregate(chart.aggregate, chart.column && d.scalar(chart.column));
  const { expr, at } = d.time(TIMESTAMP);
  const where = `${expr} >= ${at(options.from)} AND ${expr} < ${at(options.to)} AND ${whereSql(query, d)}`;
  const counts = chart.aggregate === 'count' || chart.aggregate === 'countd';
  const filled = counts ? 'COALESCE(aggregated.value, 0)' : 'aggregated.value';
  const sql = [
    `WITH buckets AS (${buckets}),`,
    `aggregated AS (SELECT ${d.bucket(chart.period)} AS bucket, ${value} AS value ` +
      `FROM ${options.table} WHERE ${where} GROUP BY 1)`,
    `SELECT buckets.bucket AS ${d.quote('timestamp')}, ${filled} AS value`,
    `FROM buckets LEFT JOIN aggregated USING (bucket) ORDER BY buckets.bucket`,
  ].join('\n');
  return { sql, ...d.bound() };
}
