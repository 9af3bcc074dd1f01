/**
 * E2E: durability. A 200 means the events are in the durable outbox, so neither a SIGTERM nor a
 * kill -9 in the middle of a load loses an acknowledged event, and a restart delivers each one
 * exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ingest, readAll, startTwin, type Twin } from '../support/twin.ts';

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(async () => {
  await twin.destroy();
});

/** Sends batches from `workers` concurrent clients until stopped; returns acknowledged ids. */
function load(source: string, workers: number, prefix: string) {
  const acknowledged: string[] = [];
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let n = 0; running; n++) {
      const ids = Array.from({ length: 20 }, (_, i) => `${prefix}-${worker}-${n}-${i}`);
      sent += ids.length;
      const ok = await ingest(twin, source, { batch: ids.map((id) => ({ id, message: id })) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) acknowledged.push(...ids);
    }
  });
  return {
    acknowledged,
    sent: () => sent,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function settledEvents(source: string): Promise<string[]> {
  let previous = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const ids = (await readAll(twin, source)).map((e) => e.id);
    if (ids.length === previous) return ids;
    previous = ids.length;
  }
}

describe('durability', () => {
  it('kill -9 under load loses no acknowledged event and duplicates none after restart', async () => {
    const source = await createSource(twin, 'crash');
    const traffic = load(source, 8, 'k');
    await new Promise((r) => setTimeout(r, 1500));
    await twin.kill();
    await traffic.stop();
    expect(traffic.acknowledged.length).toBeGreaterThan(100);

    await twin.restart();
    const stored = await settledEvents(source);
    expect(new Set(stored).size).toBe(stored.length);
    const storedSet = new Set(stored);
    expect(traffic.acknowledged.filter((id) => !storedSet.has(id))).toEqual([]);
  });

  it('SIGTERM drains in-flight work and exits cleanly', async () => {
    const source = await createSource(twin, 'drain');
    const traffic = load(source, 4, 't');
    await new Promise((r) => setTimeout(r, 1000));
    const code = await twin.stop();
    await traffic.stop();
    expect(code, twin.output()).toBe(0);
    expect(traffic.acknowledged.length).toBeGreaterThan(50);

    await twin.restart();
    const stored = await settledEvents(source);
    expect(new Set(stored).size).toBe(stored.length);
    const storedSet = new Set(stored);
    expect(traffic.acknowledged.filter((id) => !storedSet.has(id))).toEqual([]);
  });
});
