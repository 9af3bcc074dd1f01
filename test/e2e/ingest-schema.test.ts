/**
 * E2E: each source's schema is inferred from its events; new fields extend it, and an event
 * whose field type conflicts is rejected alone (406) and kept with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, startTwin, waitForEvents, type Twin } from '../support/twin.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

type Field = { name: string; type: string; mode: string; fields?: Field[] };

async function schemaOf(source: string): Promise<{ schema: Field[]; paths: { path: string; type: string }[] }> {
  const response = await twin.request(`/api/sources/${source}/schema`);
  expect(response.status).toBe(200);
  return (await response.json()) as { schema: Field[]; paths: { path: string; type: string }[] };
}

describe('schema inference', () => {
  it('starts with the base columns and grows typed, nested fields', async () => {
    const source = await createSource(twin, 'infer');
    expect((await schemaOf(source)).schema.map((f) => f.name)).toEqual(['id', 'timestamp', 'event_message']);
    const response = await ingest(twin, source, {
      message: 'typed',
      metadata: { user: { id: 7, name: 'ada' }, ratio: 0.5, ok: true, tags: ['a'] },
    });
    expect(response.status).toBe(200);
    const { schema } = await schemaOf(source);
    const metadata = schema.find((f) => f.name === 'metadata')!;
    expect(metadata.type).toBe('RECORD');
    const byName = Object.fromEntries(metadata.fields!.map((f) => [f.name, f]));
    expect(byName.user!.type).toBe('RECORD');
    expect(byName.user!.fields!.map((f) => [f.name, f.type])).toEqual([
      ['id', 'INTEGER'],
      ['name', 'STRING'],
    ]);
    expect(byName.ratio!.type).toBe('FLOAT');
    expect(byName.ok!.type).toBe('BOOLEAN');
    expect([byName.tags!.type, byName.tags!.mode]).toEqual(['STRING', 'REPEATED']);
  });

  it('accepts an integer into a FLOAT field', async () => {
    const source = await createSource(twin, 'widen');
    expect((await ingest(twin, source, { message: 'a', metadata: { v: 1.5 } })).status).toBe(200);
    expect((await ingest(twin, source, { message: 'b', metadata: { v: 2 } })).status).toBe(200);
    expect((await waitForEvents(twin, source, 2)).length).toBe(2);
  });

  it('rejects only the conflicting event, with the contract message, and keeps it', async () => {
    const source = await createSource(twin, 'conflict');
    expect((await ingest(twin, source, { message: 'first', metadata: { user: { id: 1 } } })).status).toBe(200);
    const response = await ingest(twin, source, {
      batch: [
        { message: 'good', id: 'good', metadata: { user: { id: 2 } } },
        { message: 'bad', id: 'bad', metadata: { user: { id: 'three' } } },
      ],
    });
    expect(response.status).toBe(406);
    const body = (await response.json()) as { message: string[]; accepted: number; rejected: { index: number; reason: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ index: 1, reason: 'Type error! Field `metadata.user.id` has an unexpected type.' }]);
    expect(body.message).toEqual(['Type error! Field `metadata.user.id` has an unexpected type.']);

    const events = await waitForEvents(twin, source, 2);
    expect(events.map((e) => e.event_message).sort()).toEqual(['first', 'good']);
    const rejected = await twin.request(`/api/sources/${source}/rejected`);
    const { result } = (await rejected.json()) as { result: { reason: string; event: { id: string } }[] };
    expect(result).toHaveLength(1);
    expect(result[0]!.event.id).toBe('bad');
    expect(result[0]!.reason).toContain('metadata.user.id');
  });

  it('rejects within one request when two new events disagree on a type', async () => {
    const source = await createSource(twin, 'disagree');
    const response = await ingest(twin, source, {
      batch: [
        { message: 'a', metadata: { code: 1 } },
        { message: 'b', metadata: { code: 'x' } },
      ],
    });
    expect(response.status).toBe(406);
    const body = (await response.json()) as { accepted: number; rejected: { index: number }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toHaveLength(1);
  });

  it('keeps the schema per source', async () => {
    const a = await createSource(twin, 'per-source-a');
    const b = await createSource(twin, 'per-source-b');
    expect((await ingest(twin, a, { message: 'a', metadata: { n: 1 } })).status).toBe(200);
    expect((await ingest(twin, b, { message: 'b', metadata: { n: 'text' } })).status).toBe(200);
    const paths = (await schemaOf(b)).paths.map((p) => `${p.path}:${p.type}`);
    expect(paths).toContain('metadata.n:STRING');
  });
});

describe('dedupe by id', () => {
  it('stores an event sent twice with the same id once', async () => {
    const source = await createSource(twin, 'dedupe');
    const event = { id: 'same-id', message: 'once' };
    expect((await ingest(twin, source, event)).status).toBe(200);
    expect((await ingest(twin, source, event)).status).toBe(200);
    expect((await ingest(twin, source, { batch: [event, event, { id: 'other', message: 'two' }] })).status).toBe(200);
    const events = await waitForEvents(twin, source, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await waitForEvents(twin, source, 2)).map((e) => e.id).sort()).toEqual(['other', 'same-id']);
    expect(events.length).toBe(2);
  });
});
