/**
 * DuckDB result values as JSON, shaped as the BigQuery adapter shapes its rows so both
 * backends answer alike: integers as numbers (as decimal strings beyond 2^53), timestamps as
 * ISO 8601 UTC strings to the microsecond, structs as objects, lists as arrays, maps as
 * objects, dates and times as their SQL text, blobs as base64.
 */
import {
  DuckDBArrayValue, DuckDBBlobValue, DuckDBDecimalValue, DuckDBListValue, DuckDBMapValue, DuckDBStructValue,
  DuckDBTimestampMillisecondsValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBUnionValue, type DuckDBValue,
} from '@duckdb/node-api';
import type { JsonValue } from '../../events/model.ts';
import { isoFromMicros } from '../../events/present.ts';

export function jsonValue(value: DuckDBValue): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return integer(value);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return instant(value.micros, value);
  if (value instanceof DuckDBTimestampSecondsValue) return instant(value.seconds * 1_000_000n, value);
  if (value instanceof DuckDBTimestampMillisecondsValue) return instant(value.millis * 1000n, value);
  if (value instanceof DuckDBTimestampNanosecondsValue) return instant(value.nanos / 1000n, value);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(jsonValue);
  if (value instanceof DuckDBStructValue) {
    return Object.fromEntries(Object.entries(value.entries).map(([key, item]) => [key, jsonValue(item)]));
  }
  if (value instanceof DuckDBMapValue) {
    return Object.fromEntries(value.entries.map(({ key, value: item }) => [String(jsonValue(key)), jsonValue(item)]));
  }
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64');
  if (value instanceof DuckDBUnionValue) return jsonValue(value.value);
  return value.toString();
}

function integer(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** ±infinity and instants beyond what a JS Date holds keep DuckDB's own text. */
function instant(micros: bigint, value: { toString(): string }): string {
  const limit = 8_640_000_000_000_000_000n;
  return micros > -limit && micros < limit ? isoFromMicros(Number(micros)) : value.toString();
}
