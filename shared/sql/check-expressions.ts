/**
 * The expression half of the sandbox's AST check (check.ts has the statements): each node type
 * an expression may hold, each property it may carry, and the allow-listed functions; anything
 * else is refused with its name. Subqueries go back to the statement checker.
 */
import type { DialectName } from '../lql/index.ts';
import { isAllowedFunction } from './functions.ts';
import { refused } from './refusal.ts';

export type Node = Record<string, unknown>;

/** The parser's names for EXISTS (…), = ANY (…), ARRAY(…) and ROW(…): syntax, not functions. */
const PSEUDO_FUNCTIONS = new Set(['exists', 'any', 'all', 'some', 'array', 'row']);
/**
 * Raw text the parser kept (a name, keyword or operator): no parenthesis, quote or comma, so no
 * room to smuggle in a call, a string or a query.
 */
const PLAIN_TEXT = /^[A-Za-z0-9_ .$+*\/%<>=!|&^~#@:-]*$/;
const SQL_WORDS = /\b(select|from|join|with)\b/i;
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_ ]*(\[\])*$/;

export const isObject = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
export const isEmpty = (value: unknown): boolean =>
  value === null || value === undefined || value === false || (Array.isArray(value) && value.length === 0);

export abstract class ExpressionChecker {
  readonly params = new Set<string>();

  constructor(
    protected readonly dialect: DialectName,
    /** The user's string for a placeholder the parser saw, or null for any other text. */
    protected readonly placeholder: (text: string) => string | null,
  ) {}

  /** Checks a query (a subquery, when called from here) in the CTE names visible at that point. */
  abstract query(node: unknown, scope: ReadonlySet<string>): void;

  protected selectItem(item: unknown, scope: ReadonlySet<string>): void {
    if (!isObject(item)) throw refused('a select item', 'Unsupported select list item.');
    this.only(item, 'select item', ['type', 'expr', 'as', 'expr_list', 'parentheses']);
    if (item.type === 'except' || item.type === 'replace') {
      for (const entry of asList(item.expr_list)) this.selectItem(entry, scope);
    } else if (item.type !== undefined && item.type !== 'expr') {
      this.expr(item, scope);
      return;
    }
    this.expr(item.expr, scope);
  }

  protected orderItem(item: unknown, scope: ReadonlySet<string>): void {
    if (!isObject(item)) throw refused('an ORDER BY item', 'Unsupported ORDER BY item.');
    this.only(item, 'ORDER BY', ['expr', 'type', 'nulls']);
    this.plain(item.type, 'ORDER BY');
    this.plain(item.nulls, 'ORDER BY');
    this.expr(item.expr, scope);
  }

  protected window(spec: unknown, scope: ReadonlySet<string>): void {
    if (isEmpty(spec) || typeof spec === 'string') return;
    if (!isObject(spec)) throw refused('this window', 'Unsupported window specification.');
    if (spec.type === 'window') {
      this.only(spec, 'OVER', ['type', 'as_window_specification']);
      return this.window(spec.as_window_specification, scope);
    }
    if ('window_specification' in spec) {
      this.only(spec, 'OVER', ['window_specification', 'parentheses']);
      return this.window(spec.window_specification, scope);
    }
    this.only(spec, 'OVER', ['name', 'partitionby', 'orderby', 'window_frame_clause']);
    for (const part of asList(spec.partitionby)) this.selectItem(part, scope);
    for (const order of asList(spec.orderby)) this.orderItem(order, scope);
    this.expr(spec.window_frame_clause, scope);
  }

  expr(node: unknown, scope: ReadonlySet<string>): void {
    if (node === null || node === undefined) return;
    if (Array.isArray(node)) return node.forEach((item) => this.expr(item, scope));
    if (!isObject(node)) return this.plain(node, 'an expression');
    if ('ast' in node) return this.query(node.ast, scope);
    const type = node.type;
    switch (type) {
      case 'select':
        return this.query(node, scope);
      case 'column_ref':
        return this.columnRef(node, scope);
      case 'function':
        return this.call(node, scope);
      case 'aggr_func':
      case 'window_func':
        return this.aggregate(node, scope);
      case 'binary_expr':
        this.only(node, 'an operator', ['type', 'operator', 'left', 'right', 'parentheses']);
        this.plain(node.operator, 'an operator');
        this.expr(node.left, scope);
        return this.expr(node.right, scope);
      case 'unary_expr':
        this.only(node, 'an operator', ['type', 'operator', 'expr', 'parentheses']);
        this.plain(node.operator, 'an operator');
        return this.expr(node.expr, scope);
      case 'expr_list':
        this.only(node, 'a list', ['type', 'value', 'parentheses', 'separator']);
        return this.expr(node.value, scope);
      case 'case':
        this.only(node, 'CASE', ['type', 'expr', 'args', 'parentheses']);
        this.expr(node.expr, scope);
        for (const arm of asList(node.args)) {
          if (!isObject(arm) || (arm.type !== 'when' && arm.type !== 'else')) throw refused('this CASE', 'Unsupported CASE.');
          this.only(arm, 'CASE', ['type', 'cond', 'result']);
          this.expr(arm.cond, scope);
          this.expr(arm.result, scope);
        }
        return;
      case 'cast':
        this.only(node, 'CAST', ['type', 'keyword', 'expr', 'symbol', 'target', 'parentheses']);
        for (const target of asList(node.target)) this.castTarget(target);
        return this.expr(node.expr, scope);
      case 'interval':
        this.only(node, 'INTERVAL', ['type', 'expr', 'unit']);
        this.plain(node.unit, 'INTERVAL');
        return this.expr(node.expr, scope);
      case 'extract':
        this.only(node, 'EXTRACT', ['type', 'args']);
        if (!isObject(node.args)) throw refused('this EXTRACT', 'Unsupported EXTRACT.');
        this.only(node.args, 'EXTRACT', ['field', 'source', 'cast_type']);
        this.plain(node.args.field, 'EXTRACT');
        return this.expr(node.args.source, scope);
      case 'array':
        this.only(node, 'an array', ['type', 'array_path', 'expr_list', 'brackets', 'keyword', 'definition', 'parentheses']);
        if (Array.isArray(node.array_path)) for (const item of node.array_path) this.selectItem(item, scope);
        return this.expr(node.expr_list, scope);
      case 'struct':
        this.only(node, 'a struct', ['type', 'definition', 'expr_list', 'keyword', 'parentheses', 'order_by', 'limit']);
        for (const item of asList(node.expr_list)) this.selectItem(item, scope);
        return;
      case 'unnest':
        this.only(node, 'UNNEST', ['type', 'expr', 'parentheses', 'as', 'with_offset', 'operator']);
        return this.expr(node.expr, scope);
      case 'values':
        this.only(node, 'VALUES', ['type', 'values', 'parentheses', 'prefix']);
        return this.expr(node.values, scope);
      case 'var':
      case 'param':
        return this.param(node);
      case 'star':
      case 'number':
      case 'bigint':
      case 'bool':
      case 'null':
      case 'origin':
      case 'default':
        return this.plain(node.value, 'a value');
      case 'single_quote_string':
      case 'double_quote_string':
      case 'string':
      case 'date':
      case 'time':
      case 'timestamp':
      case 'datetime':
        return this.literal(node);
      default:
        throw refused(`the syntax ${String(type ?? 'unknown')}`, `Unsupported SQL syntax (${String(type ?? 'unknown')}).`);
    }
  }

  private columnRef(node: Node, scope: ReadonlySet<string>): void {
    this.only(node, 'a column', ['type', 'table', 'column', 'schema', 'db', 'collate', 'array_index', 'subFields', 'options', 'parentheses']);
    for (const part of [node.table, node.schema, node.db]) if (part !== null && part !== undefined) this.identifier(part);
    for (const field of asList(node.subFields)) this.plain(field, 'a column');
    const column = node.column;
    if (typeof column === 'string') this.plain(column.replace(/\*$/, ''), 'a column');
    else if (isObject(column)) {
      this.only(column, 'a column', ['expr', 'offset', 'suffix']);
      this.expr(column.expr, scope);
      for (const offset of asList(column.offset)) {
        if (!isObject(offset)) throw refused('a subscript', 'Unsupported subscript.');
        this.only(offset, 'a subscript', ['name', 'value']);
        if (offset.name !== undefined && offset.name !== null) this.subscript(String(offset.name));
        this.expr(offset.value, scope);
      }
      this.plain(column.suffix, 'a column');
    } else throw refused('a column', 'Unsupported column reference.');
    for (const index of asList(node.array_index)) {
      if (!isObject(index)) throw refused('a subscript', 'Unsupported subscript.');
      this.only(index, 'a subscript', ['brackets', 'index', 'property']);
      this.expr(index.index, scope);
    }
    this.expr(node.options, scope);
    if (isObject(node.collate)) throw refused('COLLATE', 'COLLATE is not supported.');
  }

  private subscript(name: string): void {
    if (!['offset', 'ordinal', 'safe_offset', 'safe_ordinal'].includes(name.toLowerCase())) {
      throw refused(`the subscript ${name}`, `Unsupported array subscript ${name}.`);
    }
  }

  private call(node: Node, scope: ReadonlySet<string>): void {
    this.only(node, 'a function call', ['type', 'name', 'args', 'over', 'suffix', 'args_parentheses', 'parentheses']);
    const name = functionName(node);
    if (name === null) {
      const shown = this.qualifiedName(node);
      throw refused(`the function ${shown}`, `Function ${shown} is not allowed: functions are called by their plain name.`);
    }
    const lower = name.toLowerCase();
    if (!isAllowedFunction(lower, this.dialect) && !PSEUDO_FUNCTIONS.has(lower)) {
      throw refused(`the function ${name}`, `Function ${name} is not allowed.`);
    }
    this.expr(node.args, scope);
    this.window(node.over, scope);
    this.expr(node.suffix, scope);
  }

  /** A qualified call's name as written, the user's strings in place of placeholders. */
  private qualifiedName(node: Node): string {
    const name = isObject(node.name) ? node.name : {};
    const parts = [...asList(name.schema), ...asList(name.name)].map((part) => {
      const text = nameOf(part) ?? '?';
      const quoted = this.placeholder(text);
      return quoted === null ? text : `'${quoted}'`;
    });
    return parts.join('.');
  }

  private aggregate(node: Node, scope: ReadonlySet<string>): void {
    this.only(node, 'an aggregate', ['type', 'name', 'args', 'over', 'filter', 'within_group_orderby', 'consider_nulls']);
    const name = String(node.name);
    if (!isAllowedFunction(name, this.dialect)) throw refused(`the function ${name}`, `Function ${name} is not allowed.`);
    const args = node.args;
    if (isObject(args) && args.type !== 'expr_list') {
      this.only(args, 'an aggregate', ['expr', 'distinct', 'orderby', 'separator', 'parentheses']);
      this.expr(args.expr, scope);
      this.plain(args.distinct, 'an aggregate');
      for (const order of asList(args.orderby)) this.orderItem(order, scope);
      if (isObject(args.separator)) {
        this.only(args.separator, 'an aggregate', ['symbol', 'delimiter']);
        this.expr(args.separator.delimiter, scope);
      } else this.plain(args.separator, 'an aggregate');
    } else this.expr(args, scope);
    this.window(node.over, scope);
    if (isObject(node.filter)) {
      this.only(node.filter, 'FILTER', ['keyword', 'parentheses', 'where']);
      this.expr(node.filter.where, scope);
    }
    for (const order of asList(node.within_group_orderby)) this.orderItem(order, scope);
    this.plain(node.consider_nulls, 'an aggregate');
  }

  private castTarget(target: unknown): void {
    if (!isObject(target) || typeof target.dataType !== 'string' || !TYPE_NAME.test(target.dataType)) {
      throw refused('this CAST target', 'Unsupported CAST target type.');
    }
    this.only(target, 'CAST', ['dataType', 'length', 'scale', 'parentheses', 'suffix', 'quoted']);
    for (const part of [target.length, target.scale]) if (part !== undefined && part !== null && typeof part !== 'number') {
      throw refused('this CAST target', 'Unsupported CAST target type.');
    }
    for (const suffix of asList(target.suffix)) this.plain(suffix, 'CAST');
  }

  private param(node: Node): void {
    const name = node.type === 'param' ? node.value : node.name;
    const prefix = node.prefix;
    const members = asList(node.members);
    if (prefix !== '@' || typeof name !== 'string' || members.length > 0) {
      throw refused('this parameter', 'Parameters are written @name.');
    }
    this.params.add(name);
  }

  private literal(node: Node): void {
    this.only(node, 'a literal', ['type', 'value', 'parentheses']);
    if (typeof node.value !== 'string' || this.placeholder(node.value) === null) {
      throw refused('a literal', 'Unsupported literal.');
    }
  }

  protected identifier(part: unknown): void {
    const name = nameOf(part);
    if (name === null) throw refused('a name', 'Unsupported name.');
    this.plain(name, 'a name');
  }

  /** Raw text the parser kept (keywords, names, operators): never a place for a call or a query. */
  protected plain(value: unknown, where: string): void {
    if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return;
    if (isObject(value) && (value.type === 'default' || value.type === 'origin')) return this.plain(value.value, where);
    if (typeof value !== 'string' || !PLAIN_TEXT.test(value) || SQL_WORDS.test(value)) {
      const raw = typeof value === 'string' ? value : JSON.stringify(value);
      const shown = raw.replace(/kq[0-9a-f]{16}s\d+/g, (text) => this.placeholder(text) ?? text);
      throw refused(`the text ${shown}`, `Unsupported syntax in ${where}: ${shown.slice(0, 80)}.`);
    }
  }

  /** Refuses a node carrying any property beyond `keys` (the parser's location info aside). */
  protected only(node: Node, what: string, keys: string[]): void {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc' || keys.includes(key) || isEmpty(value)) continue;
      if (isObject(value) && Object.values(value).every(isEmpty)) continue;
      throw refused(`${what} (${key})`, `Unsupported SQL in ${what}: ${key}.`);
    }
  }
}

export function asList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function nameOf(part: unknown): string | null {
  if (typeof part === 'string') return part;
  if (isObject(part) && typeof part.value === 'string') return part.value;
  return null;
}

/** A function's single-part name; null when it is qualified (`a.f`, `'x'.f`). */
export function functionName(node: Node): string | null {
  const name = node.name;
  if (typeof name === 'string') return name;
  if (!isObject(name)) return null;
  const parts = [...asList(name.name), ...asList(name.schema)].map(nameOf);
  if (parts.length !== 1 || parts[0] === null) return null;
  return parts[0]!;
}
