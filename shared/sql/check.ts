/**
 * Walks node-sql-parser's AST of one statement and refuses, by allow-list, everything but a
 * read-only query: each node type and each clause it may carry is listed here, and anything
 * else (an unknown clause, an unknown expression, a function not on the list) is refused with
 * its name. On the way it collects the tables the query reads (names that are not CTEs in
 * scope: the caller maps them to sources) and the @parameters it uses.
 */
import type { DialectName } from '../lql/index.ts';
import { TABLE_FUNCTIONS } from './functions.ts';
import { refused } from './refusal.ts';
import { asList, ExpressionChecker, functionName, isEmpty, isObject, nameOf, type Node } from './check-expressions.ts';

export interface CheckedQuery {
  /** Table names read outside any CTE of the same name, lower case → first spelling. */
  tables: Map<string, string>;
  params: Set<string>;
  /** CTE names the query declares, lower case. */
  ctes: Set<string>;
}

const SET_OPERATIONS = /^(union|except|intersect)( all| distinct)?$/i;
const JOINS = /^((inner|left|right|full|cross)( outer)? )?join$/i;

export function checkStatement(ast: unknown, dialect: DialectName, placeholder: (text: string) => string | null): CheckedQuery {
  const check = new Checker(dialect, placeholder);
  check.query(ast, new Set());
  return { tables: check.tables, params: check.params, ctes: check.ctes };
}

class Checker extends ExpressionChecker {
  readonly tables = new Map<string, string>();
  readonly ctes = new Set<string>();

  query(node: unknown, scope: ReadonlySet<string>): void {
    if (isObject(node) && 'ast' in node && 'tableList' in node) return this.query(node.ast, scope);
    if (!isObject(node)) throw refused('this statement', 'Only one SELECT or WITH query is allowed.');
    if (node.type !== 'select') {
      const kind = String(node.type ?? 'unknown').toUpperCase();
      const article = /^[AEIOU]/.test(kind) ? 'an' : 'a';
      throw refused(`${article} ${kind} statement`, `${kind} statements are not allowed: only one SELECT or WITH query is.`);
    }
    this.only(node, 'select', [
      'type', 'with', 'options', 'distinct', 'columns', 'into', 'from', 'where', 'groupby', 'having', 'qualify',
      'orderby', 'limit', 'window', '_next', 'set_op', 'as_struct_val', '_orderby', '_limit', 'collate',
      '_parentheses', 'parentheses_symbol',
    ]);
    if (isObject(node.into) && node.into.position !== null && node.into.position !== undefined) {
      throw refused('SELECT … INTO', 'SELECT … INTO is not allowed: a query cannot create tables.');
    }
    const inner = this.with(node.with, scope);
    this.distinct(node.distinct, inner);
    for (const column of asList(node.columns)) this.selectItem(column, inner);
    for (const item of asList(node.from)) this.fromItem(item, inner);
    this.expr(node.where, inner);
    this.groupBy(node.groupby, inner);
    this.expr(node.having, inner);
    this.expr(node.qualify, inner);
    for (const order of [...asList(node.orderby), ...asList(node._orderby)]) this.orderItem(order, inner);
    this.limit(node.limit, inner);
    this.limit(node._limit, inner);
    this.windows(node.window, inner);
    if (!isEmpty(node._next)) {
      if (typeof node.set_op !== 'string' || !SET_OPERATIONS.test(node.set_op)) {
        throw refused(`the set operation ${String(node.set_op)}`, `Unsupported set operation ${String(node.set_op)}.`);
      }
      this.query(node._next, inner);
    }
  }

  /** Each CTE sees the ones before it (never itself: no RECURSIVE); the body sees them all. */
  private with(list: unknown, scope: ReadonlySet<string>): ReadonlySet<string> {
    if (isEmpty(list)) return scope;
    const visible = new Set(scope);
    for (const cte of asList(list)) {
      if (!isObject(cte)) throw refused('a WITH clause', 'Unsupported WITH clause.');
      this.only(cte, 'WITH', ['name', 'stmt', 'columns']);
      if (!isEmpty(cte.columns)) throw refused('a CTE column list', 'CTE column lists (WITH a(x, y) AS …) are not supported; alias the columns inside.');
      const name = nameOf(cte.name);
      if (name === null) throw refused('a CTE name', 'Unsupported CTE name.');
      this.query(cte.stmt, visible);
      visible.add(name.toLowerCase());
      this.ctes.add(name.toLowerCase());
    }
    return visible;
  }

  private distinct(node: unknown, scope: ReadonlySet<string>): void {
    if (isEmpty(node) || node === 'DISTINCT' || node === 'ALL') return;
    if (!isObject(node)) throw refused(`DISTINCT ${String(node)}`, 'Unsupported DISTINCT form.');
    this.only(node, 'DISTINCT', ['type', 'columns']);
    for (const column of asList(node.columns)) this.selectItem(column, scope);
  }

  private fromItem(item: unknown, scope: ReadonlySet<string>): void {
    if (!isObject(item)) throw refused('a FROM item', 'Unsupported FROM item.');
    if (item.type === 'dual') return;
    this.only(item, 'FROM', [
      'db', 'table', 'as', 'join', 'on', 'using', 'prefix', 'expr', 'type', 'surround', 'operator', 'parentheses',
      'with_offset', 'schema', 'catalog',
    ]);
    if (item.join !== undefined && (typeof item.join !== 'string' || !JOINS.test(item.join))) {
      throw refused(`${String(item.join)}`, `Unsupported join ${String(item.join)}.`);
    }
    if (item.prefix !== undefined && item.prefix !== null && item.prefix !== 'LATERAL') {
      throw refused(`FROM ${String(item.prefix)}`, `Unsupported FROM prefix ${String(item.prefix)}.`);
    }
    this.expr(item.on, scope);
    for (const column of asList(item.using)) this.identifier(column);
    if (typeof item.table === 'string') return this.tableRef(item, scope);
    if (item.type === 'unnest') {
      this.expr(item.expr, scope);
      if (isObject(item.with_offset)) this.only(item.with_offset, 'WITH OFFSET', ['keyword', 'as']);
      return;
    }
    const expr = item.expr;
    if (isObject(expr) && 'ast' in expr) return this.query(expr.ast, scope);
    if (isObject(expr) && expr.type === 'values') return this.expr(expr, scope);
    if (isObject(expr) && expr.type === 'function') {
      const name = functionName(expr);
      if (name === null || !TABLE_FUNCTIONS.has(name.toLowerCase())) {
        const shown = name ?? 'a qualified function';
        throw refused(`the table function ${shown}`, `Table function ${shown} is not allowed: only UNNEST and your sources can appear in FROM.`);
      }
      return this.expr(expr.args, scope);
    }
    throw refused('this FROM item', 'Unsupported FROM item.');
  }

  private tableRef(item: Node, scope: ReadonlySet<string>): void {
    const table = item.table as string;
    const qualifiers = [item.catalog, item.db, item.schema].filter((part) => typeof part === 'string' && part !== '');
    if (qualifiers.length > 0) {
      const shown = [...new Set(qualifiers as string[]), table].join('.');
      throw refused(`the table ${shown}`, `Table ${shown} is not one of your sources: tables are named by source name alone.`);
    }
    const quoted = this.placeholder(table);
    if (quoted !== null) throw refused(`the table '${quoted}'`, `A string ('${quoted}') cannot name a table.`);
    const lower = table.toLowerCase();
    if (scope.has(lower)) return;
    if (!this.tables.has(lower)) this.tables.set(lower, table);
  }

  private groupBy(node: unknown, scope: ReadonlySet<string>): void {
    if (isEmpty(node)) return;
    if (Array.isArray(node)) return this.expr(node, scope);
    if (!isObject(node)) throw refused('this GROUP BY', 'Unsupported GROUP BY.');
    this.only(node, 'GROUP BY', ['columns', 'modifiers']);
    this.expr(node.columns, scope);
    if (!isEmpty(node.modifiers)) throw refused('a GROUP BY modifier', 'GROUP BY modifiers are not supported.');
  }

  private limit(node: unknown, scope: ReadonlySet<string>): void {
    if (isEmpty(node)) return;
    if (!isObject(node)) throw refused('this LIMIT', 'Unsupported LIMIT.');
    this.only(node, 'LIMIT', ['seperator', 'value']);
    this.plain(node.seperator, 'LIMIT');
    this.expr(node.value, scope);
  }

  private windows(node: unknown, scope: ReadonlySet<string>): void {
    if (isEmpty(node)) return;
    if (!isObject(node)) throw refused('this WINDOW clause', 'Unsupported WINDOW clause.');
    this.only(node, 'WINDOW', ['keyword', 'type', 'expr']);
    for (const named of asList(node.expr)) {
      if (!isObject(named)) throw refused('this WINDOW clause', 'Unsupported WINDOW clause.');
      this.only(named, 'WINDOW', ['name', 'as_window_specification']);
      this.window(named.as_window_specification, scope);
    }
  }
}
