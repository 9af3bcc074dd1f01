/**
 * The `/logs/cloudflare` translators: Logpush NDJSON records and the Logflare Worker app batch.
 */
import { describe, expect, it } from 'vitest';
import { logpushEvents, workerBody } from '../../shared/ingest/formats/cloudflare.ts';
import { normaliseEvent } from '../../shared/events/normalise.ts';
import type { JsonObject, JsonValue } from '../../shared/events/model.ts';
import { logpushLine, workerBatch } from '../support/integration-payloads.ts';

const context = { now: Date.parse('2024-05-01T00:00:00Z'), newId: () => 'new-id' };

function normalised(raw: JsonValue) {
  const result = normaliseEvent(raw, context);
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('logpushEvents', () => {
  it('makes one event per line with a readable summary and the whole record as metadata', () => {
    const text = `${logpushLine('one')}\n${logpushLine('two', { ClientRequestMethod: 'POST', EdgeResponseStatus: 502 })}\n`;
    const events = logpushEvents(text) as JsonObject[];
    expect(events).toHaveLength(2);
    expect(events[0]!.message).toBe('GET | 200 | www.example.com | /blog/one?ref=home');
    expect(events[1]!.message).toBe('POST | 502 | www.example.com | /blog/two?ref=home');
    expect((events[0]!.metadata as JsonObject).ClientIP).toBe('203.0.113.7');
    expect((events[0]!.metadata as JsonObject).RayID).toBe('7c5b2a1f3e4done');
  });

  it('reads a unixnano EdgeStartTimestamp from its digits, exactly to the microsecond', () => {
    const [raw] = logpushEvents(logpushLine('t', {}, '1700000000123456789'));
    expect((raw as JsonObject).timestamp).toBe('1700000000123456789');
    expect(normalised(raw!).timestamp).toBe(1_700_000_000_123_456);
  });

  it('reads rfc3339 and unix timestamps, and the time fields of other datasets', () => {
    const rfc = JSON.stringify({ EdgeStartTimestamp: '2023-11-14T22:13:20Z', ClientRequestHost: 'a.example' });
    const unix = JSON.stringify({ EdgeStartTimestamp: 1700000000, ClientRequestHost: 'b.example' });
    const firewall = JSON.stringify({ Action: 'block', ClientIP: '192.0.2.1', Datetime: '2023-11-14T22:13:21Z' });
    const workers = JSON.stringify({ ScriptName: 'api', Outcome: 'ok', EventTimestampMs: 1700000002000 });
    const times = logpushEvents([rfc, unix, firewall, workers].join('\n')).map((raw) => normalised(raw).timestamp);
    expect(times).toEqual([1_700_000_000_000_000, 1_700_000_000_000_000, 1_700_000_001_000_000, 1_700_000_002_000_000]);
  });

  it('does not take the digits of a nested key of the same name', () => {
    const line = '{"Nested":{"EdgeStartTimestamp":1234},"EdgeStartTimestamp":1700000000123456789}';
    const [raw] = logpushEvents(line) as JsonObject[];
    expect(raw!.timestamp).toBe(1700000000123456789);
  });

  it('summarises a record without request fields by its JSON text', () => {
    const [raw] = logpushEvents('{"content":"tests"}') as JsonObject[];
    expect(raw).toEqual({ message: '{"content":"tests"}', metadata: { content: 'tests' } });
  });

  it("reads Logpush's JSON-array output option", () => {
    const events = logpushEvents(`[${logpushLine('a')},${logpushLine('b')}]`) as JsonObject[];
    expect(events.map((e) => e.message)).toEqual([
      'GET | 200 | www.example.com | /blog/a?ref=home',
      'GET | 200 | www.example.com | /blog/b?ref=home',
    ]);
  });

  it('skips blank lines and keeps line numbers in errors', () => {
    expect(logpushEvents(`\r\n${logpushLine('x')}\r\n\r\n`)).toHaveLength(1);
    expect(() => logpushEvents(`${logpushLine('x')}\n{"broken":`)).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringMatching(/^Line 2 /) }),
    );
  });

  it('passes a line that is not an object on for the pipeline to reject', () => {
    expect(logpushEvents(`${logpushLine('x')}\n"text"`)[1]).toBe('text');
  });
});

describe('workerBody', () => {
  it("returns the batch's events as they are and the body's source", () => {
    const batch = workerBatch('3f1d0c2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f', 'w');
    const body = workerBody(JSON.stringify(batch));
    expect(body.source).toBe('3f1d0c2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f');
    expect(body.events).toEqual(batch.batch);
    const event = normalised(body.events[1]!);
    expect(event.event_message).toBe('GET | https://www.example.com/w/b | 404 | 198.51.100.4');
    expect((event.body.metadata as JsonObject).response).toMatchObject({ status_code: 404 });
  });

  it('has no source for an array body or a body without one', () => {
    expect(workerBody('[{"message":"a"}]').source).toBeUndefined();
    expect(workerBody('{"batch":[{"message":"a"}]}').source).toBeUndefined();
    expect(workerBody('{"batch":[],"source":7}').source).toBeUndefined();
  });

  it('refuses malformed JSON and a batch that is not an array with 400', () => {
    expect(() => workerBody('{"batch":')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => workerBody('{"batch":{"message":"x"}}')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
