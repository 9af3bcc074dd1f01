/**
 * Splits an LQL query into clauses (whitespace-separated, except inside double quotes) and
 * resolves the escapes of quoted strings. The grammar is a flat list of small clauses, so a
 * hand-written scanner plus one parser per clause kind is clearer than a parser-combinator
 * dependency, and lets every error name its clause.
 */
import { clauseError } from './errors.ts';

const isSpace = (ch: string): boolean => /^\s$/.test(ch);

/** The clauses of `text`, in order. A quote left open is an error naming its clause. */
export function splitClauses(text: string): string[] {
  const clauses: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      // An escaped character never opens, closes or splits anything, inside quotes or not.
      current += ch + text[++i];
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (isSpace(ch) && !quoted) {
      if (current) clauses.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) throw clauseError(current, 'a quoted string is not closed');
  if (current) clauses.push(current);
  return clauses;
}

/** Resolves `\"` and `\\`; any other backslash stays, so regexes keep their `\d`, `\.`, … */
export function unescape(text: string, escapable: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '\\' && next !== undefined && escapable.includes(next)) {
      out += next;
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Reads a whole-clause quoted string (`"…"`) and returns its content, escapes resolved.
 * Returns null when `text` does not start with a quote.
 */
export function readQuoted(text: string, clause: string): string | null {
  if (!text.startsWith('"')) return null;
  let i = 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  if (i >= text.length) throw clauseError(clause, 'a quoted string is not closed');
  if (i !== text.length - 1) {
    throw clauseError(clause, `unexpected text after the closing quote: \`${text.slice(i + 1)}\``);
  }
  return unescape(text.slice(1, i), '"\\');
}
