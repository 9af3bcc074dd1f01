/**
 * The DuckDB dialect, for the local twin's layout: one table per source with columns
 * `id, timestamp, event_message, body JSON`, where `body` holds every other field. Fields are
 * read out of `body` by JSON path and cast to the schema's type; JSON paths are built only
 * from schema identifiers, and every value is a `$n` parameter.
 */
import type { ChartPeriod } from './ast.ts';
import type { Column, Scalar, ScalarColumn, ScalarType } from './bound.ts';
import type { Dialect, DuckDbParam } from './dialect.ts';

const SQL_TYPES: Record<ScalarType, string> = {
  STRING: 'VARCHAR',
  INTEGER: 'BIGINT',
  FLOAT: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
};

const quote = (identifier: string): string => `"${identifier}"`;
const jsonPath = (column: Column): string => `'$.${column.path.join('.')}'`;

export function duckdbDialect(): Dialect<'duckdb'> {
  const params: DuckDbParam[] = [];
  const bind = (value: DuckDbParam): string => `$${params.push(value)}`;

  const scalar = (column: ScalarColumn): string => {
    if (column.base) return quote(column.name);
    const text = `json_extract_string("body", ${jsonPath(column)})`;
    return column.type === 'STRING' ? text : `TRY_CAST(${text} AS ${SQL_TYPES[column.type]})`;
  };

  return {
    name: 'duckdb',
    scalar,
    list: (column) => `TRY_CAST(json_extract("body", ${jsonPath(column)}) AS ${SQL_TYPES[column.type]}[])`,
    value: (value: Scalar) => bind(value),
    time: (column) =>
      column.base
        ? { expr: quote(column.name), at: (us) => `make_timestamp(${bind(us)}::BIGINT)` }
        : // Stored ISO strings may carry offsets: compare absolute µs, whatever the session's TimeZone.
          { expr: `epoch_us(${scalar(column)})`, at: (us) => `${bind(us)}::BIGINT` },
    contains: (text, needle) => `contains(${text}, ${needle})`,
    regex: (text, pattern) => `regexp_matches(${text}, ${pattern})`,
    has: (list, value) => `list_contains(${list}, ${value})`,
    hasMatch: (list, pattern) =>
      `len(list_filter(${list}, lambda lql_item: regexp_matches(lql_item, ${pattern}))) > 0`,
    empty: (list) => `(${list} IS NULL OR len(${list}) = 0)`,
    selectItem: (column, alias) => {
      const expr = column.base || (column.type !== 'RECORD' && !column.repeated)
        ? scalar(column as ScalarColumn)
        : `json_extract("body", ${jsonPath(column)})`;
      return `${expr} AS ${quote(alias)}`;
    },
    bucket: (period: ChartPeriod) => `date_trunc('${period}', "timestamp")`,
    buckets: (first, last, period) => {
      const [from, to] = [`make_timestamp(${bind(first)}::BIGINT)`, `make_timestamp(${bind(last)}::BIGINT)`];
      return `SELECT unnest(generate_series(${from}, ${to}, INTERVAL 1 ${period})) AS bucket`;
    },
    aggregate: (aggregate, expr) => {
      switch (aggregate) {
        case 'count':
          return 'count(*)';
        case 'countd':
          return `count(DISTINCT ${expr})`;
        case 'p50':
        case 'p95':
        case 'p99':
          return `quantile_cont(${expr}, 0.${aggregate.slice(1)})`;
        default:
          return `${aggregate}(${expr})`;
      }
    },
    quote,
    bound: () => ({ params }),
  };
}
