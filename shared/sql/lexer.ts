/**
 * The sandbox's own lexer for user SQL, one rule set per engine (DuckDB, BigQuery Standard SQL).
 * It decides where every string, quoted identifier, comment and parameter starts and ends, and
 * the SQL the engine finally runs is re-rendered from these tokens (strings re-quoted by us,
 * comments dropped). So the parser library and the engine can never disagree about token
 * boundaries: a backslash or a nested comment means what this lexer says, for both of them.
 * Characters outside the few classes below are refused, not passed through.
 */
import type { DialectName } from '../lql/index.ts';
import { refused } from './refusal.ts';

export type TokenKind = 'space' | 'word' | 'quoted' | 'string' | 'number' | 'param' | 'symbol';

export interface Token {
  kind: TokenKind;
  /** The source text (for `space`, comments already replaced by one blank). */
  text: string;
  /** Decoded content: a string's value, a quoted identifier's name, a parameter's name. */
  value: string;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const SPACE = /[ \t\r\n\f]/;
/** Operator and punctuation characters either engine may need; anything else is refused. */
const SYMBOLS: Record<DialectName, string> = {
  duckdb: '(),.;+-*/%<>=!|&^~:[]{}#',
  bigquery: '(),.;+-*/%<>=!|&^~:[]',
};

export function lexSql(sql: string, dialect: DialectName): Token[] {
  if (sql.includes('\u0000')) throw refused('a NUL character', 'The query contains a NUL character.');
  const lexer = new Lexer(sql, dialect);
  return lexer.run();
}

class Lexer {
  private i = 0;
  private readonly tokens: Token[] = [];

  constructor(
    private readonly sql: string,
    private readonly dialect: DialectName,
  ) {}

  run(): Token[] {
    while (this.i < this.sql.length) this.next();
    return this.tokens;
  }

  private next(): void {
    const { sql, i } = this;
    const ch = sql[i]!;
    const two = sql.slice(i, i + 2);
    if (SPACE.test(ch)) return this.take('space', this.scan(SPACE));
    if (two === '--' || (ch === '#' && this.dialect === 'bigquery')) return this.lineComment();
    if (two === '/*') return this.blockComment();
    if (WORD_START.test(ch)) return this.word();
    if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(sql[i + 1] ?? ''))) return this.number();
    if (ch === "'" || (ch === '"' && this.dialect === 'bigquery')) return this.string('');
    if (ch === '"' && this.dialect === 'duckdb') return this.quotedIdentifier('"');
    if (ch === '`' && this.dialect === 'bigquery') return this.quotedIdentifier('`');
    if (ch === '$' && this.dialect === 'duckdb') return this.dollar();
    if (ch === '@') return this.param();
    if (ch === '?') throw refused('a positional parameter (?)', 'Positional parameters are not supported; use @name.');
    if (SYMBOLS[this.dialect].includes(ch)) return this.take('symbol', ch);
    throw refused(`the character ${JSON.stringify(ch)}`, `Unexpected character ${JSON.stringify(ch)} at offset ${i}.`);
  }

  private take(kind: TokenKind, text: string, value = text): void {
    this.tokens.push({ kind, text, value });
    this.i += text.length;
  }

  private scan(pattern: RegExp): string {
    let end = this.i;
    while (end < this.sql.length && pattern.test(this.sql[end]!)) end++;
    return this.sql.slice(this.i, end);
  }

  private lineComment(): void {
    const end = this.sql.indexOf('\n', this.i);
    const stop = end === -1 ? this.sql.length : end;
    this.tokens.push({ kind: 'space', text: ' ', value: ' ' });
    this.i = stop;
  }

  /** DuckDB nests block comments (as PostgreSQL does); BigQuery does not. */
  private blockComment(): void {
    let depth = 0;
    let j = this.i;
    while (j < this.sql.length) {
      const two = this.sql.slice(j, j + 2);
      if (two === '/*' && (depth === 0 || this.dialect === 'duckdb')) {
        depth++;
        j += 2;
      } else if (two === '*/') {
        depth--;
        j += 2;
        if (depth === 0) break;
      } else {
        j++;
      }
    }
    if (depth !== 0) throw refused('an unclosed comment', 'A /* comment is not closed.');
    this.tokens.push({ kind: 'space', text: ' ', value: ' ' });
    this.i = j;
  }

  private word(): void {
    const text = this.scan(WORD_PART);
    const after = this.sql[this.i + text.length];
    if (this.dialect === 'bigquery' && /^[rR]$/.test(text) && (after === "'" || after === '"')) {
      this.i += 1;
      return this.string('r');
    }
    if (after === "'" || after === '"' || after === '`') {
      throw refused(
        `the string prefix ${text}${after}`,
        `String prefixes such as ${text}${after}…${after} are not supported; write a plain '…' string.`,
      );
    }
    this.take('word', text);
  }

  /** Digits, a fraction, an exponent, or a 0x… literal; the engine reads the text verbatim. */
  private number(): void {
    const match = /^(0[xX][0-9A-Fa-f]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(this.sql.slice(this.i))!;
    const text = match[0];
    if (WORD_PART.test(this.sql[this.i + text.length] ?? '')) {
      throw refused(`the token ${JSON.stringify(this.sql.slice(this.i, this.i + text.length + 1))}`, 'A number runs into a name; add a space.');
    }
    this.take('number', text);
  }

  private string(prefix: '' | 'r'): void {
    const { sql } = this;
    const start = this.i;
    const quote = sql[start]!;
    const triple = this.dialect === 'bigquery' && sql.startsWith(quote.repeat(3), start);
    const delimiter = triple ? quote.repeat(3) : quote;
    let j = start + delimiter.length;
    let value = '';
    for (;;) {
      if (j >= sql.length) throw refused('an unclosed string', `A string opened at offset ${start} is not closed.`);
      if (sql.startsWith(delimiter, j)) {
        if (this.dialect === 'duckdb' && sql[j + 1] === "'") {
          value += "'";
          j += 2;
          continue;
        }
        j += delimiter.length;
        break;
      }
      const ch = sql[j]!;
      if (this.dialect === 'bigquery' && !triple && (ch === '\n' || ch === '\r')) {
        throw refused('a line break inside a string', 'A quoted string cannot span lines; use a triple-quoted string.');
      }
      if (this.dialect === 'bigquery' && ch === '\\') {
        if (prefix === 'r') {
          value += ch + (sql[j + 1] ?? '');
          j += 2;
        } else {
          const [decoded, length] = bigqueryEscape(sql, j);
          value += decoded;
          j += length;
        }
        continue;
      }
      value += ch;
      j++;
    }
    this.tokens.push({ kind: 'string', text: sql.slice(start - prefix.length, j), value });
    this.i = j;
  }

  private quotedIdentifier(quote: '"' | '`'): void {
    const { sql } = this;
    const start = this.i;
    const end = sql.indexOf(quote, start + 1);
    if (end === -1) throw refused('an unclosed quoted name', `A quoted name opened at offset ${start} is not closed.`);
    const name = sql.slice(start + 1, end);
    const next = sql[end + 1];
    if (next === quote || name.includes('\\') || /[\u0000-\u001f'"`]/.test(name) || name === '') {
      throw refused(`the quoted name ${sql.slice(start, end + 1)}`, 'Quoted names may not be empty or contain quotes, backslashes or control characters.');
    }
    if (quote === '`' && name.includes('.')) {
      throw refused(`the quoted name ${sql.slice(start, end + 1)}`, 'Quoted names may not contain a dot: only your sources can be named, never project or dataset paths.');
    }
    this.take('quoted', sql.slice(start, end + 1), name);
  }

  /** `$$…$$` and `$tag$…$tag$` are strings; `$1` and `$name` parameters are not ours to bind. */
  private dollar(): void {
    const { sql } = this;
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(this.i));
    if (!tag) throw refused('a $ parameter', 'Parameters are written @name; $1 and $name are not supported.');
    const open = tag[0];
    const end = sql.indexOf(open, this.i + open.length);
    if (end === -1) throw refused('an unclosed string', `A ${open} string is not closed.`);
    const value = sql.slice(this.i + open.length, end);
    this.tokens.push({ kind: 'string', text: sql.slice(this.i, end + open.length), value });
    this.i = end + open.length;
  }

  private param(): void {
    const match = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(this.sql.slice(this.i));
    if (this.sql[this.i + 1] === '@') throw refused('a system variable (@@)', 'System variables (@@name) are not available.');
    if (!match) {
      if (this.dialect === 'duckdb') return this.take('symbol', '@');
      throw refused('a lone @', 'A parameter is written @name.');
    }
    this.take('param', match[0], match[1]!);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  '\\': '\\', '?': '?', '"': '"', "'": "'", '`': '`',
};

/** One BigQuery escape sequence at `at` (a backslash): its character and its length. */
function bigqueryEscape(sql: string, at: number): [string, number] {
  const ch = sql[at + 1] ?? '';
  if (ch in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[ch]!, 2];
  const forms: [RegExp, number][] = [
    [/^[0-7]{3}/, 8],
    [/^[xX][0-9A-Fa-f]{2}/, 16],
    [/^u[0-9A-Fa-f]{4}/, 16],
    [/^U[0-9A-Fa-f]{8}/, 16],
  ];
  for (const [pattern, radix] of forms) {
    const match = pattern.exec(sql.slice(at + 1));
    if (!match) continue;
    const digits = radix === 8 ? match[0] : match[0].slice(1);
    const code = parseInt(digits, radix);
    if (code > 0x10ffff || code === 0 || (code >= 0xd800 && code <= 0xdfff)) break;
    return [String.fromCodePoint(code), 1 + match[0].length];
  }
  throw refused(`the escape \\${ch}`, `Unknown escape sequence \\${ch} in a string.`);
}
