/**
 * The `/logs/vercel` translator: Vercel log drain entries to events.
 */
import { describe, expect, it } from 'vitest';
import { vercelEvents } from '../../shared/ingest/formats/vercel.ts';
import { parseIngestBody } from '../../shared/ingest/body.ts';
import { normaliseEvent } from '../../shared/events/normalise.ts';
import type { JsonObject, JsonValue } from '../../shared/events/model.ts';
import { vercelEntries } from '../support/integration-payloads.ts';

const context = { now: Date.parse('2024-05-01T00:00:00Z'), newId: () => 'new-id' };

function eventsOf(entries: unknown[]): JsonObject[] {
  return vercelEvents(entries as JsonValue[]) as JsonObject[];
}

describe('vercelEvents', () => {
  const entries = vercelEntries('t1');
  const [build, lambda, hit] = eventsOf(entries);

  it('keeps build and lambda log lines as the message, after their source', () => {
    expect(build!.message).toBe('build | Build Completed in /vercel/output [24s]');
    expect(lambda!.message).toBe(
      'lambda | 2023-11-14T22:13:20.721Z\t643af4e3-975a-4cc7-9e7a-1eda11539d90\tINFO\tuser t1 signed in',
    );
  });

  it('summarises a request entry: source, status, host, path, client IP, user agent', () => {
    expect(hit!.message).toBe(
      'static | 304 | my-app.vercel.app | /favicon.ico | 120.75.16.102 | Mozilla/5.0 (X11; Linux x86_64) Chrome/119.0',
    );
  });

  it("uses the entry's id and millisecond timestamp for the event", () => {
    const event = normaliseEvent(lambda!, context);
    expect(event.ok && event.event.id).toBe('t1-lambda');
    expect(event.ok && event.event.timestamp).toBe((entries[1]!.timestamp as number) * 1000);
  });

  it('keeps the whole entry as metadata, with the user agent list joined into text', () => {
    const metadata = lambda!.metadata as JsonObject;
    expect(metadata.requestId).toBe('894xj-1573817250172-7847d20a4939');
    expect(metadata.message).toBe(entries[1]!.message);
    expect((metadata.proxy as JsonObject).userAgent).toBe(
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15',
    );
    expect((metadata.proxy as JsonObject).clientIp).toBe('120.75.16.101');
    expect(Array.isArray((entries[1]!.proxy as JsonObject).userAgent)).toBe(true);
  });

  it('falls back to the entry fields when there is no proxy, and to "vercel" without a source', () => {
    const [event] = eventsOf([{ id: 'x', statusCode: 500, host: 'h.vercel.app', path: '/p' }]);
    expect(event!.message).toBe('vercel | 500 | h.vercel.app | /p');
  });

  it('reads NDJSON drains as well as JSON arrays', () => {
    const ndjson = entries.map((entry) => JSON.stringify(entry)).join('\n');
    const parsed = parseIngestBody({ body: Buffer.from(ndjson), contentType: 'application/x-ndjson', contentEncoding: undefined });
    expect(vercelEvents(parsed)).toEqual(eventsOf(entries));
  });

  it('passes an element that is not an object on for the pipeline to reject', () => {
    expect(vercelEvents([entries[0] as JsonValue, 'oops'])[1]).toBe('oops');
  });
});
