/**
 * E2E: bad input. Each refused request gets a JSON error with the right status, stores nothing,
 * and leaves the server up for the next one.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, readAll, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;
let source: string;

beforeAll(async () => {
  twin = await startTwin();
  source = await createSource(twin, 'bad-input');
});
afterAll(async () => {
  await twin.destroy();
});

async function expectError(response: Response, status: number, code?: string): Promise<{ error: string; message: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as { error: string; message: string };
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  expect(body.message).not.toMatch(/\n\s+at /);
  if (code) expect(body.error).toBe(code);
  return body;
}

describe('refused requests', () => {
  it('malformed JSON → 400', async () => {
    await expectError(await ingest(twin, source, '{"message": "unterminated'), 400);
  });

  it('unsupported content type → 415', async () => {
    await expectError(await ingest(twin, source, '<log/>', { headers: { 'content-type': 'application/xml' } }), 415);
  });

  it('unsupported content encoding → 415', async () => {
    const response = await ingest(twin, source, '{"message":"x"}', { headers: { 'content-encoding': 'br' } });
    await expectError(response, 415);
  });

  it('a body over 12 MB → 413', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(13 * 1024 * 1024) });
    await expectError(await ingest(twin, source, big), 413);
  });

  it('a gzip bomb over 64 MB decompressed → 413', async () => {
    const bomb = gzipSync(Buffer.alloc(70 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expectError(await ingest(twin, source, bomb, { headers: { 'content-encoding': 'gzip' } }), 413);
  });

  it('corrupt gzip → 400', async () => {
    const corrupt = gzipSync('{"message":"x"}').subarray(0, 12);
    await expectError(await ingest(twin, source, corrupt, { headers: { 'content-encoding': 'gzip' } }), 400);
  });

  it('5,000-deep nesting → 400', async () => {
    const deep = `{"message":"deep","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    await expectError(await ingest(twin, source, deep), 400);
  });

  it('batch that is not an array → 400', async () => {
    const body = await expectError(await ingest(twin, source, { batch: { message: 'x' } }), 400);
    expect(body.message).toMatch(/batch/);
  });

  it('a JSON scalar body → 400', async () => {
    await expectError(await ingest(twin, source, '"just a string"'), 400);
  });

  it('an empty body → 400', async () => {
    await expectError(await ingest(twin, source, ''), 400);
  });

  it('invalid UTF-8 → 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    await expectError(await ingest(twin, source, bytes), 400);
  });

  it('a bad NDJSON line → 400 naming the line', async () => {
    const body = await expectError(
      await ingest(twin, source, '{"message":"ok"}\n{oops}\n', { headers: { 'content-type': 'application/x-ndjson' } }),
      400,
    );
    expect(body.message).toMatch(/2/);
  });

  it('missing key → 401 and wrong key → 401', async () => {
    await expectError(await ingest(twin, source, { message: 'x' }, { key: null }), 401, 'Unauthorized');
    await expectError(await ingest(twin, source, { message: 'x' }, { key: 'wrong' }), 401, 'Unauthorized');
  });

  it('unknown source → 404', async () => {
    await expectError(await ingest(twin, '4b7c1f0e-0000-4000-8000-000000000000', { message: 'x' }), 404);
  });

  it('nothing from the refused requests was stored, and the server is still up', async () => {
    expect((await twin.request('/health')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await readAll(twin, source)).toEqual([]);
  });
});

describe('partly accepted requests', () => {
  it('rejects non-object events with 406 and accepts the others', async () => {
    const response = await ingest(twin, source, { batch: [1, { message: 'fine', id: 'fine-1' }, 'text', null] });
    expect(response.status).toBe(406);
    const body = (await response.json()) as { message: string[]; accepted: number; rejected: { index: number; reason: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([0, 2, 3]);
    expect(body.message).toHaveLength(3);
    const events = await waitForEvents(twin, source, 1);
    expect(events.map((e) => e.id)).toEqual(['fine-1']);
  });

  it('keeps the rejected events with their reasons', async () => {
    const response = await twin.request(`/api/sources/${source}/rejected`);
    expect(response.status).toBe(200);
    const { result } = (await response.json()) as { result: { reason: string; event: unknown }[] };
    expect(result.map((r) => r.event).sort()).toEqual([1, null, 'text'].sort());
    expect(result.every((r) => r.reason.length > 0)).toBe(true);
  });
});
