/**
 * Field names as columns: every key of an event becomes a BigQuery (and DuckDB) column or
 * nested field name, so it must be column-safe: only [A-Za-z0-9_], not starting with a digit,
 * not starting with a prefix BigQuery reserves, at most 300 characters.
 */

/** BigQuery refuses longer column names. */
export const MAX_COLUMN_NAME_LENGTH = 300;

/**
 * Prefixes BigQuery reserves for its pseudo-columns (matched case-insensitively here, to be
 * safe). A key starting with one gets one more leading `_`, which breaks the match.
 */
const RESERVED_PREFIXES = [
  '_TABLE_',
  '_FILE_',
  '_PARTITION',
  '_ROW_TIMESTAMP',
  '__ROOT__',
  '_COLIDENTIFIER',
  '_CHANGE_SEQUENCE_NUMBER',
  '_CHANGE_TYPE',
  '_CHANGE_TIMESTAMP',
];

const UNDERSCORE = 95;

/**
 * The column-safe form of a key: each character outside [A-Za-z0-9_] becomes `_` (one `_` per
 * Unicode code point, so "ü" and "😀" are one `_` each); a name starting with a digit or a
 * reserved prefix gets a leading `_`; an empty key becomes `_`; longer than 300 characters is
 * truncated. Distinct keys may map to the same name ("a b" and "a_b"); the caller decides.
 */
export function normaliseKey(key: string): string {
  // Nearly every key is already safe: answer it without allocating.
  return isColumnSafe(key) ? key : rewrite(key);
}

function isSafeCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === UNDERSCORE
  );
}

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isColumnSafe(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > MAX_COLUMN_NAME_LENGTH) return false;
  const first = key.charCodeAt(0);
  if (isDigitCode(first)) return false;
  for (let i = 0; i < length; i++) {
    if (!isSafeCode(key.charCodeAt(i))) return false;
  }
  return first !== UNDERSCORE || !hasReservedPrefix(key);
}

function rewrite(key: string): string {
  let name = '';
  let runStart = 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (isSafeCode(code)) continue;
    name += key.slice(runStart, i) + '_';
    // A surrogate pair is one character (code point): it becomes one `_`.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < key.length) {
      const next = key.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    runStart = i + 1;
  }
  name += key.slice(runStart);
  if (name === '') return '_';
  if (isDigitCode(name.charCodeAt(0)) || hasReservedPrefix(name)) name = '_' + name;
  return name.length > MAX_COLUMN_NAME_LENGTH ? name.slice(0, MAX_COLUMN_NAME_LENGTH) : name;
}

function hasReservedPrefix(name: string): boolean {
  for (const prefix of RESERVED_PREFIXES) {
    if (startsWithIgnoringCase(name, prefix)) return true;
  }
  return false;
}

/** `prefix` is upper-case ASCII; `name` holds only [A-Za-z0-9_] when this is asked. */
function startsWithIgnoringCase(name: string, prefix: string): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let code = name.charCodeAt(i);
    if (code >= 97 && code <= 122) code -= 32;
    if (code !== prefix.charCodeAt(i)) return false;
  }
  return true;
}
