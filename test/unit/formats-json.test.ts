/**
 * The `/logs/json` translator: any object becomes one event with the object as `metadata` and
 * its compact JSON text as `event_message`, whatever body shape carried it.
 */
import { describe, expect, it } from 'vitest';
import { jsonEvents } from '../../shared/ingest/formats/json.ts';
import { parseIngestBody } from '../../shared/ingest/body.ts';
import { normaliseEvent } from '../../shared/events/normalise.ts';
import type { JsonValue } from '../../shared/events/model.ts';

const context = { now: Date.parse('2024-05-01T00:00:00Z'), newId: () => 'new-id' };

function eventsOf(text: string, contentType = 'application/json'): JsonValue[] {
  return jsonEvents(parseIngestBody({ body: Buffer.from(text), contentType, contentEncoding: undefined }));
}

describe('jsonEvents', () => {
  it('keeps the whole object as metadata and its JSON text as the message', () => {
    const object = { level: 'warn', user: { id: 7, roles: ['admin'] }, 'http.status': 503 };
    expect(eventsOf(JSON.stringify(object))).toEqual([{ message: JSON.stringify(object), metadata: object }]);
  });

  it('makes one event per element of an array, of a batch and of NDJSON lines', () => {
    expect(eventsOf('[{"a":1},{"b":2}]')).toHaveLength(2);
    expect(eventsOf('{"batch":[{"a":1},{"b":2},{"c":3}]}')).toEqual([
      { message: '{"a":1}', metadata: { a: 1 } },
      { message: '{"b":2}', metadata: { b: 2 } },
      { message: '{"c":3}', metadata: { c: 3 } },
    ]);
    expect(eventsOf('{"a":1}\n{"b":2}\n', 'application/x-ndjson')).toEqual([
      { message: '{"a":1}', metadata: { a: 1 } },
      { message: '{"b":2}', metadata: { b: 2 } },
    ]);
  });

  it("takes the object's own timestamp as the event time and keeps it in metadata", () => {
    const [raw] = eventsOf('{"timestamp":"2024-04-30T12:00:00.250Z","msg":"x"}');
    const normalised = normaliseEvent(raw!, context);
    expect(normalised.ok && normalised.event.timestamp).toBe(Date.parse('2024-04-30T12:00:00.250Z') * 1000);
    expect(normalised.ok && normalised.event.body).toEqual({ metadata: { timestamp: '2024-04-30T12:00:00.250Z', msg: 'x' } });
  });

  it('does not read message-like keys of the object as the event message', () => {
    const [raw] = eventsOf('{"message":"inner","log_entry":"other"}');
    const normalised = normaliseEvent(raw!, context);
    expect(normalised.ok && normalised.event.event_message).toBe('{"message":"inner","log_entry":"other"}');
    expect(normalised.ok && normalised.event.body).toEqual({ metadata: { message: 'inner', log_entry: 'other' } });
  });

  it('passes a non-object element on for the pipeline to reject', () => {
    const raws = eventsOf('[{"ok":true}, 42, "text"]');
    expect(raws.slice(1)).toEqual([42, 'text']);
    expect(normaliseEvent(raws[1]!, context)).toEqual({ ok: false, reason: 'Event must be a JSON object.' });
  });

  it('refuses a scalar body and malformed JSON with 400', () => {
    expect(() => eventsOf('"just text"')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => eventsOf('{"a":')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
