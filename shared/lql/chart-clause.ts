/**
 * The output-shaping clauses: `c:`/`chart:` (aggregate and period of the one chart a query
 * may draw) and `s:`/`select:` (columns to return). Neither filters events.
 */
import type { ChartAggregate, ChartPeriod, ChartSpec, Select } from './ast.ts';
import { clauseError } from './errors.ts';
import { expandPath, PATH_SOURCE } from './paths.ts';

/** One `c:` clause: it sets the aggregate or the period. */
export type ChartPart =
  | { clause: string; aggregate: ChartAggregate; path: string | null }
  | { clause: string; period: ChartPeriod };

const AGGREGATE = new RegExp(`^(countd|count|sum|avg|min|max|p50|p95|p99)\\((\\*|${PATH_SOURCE})\\)$`);
const GROUP_BY = /^group_by\((?:t|timestamp)::(second|minute|hour|day|s|m|h|d)\)$/;
const SELECT = new RegExp(`^(\\*|${PATH_SOURCE})(?:@(.*))?$`);
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PERIODS: Record<string, ChartPeriod> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };

export const DEFAULT_CHART: ChartSpec = { aggregate: 'count', path: null, period: 'minute', clause: 'c:count(*)' };

/** Parses what follows `c:` in `clause`. */
export function parseChartPart(spec: string, clause: string): ChartPart {
  const groupBy = GROUP_BY.exec(spec);
  if (groupBy) return { clause, period: PERIODS[groupBy[1]!] ?? (groupBy[1] as ChartPeriod) };
  const aggregate = AGGREGATE.exec(spec);
  if (!aggregate) {
    throw clauseError(
      clause,
      'expected an aggregate (count(*), countd(path), sum, avg, min, max, p50, p95 or p99 of a path) ' +
        'or group_by(t::second|minute|hour|day)',
    );
  }
  const fn = aggregate[1] as ChartAggregate;
  const target = aggregate[2]!;
  if (fn === 'count' && target !== '*') {
    throw clauseError(clause, 'count takes `*`; use countd(path) to count distinct values');
  }
  if (fn !== 'count' && target === '*') throw clauseError(clause, `${fn} needs a field path, not \`*\``);
  return { clause, aggregate: fn, path: fn === 'count' ? null : expandPath(target) };
}

/** Folds the `c:` clauses of a query into one chart; each of aggregate and period is set at most once. */
export function combineChart(parts: ChartPart[]): ChartSpec | null {
  if (parts.length === 0) return null;
  const chart: ChartSpec = { ...DEFAULT_CHART };
  chart.clause = parts.map((part) => part.clause).join(' ');
  let aggregateClause: string | null = null;
  let periodClause: string | null = null;
  for (const part of parts) {
    if ('period' in part) {
      if (periodClause) throw clauseError(part.clause, `the chart period is already set by \`${periodClause}\``);
      periodClause = part.clause;
      chart.period = part.period;
    } else {
      if (aggregateClause) {
        throw clauseError(part.clause, `the chart aggregate is already set by \`${aggregateClause}\``);
      }
      aggregateClause = part.clause;
      Object.assign(chart, { aggregate: part.aggregate, path: part.path });
    }
  }
  return chart;
}

/** Parses what follows `s:` in `clause`. */
export function parseSelect(spec: string, clause: string): Select {
  const m = SELECT.exec(spec);
  if (!m) throw clauseError(clause, 'expected s:*, s:path or s:path@alias');
  const alias = m[2];
  if (alias !== undefined && !ALIAS.test(alias)) {
    throw clauseError(clause, `the alias \`${alias}\` must be letters, digits and _, not starting with a digit`);
  }
  if (m[1] === '*' && alias !== undefined) throw clauseError(clause, '`*` cannot take an alias');
  return { kind: 'select', clause, negated: false, path: m[1] === '*' ? '*' : expandPath(m[1]!), alias: alias ?? null };
}
