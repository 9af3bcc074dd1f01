/**
 * The newest-first listing on BigQuery: one parameterised query (values never enter the SQL
 * text) that always filters on the partitioning column, so it scans only the days it needs, and
 * the decoding of BigQuery's REST rows (`{f: [{v}]}`, every scalar a string) back into LogEvents.
 */
import type { JsonObject, JsonValue, LogEvent } from '../../events/model.ts';
import type { ListEventsOptions } from '../../ports.ts';
import { toSql } from '../../lql/index.ts';
import type { TableField } from './bigquery-schema.ts';

const DAY_US = 86_400_000_000;

export interface ListingQuery {
  query: string;
  /** Int64 values travel as decimal strings, as the REST API's QueryParameterValue has them. */
  params: Record<string, unknown>;
  types: Record<string, string>;
}

/**
 * The listing query over `table` (a fully qualified, backquoted name). Without `from`, it looks
 * back `lookbackDays` from `to` (or from now): a query without a partition filter would scan
 * the whole table.
 */
export function listingQuery(table: string, options: ListEventsOptions, nowUs: number, lookbackDays: number): ListingQuery {
  const from = options.from ?? (options.to ?? nowUs) - lookbackDays * DAY_US;
  // The LQL filter's parameters are named p0, p1, …; the listing's own names never clash.
  const filter = options.filter ? toSql(options.filter, 'bigquery') : null;
  const params: Record<string, unknown> = {
    ...filter?.params,
    from_us: int64(from),
    limit: int64(Math.max(0, options.limit)),
  };
  const types: Record<string, string> = { ...filter?.types, from_us: 'INT64', limit: 'INT64' };
  const where = ['timestamp >= TIMESTAMP_MICROS(@from_us)'];
  if (filter) where.push(`(${filter.where})`);
  if (options.to !== undefined) {
    where.push('timestamp < TIMESTAMP_MICROS(@to_us)');
    params.to_us = int64(Math.ceil(options.to));
    types.to_us = 'INT64';
  }
  if (options.after !== undefined) {
    where.push(
      '(timestamp < TIMESTAMP_MICROS(@after_us) OR (timestamp = TIMESTAMP_MICROS(@after_us) AND id < @after_id))',
    );
    params.after_us = int64(options.after.timestamp);
    params.after_id = options.after.id;
    types.after_us = 'INT64';
    types.after_id = 'STRING';
  }
  const query = `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY timestamp DESC, id DESC LIMIT @limit`;
  return { query, params, types };
}

const int64 = (value: number) => BigInt(Math.floor(value)).toString();

/** One row of a jobs.query response, as the REST API sends it. */
export interface RestRow {
  f: { v: unknown }[];
}

/** A row of `SELECT *` back as a LogEvent: nulls and empty arrays dropped, as ingest drops them. */
export function fromRestRow(fields: readonly TableField[], row: RestRow): LogEvent {
  const { id, timestamp, event_message, ...body } = decodeRecord(fields, row);
  return {
    id: String(id),
    timestamp: Number(timestamp),
    event_message: typeof event_message === 'string' ? event_message : '',
    body,
  };
}

function decodeRecord(fields: readonly TableField[], row: RestRow): JsonObject {
  const out: JsonObject = {};
  fields.forEach((field, index) => {
    const value = decodeCell(field, row.f[index]?.v ?? null);
    if (value !== undefined) out[field.name] = value;
  });
  return out;
}

function decodeCell(field: TableField, v: unknown): JsonValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (field.mode === 'REPEATED') {
    const items = (v as { v: unknown }[]).map((item) => decodeScalarOrRecord(field, item.v));
    const kept = items.filter((item): item is JsonValue => item !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  return decodeScalarOrRecord(field, v);
}

function decodeScalarOrRecord(field: TableField, v: unknown): JsonValue | undefined {
  if (v === null || v === undefined) return undefined;
  switch (field.type) {
    case 'RECORD':
    case 'STRUCT': {
      const record = decodeRecord(field.fields ?? [], v as RestRow);
      return Object.keys(record).length > 0 ? record : undefined;
    }
    case 'INTEGER':
    case 'INT64':
    case 'FLOAT':
    case 'FLOAT64':
      return Number(v);
    case 'BOOLEAN':
    case 'BOOL':
      return v === 'true';
    case 'TIMESTAMP':
      return timestampMicros(String(v));
    default:
      return String(v);
  }
}

/** µs from an int64 string (useInt64Timestamp), or from float seconds as older responses send. */
function timestampMicros(text: string): number {
  return /^-?\d+$/.test(text) ? Number(text) : Math.round(Number(text) * 1_000_000);
}
