/**
 * E2E: every body shape and field rule of the Logflare-compatible ingest contract, sent over
 * HTTP to a started local twin and read back through the events API.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, startTwin, waitForEvents, type ApiEvent, type Twin } from '../support/twin.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

async function sendAndRead(body: unknown, headers: Record<string, string> = {}, expected = 1): Promise<ApiEvent[]> {
  const source = await createSource(twin, `s-${Math.random().toString(36).slice(2)}`);
  const response = await ingest(twin, source, body, { headers });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.json()).toEqual({ message: 'Logged!' });
  const events = await waitForEvents(twin, source, expected);
  expect(events).toHaveLength(expected);
  return events;
}

describe('body shapes', () => {
  it('accepts one event object', async () => {
    const [event] = await sendAndRead({ message: 'hello', metadata: { a: 1 } });
    expect(event!.event_message).toBe('hello');
    expect(event!.metadata).toEqual({ a: 1 });
  });

  it('accepts {"batch": [...]}', async () => {
    const events = await sendAndRead({ batch: [{ message: 'a' }, { message: 'b' }, { message: 'c' }] }, {}, 3);
    expect(events.map((e) => e.event_message).sort()).toEqual(['a', 'b', 'c']);
  });

  it('accepts a top-level array', async () => {
    const events = await sendAndRead([{ message: 'x' }, { message: 'y' }], {}, 2);
    expect(events.map((e) => e.event_message).sort()).toEqual(['x', 'y']);
  });

  it('accepts NDJSON', async () => {
    const body = '{"message":"one"}\n{"message":"two"}\n\n{"message":"three"}\n';
    const events = await sendAndRead(body, { 'content-type': 'application/x-ndjson' }, 3);
    expect(events.map((e) => e.event_message).sort()).toEqual(['one', 'three', 'two']);
  });

  it('accepts gzip-encoded JSON', async () => {
    const body = gzipSync(JSON.stringify({ batch: [{ message: 'zipped' }] }));
    const [event] = await sendAndRead(body, { 'content-encoding': 'gzip' });
    expect(event!.event_message).toBe('zipped');
  });

  it('accepts gzip-encoded NDJSON', async () => {
    const body = gzipSync('{"message":"z1"}\n{"message":"z2"}');
    const events = await sendAndRead(body, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, 2);
    expect(events.map((e) => e.event_message).sort()).toEqual(['z1', 'z2']);
  });

  it('accepts a JSON content type with a charset', async () => {
    const [event] = await sendAndRead({ message: 'cs' }, { 'content-type': 'application/json; charset=utf-8' });
    expect(event!.event_message).toBe('cs');
  });
});

describe('event fields', () => {
  it('takes event_message from message, event_message or log_entry', async () => {
    const events = await sendAndRead(
      { batch: [{ message: 'm', id: 'e1' }, { event_message: 'em', id: 'e2' }, { log_entry: 'le', id: 'e3' }] },
      {},
      3,
    );
    const byId = Object.fromEntries(events.map((e) => [e.id, e.event_message]));
    expect(byId).toEqual({ e1: 'm', e2: 'em', e3: 'le' });
  });

  it('keeps a client id and makes a UUID otherwise', async () => {
    const events = await sendAndRead({ batch: [{ message: 'a', id: 'client-id-1' }, { message: 'b' }] }, {}, 2);
    const ids = events.map((e) => e.id);
    expect(ids).toContain('client-id-1');
    expect(ids.find((id) => id !== 'client-id-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('parses ISO and unix timestamps of 10, 13, 16 and 19 digits', async () => {
    const seconds = Math.floor(Date.now() / 1000) - 60;
    // Written as text: a 19-digit nanosecond number is not exact in a JS number.
    const body = `{"batch":[
      {"message":"s","id":"s","timestamp":${seconds}},
      {"message":"ms","id":"ms","timestamp":${seconds}123},
      {"message":"us","id":"us","timestamp":${seconds}123456},
      {"message":"ns","id":"ns","timestamp":${seconds}123456789},
      {"message":"iso","id":"iso","timestamp":"${new Date(seconds * 1000).toISOString()}"}]}`;
    const events = await sendAndRead(body, {}, 5);
    const base = new Date(seconds * 1000).toISOString().slice(0, 19);
    const byId = Object.fromEntries(events.map((e) => [e.id, e.timestamp]));
    expect(byId.s).toBe(`${base}.000000Z`);
    expect(byId.ms).toBe(`${base}.123000Z`);
    expect(byId.us).toBe(`${base}.123456Z`);
    expect(byId.iso).toBe(`${base}.000000Z`);
    expect(byId.ns?.startsWith(`${base}.12345`)).toBe(true);
  });

  it('uses the ingest time for a missing or unparseable timestamp', async () => {
    const before = Date.now();
    const events = await sendAndRead({ batch: [{ message: 'a' }, { message: 'b', timestamp: 'yesterday-ish' }] }, {}, 2);
    for (const event of events) {
      const at = Date.parse(event.timestamp);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    }
  });

  it('normalises keys to column-safe names', async () => {
    const [event] = await sendAndRead({ message: 'k', metadata: { 'user-name': 'ada', '1st': true, 'a b.c': 2 } });
    expect(event!.metadata).toEqual({ user_name: 'ada', _1st: true, a_b_c: 2 });
  });

  it('drops null, empty string, empty object and empty array values', async () => {
    const [event] = await sendAndRead({
      message: 'd',
      metadata: { keep: 1, n: null, s: '', o: {}, a: [], nested: { gone: null } },
      top: 'level',
      nothing: null,
    });
    expect(event!.metadata).toEqual({ keep: 1 });
    expect(event!.top).toBe('level');
    expect(event).not.toHaveProperty('nothing');
  });

  it('returns nested objects and arrays as they were sent', async () => {
    const metadata = { request: { method: 'GET', headers: { host: 'example.com' } }, tags: ['a', 'b'], score: 1.5 };
    const [event] = await sendAndRead({ message: 'nested', metadata });
    expect(event!.metadata).toEqual(metadata);
  });

  it('keeps NUL characters and odd key names', async () => {
    const [event] = await sendAndRead({ message: 'nul\u0000inside', metadata: { 'ключ': 'v', '$weird%': 'w' } });
    expect(event!.event_message).toBe('nul\u0000inside');
    expect(event!.metadata).toEqual({ ____: 'v', _weird_: 'w' });
  });

  it('stores a lone surrogate escape as U+FFFD instead of refusing or losing the event', async () => {
    const [event] = await sendAndRead('{"message": "half \\ud83d of an emoji", "metadata": {"s": "\\udc00"}}');
    expect(event!.event_message).toBe('half \ufffd of an emoji');
    expect(event!.metadata).toEqual({ s: '\ufffd' });
  });

  it('accepts a 20,000-event batch', async () => {
    const batch = Array.from({ length: 20_000 }, (_, i) => ({ message: `event ${i}`, metadata: { i } }));
    const events = await sendAndRead({ batch }, {}, 20_000);
    expect(new Set(events.map((e) => (e.metadata as { i: number }).i)).size).toBe(20_000);
  });
});
