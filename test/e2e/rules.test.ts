/**
 * E2E: source rules over HTTP on the local twin — events of a source that match a rule's LQL
 * filters are also written to its sink, exactly once (overlapping rules, retried requests and
 * rules pointing back at the source included: a copy is never routed again); copies keep the
 * event as it was and grow the sink's schema, or are kept as the sink's rejected events when
 * they conflict with it; deleting a rule stops it; management validation, tenancy and scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createSource, ingest, readAll, startTwin, waitForEvents, type ApiEvent, type Twin } from '../support/twin.ts';

let twin: Twin;
const sources: Record<string, string> = {};

const START = Date.now() - 10 * 60_000;
const EVENTS = Array.from({ length: 40 }, (_, i) => ({
  id: `ev-${String(i).padStart(2, '0')}`,
  timestamp: new Date(START + i * 1000).toISOString(),
  message: i % 7 === 0 ? `payment failed ${i}` : `request ${i}`,
  metadata: { status: [200, 500, 404, 503][i % 4]!, latency: (i % 10) / 4 + 0.01 },
}));
const isError = (e: (typeof EVENTS)[number]) => e.metadata.status >= 500;
const isSlow = (e: (typeof EVENTS)[number]) => e.metadata.latency > 1.5;
const failed = (e: (typeof EVENTS)[number]) => e.message.includes('failed');

function json(method: string, body: unknown, key?: string): RequestInit & { key?: string } {
  return { method, key, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

async function rule(source: string, lql_string: string, sink: string, key?: string): Promise<Record<string, unknown>> {
  const response = await twin.request('/api/rules', json('POST', { source, lql_string, sink }, key));
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

const idsOf = (events: { id: string }[]) => events.map((e) => e.id).sort();

/** Waits until the source holds `count` events, then a moment more to be sure no more arrive. */
async function settled(source: string, count: number): Promise<ApiEvent[]> {
  await waitForEvents(twin, source, count);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return readAll(twin, source);
}

beforeAll(async () => {
  twin = await startTwin();
  for (const name of ['app', 'errors', 'slow', 'strict', 'quiet']) sources[name] = await createSource(twin, name);
}, 60_000);
afterAll(async () => {
  await twin.destroy();
});

describe('routing', () => {
  it('copies matching events into each sink exactly once, and never routes a copy again', async () => {
    const created = await rule('app', 'm.status:>=500', 'errors');
    expect(created).toMatchObject({ source: sources.app, sink: sources.errors, lql_string: 'm.status:>=500' });
    await rule('app', 'failed', 'errors');
    await rule('app', 'm.latency:>1.5', 'slow');
    await rule('errors', 'm.status:>=500', 'app');

    expect((await ingest(twin, sources.app!, { batch: EVENTS })).status).toBe(200);
    expect((await ingest(twin, sources.app!, { batch: EVENTS.slice(0, 10) })).status).toBe(200);

    const wantedErrors = EVENTS.filter((e) => isError(e) || failed(e));
    const errors = await settled(sources.errors!, wantedErrors.length);
    expect(idsOf(errors)).toEqual(idsOf(wantedErrors));
    expect(idsOf(await settled(sources.slow!, EVENTS.filter(isSlow).length))).toEqual(idsOf(EVENTS.filter(isSlow)));
    expect(idsOf(await settled(sources.app!, EVENTS.length))).toEqual(idsOf(EVENTS));

    const app = await readAll(twin, sources.app!);
    for (const copy of errors) expect(copy).toEqual(app.find((e) => e.id === copy.id));
  });

  it('routes events ingested straight into a source that is itself a sink', async () => {
    const direct = { id: 'direct-1', message: 'direct', metadata: { status: 502, latency: 0.5 } };
    expect((await ingest(twin, sources.errors!, direct)).status).toBe(200);
    const app = await settled(sources.app!, EVENTS.length + 1);
    expect(app.filter((e) => e.id === 'direct-1')).toHaveLength(1);
    const errors = await readAll(twin, sources.errors!);
    expect(errors.filter((e) => e.id === 'direct-1')).toHaveLength(1);
  });

  it("grows the sink's schema with the copies' fields", async () => {
    const schema = (await (await twin.request(`/api/sources/${sources.slow}/schema`)).json()) as { paths: { path: string }[] };
    expect(schema.paths.map((p) => p.path)).toEqual(expect.arrayContaining(['metadata.status', 'metadata.latency']));
  });

  it("keeps a copy that conflicts with the sink's schema as a rejected event of the sink", async () => {
    expect((await ingest(twin, sources.strict!, { id: 'typed', message: 'x', metadata: { status: 'text' } })).status).toBe(200);
    await waitForEvents(twin, sources.strict!, 1);
    await rule('app', 'm.status:418', 'strict');
    expect((await ingest(twin, sources.app!, { id: 'teapot', message: 'tea', metadata: { status: 418, latency: 0.1 } })).status).toBe(200);
    await waitForEvents(twin, sources.app!, EVENTS.length + 2);
    const rejected = (await (await twin.request(`/api/sources/${sources.strict}/rejected`)).json()) as {
      result: { reason: string; event: { id: string } }[];
    };
    expect(rejected.result).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^Copied by a rule: Type error! Field `metadata.status`/), event: expect.objectContaining({ id: 'teapot' }) }),
    ]);
    expect(idsOf(await readAll(twin, sources.strict!))).toEqual(['typed']);
  });

  it('accepts a rule on a field its source has not seen yet, and applies it once events carry it', async () => {
    const fresh = await createSource(twin, 'fresh');
    await rule('fresh', 'm.level:error', 'quiet');
    expect((await ingest(twin, fresh, { batch: [{ id: 'f1', message: 'a', metadata: { level: 'error' } }, { id: 'f2', message: 'b', metadata: { level: 'info' } }] })).status).toBe(200);
    expect(idsOf(await settled(sources.quiet!, 1))).toEqual(['f1']);
  });

  it('stops copying once a rule is deleted', async () => {
    const list = (await (await twin.request('/api/rules?source=app')).json()) as { id: string; sink: string }[];
    for (const r of list.filter((r) => r.sink === sources.errors)) {
      expect((await twin.request(`/api/rules/${r.id}`, { method: 'DELETE' })).status).toBe(204);
    }
    const before = (await readAll(twin, sources.errors!)).length;
    expect((await ingest(twin, sources.app!, { id: 'after-delete', message: 'payment failed', metadata: { status: 500, latency: 0.2 } })).status).toBe(200);
    await waitForEvents(twin, sources.app!, EVENTS.length + 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await readAll(twin, sources.errors!)).toHaveLength(before);
  });
});

describe('managing rules', () => {
  it('lists rules, all or per source, and deletes them', async () => {
    const created = await rule('slow', 'm.status:200', 'quiet');
    const all = (await (await twin.request('/api/rules')).json()) as { id: string }[];
    expect(all.map((r) => r.id)).toContain(created.id);
    const forSlow = (await (await twin.request('/api/rules?source=slow')).json()) as { id: string }[];
    expect(forSlow).toEqual([created]);
    expect((await twin.request(`/api/rules/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await twin.request(`/api/rules/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it.each([
    [{ source: 'app', lql_string: 'm.status:500', sink: 'app' }, 400, /another source/],
    [{ source: 'app', lql_string: 'm.status:500', sink: 'nowhere' }, 404, /Source/],
    [{ source: 'app', lql_string: 'c:count(*)', sink: 'errors' }, 400, /filters only/],
    [{ source: 'app', lql_string: 'm.status:abc', sink: 'errors' }, 400, /Expected integer/],
    [{ source: 'app', lql_string: 'm.status:"unclosed', sink: 'errors' }, 400, /not closed/],
    [{ source: 'app', sink: 'errors' }, 400, /lql_string/],
  ])('refuses an invalid rule %j', async (body, status, message) => {
    const response = await twin.request('/api/rules', json('POST', body));
    expect(response.status).toBe(status);
    expect(String(((await response.json()) as { message: string }).message)).toMatch(message);
  });

  it('keeps rules within their account, and needs the private scope', async () => {
    const mine = await rule('app', 'm.status:404', 'quiet');
    const created = await fetch(`${twin.url}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Other' }),
    });
    const { api_key: other } = (await created.json()) as { api_key: string };
    expect(await (await twin.request('/api/rules', { key: other })).json()).toEqual([]);
    expect((await twin.request(`/api/rules/${mine.id}`, { method: 'DELETE', key: other })).status).toBe(404);
    const response = await twin.request('/api/rules', json('POST', { source: sources.app, lql_string: 'x', sink: sources.errors }, other));
    expect(response.status).toBe(404);
    const token = await twin.request('/api/access-tokens', json('POST', { scopes: ['ingest', 'query'] }));
    const { token: limited } = (await token.json()) as { token: string };
    expect((await twin.request('/api/rules', { key: limited })).status).toBe(403);
  });
});
