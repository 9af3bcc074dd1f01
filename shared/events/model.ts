/**
 * The event model: what a log event is once Kindling has accepted it, and the shape of a
 * source's inferred schema (BigQuery's vocabulary, which the DuckDB twin mirrors).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Column types, named as BigQuery names them. */
export type FieldType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' | 'RECORD';
export type FieldMode = 'NULLABLE' | 'REQUIRED' | 'REPEATED';

export interface SchemaField {
  name: string;
  type: FieldType;
  mode: FieldMode;
  /** Present exactly when `type` is RECORD. */
  fields?: SchemaField[];
}

/**
 * The fields a source's events carry besides the three base columns, as inferred from the
 * events seen so far. Only grows: new fields are added as NULLABLE (or REPEATED) columns.
 */
export type SourceSchema = SchemaField[];

/** The columns every source table has, before its inferred fields. */
export const BASE_COLUMNS: readonly SchemaField[] = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'timestamp', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'event_message', type: 'STRING', mode: 'NULLABLE' },
];

/**
 * An accepted event: keys normalised, empty values dropped, typed against its source schema.
 * `body` holds every field but the three base columns (`metadata` and any other top-level key).
 */
export interface LogEvent {
  id: string;
  /** Microseconds since the Unix epoch, UTC. Exact in a JS number until the year 2255. */
  timestamp: number;
  event_message: string;
  body: JsonObject;
}

/** An event that failed validation or the schema check, kept with the reason for inspection. */
export interface RejectedEvent {
  source_id: string;
  reason: string;
  /** The event as the client sent it (after body parsing), for the user to inspect. */
  event: JsonValue;
  /** ISO 8601 UTC. */
  rejected_at: string;
}
