/**
 * `parseLql`: LQL text → LqlQuery (see ast.ts). Each clause is classified by its first
 * characters and parsed on its own; nothing here knows the source schema, so field values stay
 * text (and regexes uncompiled) until `bindQuery`. Timestamp values are resolved here, against
 * the caller's `now`.
 */
import type {
  ComparisonOperator, FieldFilter, Filter, LqlQuery, MessageFilter, RawValue, Select, TimestampFilter,
} from './ast.ts';
import { combineChart, parseChartPart, parseSelect, type ChartPart } from './chart-clause.ts';
import { clauseError, queryError } from './errors.ts';
import { readQuoted, splitClauses, unescape } from './lexer.ts';
import { expandPath, PATH_SOURCE } from './paths.ts';
import { parseTimeSpan, TimeValueError } from './time.ts';

export interface ParseOptions {
  /** The instant relative timestamp values resolve against, ms since the epoch. */
  now: number;
}

export const MAX_CLAUSES = 100;
export const MAX_SELECTS = 50;

type FieldOperator = ComparisonOperator | '~' | '@>' | '@>~';

/** Longest first, so that `:>=` is not read as `:>` followed by `=`. */
const OPERATORS: [string, FieldOperator][] = [
  [':>=', '>='], [':<=', '<='], [':>', '>'], [':<', '<'], [':@>~', '@>~'], [':@>', '@>'], [':~', '~'], [':', '='],
];
const FIELD = new RegExp(`^(${PATH_SOURCE}):`);
const PREFIXED = /^(c|chart|s|select|t|timestamp):/;

export function parseLql(text: string, options: ParseOptions): LqlQuery {
  const clauses = splitClauses(text);
  if (clauses.length > MAX_CLAUSES) {
    throw queryError(`a query has at most ${MAX_CLAUSES} clauses, this one has ${clauses.length}`);
  }
  const filters: Filter[] = [];
  const chartParts: ChartPart[] = [];
  const selects: Select[] = [];
  for (const clause of clauses) {
    const negated = clause.startsWith('-');
    const body = negated ? clause.slice(1) : clause;
    if (!body) throw clauseError(clause, 'nothing follows the `-`');
    const prefix = PREFIXED.exec(body)?.[1];
    const spec = prefix === undefined ? '' : body.slice(prefix.length + 1);
    if (prefix !== undefined && (prefix.startsWith('c') || prefix.startsWith('s'))) {
      const kind = prefix.startsWith('c') ? 'chart' : 'select';
      if (negated) throw clauseError(clause, `${kind} clauses cannot be negated`);
      if (prefix.startsWith('c')) chartParts.push(parseChartPart(spec, clause));
      else selects.push(parseSelect(spec, clause));
    } else if (prefix !== undefined) {
      filters.push(parseTimestamp(spec, clause, negated, options.now));
    } else {
      filters.push(parseFilter(body, clause, negated));
    }
  }
  if (selects.length > MAX_SELECTS) {
    throw queryError(`a query selects at most ${MAX_SELECTS} fields, this one selects ${selects.length}`);
  }
  return { text, now: options.now, filters, chart: combineChart(chartParts), selects };
}

function parseFilter(body: string, clause: string, negated: boolean): Filter {
  if (body.startsWith('~')) {
    const pattern = readQuoted(body.slice(1), clause) ?? bareText(body.slice(1), clause);
    if (!pattern) throw clauseError(clause, 'a regular expression must follow `~`');
    return message('regex', pattern, clause, negated);
  }
  const phrase = readQuoted(body, clause);
  if (phrase !== null) return message('contains', phrase, clause, negated);
  const field = FIELD.exec(body);
  if (field) return parseField(field[1]!, body.slice(field[1]!.length), clause, negated);
  if (unescapedQuote(body)) {
    throw clauseError(clause, 'put the whole phrase in double quotes, or escape inner quotes as \\"');
  }
  if (body.includes(':')) throw clauseError(clause, 'to search for text containing `:`, put it in double quotes');
  return message('contains', unescape(body, '"'), clause, negated);
}

const message = (match: MessageFilter['match'], value: string, clause: string, negated: boolean): MessageFilter => ({
  kind: 'message', match, value, clause, negated,
});

function parseField(pathText: string, rest: string, clause: string, negated: boolean): FieldFilter {
  const [token, op] = OPERATORS.find(([t]) => rest.startsWith(t))!;
  const valueText = rest.slice(token.length);
  const base = { kind: 'field' as const, path: expandPath(pathText), clause, negated };
  if (!valueText) throw clauseError(clause, `a value must follow \`${token}\``);
  const quoted = readQuoted(valueText, clause);
  if (quoted !== null) {
    return { ...base, op, value: { text: quoted, quoted: true } };
  }
  const text = bareText(valueText, clause);
  if (text === 'NULL') {
    if (op !== '=') throw clauseError(clause, `NULL only works with \`:\` (\`${pathText}:NULL\`)`);
    return { ...base, op: 'null' };
  }
  const dots = op === '=' ? text.indexOf('..') : -1;
  // `..` inside braces belongs to a brace range (`2026-11-{01..05}`), which the timestamp parser reads.
  if (dots >= 0 && !text.includes('{')) {
    const from = text.slice(0, dots);
    const to = text.slice(dots + 2);
    if (!from || !to) throw clauseError(clause, 'a range needs both ends, as in `path:1..10`');
    return { ...base, op: 'range', from: bare(from), to: bare(to) };
  }
  return { ...base, op, value: bare(text) };
}

const bare = (text: string): RawValue => ({ text, quoted: false });

function bareText(text: string, clause: string): string {
  if (unescapedQuote(text)) {
    throw clauseError(clause, 'a quoted value must be the whole value, as in `path:"two words"`');
  }
  return unescape(text, '"');
}

function unescapedQuote(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return true;
  }
  return false;
}

function parseTimestamp(spec: string, clause: string, negated: boolean, now: number): TimestampFilter {
  const fail = (detail: string) => clauseError(clause, `Error while parsing timestamp filter value: ${detail}`);
  const [token, op] = OPERATORS.find(([t]) => `:${spec}`.startsWith(t))!;
  if (op !== '=' && op !== '>' && op !== '>=' && op !== '<' && op !== '<=') {
    throw fail(`the operator \`${token}\` does not apply to timestamps`);
  }
  const valueText = spec.slice(token.length - 1);
  if (!valueText) throw fail('a value must follow the operator');
  const text = readQuoted(valueText, clause) ?? bareText(valueText, clause);
  try {
    return { kind: 'timestamp', op, span: parseTimeSpan(text, now), clause, negated };
  } catch (error) {
    if (error instanceof TimeValueError) throw fail(error.message);
    throw error;
  }
}
