/**
 * The SQL sandbox: turns one user query into SQL the engine may run, or refuses it (400 naming
 * what was refused). The steps, each an allow-list:
 *   1. lex with the engine's rules (lexer.ts): strings, names, comments, parameters;
 *   2. parse with node-sql-parser (strings hidden behind placeholders) and walk the AST
 *      (check.ts): one SELECT/WITH, allowed clauses and functions, tables in scope;
 *   3. whatever the parser made of it, every `name(` in the token stream must be an allowed
 *      function or a keyword;
 *   4. map each table the query reads to a relation for the caller's source of that name, by
 *      prepending one CTE per source; the user's own text runs otherwise unchanged, re-rendered
 *      from the tokens (so what runs is what was checked).
 */
import { randomBytes } from 'node:crypto';
import NodeSqlParser from 'node-sql-parser';
import type { DialectName } from '../lql/index.ts';
import { checkStatement } from './check.ts';
import { isAllowedFunction, isKeywordBeforeParen, TABLE_FUNCTIONS } from './functions.ts';
import { lexSql, type Token } from './lexer.ts';
import { refused } from './refusal.ts';
import { quoteIdentifier, renderForEngine, renderForParser } from './render.ts';

export interface SandboxOptions {
  dialect: DialectName;
  /**
   * The SELECT presenting the caller's source of that name (columns id, timestamp,
   * event_message and the inferred fields), or null when the caller has no such source.
   */
  relation(name: string): string | null;
}

export interface SandboxedSql {
  /** The SQL to run, parameters as `$name` (DuckDB) or `@name` (BigQuery). */
  sql: string;
  /** The parameter names the query uses, without `@`. */
  params: string[];
  /** The source names the query reads, as first written. */
  tables: string[];
}

export const MAX_SQL_LENGTH = 100_000;

/** node-sql-parser's dialect for each engine: DuckDB reads the PostgreSQL family's SQL. */
const PARSER_DATABASE: Record<DialectName, string> = { duckdb: 'postgresql', bigquery: 'bigquery' };

let parser: InstanceType<typeof NodeSqlParser.Parser> | undefined;

export function sandboxSql(sql: string, options: SandboxOptions): SandboxedSql {
  const { dialect } = options;
  if (sql.length > MAX_SQL_LENGTH) throw refused('an oversized query', `The query is longer than ${MAX_SQL_LENGTH} characters.`);
  const tokens = withoutTrailingSemicolon(lexSql(sql, dialect));
  if (!tokens.some((token) => token.kind !== 'space')) throw refused('an empty query', 'The query is empty.');
  if (tokens.some((token) => token.kind === 'symbol' && token.text === ';')) {
    throw refused('multiple statements', 'Only one statement is allowed: remove the `;` between statements.');
  }
  const nonce = randomBytes(8).toString('hex');
  const strings = tokens.filter((token) => token.kind === 'string').map((token) => token.value);
  const placeholder = (index: number) => `kq${nonce}s${index}`;
  const lookup = (text: string): string | null => {
    const match = new RegExp(`^kq${nonce}s(\\d+)$`).exec(text);
    return match ? (strings[Number(match[1])] ?? null) : null;
  };
  let ast: unknown;
  try {
    ast = parse(renderForParser(tokens, placeholder), dialect, lookup);
  } catch (error) {
    // Name a forbidden call the parser could not read past, rather than only where it stopped.
    checkCalls(tokens, dialect);
    throw error;
  }
  const checked = checkStatement(ast, dialect, lookup);
  checkCalls(tokens, dialect);

  const ctes: string[] = [];
  for (const [lower, name] of checked.tables) {
    if (checked.ctes.has(lower)) {
      throw refused(`the CTE name ${name}`, `The query reads source ${name} and also defines a CTE of that name; rename the CTE.`);
    }
    const relation = options.relation(name);
    if (relation === null) throw refused(`the table ${name}`, `Unknown table ${name}: it is not one of your sources.`);
    ctes.push(`${quoteIdentifier(name, dialect)} AS (${relation})`);
  }
  return {
    sql: withRelations(renderForEngine(tokens, dialect).trim(), ctes),
    params: [...checked.params],
    tables: [...checked.tables.values()],
  };
}

function withoutTrailingSemicolon(tokens: Token[]): Token[] {
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]!.kind === 'space') end--;
  if (end > 0 && tokens[end - 1]!.kind === 'symbol' && tokens[end - 1]!.text === ';') return tokens.slice(0, end - 1);
  return tokens;
}

/** Whatever the parser makes of it, every `name(` in the text is an allowed function or syntax. */
function checkCalls(tokens: Token[], dialect: DialectName): void {
  const solid = tokens.filter((token) => token.kind !== 'space');
  solid.forEach((token, k) => {
    if (token.kind !== 'symbol' || token.text !== '(' || k === 0) return;
    const before = solid[k - 1]!;
    if (before.kind === 'quoted') {
      throw refused(`the quoted name ${before.text}`, `A quoted name (${before.text}) cannot be called as a function.`);
    }
    if (before.kind !== 'word') return;
    const name = before.text;
    const dot = solid[k - 2];
    if (dot?.kind === 'symbol' && dot.text === '.') {
      throw refused(`the function …${'.'}${name}`, `Functions are called by their plain name; qualified calls (….${name}()) are not allowed.`);
    }
    const lower = name.toLowerCase();
    if (isAllowedFunction(lower, dialect) || isKeywordBeforeParen(lower) || TABLE_FUNCTIONS.has(lower)) return;
    throw refused(`the function ${name}`, `Function ${name} is not allowed.`);
  });
}

function parse(text: string, dialect: DialectName, lookup: (text: string) => string | null): unknown {
  parser ??= new NodeSqlParser.Parser();
  let ast: unknown;
  try {
    ast = parser.astify(text, { database: PARSER_DATABASE[dialect] });
  } catch (error) {
    throw refused('SQL the sandbox cannot parse', syntaxMessage(error, text, lookup));
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) throw refused('multiple statements', 'Only one statement is allowed.');
  return statements[0];
}

/** The parser's position and what it found there, without its long list of expected tokens. */
function syntaxMessage(error: unknown, text: string, lookup: (text: string) => string | null): string {
  const location = (error as { location?: { start?: { line: number; column: number; offset: number } } }).location?.start;
  if (!location) return 'The query could not be parsed.';
  const near = text.slice(location.offset, location.offset + 30).replace(/'(kq[0-9a-f]+s\d+)'/g, (all, p: string) => {
    const value = lookup(p);
    return value === null ? all : `'${value}'`;
  });
  const where = `line ${location.line}, column ${location.column}`;
  return near === ''
    ? `The query could not be parsed: it ends unexpectedly (${where}).`
    : `The query could not be parsed at ${where}, near "${near}". The sandbox accepts standard SELECT syntax.`;
}

/** Prepends the sources' relations as CTEs, merging them into the user's own WITH if any. */
function withRelations(sql: string, ctes: string[]): string {
  if (ctes.length === 0) return sql;
  const list = ctes.join(', ');
  const leadingWith = /^with\b/i.exec(sql);
  return leadingWith ? `WITH ${list}, ${sql.slice(4).trimStart()}` : `WITH ${list} ${sql}`;
}
