/**
 * E2E: LQL search and charts over HTTP on a generated data set, each answer compared with an
 * expectation computed independently in the test from the events it sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

interface Sent {
  id: string;
  message: string;
  at: number;
  level: string;
  status: number;
  latency: number;
  userId: number;
  tags: string[];
}

let twin: Twin;
let source: string;
const sent: Sent[] = [];
const NOW = Date.now();
const LEVELS = ['info', 'warn', 'error'];
const STATUSES = [200, 201, 404, 500, 503];

beforeAll(async () => {
  twin = await startTwin();
  source = await createSource(twin, 'lql-data');
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 400; i++) {
    const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
    sent.push({
      id: `ev-${String(i).padStart(3, '0')}`,
      message: `GET /path/${i % 40} ${status}`,
      at: NOW - Math.floor(random() * 2 * 3600) * 1000 - 1000,
      level: LEVELS[i % 3]!,
      status,
      latency: Math.round(random() * 2000) / 100,
      userId: i % 11,
      tags: i % 4 === 0 ? ['beta', 'eu'] : ['eu'],
    });
  }
  const batch = sent.map((e) => ({
    id: e.id,
    message: e.message,
    timestamp: e.at,
    metadata: { level: e.level, status: e.status, latency: e.latency, user: { id: e.userId }, tags: e.tags },
  }));
  const response = await ingest(twin, source, { batch });
  expect(response.status).toBe(200);
  await waitForEvents(twin, source, sent.length);
});
afterAll(async () => {
  await twin.destroy();
});

async function search(q: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `q=${encodeURIComponent(q)}&limit=37${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await twin.request(`/api/sources/${source}/events?${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    const page = (await response.json()) as { result: { id: string }[]; next_cursor: string | null };
    ids.push(...page.result.map((e) => e.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

const newestFirst = (events: Sent[]) =>
  [...events].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((e) => e.id);

describe('LQL search', () => {
  const cases: [string, (e: Sent) => boolean][] = [
    ['', () => true],
    ['500', (e) => e.message.includes('500')],
    ['"GET /path/12 "', (e) => e.message.includes('GET /path/12 ')],
    ['~"/path/1[0-9] 50[03]$"', (e) => /\/path\/1[0-9] 50[03]$/.test(e.message)],
    ['m.level:error', (e) => e.level === 'error'],
    ['-m.level:error', (e) => e.level !== 'error'],
    ['m.status:>=500', (e) => e.status >= 500],
    ['m.status:400..499', (e) => e.status >= 400 && e.status <= 499],
    ['m.latency:<5.5', (e) => e.latency < 5.5],
    ['m.latency:>=10', (e) => e.latency >= 10],
    ['m.user.id:7', (e) => e.userId === 7],
    ['m.tags:@>beta', (e) => e.tags.includes('beta')],
    ['m.level:~^(warn|error)$ -m.status:200', (e) => e.level !== 'info' && e.status !== 200],
    ['m.level:error m.status:500 m.user.id:>3', (e) => e.level === 'error' && e.status === 500 && e.userId > 3],
    ['t:last@30m', (e) => e.at >= Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000],
    ['event_message:"GET /path/3 404"', (e) => e.message === 'GET /path/3 404'],
  ];

  it.each(cases)('q=%s', async (q, predicate) => {
    expect(await search(q)).toEqual(newestFirst(sent.filter(predicate)));
  });

  it('names the offending clause when a path is not in the schema', async () => {
    const response = await twin.request(`/api/sources/${source}/events?q=${encodeURIComponent('m.nope:1')}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.message).toContain('m.nope:1');
    expect(body.message).toContain('metadata.nope');
  });

  it('refuses a value of the wrong type with the LQL message', async () => {
    const response = await twin.request(`/api/sources/${source}/events?q=${encodeURIComponent('m.user.id:abc')}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/Expected integer/i);
  });

  it('refuses a malformed timestamp filter', async () => {
    const response = await twin.request(`/api/sources/${source}/events?q=${encodeURIComponent('t:2026-13-45')}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('Error while parsing timestamp filter value');
  });
});

describe('charts', () => {
  async function chart(q: string): Promise<{ timestamp: string; value: number | null }[]> {
    const response = await twin.request(`/api/sources/${source}/chart?q=${encodeURIComponent(q)}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as { result: { timestamp: string; value: number | null }[] }).result;
  }

  it('counts per minute over the latest 60 minutes by default, oldest first', async () => {
    const points = await chart('');
    expect(points).toHaveLength(60);
    const starts = points.map((p) => Date.parse(p.timestamp));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts[1]! - starts[0]!).toBe(60_000);
    const from = starts[0]!;
    expect(points.reduce((sum, p) => sum + (p.value ?? 0), 0)).toBe(sent.filter((e) => e.at >= from).length);
  });

  it('counts per hour for the filtered events over the last 3 hours', async () => {
    const points = await chart('m.level:error c:count(*) c:group_by(t::hour) t:last@3h');
    const from = Date.parse(points[0]!.timestamp);
    const expected = sent.filter((e) => e.level === 'error' && e.at >= from).length;
    expect(points.reduce((sum, p) => sum + (p.value ?? 0), 0)).toBe(expected);
    for (const point of points) {
      const start = Date.parse(point.timestamp);
      const inBucket = sent.filter((e) => e.level === 'error' && e.at >= start && e.at < start + 3_600_000);
      expect(point.value).toBe(inBucket.length);
    }
  });

  it('aggregates a numeric field per hour', async () => {
    const points = await chart('c:max(m.latency) c:group_by(t::hour) t:last@3h');
    for (const point of points) {
      const start = Date.parse(point.timestamp);
      const inBucket = sent.filter((e) => e.at >= start && e.at < start + 3_600_000);
      const expected = inBucket.length === 0 ? null : Math.max(...inBucket.map((e) => e.latency));
      expect(point.value).toBe(expected);
    }
  });

  it("refuses to aggregate a non-numeric field", async () => {
    const response = await twin.request(`/api/sources/${source}/chart?q=${encodeURIComponent('c:sum(m.level)')}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("Can't aggregate on a non-numeric field type");
  });

  it('refuses more than 1,000 buckets', async () => {
    const response = await twin.request(`/api/sources/${source}/chart?q=${encodeURIComponent('c:group_by(t::second) t:last@2h')}`);
    expect(response.status).toBe(400);
  });
});
