/**
 * The `/logs/json` format: any JSON object is one event, kept whole. The object becomes the
 * event's `metadata` and its compact JSON text the `event_message`, so nothing about its shape
 * is assumed (Logflare's generic JSON route does the same).
 *
 * Decisions beyond CONTRACT.md:
 * - The documents come from parseIngestBody, so an array, `{"batch": [...]}` and NDJSON bodies
 *   all give one event per object.
 * - An object's own `timestamp` (when Kindling can read it) is also the event's time; it stays
 *   in `metadata` as well. Without one, the event gets the ingest time.
 * - A document that is not an object is passed on as it is, for the pipeline to reject with its
 *   index (406), as the plain route does.
 */
import type { JsonObject, JsonValue } from '../../events/model.ts';

export function jsonEvents(documents: JsonValue[]): JsonValue[] {
  return documents.map(jsonEvent);
}

function jsonEvent(document: JsonValue): JsonValue {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return document;
  const event: JsonObject = { message: JSON.stringify(document), metadata: document };
  if (document.timestamp !== undefined) event.timestamp = document.timestamp;
  return event;
}
