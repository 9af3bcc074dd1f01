/**
 * `toSql`: a bound query's filters as one WHERE fragment (callers add the table, ORDER BY and
 * LIMIT), with its select list, for DuckDB or BigQuery. User values only ever travel as bound
 * parameters; identifiers come from the schema.
 */
import { bigqueryDialect } from './bigquery.ts';
import type { BoundFilter, BoundQuery, Condition } from './bound.ts';
import type { Dialect, DialectName, ParamsOf } from './dialect.ts';
import { duckdbDialect } from './duckdb.ts';

export type CompiledFilters<D extends DialectName> = {
  /** A boolean SQL expression; `TRUE` when the query has no filter. */
  where: string;
  /** The `s:` select list (`*` for `s:*`); empty when the query has no `s:` clause. */
  select: string[];
} & ParamsOf<D>;

export function dialectFor<D extends DialectName>(name: D): Dialect<D> {
  return (name === 'duckdb' ? duckdbDialect() : bigqueryDialect()) as Dialect<D>;
}

export function toSql<D extends DialectName>(query: BoundQuery, dialect: D): CompiledFilters<D> {
  const d = dialectFor(dialect);
  const where = whereSql(query, d);
  const select = query.selects.map((s) => (s.wildcard ? '*' : d.selectItem(s.column, s.alias)));
  return { where, select, ...d.bound() };
}

/** The filters ANDed; each negated filter also holds where its column is NULL. */
export function whereSql(query: BoundQuery, d: Dialect): string {
  if (query.filters.length === 0) return 'TRUE';
  return query.filters.map((f) => `(${filterSql(f, d)})`).join(' AND ');
}

function filterSql(filter: BoundFilter, d: Dialect): string {
  const { condition } = filter;
  const sql = conditionSql(condition, d);
  if (!filter.negated) return sql;
  if (condition.kind === 'null') return `NOT (${sql})`;
  const { column } = condition;
  const value = column.repeated ? d.list(column) : column.type === 'TIMESTAMP' ? d.time(column).expr : d.scalar(column);
  return `${value} IS NULL OR NOT (${sql})`;
}

function conditionSql(c: Condition, d: Dialect): string {
  const { column } = c;
  switch (c.kind) {
    case 'null':
      return column.repeated ? d.empty(d.list(column)) : `${d.scalar(column)} IS NULL`;
    case 'compare':
      return `${d.scalar(column)} ${c.op} ${d.value(c.value, column.type)}`;
    case 'between':
      return `${d.scalar(column)} BETWEEN ${d.value(c.from, column.type)} AND ${d.value(c.to, column.type)}`;
    case 'time':
      return timeSql(c, d);
    case 'contains':
      return d.contains(d.scalar(column), d.value(c.value, 'STRING'));
    case 'regex':
      return d.regex(d.scalar(column), d.value(c.pattern, 'STRING'));
    case 'has':
      return d.has(d.list(column), d.value(c.value, column.type));
    case 'hasMatch':
      return d.hasMatch(d.list(column), d.value(c.pattern, 'STRING'));
  }
}

/** Timestamp operators act on the span (see TimestampFilter). */
function timeSql(c: Extract<Condition, { kind: 'time' }>, d: Dialect): string {
  const { expr, at } = d.time(c.column);
  switch (c.op) {
    case '=':
      return `${expr} >= ${at(c.span.start)} AND ${expr} < ${at(c.span.end)}`;
    case '>':
      return `${expr} >= ${at(c.span.end)}`;
    case '>=':
      return `${expr} >= ${at(c.span.start)}`;
    case '<':
      return `${expr} < ${at(c.span.start)}`;
    case '<=':
      return `${expr} < ${at(c.span.end)}`;
  }
}
