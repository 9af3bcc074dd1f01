/**
 * The LQL context's public face: parse a Logflare Query Language string (`parseLql`), check it
 * against a source schema (`bindQuery`), then either compile it to SQL for DuckDB or BigQuery
 * (`toSql`, `chartSql`) or run it on one event in memory (`matches`).
 *
 *   const bound = bindQuery(parseLql(q, { now: clock.now() }), source.schema);
 *   const { where, params } = toSql(bound, 'duckdb');
 *
 * Every error is a KindlingError 400 whose message names the offending clause.
 */
export type {
  ChartAggregate, ChartPeriod, ChartSpec, ClauseNode, ComparisonOperator, FieldFilter, Filter,
  LqlQuery, MessageFilter, RawValue, Select, TimeSpan, TimestampFilter,
} from './ast.ts';
export type {
  BoundChart, BoundFilter, BoundQuery, BoundSelect, Column, Condition, Scalar, ScalarColumn, ScalarType,
} from './bound.ts';
export type { BigQueryParamType, BigQueryParams, DialectName, DuckDbParam } from './dialect.ts';
export type { CompiledFilters } from './sql.ts';
export type { ChartOptions, ChartStatement, ChartWindow } from './chart-sql.ts';
export type { ParseOptions } from './parser.ts';
export { parseLql, MAX_CLAUSES, MAX_SELECTS } from './parser.ts';
export { bindQuery } from './bind.ts';
export { toSql } from './sql.ts';
export { chartSql, chartWindow, timeBounds, DEFAULT_BUCKETS, MAX_BUCKETS } from './chart-sql.ts';
export { matches } from './matcher.ts';
