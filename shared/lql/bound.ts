/**
 * A query checked against a source schema: every path resolved to a typed column, every value
 * cast to that column's type, every regex compiled. The SQL compilers and the matcher read only
 * this shape, so they never see an unchecked path or value.
 */
import type { RE2JS } from 're2js';
import type { FieldType } from '../events/model.ts';
import type { ChartAggregate, ChartPeriod, ComparisonOperator, LqlQuery, TimeSpan } from './ast.ts';

export type ScalarType = Exclude<FieldType, 'RECORD'>;

/** A value cast to its column's type. TIMESTAMP values are spans (see TimeSpan). */
export type Scalar = string | number | boolean;

/** A resolved field. */
export interface Column {
  /** Path segments, each a schema identifier (`[A-Za-z_][A-Za-z0-9_]*`). */
  path: string[];
  /** The dotted path, for messages. */
  name: string;
  type: FieldType;
  /** An array column (REPEATED); `type` is then its element type. */
  repeated: boolean;
  /** One of the base columns (id, timestamp, event_message), stored outside `body`. */
  base: boolean;
}

/** A column whose values can be compared: not a RECORD. */
export type ScalarColumn = Column & { type: ScalarType };

export type Condition =
  | { kind: 'null'; column: ScalarColumn }
  | { kind: 'compare'; column: ScalarColumn; op: ComparisonOperator; value: Scalar }
  | { kind: 'between'; column: ScalarColumn; from: number; to: number }
  | { kind: 'time'; column: ScalarColumn; op: ComparisonOperator; span: TimeSpan }
  | { kind: 'contains'; column: ScalarColumn; value: string }
  | { kind: 'regex'; column: ScalarColumn; pattern: string; regex: RE2JS }
  | { kind: 'has'; column: ScalarColumn; value: Scalar }
  | { kind: 'hasMatch'; column: ScalarColumn; pattern: string; regex: RE2JS };

/** One filter clause, bound. Negated conditions also hold where the column is NULL. */
export interface BoundFilter {
  condition: Condition;
  negated: boolean;
  clause: string;
}

export interface BoundChart {
  aggregate: ChartAggregate;
  /** The numeric column aggregated; null for `count(*)`. */
  column: ScalarColumn | null;
  period: ChartPeriod;
  clause: string;
}

export type BoundSelect = { wildcard: true } | { wildcard: false; column: Column; alias: string };

export interface BoundQuery {
  query: LqlQuery;
  filters: BoundFilter[];
  /** Null when the query has no `c:` clause; charts then use `c:count(*) c:group_by(t::minute)`. */
  chart: BoundChart | null;
  /** Empty when the query selects nothing in particular; `[{wildcard: true}]` for `s:*`. */
  selects: BoundSelect[];
}
