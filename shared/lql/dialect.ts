/**
 * What an SQL dialect must supply for LQL: typed column expressions for its storage layout,
 * bound parameters, and the handful of functions that differ between engines. One Dialect
 * object compiles one statement: it collects that statement's parameters as it goes.
 */
import type { ChartAggregate, ChartPeriod } from './ast.ts';
import type { Column, Scalar, ScalarColumn, ScalarType } from './bound.ts';

export type DialectName = 'duckdb' | 'bigquery';

/** DuckDB positional parameters: `$1` is `params[0]`. */
export type DuckDbParam = string | number | boolean;

/** BigQuery parameter types, as `@google-cloud/bigquery` takes them in `types`. */
export type BigQueryParamType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP';

/** Named parameters (`@p0` is `params.p0`), ready for `bigquery.query({ query, params, types })`. */
export interface BigQueryParams {
  params: Record<string, string | number | boolean>;
  types: Record<string, BigQueryParamType>;
}

export type ParamsOf<D extends DialectName> = D extends 'duckdb' ? { params: DuckDbParam[] } : BigQueryParams;

/** A timestamp column as something to compare with instants, and how to write an instant. */
export interface TimeOperands {
  expr: string;
  at(us: number): string;
}

export interface Dialect<D extends DialectName = DialectName> {
  readonly name: D;
  /** A non-repeated column as a typed scalar expression. */
  scalar(column: ScalarColumn): string;
  /** A repeated column as a typed list/array expression. */
  list(column: ScalarColumn): string;
  /** Binds a value of the given (element) type and returns its placeholder. */
  value(value: Scalar, type: ScalarType): string;
  time(column: ScalarColumn): TimeOperands;
  contains(text: string, needle: string): string;
  regex(text: string, pattern: string): string;
  has(list: string, value: string): string;
  hasMatch(list: string, pattern: string): string;
  /** True when the list is NULL or has no element. */
  empty(list: string): string;
  /** A select-list item: the column (nested objects and arrays as they are stored) under `alias`. */
  selectItem(column: Column, alias: string): string;
  /** The base timestamp column truncated to the start of its bucket. */
  bucket(period: ChartPeriod): string;
  /** A one-column (`bucket`) table of bucket starts from `first` to `last`, both µs, inclusive. */
  buckets(first: number, last: number, period: ChartPeriod): string;
  aggregate(aggregate: ChartAggregate, expr: string | null): string;
  quote(identifier: string): string;
  /** The parameters bound so far. */
  bound(): ParamsOf<D>;
}
