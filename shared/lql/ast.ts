/**
 * The LQL syntax tree as `parseLql` produces it: what the user wrote, with no knowledge of the
 * source schema yet. Every node keeps the clause text it came from, so that later stages
 * (schema binding, SQL) can name the offending clause in their errors.
 */

/** What every clause node carries. */
export interface ClauseNode {
  /** The clause exactly as written, including a leading `-`. */
  clause: string;
  /** True when the clause started with `-`. */
  negated: boolean;
}

/** `word`, `"a phrase"` (substring of event_message) or `~regex`, `~"regex"` (RE2 partial match). */
export interface MessageFilter extends ClauseNode {
  kind: 'message';
  match: 'contains' | 'regex';
  /** The search text or RE2 pattern, escapes already resolved. */
  value: string;
}

/**
 * A literal value as written after a field operator. It stays text until `bindQuery` knows the
 * column's type: `007` is the string "007" for a STRING column and 7 for an INTEGER one.
 */
export interface RawValue {
  text: string;
  /** Written in double quotes: never NULL, never a range, escapes resolved. */
  quoted: boolean;
}

export type ComparisonOperator = '=' | '>' | '>=' | '<' | '<=';

/** `path<op>value`. `path` is the full dotted path, with `m.` already expanded to `metadata.`. */
export type FieldFilter = ClauseNode & { kind: 'field'; path: string } & (
    | { op: ComparisonOperator | '~' | '@>' | '@>~'; value: RawValue }
    | { op: 'null' }
    | { op: 'range'; from: RawValue; to: RawValue }
  );

/**
 * A span of time in microseconds since the epoch, UTC: `start` inclusive, `end` exclusive.
 * A date is its whole UTC day, a datetime or unix value is one microsecond, `today` is the day,
 * `last@2h` runs from its truncated start until now (inclusive).
 */
export interface TimeSpan {
  start: number;
  end: number;
}

/**
 * `t:` / `timestamp:` filter. Operators act on the span: `=` means inside it, `>` after its end,
 * `>=` from its start on, `<` before its start, `<=` up to its end. A range `a..b` or a brace
 * range becomes `=` over the span from a's start to b's end.
 */
export interface TimestampFilter extends ClauseNode {
  kind: 'timestamp';
  op: ComparisonOperator;
  span: TimeSpan;
}

export type Filter = MessageFilter | FieldFilter | TimestampFilter;

export type ChartAggregate = 'count' | 'countd' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
export type ChartPeriod = 'second' | 'minute' | 'hour' | 'day';

/** The chart all `c:` clauses of a query describe together, defaults filled in. */
export interface ChartSpec {
  aggregate: ChartAggregate;
  /** The aggregated field's full path; null for `count(*)`. */
  path: string | null;
  period: ChartPeriod;
  /** The `c:` clauses as written, space-separated, for error messages. */
  clause: string;
}

/** `s:path`, `s:path@alias` or `s:*`. */
export interface Select extends ClauseNode {
  kind: 'select';
  /** Full dotted path, or `*`. */
  path: string;
  /** Null when the user gave none; the column is then named after the path's last segment. */
  alias: string | null;
}

export interface LqlQuery {
  text: string;
  /** The instant relative values (`now`, `last@1h`, …) were resolved against, ms since epoch. */
  now: number;
  filters: Filter[];
  /** Null when the query has no `c:` clause. */
  chart: ChartSpec | null;
  selects: Select[];
}
