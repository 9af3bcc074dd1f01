import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { decodeTask, encodeTasks, fitsInTask } from '../../shared/ingest/task-codec.ts';
import { serialiseEvents } from '../../shared/ingest/serialised.ts';

const header = { account_id: 'acct', source_id: 'src', schema: [] };
const event = (i: number) => JSON.stringify({ id: `e${i}`, timestamp: 1_700_000_000_000_000 + i, event_message: `line ${i} ${'x'.repeat(i % 50)}`, body: { n: i } });
let counter = 0;
const ids = () => `batch-${++counter}`;

describe('task codec', () => {
  it('gzips for a queue that asks, keeping every body under its cap and every event once, in order', async () => {
    const events = Array.from({ length: 5000 }, (_, i) => event(i));
    const tasks = await encodeTasks(header, [serialiseEvents(events)], { maxBytes: 20_000, compression: 'gzip' }, ids);
    expect(tasks.length).toBeGreaterThan(1);
    for (const task of tasks) {
      expect(task.body.length).toBeLessThanOrEqual(20_000);
      expect(task.body[0]).toBe(0x1f);
      expect(JSON.parse(gunzipSync(task.body).toString('utf8')).batch_id).toBe(task.name);
    }
    const decoded = await Promise.all(tasks.map((task) => decodeTask(task.body)));
    expect(decoded.flatMap((batch) => batch.events.events().map((e) => e.id))).toEqual(events.map((_, i) => `e${i}`));
  });

  it('writes plain JSON for a queue that does not compress, split by its raw size', async () => {
    const events = Array.from({ length: 1000 }, (_, i) => event(i));
    const tasks = await encodeTasks(header, [serialiseEvents(events)], { maxBytes: 30_000, compression: 'none' }, ids);
    expect(tasks.length).toBeGreaterThan(3);
    for (const task of tasks) {
      expect(task.body.length).toBeLessThanOrEqual(30_000);
      expect(JSON.parse(task.body.toString('utf8')).source_id).toBe('src');
    }
    const decoded = await Promise.all(tasks.map((task) => decodeTask(task.body)));
    expect(decoded.flatMap((batch) => batch.events.events()).length).toBe(1000);
  });

  it('hands the events on as the UTF-8 bytes of their JSON array, without decoding them, non-ASCII included', async () => {
    const events = [event(1), JSON.stringify({ id: 'é', timestamp: 1, event_message: 'ключ 🔑 "q" ],"events":[', body: { s: '}' } })];
    const [task] = await encodeTasks(header, [serialiseEvents(events)], { maxBytes: 1_000_000, compression: 'none' }, ids);
    const decoded = await decodeTask(task!.body);
    expect(decoded.source_id).toBe('src');
    expect(decoded.events.size()).toBe(2);
    expect(decoded.events.utf8().toString('utf8')).toBe(`[${events.join(',')}]`);
    expect(decoded.events.json()).toBe(`[${events.join(',')}]`);
    expect(decoded.events.events().map((e) => e.event_message)).toEqual(['line 1 x', 'ключ 🔑 "q" ],"events":[']);
  });

  it('packs several runs into tasks split across and inside runs, every event once and in order', async () => {
    const runs = [0, 1, 2, 3].map((r) => Array.from({ length: 400 }, (_, i) => event(r * 400 + i)));
    const tasks = await encodeTasks(header, runs.map(serialiseEvents), { maxBytes: 6_000, compression: 'gzip' }, ids);
    expect(tasks.length).toBeGreaterThan(4);
    const decoded = await Promise.all(tasks.map((task) => decodeTask(task.body)));
    expect(decoded.flatMap((batch) => batch.events.events().map((e) => e.id))).toEqual(runs.flat().map((_, i) => `e${i}`));
  });

  it('refuses one event that alone exceeds the cap', async () => {
    await expect(encodeTasks(header, [serialiseEvents([event(1)])], { maxBytes: 50, compression: 'none' }, ids)).rejects.toThrow(RangeError);
  });

  it('says whether one event fits in a task, compressing only when it is near the limit', () => {
    expect(fitsInTask(event(1), 100_000)).toBe(true);
    expect(fitsInTask(JSON.stringify({ s: 'a'.repeat(1_000_000) }), 100_000)).toBe(true);
    const noise = Array.from({ length: 200_000 }, () => Math.random().toString(36).slice(2)).join('');
    expect(fitsInTask(JSON.stringify({ s: noise }), 100_000)).toBe(false);
  });

  it('rejects a body that is not a Kindling batch', async () => {
    await expect(decodeTask(Buffer.from('{"events":"nope"}'))).rejects.toThrow();
    await expect(decodeTask(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).rejects.toThrow();
    await expect(decodeTask(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]))).rejects.toThrow();
  });
});
