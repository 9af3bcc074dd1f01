/**
 * E2E: usage metering and billing over HTTP on the local twin. `POST /billing/report` is
 * operator-only, gives a final report for a day that has ended (computed once, never changed,
 * delivered once to the billing webhook, retried) and a provisional one for today priced by the
 * plan; `GET /api/usage`, `/api/billing` and `/api/billing/reports` show the caller's account
 * only, and two accounts never see each other's sources, events, usage or reports.
 *
 * A day that has ended cannot be lived through in a test: its usage is written into the twin's
 * counters (as instances write them) before the twin starts.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalCounterStore } from '../../shared/adapters/local/counter-store.ts';
import { DEFAULT_ACCOUNT_ID } from '../../shared/accounts/provision.ts';
import { usageCounter } from '../../shared/billing/metering.ts';
import { ADMIN_TOKEN, createSource, freePort, ingest, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
const today = day(0);
const ended = day(-2);

interface Report {
  account: string;
  period: string;
  events: number;
  bytes: number;
  query_bytes: number;
  amount: number;
  final: boolean;
}

/** Adds usage to the twin's counters, as an ingest instance would have (the twin must be stopped). */
async function meter(dataDir: string, accountId: string, date: string, usage: { events: number; bytes: number; query_bytes: number }) {
  const db = await LocalDatabase.open(path.join(dataDir, 'kindling.duckdb'));
  const counters = await LocalCounterStore.create(db);
  await counters.add('seeded-instance', [
    { key: usageCounter(accountId, 'events', date), amount: usage.events },
    { key: usageCounter(accountId, 'bytes', date), amount: usage.bytes },
    { key: usageCounter(accountId, 'query_bytes', date), amount: usage.query_bytes },
  ]);
  await db.close();
}

let twin: Twin;
let webhook: Server;
const deliveries: { headers: IncomingHttpHeaders; body: Report & { currency: string }; status: number }[] = [];

beforeAll(async () => {
  const port = await freePort();
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      // The receiver fails the first attempt of each report: delivery must retry.
      const key = request.headers['idempotency-key'];
      const status = deliveries.some((delivery) => delivery.headers['idempotency-key'] === key) ? 200 : 503;
      deliveries.push({ headers: request.headers, body: JSON.parse(body) as Report & { currency: string }, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(port, '127.0.0.1', resolve));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kindling-billing-'));
  await meter(dataDir, DEFAULT_ACCOUNT_ID, ended, { events: 1_500_000, bytes: 300_000_000, query_bytes: 42 });
  twin = await startTwin({ dataDir, env: { BILLING_WEBHOOK_URL: `http://127.0.0.1:${port}/usage` } });
});

afterAll(async () => {
  await twin.destroy();
  await new Promise((resolve) => webhook.close(resolve));
});

function json(method: string, body: unknown, key?: string): RequestInit & { key?: string } {
  return { method, key, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

async function runReport(period?: string): Promise<Report[]> {
  const response = await twin.request('/billing/report', json('POST', period ? { period } : {}, ADMIN_TOKEN));
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: Report[] }).result;
}

async function newAccount(plan: string): Promise<{ id: string; key: string }> {
  const response = await twin.request('/admin/accounts', json('POST', { name: `${plan} customer`, plan }, ADMIN_TOKEN));
  expect(response.status).toBe(201);
  const { id, api_key } = (await response.json()) as { id: string; api_key: string };
  return { id, key: api_key };
}

async function get<T>(pathAndQuery: string, key?: string): Promise<T> {
  const response = await twin.request(pathAndQuery, { key });
  expect(response.status, `${pathAndQuery}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

/** Polls the caller's usage of today until it shows `events` (counters are written about once a second). */
async function usageToday(key: string, events: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { result } = await get<{ result: { date: string; events: number; bytes: number; query_bytes: number }[] }>(
      `/api/usage?from=${today}&to=${today}`,
      key,
    );
    if (result[0]!.events >= events || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('POST /billing/report', () => {
  it('is for the operator only', async () => {
    expect((await twin.request('/billing/report', json('POST', {}, undefined))).status).toBe(401);
    expect((await twin.request('/billing/report', { method: 'POST', key: null })).status).toBe(401);
    expect((await twin.request('/billing/report', json('POST', {}, 'not-the-token'))).status).toBe(401);
  });

  it('refuses a malformed or future period', async () => {
    for (const period of ['yesterday', '2026-02-30', day(2)]) {
      const response = await twin.request('/billing/report', json('POST', { period }, ADMIN_TOKEN));
      expect(response.status, period).toBe(400);
    }
  });

  it('reports a day that has ended as final, from its metered usage', async () => {
    const reports = await runReport(ended);
    expect(reports.find((report) => report.account === DEFAULT_ACCOUNT_ID)).toEqual({
      account: DEFAULT_ACCOUNT_ID,
      period: ended,
      events: 1_500_000,
      bytes: 300_000_000,
      query_bytes: 42,
      amount: 0,
      final: true,
    });
  });

  it('delivers each final report to the webhook once, retried, keyed by account and period', async () => {
    const mine = deliveries.filter((delivery) => delivery.body.account === DEFAULT_ACCOUNT_ID && delivery.body.period === ended);
    expect(mine.map((delivery) => delivery.status)).toEqual([503, 200]);
    for (const delivery of mine) expect(delivery.headers['idempotency-key']).toBe(`${DEFAULT_ACCOUNT_ID}:${ended}`);
    expect(mine[1]!.body).toMatchObject({ events: 1_500_000, amount: 0, final: true, currency: 'USD' });
    const before = deliveries.length;
    await runReport(ended);
    expect(deliveries.length).toBe(before);
  });

  it('never changes a final report, even when late usage arrives, and lists it once', async () => {
    expect(await twin.stop()).toBe(0);
    await meter(twin.dataDir, DEFAULT_ACCOUNT_ID, ended, { events: 1_000, bytes: 1, query_bytes: 1 });
    await twin.restart();
    const again = await runReport(ended);
    expect(again.find((report) => report.account === DEFAULT_ACCOUNT_ID)).toMatchObject({ events: 1_500_000, final: true });
    const { result } = await get<{ result: Report[] }>(`/api/billing/reports?from=${ended}&to=${ended}`);
    expect(result).toEqual([expect.objectContaining({ period: ended, events: 1_500_000, final: true })]);
  });

  it("gives today a provisional report priced by the plan, recomputed on the next run", async () => {
    const customer = await newAccount('metered');
    const source = await createSource(twin, 'billed', customer.key);
    const batch = Array.from({ length: 100 }, (_, i) => ({ message: `billed ${i}`, metadata: { n: i } }));
    for (let i = 0; i < 3; i++) expect((await ingest(twin, source, { batch }, { key: customer.key })).status).toBe(200);
    await usageToday(customer.key, 300);
    // Bytes are metered as stored: each event's normalised JSON, id and timestamp included.
    // Metering counts at acknowledgement; the sink stores asynchronously, so wait for it.
    const stored = await waitForEvents(twin, source, 300, 20_000, customer.key);
    expect(stored).toHaveLength(300);
    const bytes = stored.reduce((sum, { id, timestamp, event_message, ...body }) => {
      const micros = Date.parse(timestamp) * 1000 + Number(timestamp.slice(23, 26));
      return sum + Buffer.byteLength(JSON.stringify({ id, timestamp: micros, event_message, body }));
    }, 0);

    const first = (await runReport(today)).find((report) => report.account === customer.id);
    // metered: nothing included, 0.50 USD per million events.
    expect(first).toEqual({ account: customer.id, period: today, events: 300, bytes, query_bytes: 0, amount: 0.00015, final: false });
    expect((await runReport(today)).find((report) => report.account === customer.id)).toEqual(first);

    expect((await ingest(twin, source, { batch }, { key: customer.key })).status).toBe(200);
    await usageToday(customer.key, 400);
    const second = (await runReport(today)).find((report) => report.account === customer.id);
    expect(second).toMatchObject({ events: 400, amount: 0.0002, final: false });

    const summary = await get<Record<string, unknown>>('/api/billing', customer.key);
    expect(summary).toMatchObject({
      plan: 'metered',
      period: { from: `${today.slice(0, 8)}01` },
      usage: { events: 400, bytes: (bytes / 3) * 4, query_bytes: 0 },
      included_events: 0,
      price_per_million_events: 0.5,
      estimated_charge: 0.0002,
      currency: 'USD',
    });
  });
});

describe('GET /api/usage', () => {
  it('answers one row per UTC day of the range, oldest first', async () => {
    const { result } = await get<{ result: { date: string; events: number }[] }>(`/api/usage?from=${day(-3)}&to=${day(-1)}`);
    expect(result.map((row) => row.date)).toEqual([day(-3), day(-2), day(-1)]);
    expect(result[1]).toEqual({ date: ended, events: 1_501_000, bytes: 300_000_001, query_bytes: 43 });
  });

  it('refuses a bad range', async () => {
    for (const query of [`from=${today}&to=${day(-1)}`, 'from=01-01-2026', `from=${day(-400)}&to=${today}`]) {
      const response = await twin.request(`/api/usage?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'bad_request' });
    }
  });
});

describe('two accounts', () => {
  it('never see each other’s sources, events, usage or reports', async () => {
    const [a, b] = [await newAccount('metered'), await newAccount('free')];
    const [sourceA, sourceB] = [await createSource(twin, 'shared-name', a.key), await createSource(twin, 'shared-name', b.key)];
    expect((await ingest(twin, sourceA, { batch: [{ message: 'a1' }, { message: 'a2' }] }, { key: a.key })).status).toBe(200);
    expect((await ingest(twin, sourceB, { message: 'b1' }, { key: b.key })).status).toBe(200);

    expect((await ingest(twin, sourceB, { message: 'intruder' }, { key: a.key })).status).toBe(404);
    expect((await twin.request(`/api/sources/${sourceB}/events`, { key: a.key })).status).toBe(404);
    expect((await twin.request(`/api/sources/${sourceB}`, { key: a.key })).status).toBe(404);
    const deadline = Date.now() + 10_000;
    let ownEvents = await readAll(twin, sourceA, a.key);
    while (ownEvents.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ownEvents = await readAll(twin, sourceA, a.key);
    }
    expect(ownEvents.map((event) => event.event_message).sort()).toEqual(['a1', 'a2']);

    expect((await usageToday(a.key, 2))[0]!.events).toBe(2);
    expect((await usageToday(b.key, 1))[0]!.events).toBe(1);

    const all = await runReport(today);
    expect(all.filter((report) => report.account === a.id || report.account === b.id)).toHaveLength(2);
    const listed = await get<{ result: Report[] }>('/api/billing/reports', a.key);
    expect(listed.result.length).toBeGreaterThan(0);
    expect(listed.result.every((report) => report.account === a.id)).toBe(true);
    expect((await get<{ result: Report[] }>('/api/billing/reports', b.key)).result.every((r) => r.account === b.id)).toBe(true);
  });
});
