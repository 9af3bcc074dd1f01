/**
 * `matches`: decides whether one event satisfies a bound query's filters, in memory (source
 * rules route events with it). Its semantics are the SQL's: a missing field is NULL, a negated
 * filter holds on NULL, regexes are RE2 (re2js), text compares by code point as DuckDB and
 * BigQuery compare strings.
 */
import type { JsonValue, LogEvent } from '../events/model.ts';
import type { BoundFilter, BoundQuery, Condition, Scalar, ScalarColumn } from './bound.ts';
import { parseInstant } from './time.ts';

type Value = Scalar | Scalar[] | null;

export function matches(query: BoundQuery, event: LogEvent): boolean {
  return query.filters.every((filter) => filterMatches(filter, event));
}

function filterMatches({ condition, negated }: BoundFilter, event: LogEvent): boolean {
  const value = valueOf(condition.column, event);
  if (condition.kind === 'null') {
    const isNull = value === null || (Array.isArray(value) && value.length === 0);
    return isNull !== negated;
  }
  if (value === null) return negated;
  return holds(condition, value) !== negated;
}

function holds(c: Exclude<Condition, { kind: 'null' }>, value: Scalar | Scalar[]): boolean {
  switch (c.kind) {
    case 'compare':
      return compareWith(c.op, compare(value as Scalar, c.value));
    case 'between':
      return (value as number) >= c.from && (value as number) <= c.to;
    case 'time': {
      const us = value as number;
      const { start, end } = c.span;
      return { '=': us >= start && us < end, '>': us >= end, '>=': us >= start, '<': us < start, '<=': us < end }[c.op];
    }
    case 'contains':
      return (value as string).includes(c.value);
    case 'regex':
      return c.regex.test(value as string);
    case 'has':
      return (value as Scalar[]).some((item) => item === c.value);
    case 'hasMatch':
      return (value as Scalar[]).some((item) => c.regex.test(item as string));
  }
}

function compareWith(op: '=' | '>' | '>=' | '<' | '<=', order: number): boolean {
  return { '=': order === 0, '>': order > 0, '>=': order >= 0, '<': order < 0, '<=': order <= 0 }[op];
}

function compare(a: Scalar, b: Scalar): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return a === b ? 0 : a > b ? 1 : -1;
}

/** UTF-16 order differs from code point (and UTF-8 byte) order above U+FFFF; SQL uses the latter. */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return i < a.length ? 1 : j < b.length ? -1 : 0;
}

/** The column's value in the event, typed as the schema says; NULL when absent or of another type. */
function valueOf(column: ScalarColumn, event: LogEvent): Value {
  if (column.base) {
    if (column.name === 'timestamp') return event.timestamp;
    return column.name === 'id' ? event.id : event.event_message;
  }
  let value: JsonValue | undefined = event.body;
  for (const segment of column.path) {
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[segment] : undefined;
  }
  if (value === undefined || value === null) return null;
  if (!column.repeated) return typed(value, column.type);
  if (!Array.isArray(value)) return null;
  return value.map((item) => typed(item, column.type)).filter((item) => item !== null);
}

function typed(value: JsonValue, type: ScalarColumn['type']): Scalar | null {
  switch (type) {
    case 'STRING':
      // As json_extract_string would render a stray number or boolean.
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return typeof value === 'string' ? value : null;
    case 'INTEGER':
    case 'FLOAT':
      return typeof value === 'number' ? value : null;
    case 'BOOLEAN':
      return typeof value === 'boolean' ? value : null;
    case 'TIMESTAMP':
      return typeof value === 'string' ? parseInstant(value) : null;
  }
}
