/**
 * E2E: rate limits over HTTP on the local twin. A source limited to 20 events/s admits about
 * 200 + 20·t events in t seconds and refuses the rest with 429 (storing none of them), other
 * sources are unaffected, the source recovers after a pause, and an account's plan caps the sum
 * of its sources. Every checked request carries the four x-rate-limit-* headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ingest, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

const HEADERS = [
  'x-rate-limit-source_limit',
  'x-rate-limit-source_remaining',
  'x-rate-limit-user_limit',
  'x-rate-limit-user_remaining',
];

interface Sent {
  status: number;
  events: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function limitedSource(name: string, rate: number, key?: string): Promise<string> {
  const response = await twin.request('/api/sources', {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, rate_limit_per_second: rate }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function send(source: string, events: number, key?: string): Promise<Sent> {
  const batch = Array.from({ length: events }, (_, i) => ({ message: `event ${i}` }));
  const response = await ingest(twin, source, { batch }, { key });
  return { status: response.status, events, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** `loops` concurrent senders, each sending batches to the sources in turn, for `ms`. */
async function hammer(sources: string[], ms: number, events: number, key?: string, loops = 4): Promise<Sent[]> {
  const sent: Sent[] = [];
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      for (let turn = loop; Date.now() < deadline; turn++) {
        sent.push(await send(sources[turn % sources.length]!, events, key));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }),
  );
  return sent;
}

const admitted = (sent: Sent[]) => sent.filter((s) => s.status === 200).reduce((n, s) => n + s.events, 0);

describe('a source limited to 20 events/s', () => {
  let limited: string;
  let sent: Sent[];
  let other: Sent[];
  let seconds: number;

  beforeAll(async () => {
    limited = await limitedSource('limited', 20);
    const free = await limitedSource('unlimited-neighbour', 1_000_000);
    const started = Date.now();
    [sent, other] = await Promise.all([
      hammer([limited], 4_000, 5),
      (async () => {
        const results: Sent[] = [];
        while (Date.now() - started < 4_000) {
          results.push(await send(free, 20));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return results;
      })(),
    ]);
    seconds = (Date.now() - started) / 1000;
  });

  it('admits about 200 + 20·t events in t seconds and refuses the rest with 429', () => {
    const allowance = 200 + 20 * seconds;
    console.info(`20/s source: admitted ${admitted(sent)} of ${sent.length * 5} offered in ${seconds.toFixed(1)} s (allowance ${allowance.toFixed(0)})`);
    expect(Math.abs(admitted(sent) - allowance) / allowance).toBeLessThan(0.1);
    expect(new Set(sent.map((s) => s.status))).toEqual(new Set([200, 429]));
  });

  it('answers 429 naming the source limit, with Retry-After in seconds', () => {
    for (const refused of sent.filter((s) => s.status === 429)) {
      expect(refused.body).toMatchObject({ error: 'rate_limited', limit: 'source' });
      expect(refused.body.message).toContain('"limited"');
      expect(refused.body.message).toContain('20 events/s');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('puts the four x-rate-limit headers on every checked request', () => {
    for (const response of [...sent, ...other]) {
      for (const header of HEADERS) expect(response.headers.get(header), header).toMatch(/^\d+$/);
    }
    expect(sent[0]!.headers.get('x-rate-limit-source_limit')).toBe('20');
    expect(sent[0]!.headers.get('x-rate-limit-user_limit')).toBe('1000000');
  });

  it('stores exactly the admitted events and nothing of the refused requests', async () => {
    await waitForEvents(twin, limited, admitted(sent));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await readAll(twin, limited)).length).toBe(admitted(sent));
  });

  it('leaves another source of the account unaffected', () => {
    expect(other.length).toBeGreaterThan(10);
    expect(other.every((s) => s.status === 200)).toBe(true);
  });

  it('recovers after a pause as long as Retry-After says', async () => {
    const refused = await send(limited, 60);
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    expect((await send(limited, 60)).status).toBe(200);
  });
});

describe("an account's plan limit", () => {
  it('caps the sum of its sources and names the account limit when hit', async () => {
    const created = await twin.request('/admin/accounts', {
      method: 'POST',
      key: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'small', plan: 'free' }),
    });
    expect(created.status).toBe(201);
    const { api_key: key } = (await created.json()) as { api_key: string };
    const sources = [await limitedSource('a', 100, key), await limitedSource('b', 100, key), await limitedSource('c', 100, key)];
    const started = Date.now();
    const sent = await hammer(sources, 2_000, 20, key, 6);
    const allowance = 1000 + 100 * ((Date.now() - started) / 1000);
    console.info(`free account (100/s): admitted ${admitted(sent)} over 3 sources (allowance ${allowance.toFixed(0)})`);
    expect(Math.abs(admitted(sent) - allowance) / allowance).toBeLessThan(0.1);
    const refused = sent.filter((s) => s.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((s) => s.body.limit === 'account' && /plan's rate limit of 100 events\/s/.test(String(s.body.message)))).toBe(true);
    expect(sent[0]!.headers.get('x-rate-limit-user_limit')).toBe('100');
  });
});
