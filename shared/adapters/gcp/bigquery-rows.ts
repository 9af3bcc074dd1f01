/**
 * LogEvents as tabledata.insertAll rows: `{insertId, json}` with `insertId` = event id (BigQuery's
 * best-effort dedupe), the base columns first and the body's fields as the table's columns.
 * Timestamps travel as ISO 8601 strings with all six fractional digits: a JSON number of seconds
 * cannot carry microseconds exactly.
 */
import type { JsonObject, JsonValue, LogEvent, SchemaField, SourceSchema } from '../../events/model.ts';

export interface InsertRow {
  insertId: string;
  json: Record<string, unknown>;
}

/** insertAll takes at most 10 MB per request and recommends about 500 rows. */
export const MAX_ROWS_PER_REQUEST = 500;
export const MAX_BYTES_PER_REQUEST = 9_000_000;

/** A row that is never sent, with the reason it is refused. */
export interface UnsentRow {
  id: string;
  reason: string;
}

/** `us` µs since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function isoMicros(us: number): string {
  const whole = Math.round(us);
  const ms = Math.floor(whole / 1000);
  const micros = whole - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

/**
 * The row for `event`, or why it cannot be one: a body field missing from `schema` would be
 * refused by BigQuery too, but refusing it here tells it apart from a column that BigQuery has
 * been told about and does not see yet (see BigQueryEventStore.insert).
 */
export function toInsertRow(event: LogEvent, schema: SourceSchema): InsertRow | UnsentRow {
  try {
    const body = encodeObject(event.body, schema, '');
    return {
      insertId: event.id,
      json: { id: event.id, timestamp: isoMicros(event.timestamp), event_message: event.event_message, ...body },
    };
  } catch (error) {
    if (error instanceof UnknownField) return { id: event.id, reason: `no such field in the source schema: ${error.path}` };
    throw error;
  }
}

/**
 * Splits rows into insertAll requests of at most MAX_ROWS_PER_REQUEST rows and
 * MAX_BYTES_PER_REQUEST bytes; a row too large for any request is returned as unsent.
 */
export function chunkRows(rows: InsertRow[]): { chunks: InsertRow[][]; oversize: UnsentRow[] } {
  const chunks: InsertRow[][] = [];
  const oversize: UnsentRow[] = [];
  let current: InsertRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (size > MAX_BYTES_PER_REQUEST) {
      oversize.push({ id: row.insertId, reason: `row of ${size} bytes exceeds the ${MAX_BYTES_PER_REQUEST}-byte request cap` });
      continue;
    }
    if (current.length === MAX_ROWS_PER_REQUEST || bytes + size > MAX_BYTES_PER_REQUEST) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversize };
}

class UnknownField extends Error {
  constructor(readonly path: string) {
    super(path);
  }
}

function encodeObject(value: JsonObject, fields: readonly SchemaField[], prefix: string): Record<string, unknown> {
  const byName = new Map(fields.map((field) => [field.name.toLowerCase(), field]));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = byName.get(key.toLowerCase());
    if (!field) throw new UnknownField(prefix + key);
    out[key] = encodeValue(item, field, `${prefix}${key}.`);
  }
  return out;
}

function encodeValue(value: JsonValue, field: SchemaField, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((item) => encodeValue(item, field, prefix));
  if (field.type === 'TIMESTAMP' && typeof value === 'number') return isoMicros(value);
  if (field.type === 'RECORD' && value !== null && typeof value === 'object') {
    return encodeObject(value, field.fields ?? [], prefix);
  }
  return value;
}
