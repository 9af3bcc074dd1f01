/**
 * `bindQuery`: checks a parsed query against a source schema and casts its values, producing
 * the BoundQuery that both SQL dialects and the matcher consume. This is where "no such field",
 * "wrong type" and "operator does not fit the field" are decided, each error naming its clause.
 */
import { RE2JS } from 're2js';
import type { SourceSchema } from '../events/model.ts';
import type { ChartSpec, FieldFilter, Filter, LqlQuery, RawValue, Select } from './ast.ts';
import type { BoundChart, BoundQuery, BoundSelect, Column, Condition, Scalar, ScalarColumn } from './bound.ts';
import { clauseError } from './errors.ts';
import { resolvePath } from './schema.ts';
import { parseTimeSpan, TimeValueError } from './time.ts';

export function bindQuery(query: LqlQuery, schema: SourceSchema): BoundQuery {
  return {
    query,
    filters: query.filters.map((filter) => ({
      condition: bindFilter(filter, schema, query.now),
      negated: filter.negated,
      clause: filter.clause,
    })),
    chart: query.chart && bindChart(query.chart, schema),
    selects: bindSelects(query.selects, schema),
  };
}

function bindFilter(filter: Filter, schema: SourceSchema, now: number): Condition {
  switch (filter.kind) {
    case 'message': {
      const column = scalarColumn('event_message', schema, filter.clause);
      return filter.match === 'contains'
        ? { kind: 'contains', column, value: filter.value }
        : { kind: 'regex', column, ...compileRegex(filter.value, filter.clause) };
    }
    case 'timestamp':
      return {
        kind: 'time',
        column: scalarColumn('timestamp', schema, filter.clause),
        op: filter.op,
        span: filter.span,
      };
    case 'field':
      return bindField(filter, scalarColumn(filter.path, schema, filter.clause), now);
  }
}

function bindField(filter: FieldFilter, column: ScalarColumn, now: number): Condition {
  const { clause } = filter;
  const fail = (message: string) => clauseError(clause, message);
  if (filter.op === 'null') return { kind: 'null', column };
  if (filter.op === '@>' || filter.op === '@>~') {
    if (!column.repeated) throw fail(`\`:${filter.op}\` needs an array field; ${column.name} is not an array`);
    if (filter.op === '@>~') {
      return { kind: 'hasMatch', column: stringColumn(column, filter), ...compileRegex(filter.value.text, clause) };
    }
    if (column.type === 'TIMESTAMP') throw fail(`\`:@>\` does not apply to ${column.name}, an array of timestamps`);
    return { kind: 'has', column, value: cast(filter.value, column, clause) };
  }
  if (column.repeated) {
    throw fail(`${column.name} is an array; use :@> (contains a value), :@>~ (an element matches) or :NULL`);
  }
  if (filter.op === '~') {
    return { kind: 'regex', column: stringColumn(column, filter), ...compileRegex(filter.value.text, clause) };
  }
  if (filter.op === 'range') {
    if (column.type === 'TIMESTAMP') {
      const span = timeSpan(`${filter.from.text}..${filter.to.text}`, column, clause, now);
      return { kind: 'time', column, op: '=', span };
    }
    if (column.type !== 'INTEGER' && column.type !== 'FLOAT') {
      throw fail(
        `a range needs a numeric or timestamp field; ${column.name} is ${column.type} ` +
          '(quote the value to match it as text)',
      );
    }
    const [from, to] = [cast(filter.from, column, clause), cast(filter.to, column, clause)] as [number, number];
    return { kind: 'between', column, from, to };
  }
  if (column.type === 'TIMESTAMP') {
    return { kind: 'time', column, op: filter.op, span: timeSpan(filter.value.text, column, clause, now) };
  }
  if (column.type === 'BOOLEAN' && filter.op !== '=') {
    throw fail(`\`:${filter.op}\` needs a numeric, string or timestamp field; ${column.name} is BOOLEAN`);
  }
  return { kind: 'compare', column, op: filter.op, value: cast(filter.value, column, clause) };
}

function scalarColumn(path: string, schema: SourceSchema, clause: string): ScalarColumn {
  const column = resolvePath(path, schema);
  if (typeof column === 'string') throw clauseError(clause, column);
  if (column.type === 'RECORD') {
    throw clauseError(clause, `path \`${path}\` is a nested object and cannot be filtered on; name one of its fields`);
  }
  return column as ScalarColumn;
}

function stringColumn(column: ScalarColumn, filter: FieldFilter): ScalarColumn {
  if (column.type !== 'STRING') {
    const message = `\`:${filter.op}\` (regular expression) needs a string field; ${column.name} is ${column.type}`;
    throw clauseError(filter.clause, message);
  }
  return column;
}

/** Compiled once here; the matcher reuses it, and SQL gets the same pattern (RE2 everywhere). */
function compileRegex(pattern: string, clause: string): { pattern: string; regex: RE2JS } {
  try {
    return { pattern, regex: RE2JS.compile(pattern) };
  } catch (error) {
    throw clauseError(clause, `invalid regular expression \`${pattern}\`: ${(error as Error).message}`);
  }
}

/** The value as the column's type; for an array column, as its element type. */
function cast(value: RawValue, column: ScalarColumn, clause: string): Scalar {
  const { text } = value;
  const wrong = (type: string) => clauseError(clause, `Expected ${type} for ${column.name}, got: '${text}'`);
  switch (column.type) {
    case 'STRING':
      return text;
    case 'BOOLEAN':
      if (text === 'true' || text === 'false') return text === 'true';
      throw wrong('boolean');
    case 'INTEGER': {
      const n = Number(text);
      if (/^-?\d+$/.test(text) && Number.isSafeInteger(n)) return n;
      throw wrong('integer');
    }
    case 'FLOAT': {
      const n = Number(text);
      if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) && Number.isFinite(n)) return n;
      throw wrong('float');
    }
    case 'TIMESTAMP':
      // Callers bind timestamp values as spans (timeSpan) before ever reaching here.
      throw new Error(`internal: ${column.name} is a timestamp and has no scalar value`);
  }
}

function timeSpan(text: string, column: ScalarColumn, clause: string, now: number) {
  try {
    return parseTimeSpan(text, now);
  } catch (error) {
    if (!(error instanceof TimeValueError)) throw error;
    throw clauseError(clause, `Expected timestamp for ${column.name}, got: '${text}' (${error.message})`);
  }
}

function bindChart(chart: ChartSpec, schema: SourceSchema): BoundChart {
  const { aggregate, period, clause } = chart;
  if (chart.path === null) return { aggregate, column: null, period, clause };
  const column = resolvePath(chart.path, schema);
  if (typeof column === 'string') throw clauseError(clause, column);
  if ((column.type !== 'INTEGER' && column.type !== 'FLOAT') || column.repeated) {
    const actual = column.repeated ? 'an array' : column.type;
    throw clauseError(clause, `Can't aggregate on a non-numeric field type (${column.name} is ${actual})`);
  }
  return { aggregate, column: column as ScalarColumn, period, clause };
}

function bindSelects(selects: Select[], schema: SourceSchema): BoundSelect[] {
  if (selects.some((s) => s.path === '*')) return [{ wildcard: true }];
  const bound: BoundSelect[] = [];
  const byAlias = new Map<string, Select>();
  for (const select of selects) {
    const column: Column | string = resolvePath(select.path, schema);
    if (typeof column === 'string') throw clauseError(select.clause, column);
    const alias = select.alias ?? column.path[column.path.length - 1]!;
    const previous = byAlias.get(alias);
    if (previous?.path === select.path) continue;
    if (previous) {
      const message = `the column name \`${alias}\` is already used by \`${previous.clause}\`; add @alias`;
      throw clauseError(select.clause, message);
    }
    byAlias.set(alias, select);
    bound.push({ wildcard: false, column, alias });
  }
  return bound;
}
