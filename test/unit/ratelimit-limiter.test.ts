/**
 * The RateLimiter with an injected clock and an in-memory CounterStore: windows and bursts over
 * time, instances merging their shard totals, clock skew, a failing store, store operations
 * that follow time rather than requests, and keys far from their limit (cool) synced once a
 * ten-second period while keys near it (hot) are synced every tick.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account, Source } from '../../shared/accounts/model.ts';
import type { Clock, CounterStore } from '../../shared/ports.ts';
import { CounterSync, RateLimiter, type RateDecision } from '../../shared/ratelimit/index.ts';
import { CountingCounterStore } from '../support/counting-counter-store.ts';
import { MemoryCounterStore } from '../support/memory-counter-store.ts';
import { RecordingCounterStore, type StoreCall } from '../support/recording-counter-store.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);

class TestClock implements Clock {
  constructor(
    public time = START,
    private readonly skewMs = 0,
  ) {}
  now(): number {
    return this.time + this.skewMs;
  }
}

const account = (plan = 'local'): Account => ({ id: randomUUID(), name: 'acme', plan, created_at: '2026-01-01T00:00:00.000Z' });

const source = (owner: Account, rate: number | null): Source => ({
  id: randomUUID(),
  account_id: owner.id,
  name: 'app',
  rate_limit_per_second: rate,
  retention_days: null,
  schema: [],
  created_at: '2026-01-01T00:00:00.000Z',
});

function instance(store: CounterStore, clock: Clock, log: (message: string) => void = () => {}) {
  const sync = new CounterSync(store, `shard-${randomUUID()}`, { clock, background: false, log });
  return { limiter: new RateLimiter(sync, clock), sync };
}

interface Drive {
  /** Shared true time; every clock reads it (plus its own skew). */
  time: { set(ms: number): void };
  limiters: RateLimiter[];
  owner: Account;
  target: Source | Source[];
}

/** Offers `events` every `stepMs` from every limiter (round robin over sources) for `ms`. */
async function drive(run: Drive, from: number, ms: number, events: number, stepMs = 10): Promise<RateDecision[]> {
  const decisions: RateDecision[] = [];
  const sources = Array.isArray(run.target) ? run.target : [run.target];
  let turn = 0;
  for (let t = from; t < from + ms; t += stepMs) {
    run.time.set(t);
    for (const limiter of run.limiters) {
      decisions.push(await limiter.check(run.owner, sources[turn++ % sources.length]!, events));
    }
  }
  return decisions;
}

const admittedEvents = (decisions: RateDecision[], events: number) => decisions.filter((d) => d.admitted).length * events;

function clocks(...skews: number[]) {
  const all = skews.map((skew) => new TestClock(START, skew));
  return { all, time: { set: (ms: number) => all.forEach((clock) => (clock.time = ms)) } };
}

describe('RateLimiter over time', () => {
  it('admits a full burst, then the sustained rate: about 200 + 20·t for a 20/s source', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0);
    const { limiter } = instance(store, all[0]!);
    const owner = account();
    const run = { time, limiters: [limiter], owner, target: source(owner, 20) };
    const first = await drive(run, START, 1000, 10);
    expect(admittedEvents(first, 10)).toBeGreaterThanOrEqual(200);
    expect(admittedEvents(first, 10)).toBeLessThanOrEqual(220);
    const rest = await drive(run, START + 1000, 9000, 10);
    expect(Math.abs(admittedEvents([...first, ...rest], 10) - 400)).toBeLessThanOrEqual(20);
  });

  it('refuses with the source named, a Retry-After and the limits in the decision', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0);
    const { limiter } = instance(store, all[0]!);
    const owner = account('free');
    const decisions = await drive({ time, limiters: [limiter], owner, target: source(owner, 20) }, START, 200, 50);
    const refused = decisions.find((decision) => !decision.admitted)!;
    expect(refused).toMatchObject({ refusedBy: 'source', source: { limit: 20, burst: 200, remaining: 0 } });
    expect(refused.account).toMatchObject({ limit: 100, burst: 1000 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(decisions[0]).toMatchObject({ admitted: true, refusedBy: null, retryAfterSeconds: 0, source: { remaining: 150 } });
  });

  it('never gives a source more than its account plan allows', async () => {
    const store = new MemoryCounterStore();
    const { limiter } = instance(store, new TestClock());
    const owner = account('free');
    const decision = await limiter.check(owner, source(owner, 5_000), 1);
    expect(decision.source.limit).toBe(100);
    expect((await limiter.check(owner, source(owner, null), 1)).source.limit).toBe(50);
  });

  it('caps the sum of an account’s sources at the account limit', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0);
    const { limiter } = instance(store, all[0]!);
    const owner = account('free');
    const sources = [source(owner, 100), source(owner, 100), source(owner, 100)];
    const decisions = await drive({ time, limiters: [limiter], owner, target: sources }, START, 3000, 10);
    expect(Math.abs(admittedEvents(decisions, 10) - 1300) / 1300).toBeLessThan(0.05);
    expect(decisions.some((decision) => decision.refusedBy === 'account')).toBe(true);
  });

  it('recovers after a pause', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0);
    const { limiter } = instance(store, all[0]!);
    const owner = account();
    const run = { time, limiters: [limiter], owner, target: source(owner, 20) };
    await drive(run, START, 2000, 10);
    time.set(START + 2500);
    expect((await limiter.check(owner, run.target, 30)).admitted).toBe(false);
    time.set(START + 5000);
    expect((await limiter.check(owner, run.target, 50)).admitted).toBe(true);
  });
});

describe('several instances on one CounterStore', () => {
  it('merge their shard totals: two instances sharing the load keep to the limit together', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0, 0);
    const limiters = all.map((clock) => instance(store, clock).limiter);
    const owner = account();
    const decisions = await drive({ time, limiters, owner, target: source(owner, 20) }, START, 10_000, 5);
    const allowance = 200 + 20 * 10;
    expect(Math.abs(admittedEvents(decisions, 5) - allowance) / allowance).toBeLessThan(0.1);
  });

  it('keep to the limit when their clocks disagree by 700 ms', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0, 700);
    const limiters = all.map((clock) => instance(store, clock).limiter);
    const owner = account();
    const decisions = await drive({ time, limiters, owner, target: source(owner, 20) }, START, 10_000, 5);
    const allowance = 200 + 20 * 10;
    expect(Math.abs(admittedEvents(decisions, 5) - allowance) / allowance).toBeLessThan(0.1);
  });

  it('show a new instance the bucket the cluster has already spent', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0, 0);
    const owner = account();
    const target = source(owner, 20);
    const first = instance(store, all[0]!).limiter;
    await drive({ time, limiters: [first], owner, target }, START, 1000, 10);
    await first.syncNow();
    const late = instance(store, all[1]!).limiter;
    expect((await late.check(owner, target, 50)).admitted).toBe(false);
  });
});

/** A store whose next totals() waits until released: a read in flight while requests go on. */
class GatedStore extends MemoryCounterStore {
  private gate: Promise<void> | null = null;
  release: () => void = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  override async totals(keys: string[]): Promise<Map<string, number>> {
    const gate = this.gate;
    this.gate = null;
    const totals = await super.totals(keys);
    await gate;
    return totals;
  }
}

describe('a key first seen while a read is in flight', () => {
  it('still reads its history before deciding', async () => {
    const store = new GatedStore();
    const { all, time } = clocks(0, 0);
    const owner = account();
    const spent = source(owner, 20);
    const first = instance(store, all[0]!).limiter;
    await drive({ time, limiters: [first], owner, target: spent }, START, 1000, 10);
    await first.syncNow();

    time.set(START + 3500);
    const late = instance(store, all[1]!).limiter;
    await late.check(owner, source(owner, 20), 1);
    store.hold();
    const inFlight = late.syncNow();
    await new Promise((resolve) => setImmediate(resolve));
    const decision = late.check(owner, spent, 100);
    store.release();
    await inFlight;
    expect((await decision).admitted).toBe(false);
  });
});

describe('RateLimiter against a misbehaving world', () => {
  it('does not admit more when the clock goes back', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0);
    const { limiter } = instance(store, all[0]!);
    const owner = account();
    const run = { time, limiters: [limiter], owner, target: source(owner, 20) };
    const before = await drive(run, START, 3000, 10);
    const after = await drive(run, START - 2000, 3000, 10);
    expect(admittedEvents([...before, ...after], 10)).toBeLessThanOrEqual(200 + 20 * 6);
    await limiter.syncNow();
    expect(store.sumOf(`rl:src:${run.target.id}:a:`)).toBe(admittedEvents([...before, ...after], 10));
  });

  it('keeps deciding from local counts while the store fails, logs once, and writes the counts on recovery', async () => {
    const store = new MemoryCounterStore();
    store.failing = true;
    const log: string[] = [];
    const { all, time } = clocks(0);
    const { limiter } = instance(store, all[0]!, (message) => log.push(message));
    const owner = account();
    const run = { time, limiters: [limiter], owner, target: source(owner, 20) };
    const during = await drive(run, START, 5000, 10);
    expect(Math.abs(admittedEvents(during, 10) - 300)).toBeLessThanOrEqual(20);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/counter store write failed/);

    store.failing = false;
    const after = await drive(run, START + 5000, 2000, 10);
    await limiter.syncNow();
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/answers again/);
    const admitted = admittedEvents([...during, ...after], 10);
    expect(Math.abs(admitted - 340)).toBeLessThanOrEqual(20);
    // The outage's older windows, settled by the others meanwhile, go out with their period.
    time.set(START + 10_000);
    await limiter.syncNow();
    expect(store.sumOf(`rl:src:${run.target.id}:a:`) + store.sumOf(`rl:src:${run.target.id}:ca:`)).toBe(admitted);
  });

  it('uses store operations per second, not per request', async () => {
    const operations = async (stepMs: number) => {
      const store = new CountingCounterStore(new MemoryCounterStore());
      const { all, time } = clocks(0);
      const { limiter } = instance(store, all[0]!);
      const owner = account();
      const decisions = await drive({ time, limiters: [limiter], owner, target: source(owner, 20) }, START, 10_000, 1, stepMs);
      return { calls: store.addCalls + store.totalsCalls, requests: decisions.length };
    };
    // 100 and 1,000 events/s against 20/s: hot both times, synced every tick either way.
    const slow = await operations(10);
    const fast = await operations(1);
    expect(fast.requests).toBe(10 * slow.requests);
    expect(fast.calls).toBeLessThanOrEqual(2 * 11 + 2);
    expect(Math.abs(fast.calls - slow.calls)).toBeLessThanOrEqual(2);
  });
});

/** Calls naming one of a key's one-second counters (`a` admitted, `d` offered). */
const byWindow = (calls: StoreCall[], key: string) => calls.filter((call) => call.keys.some((k) => /:[ad]:\d+$/.test(k) && k.startsWith(`rl:${key}:`)));
/** Everything a limiter has stored of a key: admissions by window and by period, offered events by period. */
const stored = (store: MemoryCounterStore, key: string) => ({
  admitted: store.sumOf(`rl:${key}:a:`) + store.sumOf(`rl:${key}:ca:`),
  offered: store.sumOf(`rl:${key}:pd:`),
});

/** One limiter on the metered plan, a 100/s source, and a store that records each call's time. */
function recordedMeteredInstance() {
  const { all, time } = clocks(0);
  const store = new RecordingCounterStore(all[0]!);
  const { limiter, sync } = instance(store, all[0]!);
  const owner = account('metered');
  const target = source(owner, 100);
  return { store, limiter, sync, owner, target, time, key: `src:${target.id}`, run: { time, limiters: [limiter], owner, target } };
}

describe('cool and hot keys', () => {
  it('syncs a key far from its limit once a ten-second period, not every tick', async () => {
    const { store, sync, key, run } = recordedMeteredInstance();
    // 20 events/s against 100/s for 35 s: about 35 ticks.
    const decisions = await drive(run, START, 35_000, 2, 100);
    expect(decisions.every((decision) => decision.admitted)).toBe(true);

    const writes = store.touching('add', key);
    expect(writes.map((call) => call.at - START)).toEqual([10_000, 20_000, 30_000]);
    expect(writes.flatMap((call) => call.keys.filter((k) => k.includes(key))).sort()).toEqual(
      [1, 2, 3].flatMap((period) => [`rl:${key}:ca:${START / 10_000 + period - 1}`, `rl:${key}:pd:${START / 10_000 + period - 1}`]).sort(),
    );
    const reads = store.touching('totals', key);
    // The first read takes the key's history in; then one read a period, three seconds into it.
    expect(reads.map((call) => call.at - START)).toEqual([0, 3_000, 13_000, 23_000, 33_000]);
    expect(byWindow(reads.slice(1), key)).toEqual([]);
    // The other ticks cost nothing: no store call but at a period's start and three seconds in.
    expect(store.calls.every((call) => [0, 3_000].includes((call.at - START) % 10_000))).toBe(true);
    await sync.close();
    expect(stored(store, key)).toEqual({ admitted: admittedEvents(decisions, 2), offered: 2 * decisions.length });
  });

  it('syncs a key on the tick after a burst makes it hot, then every tick while it stays hot', async () => {
    const { store, limiter, owner, target, key, time, run } = recordedMeteredInstance();
    await drive(run, START, 12_050, 2, 100);
    expect(byWindow(store.calls.filter((call) => call.at > START), key)).toEqual([]);

    // 600 events at once take more than half of the 1,000-event bucket: hot at once.
    const burst = START + 12_050;
    time.set(burst);
    expect((await limiter.check(owner, target, 600)).admitted).toBe(true);
    await drive(run, burst, 8_000, 20, 100);
    const nextTick = store.calls.find((call) => call.at > burst)!;
    expect(nextTick.at - burst).toBeLessThanOrEqual(1_000);
    expect(byWindow([nextTick], key)).toHaveLength(1);
    const synced = (op: StoreCall['op']) => new Set(byWindow(store.touching(op, key), key).map((call) => Math.floor(call.at / 1000)));
    for (let second = Math.floor(burst / 1000) + 1; second < Math.floor(burst / 1000) + 8; second++) {
      expect(synced('add').has(second), `write at ${second}`).toBe(true);
      expect(synced('totals').has(second), `read at ${second}`).toBe(true);
    }
  });

  it('turns hot within two seconds when the rate climbs past half the limit, and cool again after it falls', async () => {
    const { store, key, run } = recordedMeteredInstance();
    await drive(run, START, 15_000, 2, 100);
    const climb = START + 15_000;
    await drive(run, climb, 10_000, 15, 100);
    const firstHot = byWindow(store.touching('add', key), key)[0]!;
    expect(firstHot.at - climb).toBeLessThanOrEqual(2_000);

    await drive(run, climb + 10_000, 40_000, 2, 100);
    // The bucket refills and the last period's demand drops: back to one sync a period.
    const late = store.calls.filter((call) => call.at >= climb + 30_000);
    expect(byWindow(late, key)).toEqual([]);
    expect(store.touching('add', key).filter((call) => call.at >= climb + 30_000).length).toBeLessThanOrEqual(2);
  });

  it('keeps two instances within 10 % of the allowance across a cool spell and a hot one', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0, 300);
    const limiters = all.map((clock) => instance(store, clock).limiter);
    const owner = account('metered');
    const run = { time, limiters, owner, target: source(owner, 100) };
    const cool = await drive(run, START, 20_000, 3, 200);
    const hot = await drive(run, START + 20_000, 20_000, 15, 100);
    expect(admittedEvents(cool, 3)).toBe(30 * 20);
    // A full bucket when the hot spell starts (the cool one never dented it), then 100/s.
    const allowance = 1000 + 100 * 20;
    expect(Math.abs(admittedEvents(hot, 15) - allowance) / allowance).toBeLessThan(0.1);
  });

  it('never loses a count across failed writes, hot or cool, and writes the rest on close', async () => {
    const store = new MemoryCounterStore();
    const { all, time } = clocks(0, 0);
    const instances = all.map((clock) => instance(store, clock));
    const owner = account('metered');
    const target = source(owner, 100);
    let admitted = 0;
    let offered = 0;
    // Cool, hot, cool again; the store is down every other 2.5 s, period ends included.
    for (let t = START; t < START + 40_000; t += 100) {
      time.set(t);
      store.failing = Math.floor((t - START) / 2_500) % 2 === 1;
      const events = t >= START + 15_000 && t < START + 25_000 ? 20 : 2;
      for (const { limiter } of instances) {
        offered += events;
        if ((await limiter.check(owner, target, events)).admitted) admitted += events;
      }
    }
    store.failing = false;
    await Promise.all(instances.map(({ sync }) => sync.close()));
    expect(admitted).toBeLessThan(offered);
    expect(stored(store, `src:${target.id}`)).toEqual({ admitted, offered });
    expect(stored(store, `acct:${owner.id}`)).toEqual({ admitted, offered });
  });

  it('counts the live instances by period while every key is cool, for the even split of a new key', async () => {
    const { all, time } = clocks(0, 0, 0);
    const store = new RecordingCounterStore(all[0]!);
    const limiters = all.map((clock) => instance(store, clock).limiter);
    const owner = account('metered');
    await drive({ time, limiters, owner, target: source(owner, 100) }, START, 25_000, 1, 100);
    expect(store.touching('add', 'rl:live:').every((call) => call.keys.every((k) => !/^rl:live:\d/.test(k)))).toBe(true);
    expect(store.touching('add', 'rl:live:p:').length).toBe(3 * 3);

    // A new source on the first instance: a full bucket of 1,000, a third of it here.
    time.set(START + 25_000);
    const decision = await limiters[0]!.check(owner, source(owner, 100), 1);
    expect(decision.source.remaining).toBe(Math.floor(1000 / 3) - 1);
  });
});
