/**
 * Ingest request bodies: from the bytes of a Logflare-compatible `/logs` request to its raw
 * events (each still to be normalised). Decodes gzip within a size cap, insists on UTF-8, and
 * reads JSON (an event, an array of events or `{"batch": [...]}`) or NDJSON (an event per line).
 *
 * Decisions beyond CONTRACT.md:
 * - JSON media types: `application/json` and any `+json` suffix; a missing or empty
 *   Content-Type is JSON too (Logflare clients always send JSON). NDJSON media types:
 *   `application/x-ndjson`, `application/ndjson`, `application/jsonl`. Parameters such as
 *   charset are ignored; the body must be UTF-8 whatever they say (a leading BOM is skipped).
 * - An object with a `batch` key is a batch, whatever its other keys (as in Logflare).
 * - `[]` and `{"batch": []}` are valid and hold no events; elements that are not objects are
 *   returned as they are, for normalisation to reject one by one.
 * - NDJSON: blank lines are skipped; line numbers count every line from 1.
 */
import { gunzipSync } from 'node:zlib';
import { badRequest, KindlingError, payloadTooLarge, unsupportedMediaType } from '../errors.ts';
import type { JsonValue } from '../events/model.ts';

/** Largest raw body; enforced by the HTTP edge while it reads the socket. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;
/** Largest body once decompressed. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;
/** Deepest nesting of objects and arrays accepted anywhere in a body (the top level is 1). */
export const MAX_NESTING_DEPTH = 64;

export interface IngestBodyInput {
  body: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

type BodyFormat = 'json' | 'ndjson';

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);

const ACCEPTED_TYPES = 'application/json or application/x-ndjson';

/** Fatal: invalid UTF-8 is an error, not replacement characters in the stored events. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The raw events of a request. Throws KindlingError 400, 413 or 415. */
export function parseIngestBody(input: IngestBodyInput): JsonValue[] {
  const format = bodyFormat(input.contentType);
  const text = decodeBodyText(input.body, input.contentEncoding);
  return format === 'json' ? parseJsonEvents(text) : parseNdjson(text);
}

function bodyFormat(contentType: string | undefined): BodyFormat {
  if (contentType === undefined) return 'json';
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === '' || mediaType === 'application/json') return 'json';
  if (mediaType.endsWith('+json') && mediaType.includes('/')) return 'json';
  if (NDJSON_TYPES.has(mediaType)) return 'ndjson';
  throw unsupportedMediaType(
    `Content type ${quote(mediaType)} is not supported; send ${ACCEPTED_TYPES} (optionally with Content-Encoding: gzip).`,
  );
}

/** A client-supplied value for a message, cut short so a message never carries much of it. */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/**
 * The body as text: gunzipped when Content-Encoding says gzip (or x-gzip), then decoded as
 * strict UTF-8. Exported for routes with their own formats (Cloudflare, Vercel).
 */
export function decodeBodyText(body: Buffer, contentEncoding: string | undefined): string {
  if (body.length === 0) throw badRequest('The request body is empty.');
  try {
    return utf8.decode(decodeBodyBytes(body, contentEncoding));
  } catch (error) {
    if (error instanceof KindlingError) throw error;
    throw badRequest('Body is not valid UTF-8.');
  }
}

/**
 * The body's bytes, gunzipped (within the 64 MB cap) when Content-Encoding says gzip or x-gzip.
 * Exported for binary formats (OTLP protobuf).
 */
export function decodeBodyBytes(body: Buffer, contentEncoding: string | undefined): Uint8Array {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzip(body);
  if (encoding !== '' && encoding !== 'identity') {
    throw unsupportedMediaType(`Content-Encoding ${quote(encoding)} is not supported; send gzip or identity.`);
  }
  return body;
}

function gunzip(body: Buffer): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: MAX_DECODED_BYTES });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw payloadTooLarge(`The body is larger than ${MAX_DECODED_BYTES / 1024 / 1024} MB once decompressed.`);
    }
    throw badRequest('The body is not valid gzip data.');
  }
}

/**
 * Events from a JSON text: one event object, an array of events, or `{"batch": [...]}`.
 * Exported for routes that read JSON their own way afterwards.
 */
export function parseJsonEvents(text: string): JsonValue[] {
  if (isBlank(text)) throw badRequest('The request body is empty.');
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw badRequest(`The body is not valid JSON${whereJsonFailed(error, true)}.`);
  }
  if (isNestedTooDeep(value, 1)) {
    throw badRequest(`The body has nesting too deep: at most ${MAX_NESTING_DEPTH} levels of objects and arrays are accepted.`);
  }
  if (Array.isArray(value)) return value;
  if (value === null || typeof value !== 'object') {
    throw badRequest('The body must be a JSON object, an array of events, or {"batch": [...]}.');
  }
  if (!Object.hasOwn(value, 'batch')) return [value];
  const batch = value.batch;
  if (!Array.isArray(batch)) throw badRequest('The `batch` field must be an array of events.');
  return batch;
}

/** One JSON value per non-blank line (`\n` or `\r\n` line ends). Exported for text/plain routes. */
export function parseNdjson(text: string): JsonValue[] {
  const events: JsonValue[] = [];
  let line = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    const content = text.slice(start, end);
    start = end + 1;
    if (isBlank(content)) continue;
    let value: JsonValue;
    try {
      value = JSON.parse(content) as JsonValue;
    } catch (error) {
      throw badRequest(`Line ${line} is not valid JSON${whereJsonFailed(error, false)}.`, { line });
    }
    if (isNestedTooDeep(value, 1)) {
      const limit = `at most ${MAX_NESTING_DEPTH} levels of objects and arrays are accepted`;
      throw badRequest(`Line ${line} has nesting too deep: ${limit}.`, { line });
    }
    events.push(value);
  }
  if (events.length === 0) throw badRequest('The request body is empty.');
  return events;
}

/** JSON whitespace only (a string with none of it is not blank). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 10 && code !== 13 && code !== 9) return false;
  }
  return true;
}

/**
 * Where the parser stopped, from V8's message ("… at position 5 (line 1 column 6)"), without
 * the excerpt of the body some of its messages quote.
 */
function whereJsonFailed(error: unknown, multiLine: boolean): string {
  const message = error instanceof Error ? error.message : '';
  const lineColumn = multiLine ? /\(line (\d+) column (\d+)\)/.exec(message) : null;
  if (lineColumn) return ` (line ${lineColumn[1]}, column ${lineColumn[2]})`;
  const position = /at position (\d+)/.exec(message);
  if (position) return ` (at character ${Number(position[1]) + 1})`;
  if (message.includes('Unexpected end of JSON input')) return ' (it ends too early)';
  return '';
}

/**
 * Whether a container at `depth` holds nesting deeper than MAX_NESTING_DEPTH. The recursion
 * stops one level past the limit, so even a body nested thousands of levels deep cannot
 * exhaust the stack.
 */
function isNestedTooDeep(value: JsonValue, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_NESTING_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const element of value) {
      if (element !== null && typeof element === 'object' && isNestedTooDeep(element, depth + 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const child = value[key] as JsonValue;
    if (child !== null && typeof child === 'object' && isNestedTooDeep(child, depth + 1)) return true;
  }
  return false;
}
