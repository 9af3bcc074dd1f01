/**
 * E2E: `/logs/vercel` on a started twin, sent as a Vercel log drain sends: the endpoint
 * verification (GET, and an empty POST) answered with `x-vercel-verify`, then JSON-array and
 * gzipped NDJSON deliveries read back through the events API; malformed deliveries are refused
 * and store nothing.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';
import { vercelEntries } from '../support/integration-payloads.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

const newSource = () => createSource(twin, `vercel-${Math.random().toString(36).slice(2)}`);
const tag = () => Math.random().toString(36).slice(2, 10);
const CODE = '6ebf4087434daf8193f187d0e12a2810098cdf2e';

describe('drain verification', () => {
  it('answers GET with the verification code given in the drain URL', async () => {
    const source = await newSource();
    const response = await twin.request(`/logs/vercel?source=${source}&api_key=${twin.key}&vercel_verify=${CODE}`, { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vercel-verify')).toBe(CODE);
  });

  it('fails verification when the key or the source is wrong', async () => {
    const source = await newSource();
    const wrongKey = await twin.request(`/logs/vercel?source=${source}&api_key=nope&vercel_verify=${CODE}`, { key: null });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('x-vercel-verify')).toBeNull();
    const wrongSource = await twin.request(`/logs/vercel?source=00000000-0000-4000-8000-00000000beef&vercel_verify=${CODE}`);
    expect(wrongSource.status).toBe(404);
  });

  it('answers an empty POST (the verification ping) with the code sent as a header, storing nothing', async () => {
    const source = await newSource();
    const ping = await ingest(twin, source, '', { path: '/logs/vercel', headers: { 'x-vercel-verify': CODE } });
    expect(ping.status).toBe(200);
    expect(ping.headers.get('x-vercel-verify')).toBe(CODE);
    const [entry] = vercelEntries(tag());
    await ingest(twin, source, [entry], { path: '/logs/vercel' });
    expect((await waitForEvents(twin, source, 1)).map((e) => e.id)).toEqual([entry!.id]);
  });
});

describe('drain deliveries', () => {
  it('stores each entry with its id, time, readable message and the whole entry as metadata', async () => {
    const source = await newSource();
    const t = tag();
    const entries = vercelEntries(t);
    const response = await twin.request(`/logs/vercel?source=${source}&vercel_verify=${CODE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vercel-signature': 'f0e1d2c3b4a5968778695a4b3c2d1e0f12345678' },
      body: JSON.stringify(entries),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-vercel-verify')).toBe(CODE);
    expect(await response.json()).toEqual({ message: 'Logged!' });

    const events = await waitForEvents(twin, source, 3);
    const byId = Object.fromEntries(events.map((e) => [e.id, e]));
    expect(Object.keys(byId).sort()).toEqual([`${t}-build`, `${t}-lambda`, `${t}-static`]);
    expect(byId[`${t}-build`]!.event_message).toBe('build | Build Completed in /vercel/output [24s]');
    expect(byId[`${t}-lambda`]!.event_message).toContain(`lambda | `);
    expect(byId[`${t}-lambda`]!.event_message).toContain(`user ${t} signed in`);
    expect(byId[`${t}-static`]!.event_message).toBe(
      'static | 304 | my-app.vercel.app | /favicon.ico | 120.75.16.102 | Mozilla/5.0 (X11; Linux x86_64) Chrome/119.0',
    );
    expect(Date.parse(byId[`${t}-static`]!.timestamp)).toBe(entries[2]!.timestamp);
    expect(byId[`${t}-lambda`]!.metadata).toMatchObject({
      source: 'lambda',
      requestId: '894xj-1573817250172-7847d20a4939',
      proxy: { method: 'POST', clientIp: '120.75.16.101', userAgent: expect.stringContaining('Safari'), vercelCache: 'MISS' },
    });
  });

  it('reads gzipped NDJSON drains and deduplicates a redelivered batch by entry id', async () => {
    const source = await newSource();
    const ndjson = vercelEntries(tag()).map((entry) => JSON.stringify(entry)).join('\n');
    const send = () =>
      ingest(twin, source, gzipSync(ndjson), {
        path: '/api/logs/vercel',
        headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      });
    expect((await send()).status).toBe(200);
    await waitForEvents(twin, source, 3);
    expect((await send()).status).toBe(200);
    await ingest(twin, source, [{ id: `${tag()}-after`, message: 'after', source: 'lambda', timestamp: Date.now() }], {
      path: '/api/events/vercel',
    });
    expect(await waitForEvents(twin, source, 4)).toHaveLength(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readAll(twin, source)).toHaveLength(4);
  });

  it('refuses malformed deliveries with the right 4xx and stores nothing', async () => {
    const source = await newSource();
    const refused = [
      [await ingest(twin, source, '[{"id": "1", "message": ', { path: '/logs/vercel' }), 400],
      [await ingest(twin, source, '12', { path: '/logs/vercel' }), 400],
      [await ingest(twin, source, '{"batch": "no"}', { path: '/logs/vercel' }), 400],
      [await ingest(twin, source, 'id=1', { path: '/logs/vercel', headers: { 'content-type': 'text/csv' } }), 415],
      [await ingest(twin, source, vercelEntries(tag()), { path: '/logs/vercel', key: 'wrong' }), 401],
    ] as const;
    for (const [response, status] of refused) {
      expect(response.status).toBe(status);
      expect(typeof ((await response.json()) as { message: string }).message).toBe('string');
    }
    const marker = { id: `${tag()}-marker`, message: 'marker', source: 'edge', timestamp: Date.now() };
    await ingest(twin, source, [marker], { path: '/logs/vercel' });
    await waitForEvents(twin, source, 1);
    expect((await readAll(twin, source)).map((e) => e.event_message)).toEqual(['edge | marker']);
  });
});
