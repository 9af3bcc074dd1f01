/**
 * OTLP logs over HTTP (`POST /v1/logs`): an ExportLogsServiceRequest, in OTLP/JSON or binary
 * protobuf and optionally gzipped, becomes one event per LogRecord:
 * - `timestamp` ← `time_unix_nano` (else `observed_time_unix_nano`; else the ingest time),
 *   read from its exact digits;
 * - `event_message` ← a string body; else the record's `event_name`; else the body's compact
 *   JSON text (empty when there is no body);
 * - `body` ← a structured (key-value list) body, as an object;
 * - `severity_text`, `severity_number`, `event_name`, `trace_id` and `span_id` (lowercase hex);
 * - `attributes` ← the record's attributes, `resource` ← the resource's attributes, `scope` ←
 *   `{name, version, attributes}` of the instrumentation scope.
 * Attribute keys are normalised like every key (`service.name` is stored as `service_name`).
 *
 * Decisions beyond CONTRACT.md:
 * - Scalar and array bodies live in `event_message` only, so `body` keeps one type (an object)
 *   across records and never conflicts with the source schema.
 * - A missing Content-Type is read as protobuf (OTLP/HTTP's default encoding).
 * - Data that cannot be decoded (bad JSON or protobuf, wrong value types, ids that are not 16/8
 *   bytes) refuses the whole request with 400, as OTLP/HTTP asks; records the pipeline rejects
 *   are reported as a partial success (otlp-response.ts).
 */
import { z } from 'zod';
import { badRequest, unsupportedMediaType } from '../../errors.ts';
import type { JsonObject, JsonValue } from '../../events/model.ts';
import { decodeBodyBytes, decodeBodyText } from '../body.ts';
import { mediaFamily, mediaType, quoted } from './media-type.ts';
import { decodeLogsRequest } from './otlp-proto.ts';
import { anyValue, attributesObject } from './otlp-values.ts';

export type OtlpEncoding = 'json' | 'protobuf';

/** The request's encoding, which is also the answer's. Throws 415 for any other type. */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding {
  const family = mediaFamily(contentType);
  if (family === 'json') return 'json';
  if (family === 'protobuf' || family === '') return 'protobuf';
  const type = quoted(mediaType(contentType));
  throw unsupportedMediaType(`Content type ${type} is not supported here; send application/x-protobuf or JSON.`);
}

/** The events of an OTLP logs request body. Throws KindlingError 400, 413 or 415. */
export function otlpLogEvents(body: Buffer, encoding: OtlpEncoding, contentEncoding: string | undefined): JsonValue[] {
  const decoded =
    encoding === 'json'
      ? parseJson(decodeBodyText(body, contentEncoding))
      : decodeLogsRequest(decodeBodyBytes(body, contentEncoding));
  const request = exportLogsRequest.safeParse(decoded);
  if (!request.success) {
    const issue = request.error.issues[0]!;
    throw badRequest(`Not an OTLP ExportLogsServiceRequest: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return requestEvents(request.data);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The body is not valid JSON.');
  }
}

// Proto3 JSON allows null for any field, meaning "not set". Unknown fields are ignored.
const int64 = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).nullish();
const attributes = z.array(z.unknown()).nullish();

const logRecord = z.object({
  timeUnixNano: int64,
  observedTimeUnixNano: int64,
  severityNumber: z.number().int().nullish(),
  severityText: z.string().nullish(),
  body: z.unknown().optional(),
  attributes,
  traceId: z.string().nullish(),
  spanId: z.string().nullish(),
  eventName: z.string().nullish(),
});

const instrumentationScope = z.object({ name: z.string().nullish(), version: z.string().nullish(), attributes });

const exportLogsRequest = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: z.object({ attributes }).nullish(),
        scopeLogs: z
          .array(
            z.object({
              scope: instrumentationScope.nullish(),
              logRecords: z.array(logRecord).nullish(),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
});

type ExportLogsRequest = z.infer<typeof exportLogsRequest>;
type LogRecord = z.infer<typeof logRecord>;
type InstrumentationScope = z.infer<typeof instrumentationScope>;

function requestEvents(request: ExportLogsRequest): JsonValue[] {
  const events: JsonValue[] = [];
  (request.resourceLogs ?? []).forEach((resourceLogs, r) => {
    const at = `resourceLogs[${r}]`;
    const resource = attributesObject(resourceLogs.resource?.attributes, `${at}.resource.attributes`);
    (resourceLogs.scopeLogs ?? []).forEach((scopeLogs, s) => {
      const scopeAt = `${at}.scopeLogs[${s}]`;
      const scope = scopeObject(scopeLogs.scope, `${scopeAt}.scope`);
      (scopeLogs.logRecords ?? []).forEach((record, l) => {
        events.push(recordEvent(record, resource, scope, `${scopeAt}.logRecords[${l}]`));
      });
    });
  });
  return events;
}

function scopeObject(scope: InstrumentationScope | null | undefined, path: string): JsonObject | null {
  if (!scope) return null;
  const object: JsonObject = {};
  if (scope.name) object.name = scope.name;
  if (scope.version) object.version = scope.version;
  const scopeAttributes = attributesObject(scope.attributes, `${path}.attributes`);
  if (scopeAttributes) object.attributes = scopeAttributes;
  return Object.keys(object).length > 0 ? object : null;
}

function recordEvent(
  record: LogRecord,
  resource: JsonObject | null,
  scope: JsonObject | null,
  path: string,
): JsonObject {
  const event: JsonObject = {};
  const time = nonZero(record.timeUnixNano) ?? nonZero(record.observedTimeUnixNano);
  // As text, so that the 19 digits of nanoseconds are read exactly.
  if (time !== undefined) event.timestamp = String(time);
  const body = anyValue(record.body, `${path}.body`);
  event.message = eventMessage(body, record.eventName);
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) event.body = body;
  if (record.severityText) event.severity_text = record.severityText;
  if (record.severityNumber) event.severity_number = record.severityNumber;
  if (record.eventName) event.event_name = record.eventName;
  const traceId = hexId(record.traceId, 16, `${path}.traceId`);
  if (traceId) event.trace_id = traceId;
  const spanId = hexId(record.spanId, 8, `${path}.spanId`);
  if (spanId) event.span_id = spanId;
  const recordAttributes = attributesObject(record.attributes, `${path}.attributes`);
  if (recordAttributes) event.attributes = recordAttributes;
  if (resource) event.resource = resource;
  if (scope) event.scope = scope;
  return event;
}

function eventMessage(body: JsonValue, eventName: string | null | undefined): string {
  if (typeof body === 'string') return body;
  if (eventName) return eventName;
  return body === null ? '' : JSON.stringify(body);
}

function nonZero(value: string | number | null | undefined): string | number | undefined {
  return value === undefined || value === null || Number(value) === 0 ? undefined : value;
}

/** A trace or span id as lowercase hex; absent when empty or all zeros (OTLP's "no id"). */
function hexId(value: string | null | undefined, bytes: number, path: string): string | undefined {
  if (!value) return undefined;
  if (value.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(value)) {
    throw badRequest(`${path} must be ${bytes} bytes (${bytes * 2} hex digits in OTLP/JSON).`);
  }
  return /^0+$/.test(value) ? undefined : value.toLowerCase();
}
