/**
 * The local store's last check before it runs user SQL: DuckDB's own parser (json_serialize_sql)
 * reads the final statement, and this module walks that tree. It must be one SELECT whose every
 * function is on the sandbox's DuckDB allow-list (or an operator), whose only table function is
 * UNNEST, and whose every table is one of the event tables the caller named or a CTE in scope.
 * The sandbox (shared/sql) already enforced all of this on node-sql-parser's reading; this is
 * the same rule on the engine's reading, so no difference between two parsers can open a door.
 */
import { isAllowedFunction } from '../../sql/functions.ts';
import { refused } from '../../sql/refusal.ts';

type Node = Record<string, unknown>;

/** Names DuckDB's parser gives to syntax: count(*), [a, b], ROW(…), {'k': v}. */
const SYNTAX_FUNCTIONS = new Set(['count_star', 'list_value', 'row', 'struct_pack']);
/** Operators reach the tree as functions named by their symbols (`+`, `~~`, `->>`). */
const OPERATOR = /^[^A-Za-z0-9_]+$/;

const isObject = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Throws a 400 `sql_refused` unless `serialized` (json_serialize_sql's output) passes. */
export function guardSerializedSql(serialized: string, tables: ReadonlySet<string>): void {
  const parsed = JSON.parse(serialized) as { error?: boolean; error_message?: string; statements?: unknown[] };
  if (parsed.error || !Array.isArray(parsed.statements)) {
    throw refused('this statement', 'Only one SELECT or WITH query is allowed.');
  }
  if (parsed.statements.length !== 1) throw refused('multiple statements', 'Only one statement is allowed.');
  walk(parsed.statements[0], new Set([...tables].map((table) => table.toLowerCase())));
}

function walk(node: unknown, scope: ReadonlySet<string>): void {
  if (Array.isArray(node)) return node.forEach((item) => walk(item, scope));
  if (!isObject(node)) return;
  let inner = scope;
  const ctes = isObject(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
  if (ctes.length > 0) {
    const visible = new Set(scope);
    for (const entry of ctes as Node[]) {
      walk(entry.value, visible);
      visible.add(String(entry.key).toLowerCase());
    }
    inner = visible;
  }
  if (typeof node.function_name === 'string') checkFunction(node);
  if (node.type === 'TABLE_FUNCTION') {
    const name = isObject(node.function) ? node.function.function_name : undefined;
    if (name !== 'unnest') throw refused(`the table function ${String(name)}`, `Table function ${String(name)} is not allowed.`);
  }
  if (node.type === 'BASE_TABLE') checkTable(node, inner);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'cte_map') walk(value, inner);
  }
}

function checkFunction(node: Node): void {
  const name = node.function_name as string;
  if (node.schema || node.catalog) {
    throw refused(`the function ${String(node.schema)}.${name}`, 'Functions are called by their plain name.');
  }
  if (OPERATOR.test(name) || SYNTAX_FUNCTIONS.has(name) || isAllowedFunction(name, 'duckdb')) return;
  throw refused(`the function ${name}`, `Function ${name} is not allowed.`);
}

function checkTable(node: Node, scope: ReadonlySet<string>): void {
  const name = String(node.table_name);
  if (node.catalog_name || node.schema_name || !scope.has(name.toLowerCase())) {
    const shown = [node.catalog_name, node.schema_name, name].filter(Boolean).join('.');
    throw refused(`the table ${shown}`, `Unknown table ${shown}: it is not one of your sources.`);
  }
}
