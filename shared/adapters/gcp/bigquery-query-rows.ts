/**
 * Rows of a user's SQL query as BigQuery's REST API returns them (`{f: [{v}]}`, every scalar a
 * string, described by the response's schema) turned into JSON objects, shaped as the local
 * adapter shapes DuckDB's: integers as numbers (decimal strings beyond 2^53), timestamps as ISO
 * 8601 UTC strings to the microsecond, records as objects, repeated fields as arrays, JSON
 * values parsed; NULLs stay null.
 */
import type { JsonObject, JsonValue } from '../../events/model.ts';
import { isoFromMicros } from '../../events/present.ts';
import type { RestRow } from './bigquery-listing.ts';
import type { TableField } from './bigquery-schema.ts';

export function queryRow(fields: readonly TableField[], row: RestRow): JsonObject {
  const out: JsonObject = {};
  fields.forEach((field, index) => {
    out[field.name] = cell(field, row.f[index]?.v ?? null);
  });
  return out;
}

function cell(field: TableField, v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (field.mode === 'REPEATED') return (v as { v: unknown }[]).map((item) => scalar(field, item.v));
  return scalar(field, v);
}

function scalar(field: TableField, v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  switch (field.type) {
    case 'RECORD':
    case 'STRUCT':
      return queryRow(field.fields ?? [], v as RestRow);
    case 'INTEGER':
    case 'INT64':
      return integer(String(v));
    case 'FLOAT':
    case 'FLOAT64':
    case 'NUMERIC':
    case 'BIGNUMERIC': {
      const n = Number(v);
      return Number.isFinite(n) ? n : String(v);
    }
    case 'BOOLEAN':
    case 'BOOL':
      return v === 'true';
    case 'TIMESTAMP':
      return timestamp(String(v));
    case 'JSON':
      return JSON.parse(String(v)) as JsonValue;
    default:
      return String(v);
  }
}

function integer(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** µs as an int64 string (useInt64Timestamp), or float seconds as older responses send them. */
function timestamp(text: string): string {
  const micros = /^-?\d+$/.test(text) ? Number(text) : Math.round(Number(text) * 1_000_000);
  return isoFromMicros(micros);
}
