/**
 * What the BigQuery fake knows about schemas and rows: validating a table schema (tables.insert),
 * the only changes tables.patch allows (add NULLABLE/REPEATED fields, relax REQUIRED), typing an
 * insertAll row against a schema the way BigQuery refuses bad rows, and encoding stored rows in
 * the REST result format (`{f: [{v}]}`, scalars as strings).
 */

export interface FieldSchema {
  name: string;
  type: string;
  mode?: string;
  fields?: FieldSchema[];
}

/** A stored value: INTEGER and TIMESTAMP (µs) as bigint, RECORD as an object, REPEATED as an array. */
export type Typed = string | number | bigint | boolean | null | Typed[] | { [name: string]: Typed };

export interface RowError {
  reason: string;
  location: string;
  message: string;
}

const ALIASES: Record<string, string> = { INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN', STRUCT: 'RECORD' };
const TYPES = new Set([
  'STRING', 'BYTES', 'INTEGER', 'FLOAT', 'NUMERIC', 'BIGNUMERIC', 'BOOLEAN',
  'TIMESTAMP', 'DATE', 'TIME', 'DATETIME', 'GEOGRAPHY', 'JSON', 'RECORD',
]);
const MODES = new Set(['NULLABLE', 'REQUIRED', 'REPEATED']);
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

export const typeOf = (field: FieldSchema) => ALIASES[field.type] ?? field.type;
export const modeOf = (field: FieldSchema) => field.mode ?? 'NULLABLE';
const find = (fields: FieldSchema[], name: string) => fields.find((f) => f.name.toLowerCase() === name.toLowerCase());

/** What tables.insert would refuse in `fields`; empty when the schema is valid. */
export function schemaProblems(fields: unknown, path = ''): string[] {
  if (!Array.isArray(fields) || fields.length === 0) return [`${path || 'schema'}: a schema needs at least one field`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const field of fields as FieldSchema[]) {
    const where = `${path}${String(field?.name)}`;
    if (typeof field?.name !== 'string' || !FIELD_NAME.test(field.name)) problems.push(`Invalid field name "${where}".`);
    else if (seen.has(field.name.toLowerCase())) problems.push(`Field ${where} is specified more than once.`);
    else seen.add(field.name.toLowerCase());
    if (!TYPES.has(typeOf(field))) problems.push(`Invalid value for type: ${String(field.type)} (field ${where}).`);
    if (field.mode !== undefined && !MODES.has(field.mode)) problems.push(`Invalid value for mode: ${field.mode}.`);
    if (typeOf(field) === 'RECORD') problems.push(...schemaProblems(field.fields, `${where}.`));
    else if (field.fields !== undefined) problems.push(`Field ${where} has subfields but is not a RECORD.`);
  }
  return problems;
}

/** Why `next` may not replace `current` in tables.patch, or null when it may. */
export function patchProblem(current: FieldSchema[], next: FieldSchema[], path = ''): string | null {
  for (const old of current) {
    const now = find(next, old.name);
    const where = `${path}${old.name}`;
    if (!now) return `Field ${where} is missing in new schema`;
    if (typeOf(now) !== typeOf(old)) return `Field ${where} has changed type from ${typeOf(old)} to ${typeOf(now)}`;
    const relaxed = modeOf(old) === 'REQUIRED' && modeOf(now) === 'NULLABLE';
    if (modeOf(now) !== modeOf(old) && !relaxed) return `Field ${where} has changed mode from ${modeOf(old)} to ${modeOf(now)}`;
    if (typeOf(old) === 'RECORD') {
      const nested = patchProblem(old.fields ?? [], now.fields ?? [], `${where}.`);
      if (nested) return nested;
    }
  }
  for (const added of next) {
    if (!find(current, added.name) && modeOf(added) === 'REQUIRED') {
      return `Cannot add required fields to an existing schema. (field: ${path}${added.name})`;
    }
  }
  return null;
}

/** Types an insertAll row's `json` against `fields`, or reports the first reason BigQuery would refuse it. */
export function typeRow(
  fields: FieldSchema[],
  json: unknown,
  ignoreUnknownValues = false,
  path = '',
): { values: { [name: string]: Typed } } | { error: RowError } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { error: invalid(path || 'row', `This field: ${path || 'row'} is not a record.`) };
  }
  const values: { [name: string]: Typed } = {};
  for (const key of Object.keys(json)) {
    if (!find(fields, key) && !ignoreUnknownValues) return { error: invalid(path + key, `no such field: ${key}.`) };
  }
  for (const field of fields) {
    const key = Object.keys(json).find((k) => k.toLowerCase() === field.name.toLowerCase());
    const raw = key === undefined ? null : (json as Record<string, unknown>)[key];
    const typed = typeField(field, raw, ignoreUnknownValues, path + field.name);
    if ('error' in typed) return typed;
    values[field.name] = typed.value;
  }
  return { values };
}

function typeField(field: FieldSchema, raw: unknown, ignore: boolean, path: string): { value: Typed } | { error: RowError } {
  if (modeOf(field) === 'REPEATED') {
    if (raw === null || raw === undefined) return { value: [] };
    if (!Array.isArray(raw)) return { error: invalid(path, `Array specified for repeated field ${path} must be a JSON array.`) };
    const items: Typed[] = [];
    for (const item of raw) {
      if (item === null) return { error: invalid(path, `Null value in repeated field: ${path}.`) };
      const typed = typeScalar(field, item, ignore, path);
      if ('error' in typed) return typed;
      items.push(typed.value);
    }
    return { value: items };
  }
  if (raw === null || raw === undefined) {
    return modeOf(field) === 'REQUIRED' ? { error: invalid(path, `Missing required field: ${path}.`) } : { value: null };
  }
  if (Array.isArray(raw)) return { error: invalid(path, `Array specified for non-repeated field: ${path}.`) };
  return typeScalar(field, raw, ignore, path);
}

function typeScalar(field: FieldSchema, raw: unknown, ignore: boolean, path: string): { value: Typed } | { error: RowError } {
  switch (typeOf(field)) {
    case 'RECORD': {
      const typed = typeRow(field.fields ?? [], raw, ignore, `${path}.`);
      return 'error' in typed ? typed : { value: typed.values };
    }
    case 'STRING':
      return typeof raw === 'string' ? { value: raw } : { error: invalid(path, 'Cannot convert value to string.') };
    case 'INTEGER': {
      const integral = (typeof raw === 'number' && Number.isInteger(raw)) || (typeof raw === 'string' && /^[+-]?\d+$/.test(raw));
      const value = integral ? BigInt(raw as number | string) : null;
      return value !== null && value >= INT64_MIN && value <= INT64_MAX
        ? { value }
        : { error: invalid(path, 'Cannot convert value to integer.') };
    }
    case 'FLOAT': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isNaN(value) && raw !== 'NaN'
        ? { error: invalid(path, 'Cannot convert value to floating point.') }
        : { value };
    }
    case 'BOOLEAN': {
      if (typeof raw === 'boolean') return { value: raw };
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return { value: raw.toLowerCase() === 'true' };
      return { error: invalid(path, 'Cannot convert value to boolean.') };
    }
    case 'TIMESTAMP': {
      const value = timestampMicros(raw);
      return value === null ? { error: invalid(path, `Could not parse '${String(raw)}' as a timestamp.`) } : { value };
    }
    default:
      return typeof raw === 'string' ? { value: raw } : { error: invalid(path, `Cannot convert value to ${typeOf(field)}.`) };
  }
}

/** µs since the epoch from a timestamp as insertAll accepts it: text, or a number of seconds. */
export function timestampMicros(raw: unknown): bigint | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) return BigInt(Math.round(raw * 1_000_000));
  if (typeof raw !== 'string') return null;
  const m = TIMESTAMP_TEXT.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  let offsetMinutes = 0;
  if (/^[+-]/.test(zone)) {
    const digits = zone.replace(':', '');
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0));
  }
  return BigInt(ms - offsetMinutes * 60_000) * 1000n + BigInt(frac.padEnd(6, '0'));
}

/** A stored row as jobs.query returns it. */
export function restRow(
  fields: FieldSchema[],
  values: { [name: string]: Typed },
  int64Timestamps: boolean,
): { f: { v: unknown }[] } {
  return { f: fields.map((field) => ({ v: restCell(field, values[field.name] ?? null, int64Timestamps) })) };
}

function restCell(field: FieldSchema, value: Typed, int64: boolean): unknown {
  if (modeOf(field) === 'REPEATED') {
    return ((value as Typed[] | null) ?? []).map((item) => ({ v: restScalar(field, item, int64) }));
  }
  return value === null ? null : restScalar(field, value, int64);
}

function restScalar(field: FieldSchema, value: Typed, int64: boolean): unknown {
  if (typeOf(field) === 'RECORD') return restRow(field.fields ?? [], value as { [name: string]: Typed }, int64);
  if (typeOf(field) === 'TIMESTAMP' && !int64) return (Number(value as bigint) / 1e6).toExponential().replace('e+', 'E');
  return String(value);
}

function invalid(location: string, message: string): RowError {
  return { reason: 'invalid', location, message };
}
