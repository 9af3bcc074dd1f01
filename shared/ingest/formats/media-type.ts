/**
 * Media types of integration requests: which family of body a Content-Type header announces.
 * The plain `/logs` routes decide inside parseIngestBody; the integration routes that accept
 * other bodies (Logpush's text/plain lines, OTLP protobuf) ask here.
 */

export type MediaFamily = 'json' | 'lines' | 'protobuf' | 'other';

const LINE_TYPES = new Set(['text/plain', 'application/x-ndjson', 'application/ndjson', 'application/jsonl']);
const PROTOBUF_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);

/** The media type without parameters, lowercased; '' when the header is missing or empty. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * JSON: `application/json` and any `+json` type. Lines: text/plain and the NDJSON types (one
 * JSON value per line). A missing Content-Type is reported as '' for the caller to decide.
 */
export function mediaFamily(contentType: string | undefined): MediaFamily | '' {
  const type = mediaType(contentType);
  if (type === '') return '';
  if (type === 'application/json' || (type.endsWith('+json') && type.includes('/'))) return 'json';
  if (LINE_TYPES.has(type)) return 'lines';
  if (PROTOBUF_TYPES.has(type)) return 'protobuf';
  return 'other';
}

/** A client-supplied value for an error message, cut short. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
