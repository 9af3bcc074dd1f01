/**
 * How events look to API users: `{ id, timestamp, event_message, ...fields }` with an ISO 8601
 * UTC timestamp at microsecond precision; and the opaque cursor of newest-first listings.
 */
import type { EventCursor } from '../ports.ts';
import type { JsonObject, LogEvent } from './model.ts';
import { badRequest } from '../errors.ts';

/** `2026-11-27T10:00:00.123456Z` from microseconds since the epoch. */
export function isoFromMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const extra = micros - millis * 1000;
  const iso = new Date(millis).toISOString();
  return `${iso.slice(0, 23)}${String(extra).padStart(3, '0')}Z`;
}

export function presentEvent(event: LogEvent): JsonObject {
  return {
    id: event.id,
    timestamp: isoFromMicros(event.timestamp),
    event_message: event.event_message,
    ...event.body,
  };
}

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(JSON.stringify([cursor.timestamp, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): EventCursor {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && Number.isSafeInteger(decoded[0]) && typeof decoded[1] === 'string') {
      return { timestamp: decoded[0] as number, id: decoded[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('The cursor is not one this API gave out.');
}
