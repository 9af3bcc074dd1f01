/**
 * E2E: `/logs/cloudflare` on a started twin, sent as Cloudflare sends: Logpush HTTP jobs (gzipped
 * NDJSON as text/plain, the key in a `header_X_API_KEY` query parameter of the destination URL)
 * and the Logflare Worker app (a JSON batch naming its source in the body). Read back through the
 * events API; malformed payloads are refused and store nothing.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';
import { logpushLine, workerBatch } from '../support/integration-payloads.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

const newSource = () => createSource(twin, `cf-${Math.random().toString(36).slice(2)}`);

/** A Logpush delivery: no auth header at all, the key in the URL as `header_*` parameters carry it. */
function logpush(url: string, lines: string[], init: { headers?: Record<string, string>; gzip?: boolean } = {}): Promise<Response> {
  const text = lines.join('\n') + '\n';
  return twin.request(url, {
    method: 'POST',
    key: null,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      ...(init.gzip === false ? {} : { 'content-encoding': 'gzip' }),
      ...init.headers,
    },
    body: init.gzip === false ? text : gzipSync(text),
  });
}

describe('Cloudflare Logpush', () => {
  it('stores each record with a readable summary, the exact EdgeStartTimestamp and the whole record', async () => {
    const source = await newSource();
    const edgeStart = `${Math.floor(Date.now() / 1000) - 60}123456789`;
    const lines = [
      logpushLine('home', {}, edgeStart),
      logpushLine('api', { ClientRequestMethod: 'POST', EdgeResponseStatus: 201 }, edgeStart),
    ];
    const response = await logpush(`/logs/cloudflare?source=${source}&header_X_API_KEY=${twin.key}`, lines);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ message: 'Logged!' });

    const events = await waitForEvents(twin, source, 2);
    expect(events.map((e) => e.event_message).sort()).toEqual([
      'GET | 200 | www.example.com | /blog/home?ref=home',
      'POST | 201 | www.example.com | /blog/api?ref=home',
    ]);
    const seconds = Number(edgeStart.slice(0, 10));
    for (const event of events) {
      expect(event.timestamp).toBe(`${new Date(seconds * 1000).toISOString().slice(0, 19)}.123456Z`);
      expect(event.metadata).toMatchObject({ ClientIP: '203.0.113.7', ClientRequestHost: 'www.example.com', EdgeColoCode: 'SJC' });
    }
  });

  it('takes the key from header_Authorization or an X_API_KEY header too, on every ingest path', async () => {
    const source = await newSource();
    const statuses = [
      (await logpush(`/api/logs/cloudflare?source=${source}&header_Authorization=Bearer%20${twin.key}`, [logpushLine('a')])).status,
      (await logpush(`/api/events/cloudflare?source=${source}`, [logpushLine('b')], { headers: { x_api_key: twin.key } })).status,
      (await logpush(`/logs/cloudflare?source=${source}&header_x-api-key=${twin.key}`, [logpushLine('c')], { gzip: false })).status,
    ];
    expect(statuses).toEqual([200, 200, 200]);
    expect(await waitForEvents(twin, source, 3)).toHaveLength(3);
  });

  it("keeps the contract's precedence: a wrong Bearer key is not rescued by the URL key", async () => {
    const source = await newSource();
    const response = await logpush(`/logs/cloudflare?source=${source}&header_X_API_KEY=${twin.key}`, [logpushLine('x')], {
      headers: { authorization: 'Bearer wrong-key' },
    });
    expect(response.status).toBe(401);
  });

  it('accepts the key as a header_ parameter on the Cloudflare route only', async () => {
    const source = await newSource();
    const response = await twin.request(`/logs?source=${source}&header_X_API_KEY=${twin.key}`, {
      method: 'POST',
      key: null,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"plain route"}',
    });
    expect(response.status).toBe(401);
  });

  it("accepts Cloudflare's destination validation upload", async () => {
    const source = await newSource();
    const response = await logpush(`/logs/cloudflare?source=${source}&header_X_API_KEY=${twin.key}`, ['{"content":"tests"}']);
    expect(response.status).toBe(200);
  });

  it('refuses malformed deliveries with the right 4xx and stores nothing', async () => {
    const source = await newSource();
    const url = `/logs/cloudflare?source=${source}&header_X_API_KEY=${twin.key}`;
    const corrupt = await twin.request(url, {
      method: 'POST',
      key: null,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' },
      body: gzipSync(logpushLine('z')).subarray(0, 20),
    });
    const refused = [
      [corrupt, 400],
      [await logpush(url, [logpushLine('ok'), '{"EdgeStartTimestamp": 17000']), 400],
      [await logpush(url, [logpushLine('ok')], { headers: { 'content-type': 'application/xml' } }), 415],
      [await logpush(`/logs/cloudflare?source=${source}&header_X_API_KEY=not-a-key`, [logpushLine('ok')]), 401],
    ] as const;
    for (const [response, status] of refused) {
      expect(response.status).toBe(status);
      expect(typeof ((await response.json()) as { message: string }).message).toBe('string');
    }
    await logpush(url, [logpushLine('marker')]);
    await waitForEvents(twin, source, 1);
    const events = await readAll(twin, source);
    expect(events.map((e) => e.event_message)).toEqual(['GET | 200 | www.example.com | /blog/marker?ref=home']);
  });
});

describe('Cloudflare Worker app', () => {
  it('stores a batch whose source is named in the body', async () => {
    const source = await newSource();
    const response = await twin.request('/logs/cloudflare', {
      method: 'POST',
      key: null,
      headers: { 'content-type': 'application/json', 'x-api-key': twin.key, 'user-agent': 'Cloudflare Worker via www.example.com' },
      body: JSON.stringify(workerBatch(source, 'worker')),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const events = await waitForEvents(twin, source, 2);
    expect(events.map((e) => e.event_message).sort()).toEqual([
      'GET | https://www.example.com/worker/a | 200 | 198.51.100.4',
      'GET | https://www.example.com/worker/b | 404 | 198.51.100.4',
    ]);
    const notFound = events.find((e) => e.event_message.includes('404'))!;
    expect(notFound.metadata).toMatchObject({
      response: { status_code: 404, origin_time: 41 },
      request: { method: 'GET', cf: { colo: 'SJC', country: 'US' } },
    });
  });

  it("lets the request's own source win over the body's, and refuses another account's body source", async () => {
    const source = await newSource();
    const other = await newSource();
    const viaUrl = await twin.request(`/api/logs/cloudflare?source=${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(workerBatch(other, 'url-wins')),
    });
    expect(viaUrl.status).toBe(200);
    expect(await waitForEvents(twin, source, 2)).toHaveLength(2);
    const unknown = await twin.request('/logs/cloudflare', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(workerBatch('00000000-0000-4000-8000-00000000dead', 'nowhere')),
    });
    expect(unknown.status).toBe(404);
    expect(await readAll(twin, other)).toEqual([]);
  });
});
