/**
 * The BigQuery dialect (Standard SQL), for its layout: one table per source whose inferred
 * fields are real columns. Nested objects are RECORD columns read as `a`.`b`.`c` (no UNNEST);
 * arrays are REPEATED columns; values are typed named parameters `@p0`, `@p1`, …
 */
import type { Scalar, ScalarType } from './bound.ts';
import type { BigQueryParamType, BigQueryParams, Dialect } from './dialect.ts';

const PARAM_TYPES: Record<ScalarType, BigQueryParamType> = {
  STRING: 'STRING',
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  TIMESTAMP: 'TIMESTAMP',
};

const quote = (identifier: string): string => `\`${identifier}\``;

export function bigqueryDialect(): Dialect<'bigquery'> {
  const bound: BigQueryParams = { params: {}, types: {} };
  let next = 0;
  const bind = (value: Scalar, type: BigQueryParamType): string => {
    const name = `p${next++}`;
    // INT64 travels as a decimal string, as the REST API's QueryParameterValue has it.
    bound.params[name] = type === 'INT64' ? String(value) : value;
    bound.types[name] = type;
    return `@${name}`;
  };
  const column = (c: { path: string[] }): string => c.path.map(quote).join('.');
  // Instants as INT64 microseconds: the client sends TIMESTAMP-typed string values empty.
  const instant = (us: number): string => `TIMESTAMP_MICROS(${bind(us, 'INT64')})`;

  return {
    name: 'bigquery',
    scalar: column,
    list: column,
    value: (value, type) => bind(value, PARAM_TYPES[type]),
    time: (c) => ({ expr: column(c), at: instant }),
    contains: (text, needle) => `STRPOS(${text}, ${needle}) > 0`,
    regex: (text, pattern) => `REGEXP_CONTAINS(${text}, ${pattern})`,
    has: (list, value) => `${value} IN UNNEST(${list})`,
    hasMatch: (list, pattern) =>
      `EXISTS(SELECT 1 FROM UNNEST(${list}) AS lql_item WHERE REGEXP_CONTAINS(lql_item, ${pattern}))`,
    empty: (list) => `IFNULL(ARRAY_LENGTH(${list}), 0) = 0`,
    selectItem: (c, alias) => `${column(c)} AS ${quote(alias)}`,
    bucket: (period) => `TIMESTAMP_TRUNC(\`timestamp\`, ${period.toUpperCase()})`,
    buckets: (first, last, period) => {
      const step = `INTERVAL 1 ${period.toUpperCase()}`;
      const series = `GENERATE_TIMESTAMP_ARRAY(${instant(first)}, ${instant(last)}, ${step})`;
      return `SELECT bucket FROM UNNEST(${series}) AS bucket`;
    },
    aggregate: (aggregate, expr) => {
      switch (aggregate) {
        case 'count':
          return 'COUNT(*)';
        case 'countd':
          return `COUNT(DISTINCT ${expr})`;
        case 'p50':
        case 'p95':
        case 'p99':
          return `APPROX_QUANTILES(${expr}, 100)[OFFSET(${aggregate.slice(1)})]`;
        default:
          return `${aggregate.toUpperCase()}(${expr})`;
      }
    },
    quote,
    bound: () => bound,
  };
}
