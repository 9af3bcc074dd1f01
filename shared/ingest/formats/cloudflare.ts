/**
 * The `/logs/cloudflare` formats. Two senders post here:
 * - the Logflare Cloudflare app (a Worker): JSON `{"batch": [event, ...], "source": "<id>"}`
 *   whose events are already Logflare-shaped (`message`, `metadata`, `timestamp`);
 * - Cloudflare Logpush HTTP jobs: one JSON record per line (`text/plain; charset=utf-8`,
 *   gzipped). Each record becomes an event whose `metadata` is the whole record, whose time is
 *   the record's `EdgeStartTimestamp` and whose message is a readable summary.
 *
 * Decisions beyond CONTRACT.md:
 * - Logpush time: the first of `EdgeStartTimestamp` (http_requests), `Datetime` (firewall
 *   events and most account datasets), `EventTimestampMs` (workers_trace_events), `Timestamp`
 *   (dns_logs, spectrum_events), `When` (audit logs) that the record has, in any of Logpush's
 *   `timestamps=` formats (unixnano, unix, rfc3339). A unixnano number is read from the line's
 *   own digits, because a JSON number of 19 digits does not survive as a double.
 * - Logpush message: `METHOD | STATUS | HOST | URI` from ClientRequestMethod, EdgeResponseStatus
 *   (or OriginResponseStatus), ClientRequestHost, ClientRequestURI (or ClientRequestPath), with
 *   whichever are present; a record with none of them is summarised by its compact JSON text.
 * - Logpush's JSON-array output option (`batch_prefix: "["`, `record_delimiter: ","`) is read
 *   too: a body starting with `[` is one array of records.
 * - Cloudflare validates an HTTP destination by pushing `{"content":"tests"}`; it is accepted and
 *   stored like any record.
 * - The Worker body's `source` names the source when the request itself does not.
 */
import type { JsonObject, JsonValue } from '../../events/model.ts';
import { parseJsonEvents, parseNdjson } from '../body.ts';

export interface WorkerBody {
  events: JsonValue[];
  /** The body's `source` field, when the body is an object that has one. */
  source: string | undefined;
}

/** A Worker app body: its events as they are (the pipeline reads them like `/logs` events). */
export function workerBody(text: string): WorkerBody {
  const events = parseJsonEvents(text);
  return { events, source: bodySource(text) };
}

/** The `source` of an object body. Parsed again, only for this one field: bodies are small. */
function bodySource(text: string): string | undefined {
  if (text.trimStart()[0] !== '{') return undefined;
  const body = JSON.parse(text) as JsonObject;
  return typeof body.source === 'string' && body.source !== '' ? body.source : undefined;
}

/** A Logpush body: one event per record. */
export function logpushEvents(text: string): JsonValue[] {
  if (text.trimStart()[0] === '[') return parseJsonEvents(text).map((record) => logpushEvent(record, null));
  const records = parseNdjson(text);
  const lines = text.split('\n').filter((line) => !/^[ \t\r]*$/.test(line));
  return records.map((record, i) => logpushEvent(record, lines[i]!));
}

const TIME_FIELDS = ['EdgeStartTimestamp', 'Datetime', 'EventTimestampMs', 'Timestamp', 'When'] as const;

/** Each time field as it appears in a line with an integer value, capturing the digits. */
const EXACT_TIME = new Map(TIME_FIELDS.map((field) => [field, new RegExp(`"${field}"\\s*:\\s*(-?\\d+)\\s*[,}]`)]));

function logpushEvent(record: JsonValue, line: string | null): JsonValue {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const event: JsonObject = { message: logpushMessage(record), metadata: record };
  const field = TIME_FIELDS.find((name) => record[name] !== undefined && record[name] !== null);
  if (field) event.timestamp = exactTime(record[field]!, field, line);
  return event;
}

function exactTime(value: JsonValue, field: (typeof TIME_FIELDS)[number], line: string | null): JsonValue {
  if (typeof value !== 'number' || !Number.isInteger(value) || line === null) return value;
  const digits = EXACT_TIME.get(field)!.exec(line)?.[1];
  // The same literal parses to the same double: a match elsewhere in the line (a nested key of
  // the same name) is not taken for this one.
  return digits !== undefined && Number(digits) === value ? digits : value;
}

function logpushMessage(record: JsonObject): string {
  const parts = [
    record.ClientRequestMethod,
    record.EdgeResponseStatus ?? record.OriginResponseStatus,
    record.ClientRequestHost,
    record.ClientRequestURI ?? record.ClientRequestPath,
  ].filter((part) => (typeof part === 'string' && part !== '') || typeof part === 'number');
  return parts.length > 0 ? parts.join(' | ') : JSON.stringify(record);
}
