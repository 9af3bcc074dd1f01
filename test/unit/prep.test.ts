/**
 * Ingest's preparation off the event loop: prepareEvents answers only a request whose every
 * event is accepted as it is, and the same as the full pipeline would store it; the PrepPool runs
 * it on a worker thread and, when it cannot, answers "take the full path" rather than failing.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceSchema } from '../../shared/events/model.ts';
import { inferSchema } from '../../shared/events/index.ts';
import { prepareEvents, type PrepRequest } from '../../shared/ingest/prep.ts';
import { PrepPool } from '../../shared/ingest/prep-pool.ts';
import { SCHEMAS_KEPT, SchemaShelf } from '../../shared/ingest/prep-schemas.ts';
import { eventBytes, parseSerialised } from '../../shared/ingest/serialised.ts';

const NOW = Date.UTC(2026, 10, 27, 12);
const schema: SourceSchema = inferSchema({ metadata: { status: 200, path: '/a' } });
let n = 0;
const newId = () => `id-${n++}`;

function request(body: unknown, overrides: Partial<PrepRequest> = {}): PrepRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { body: Buffer.from(text), contentType: 'application/json', contentEncoding: undefined, schema, now: NOW, maxTaskBytes: 100_000, ...overrides };
}

describe('prepareEvents', () => {
  it('serialises every event of a fitting batch as the pipeline stores it', () => {
    const prepared = prepareEvents(
      request({ batch: [{ message: 'one', metadata: { status: 200 } }, { event_message: 'two', timestamp: NOW - 1000, metadata: { path: '/b' } }] }),
      newId,
    );
    expect(prepared.taken).toBe(true);
    if (!prepared.taken) return;
    const events = parseSerialised(prepared.events);
    expect(events).toEqual([
      { id: expect.any(String), timestamp: NOW * 1000, event_message: 'one', body: { metadata: { status: 200 } } },
      { id: expect.any(String), timestamp: (NOW - 1000) * 1000, event_message: 'two', body: { metadata: { path: '/b' } } },
    ]);
    expect(eventBytes(prepared.events)).toBe(events.reduce((sum: number, event) => sum + Buffer.byteLength(JSON.stringify(event)), 0));
  });

  it('reads gzip and NDJSON bodies as the full path does', () => {
    const ndjson = '{"message":"a"}\n{"message":"b"}\n';
    const lines = prepareEvents(request(ndjson, { contentType: 'application/x-ndjson' }), newId);
    expect(lines.taken && parseSerialised(lines.events)).toHaveLength(2);
    const gzipped = request({ message: 'zipped' }, { contentEncoding: 'gzip' });
    gzipped.body = gzipSync(Buffer.from(gzipped.body));
    expect(prepareEvents(gzipped, newId)).toMatchObject({ taken: true });
  });

  it('leaves to the full path a body error, a rejected event, a new field or an oversized event', () => {
    const cases: PrepRequest[] = [
      request('{"batch": ['),
      request({ batch: 'nope' }),
      request({ batch: [{ message: 'ok' }, 'not an object'] }),
      request({ message: 'type clash', metadata: { status: 'ok' } }),
      request({ message: 'new field', metadata: { region: 'eu' } }),
      request({ message: randomBytes(150_000).toString('base64') }),
    ];
    expect(cases.map((each) => prepareEvents(each, newId).taken)).toEqual(cases.map(() => false));
  });
});

describe('SchemaShelf', () => {
  it('keeps the latest `size` schemas and drops the oldest put first', () => {
    const shelf = new SchemaShelf<string>(2);
    shelf.put(1, 'a');
    shelf.put(2, 'b');
    expect(shelf.get(1)).toBe('a');
    shelf.put(3, 'c');
    expect([shelf.has(1), shelf.get(2), shelf.get(3)]).toEqual([false, 'b', 'c']);
  });
});

describe('PrepPool', () => {
  let pool: PrepPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('prepares requests on a worker thread, each answer to its own request', async () => {
    pool = new PrepPool(2);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool!.prepare(request({ batch: [{ message: `request ${i}` }, { message: `again ${i}` }] }))),
    );
    answers.forEach((answer, i) => {
      expect(answer.taken).toBe(true);
      if (!answer.taken) return;
      expect(answer.events.utf8).toBeInstanceOf(Buffer);
      expect((parseSerialised(answer.events) as { event_message: string }[]).map((event) => event.event_message)).toEqual([`request ${i}`, `again ${i}`]);
    });
    const ids = answers.flatMap((answer) => (answer.taken ? (parseSerialised(answer.events) as { id: string }[]).map((event) => event.id) : []));
    expect(new Set(ids).size).toBe(40);
  });

  it('leaves the caller its own body, and answers "full path" for what the worker cannot take', async () => {
    pool = new PrepPool(1);
    const mine = request({ message: 'new field', metadata: { region: 'eu' } });
    const before = Buffer.from(mine.body).toString();
    expect(await pool.prepare(mine)).toEqual({ taken: false });
    expect(Buffer.from(mine.body).toString()).toBe(before);
  });

  it('starts its workers in a process run with per-process flags', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-prep-'));
    const script = path.join(dir, 'prep.mts');
    writeFileSync(
      script,
      `import { PrepPool } from ${JSON.stringify(fileURLToPath(new URL('../../shared/ingest/prep-pool.ts', import.meta.url)))};
      const pool = new PrepPool(1);
      const answer = await pool.prepare({ body: Buffer.from('{"message":"hi"}'), contentType: 'application/json', contentEncoding: undefined, schema: [], now: 0, maxTaskBytes: 100000 });
      await pool.close();
      console.log(answer.taken);`,
    );
    const run = spawnSync(process.execPath, ['--trace-gc', '--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(run.stderr).not.toMatch(/invalid execArgv/);
    expect(run.stdout.split('\n')).toContain('true');
  });

  it("checks each request against its own source's schema, beyond the schemas a worker keeps", async () => {
    pool = new PrepPool(1);
    // Schemas where metadata.status is an INTEGER (even) or a STRING (odd): `200` fits only the first.
    const schemas = Array.from({ length: SCHEMAS_KEPT + 6 }, (_, i) => inferSchema({ metadata: { status: i % 2 === 0 ? 200 : 'ok' } }));
    const body = { message: 'status', metadata: { status: 200 } };
    const rounds = [schemas, schemas.slice(0, 8), schemas.slice(0, 8).reverse()];
    for (const round of rounds) {
      const answers = await Promise.all(round.map((each) => pool!.prepare(request(body, { schema: each }))));
      expect(answers.map((answer) => answer.taken)).toEqual(round.map((each) => schemas.indexOf(each) % 2 === 0));
    }
  });

  it('answers "full path" once closed', async () => {
    pool = new PrepPool(1);
    expect((await pool.prepare(request({ message: 'warm' }))).taken).toBe(true);
    const closing = pool.close();
    expect(await pool.prepare(request({ message: 'after close' }))).toEqual({ taken: false });
    await closing;
  });
});
