/**
 * `@name` parameters in an LQL endpoint's query. A value is written into the query as one LQL
 * quoted string (`"…"`, with `"` and `\` escaped), so whatever it holds it stays one value of
 * the clause it was placed in: it can never add a clause, end a quote or become a range. Plain
 * numbers go in bare, so they also work as range ends (`m.status:@low..@high`). And LQL never
 * puts a value into SQL: it binds them all as SQL parameters.
 */
import { badRequest } from '../errors.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
/** Unsigned: a leading `-` at the start of a clause would negate it. */
const NUMBER = /^\d+(\.\d+)?$/;

/** The parameters the query uses, in order of first use. */
export function lqlParameters(text: string): string[] {
  const names: string[] = [];
  scan(text, (name) => {
    if (!names.includes(name)) names.push(name);
    return '';
  });
  return names;
}

/** The query with each `@name` replaced by its value; 400 when one has none. */
export function bindLqlParameters(text: string, values: Record<string, string>): string {
  return scan(text, (name) => {
    const value = values[name];
    if (value === undefined) throw badRequest(`No value for the query parameter @${name}.`);
    return NUMBER.test(value) ? value : `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  });
}

/**
 * Walks the query outside its quoted strings and calls `replace` for each `@name` not glued to
 * a preceding letter or digit (so `user@example.com` is left alone).
 */
function scan(text: string, replace: (name: string) => string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      out += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    const name = !quoted && ch === '@' && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '') ? NAME.exec(text.slice(i + 1))?.[0] : undefined;
    if (name === undefined) {
      out += ch;
      continue;
    }
    out += replace(name);
    i += name.length;
  }
  return out;
}
