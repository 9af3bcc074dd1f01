/**
 * LogEvents as rows of the BigQuery Storage Write API: each event becomes one protocol buffer
 * message whose type (the "writer schema") is derived from the source schema with the package's
 * `adapt` helpers, so that the descriptor sent to BigQuery and the encoder agree by construction.
 * TIMESTAMP columns travel as int64 microseconds since the epoch (what `adapt` maps them to), so
 * no precision is lost.
 */
import { adapt } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
// Adds Type.fromDescriptor to protobufjs (the same extension the storage client itself loads).
import 'protobufjs/ext/descriptor/index.js';
import { BASE_COLUMNS, type JsonObject, type JsonValue, type LogEvent, type SchemaField, type SourceSchema } from '../../events/model.ts';
import { toTableFields, type TableField } from './bigquery-schema.ts';
import type { UnsentRow } from './bigquery-rows.ts';

/** AppendRows takes at most 10 MB per request; the rest is room for the writer schema. */
const MAX_APPEND_BYTES = 9_000_000;

/** The descriptor BigQuery reads rows with, and the protobufjs type that writes them. */
export interface RowType {
  descriptor: ReturnType<typeof adapt.convertStorageSchemaToProto2Descriptor>;
  type: protobuf.Type;
}

/** One event, encoded. */
export interface EncodedRow {
  id: string;
  bytes: Uint8Array;
}

type FromDescriptor = (descriptor: unknown) => protobuf.Type;

/**
 * The columns a writer sends for `schema`: the base columns as the table has them, then the
 * body's fields, all NULLABLE (a proto2 `required` body field would make one missing value fail
 * the whole encoding; BigQuery still enforces the table's own modes).
 */
export function writerFields(schema: SourceSchema): TableField[] {
  return [...toTableFields(BASE_COLUMNS), ...toTableFields(schema, true)];
}

export function rowType(fields: TableField[]): RowType {
  const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({ fields });
  const descriptor = adapt.convertStorageSchemaToProto2Descriptor(storageSchema, 'root');
  const type = (protobuf.Type as unknown as { fromDescriptor: FromDescriptor }).fromDescriptor(descriptor);
  // Nested message types resolve through a root, as they would in a .proto file.
  new protobuf.Root().add(type);
  return { descriptor, type };
}

/**
 * The event encoded as a row of `type`, or why it cannot be one: a field missing from `schema`
 * or a value that does not fit its column is refused here, as BigQuery would refuse the row.
 */
export function encodeRow(event: LogEvent, schema: SourceSchema, type: protobuf.Type): EncodedRow | UnsentRow {
  try {
    const message = {
      id: event.id,
      timestamp: Math.round(event.timestamp),
      event_message: event.event_message,
      ...encodeObject(event.body, schema, ''),
    };
    return { id: event.id, bytes: type.encode(message).finish() };
  } catch (error) {
    if (error instanceof RefusedValue) return { id: event.id, reason: error.message };
    throw error;
  }
}

/** Splits encoded rows into AppendRows requests of at most MAX_APPEND_BYTES; oversize rows are unsent. */
export function chunkEncoded(rows: EncodedRow[]): { chunks: EncodedRow[][]; oversize: UnsentRow[] } {
  const chunks: EncodedRow[][] = [];
  const oversize: UnsentRow[] = [];
  let current: EncodedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (row.bytes.length > MAX_APPEND_BYTES) {
      oversize.push({ id: row.id, reason: `row of ${row.bytes.length} bytes exceeds the ${MAX_APPEND_BYTES}-byte request cap` });
      continue;
    }
    if (current.length > 0 && bytes + row.bytes.length > MAX_APPEND_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.bytes.length;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversize };
}

/** 2^63: INT64's magnitude bound (a JSON number can be an integer beyond it). */
const INT64_LIMIT = 2 ** 63;

class RefusedValue extends Error {}

function encodeObject(value: JsonObject, fields: readonly SchemaField[], prefix: string): Record<string, unknown> {
  const byName = new Map(fields.map((field) => [field.name.toLowerCase(), field]));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = byName.get(key.toLowerCase());
    if (!field) throw new RefusedValue(`no such field in the source schema: ${prefix}${key}`);
    const encoded = encodeValue(item, field, `${prefix}${key}`);
    // The message's field is named as the schema names the column (names match case-insensitively).
    if (encoded !== undefined) out[field.name] = encoded;
  }
  return out;
}

function encodeValue(value: JsonValue, field: SchemaField, path: string): unknown {
  if (value === null) return undefined;
  if (field.mode === 'REPEATED') {
    if (!Array.isArray(value) || value.includes(null)) throw misfit(path, field);
    return value.map((item) => encodeScalar(item, field, path));
  }
  return encodeScalar(value, field, path);
}

function encodeScalar(value: JsonValue, field: SchemaField, path: string): unknown {
  switch (field.type) {
    case 'STRING':
      if (typeof value === 'string') return value;
      break;
    case 'INTEGER':
      if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < INT64_LIMIT) return value;
      break;
    case 'FLOAT':
      if (typeof value === 'number') return value;
      break;
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      break;
    case 'TIMESTAMP':
      if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value);
      break;
    case 'RECORD':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return encodeObject(value, field.fields ?? [], `${path}.`);
      }
      break;
  }
  throw misfit(path, field);
}

function misfit(path: string, field: SchemaField): RefusedValue {
  const kind = field.mode === 'REPEATED' ? `REPEATED ${field.type}` : field.type;
  return new RefusedValue(`invalid: the value of ${path} does not fit its ${kind} column`);
}
