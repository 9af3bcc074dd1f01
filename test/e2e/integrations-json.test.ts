/**
 * E2E: `/logs/json` (and its `/api/logs/json`, `/api/events/json` aliases) on a started twin:
 * any JSON object becomes an event whose metadata is the object, read back through the events
 * API; malformed bodies are refused and store nothing.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

const newSource = () => createSource(twin, `json-${Math.random().toString(36).slice(2)}`);

describe('/logs/json', () => {
  it('stores any object whole as metadata, with its JSON text as the message', async () => {
    const source = await newSource();
    const document = { level: 'warn', service: 'billing', user: { id: 42, plan: 'pro' }, 'retry-count': 3 };
    const response = await ingest(twin, source, document, { path: '/logs/json' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ message: 'Logged!' });
    const [event] = await waitForEvents(twin, source, 1);
    expect(event!.event_message).toBe(JSON.stringify(document));
    expect(event!.metadata).toEqual({ level: 'warn', service: 'billing', user: { id: 42, plan: 'pro' }, retry_count: 3 });
  });

  it('makes one event per object of an array, a batch or gzipped NDJSON, on every ingest path', async () => {
    const source = await newSource();
    const sent = [
      await ingest(twin, source, [{ n: 1 }, { n: 2 }], { path: '/api/logs/json' }),
      await ingest(twin, source, { batch: [{ n: 3 }, { n: 4 }] }, { path: '/api/events/json' }),
      await ingest(twin, source, gzipSync('{"n":5}\n{"n":6}\n'), {
        path: '/logs/json',
        headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      }),
    ];
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
    const events = await waitForEvents(twin, source, 6);
    expect(events.map((e) => (e.metadata as { n: number }).n).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => e.event_message).sort()).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}', '{"n":6}']);
  });

  it("uses the object's timestamp as the event time", async () => {
    const source = await newSource();
    const at = new Date(Date.now() - 3_600_000).toISOString();
    await ingest(twin, source, { timestamp: at, what: 'past' }, { path: '/logs/json' });
    const [event] = await waitForEvents(twin, source, 1);
    expect(Date.parse(event!.timestamp)).toBe(Date.parse(at));
  });

  it('answers 406 for elements that are not objects and stores the others', async () => {
    const source = await newSource();
    const response = await ingest(twin, source, [{ ok: 1 }, 'text', { ok: 2 }], { path: '/logs/json' });
    expect(response.status).toBe(406);
    const body = (await response.json()) as { accepted: number; rejected: { index: number }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1]);
    expect(await waitForEvents(twin, source, 2)).toHaveLength(2);
  });

  it('refuses malformed bodies with the right 4xx and stores nothing', async () => {
    const source = await newSource();
    const gzipped = { 'content-encoding': 'gzip' };
    const refused = [
      [await ingest(twin, source, '{"level": "warn",', { path: '/logs/json' }), 400],
      [await ingest(twin, source, '"a string"', { path: '/logs/json' }), 400],
      [await ingest(twin, source, '', { path: '/logs/json' }), 400],
      [await ingest(twin, source, gzipSync('{"a":1}').subarray(0, 10), { path: '/logs/json', headers: gzipped }), 400],
      [await ingest(twin, source, '<a/>', { path: '/logs/json', headers: { 'content-type': 'application/xml' } }), 415],
      [await ingest(twin, source, { a: 1 }, { path: '/logs/json', key: 'not-a-key' }), 401],
    ] as const;
    for (const [response, status] of refused) {
      expect(response.status).toBe(status);
      expect(typeof ((await response.json()) as { message: string }).message).toBe('string');
    }
    await ingest(twin, source, { marker: true }, { path: '/logs/json' });
    await waitForEvents(twin, source, 1);
    const events = await readAll(twin, source);
    expect(events.map((e) => e.metadata)).toEqual([{ marker: true }]);
  });
});
