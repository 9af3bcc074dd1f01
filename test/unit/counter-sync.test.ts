/**
 * The CounterSync and usage metering with an injected clock: a tick writes only what its
 * participants have due (nothing: no store call), usage goes out at most every ten seconds and
 * whatever is left on close, a failed write keeps its counts for the next tick, and a read of
 * usage on the instance writes its own counts first.
 */
import { describe, expect, it } from 'vitest';
import { UsageMeter, usageCounter } from '../../shared/billing/metering.ts';
import type { CounterDelta } from '../../shared/ports.ts';
import { CounterSync, type CounterParticipant } from '../../shared/ratelimit/index.ts';
import { RecordingCounterStore } from '../support/recording-counter-store.ts';

const START = Date.UTC(2026, 4, 10, 12, 0, 0);
const DAY = '2026-05-10';

function metered() {
  let now = START;
  const clock = { now: () => now };
  const store = new RecordingCounterStore(clock);
  const sync = new CounterSync(store, 'instance-a', { clock, background: false, log: () => {} });
  const meter = new UsageMeter(sync, store, clock);
  return { store, sync, meter, clock, at: (ms: number) => (now = START + ms) };
}

/** Ingests one event of 100 bytes every 100 ms from `fromMs` for `ms`, with a tick every second. */
async function ingest(run: ReturnType<typeof metered>, fromMs: number, ms: number): Promise<number> {
  let events = 0;
  for (let t = fromMs; t < fromMs + ms; t += 100) {
    run.at(t);
    run.meter.recordIngest('acct', 1, 100);
    events++;
    if (t % 1000 === 0) await run.sync.sync();
  }
  return events;
}

const usageWrites = (store: RecordingCounterStore) => store.touching('add', 'use:').filter((call) => !call.failed);

describe('CounterSync', () => {
  it('makes no store call on a tick when no participant has anything due', async () => {
    const store = new RecordingCounterStore({ now: () => START });
    const sync = new CounterSync(store, 'instance-a', { clock: { now: () => START }, background: false });
    const idle: CounterParticipant = { collect: () => [], written: () => {}, keysToRead: () => [] };
    sync.join(idle);
    await sync.sync();
    await sync.sync();
    expect(store.calls).toEqual([]);
  });

  it('tells its participants when the instance closes, so that they give everything', async () => {
    const store = new RecordingCounterStore({ now: () => START });
    const sync = new CounterSync(store, 'instance-a', { background: false });
    const seen: boolean[] = [];
    const participant: CounterParticipant = {
      collect: (closing): CounterDelta[] => (seen.push(closing), closing ? [{ key: 'k', amount: 1 }] : []),
      written: () => {},
    };
    sync.join(participant);
    await sync.sync();
    await sync.close();
    expect(seen).toEqual([false, true]);
    expect(store.total('k')).toBe(1);
  });
});

describe('usage metering', () => {
  it('writes at most every ten seconds, not every tick', async () => {
    const run = metered();
    expect(await ingest(run, 0, 25_000)).toBe(250);
    expect(usageWrites(run.store).map((call) => call.at - START)).toEqual([0, 10_000, 20_000]);
    // As of the last write, at 20 s: the 201 events up to that tick; the last 49 still in memory.
    expect(run.store.total(usageCounter('acct', 'events', DAY))).toBe(201);
    expect(run.store.total(usageCounter('acct', 'bytes', DAY))).toBe(201 * 100);
  });

  it('writes what is left when the instance closes', async () => {
    const run = metered();
    const events = await ingest(run, 0, 14_300);
    await run.sync.close();
    expect(usageWrites(run.store).map((call) => call.at - START)).toEqual([0, 10_000, 14_200]);
    expect(run.store.total(usageCounter('acct', 'events', DAY))).toBe(events);
  });

  it('keeps the counts of a failed write and writes them at the next tick, then waits ten seconds again', async () => {
    const run = metered();
    let events = await ingest(run, 0, 9_900);
    run.store.failing = true;
    events += await ingest(run, 9_900, 1_000);
    expect(run.store.touching('add', 'use:').at(-1)).toMatchObject({ at: START + 10_000, failed: true });
    run.store.failing = false;
    events += await ingest(run, 10_900, 10_000);
    // The retry at the next tick (11 s) counts as the write: the next one is due at 21 s.
    expect(usageWrites(run.store).map((call) => call.at - START)).toEqual([0, 11_000]);
    await run.sync.close();
    expect(run.store.total(usageCounter('acct', 'events', DAY))).toBe(events);
  });

  it("writes this instance's counts before a read of usage, so that it sees them at once", async () => {
    const run = metered();
    await ingest(run, 0, 3_000);
    run.meter.meterQueryBytes('acct', 4_096);
    expect(await run.meter.daily('acct', [DAY])).toEqual([{ date: DAY, events: 30, bytes: 3_000, query_bytes: 4_096 }]);
    const writes = usageWrites(run.store).length;
    // Nothing of the account left in memory: a read is just a read.
    await run.meter.daily('acct', [DAY]);
    expect(usageWrites(run.store)).toHaveLength(writes);
  });
});
