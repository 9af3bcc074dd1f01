/**
 * Turns sandbox tokens back into SQL text: once for the parser library (every string replaced
 * by a placeholder it cannot misread) and once for the engine (every string re-quoted in the
 * one form the engine reads unambiguously). Two value tokens that touched in the user's text are
 * separated by a blank, so no re-quoted string can merge with its neighbour.
 */
import type { DialectName } from '../lql/index.ts';
import type { Token } from './lexer.ts';

const VALUE_KINDS = new Set(['word', 'number', 'string', 'quoted', 'param']);

/** The engine's text. DuckDB binds named parameters as `$name`, BigQuery as `@name`. */
export function renderForEngine(tokens: readonly Token[], dialect: DialectName): string {
  return render(tokens, (token) => {
    switch (token.kind) {
      case 'string':
        return quoteString(token.value, dialect);
      case 'quoted':
        return quoteIdentifier(token.value, dialect);
      case 'param':
        return dialect === 'duckdb' ? `$${token.value}` : `@${token.value}`;
      default:
        return token.text;
    }
  });
}

/** The parser's text: strings become `'<placeholder>'`, parameters `@name`. */
export function renderForParser(tokens: readonly Token[], placeholder: (index: number) => string): string {
  let strings = 0;
  return render(tokens, (token) => {
    if (token.kind === 'string') return `'${placeholder(strings++)}'`;
    if (token.kind === 'param') return `@${token.value}`;
    return token.text;
  });
}

export function quoteString(value: string, dialect: DialectName): string {
  if (dialect === 'duckdb') return `'${value.replaceAll("'", "''")}'`;
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** Names never hold quote characters (the lexer refuses them), so wrapping is enough. */
export function quoteIdentifier(name: string, dialect: DialectName): string {
  return dialect === 'duckdb' ? `"${name}"` : `\`${name}\``;
}

function render(tokens: readonly Token[], text: (token: Token) => string): string {
  let out = '';
  let previous: Token | undefined;
  for (const token of tokens) {
    if (previous && VALUE_KINDS.has(previous.kind) && VALUE_KINDS.has(token.kind)) out += ' ';
    out += text(token);
    previous = token;
  }
  return out;
}
