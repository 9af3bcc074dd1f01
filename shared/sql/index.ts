/**
 * The SQL sandbox's public face. `sandboxSql` takes one user query in the engine's dialect and
 * either refuses it (KindlingError 400 `sql_refused`, naming what was refused) or returns SQL
 * that reads only the caller's sources, through the relations the caller supplies:
 *
 *   const { sql, params } = sandboxSql(text, { dialect: 'duckdb', relation: (name) => … });
 *
 * The allow-lists (statements, clauses, functions) are in check.ts and functions.ts.
 */
export type { SandboxOptions, SandboxedSql } from './sandbox.ts';
export { sandboxSql, MAX_SQL_LENGTH } from './sandbox.ts';
export { allowedFunctions } from './functions.ts';
export type { QueryMeter, SqlRunOptions } from './service.ts';
export { SqlService, DEFAULT_SQL_LIMITS } from './service.ts';
