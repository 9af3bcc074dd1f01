/**
 * The RateLimiter with an injected clock and an in-memory CounterStore: windows and bursts over
 * time, instances merging their shard totals, clock skew, a failing store, and store operations
 * that follow time rather than requests.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account, Source } from '../../shared/accounts/model.ts';
import type { Clock, CounterStore } from '../../shared/ports.ts';
import { CounterSync, RateLimiter, type RateDecision } from '../../shared/ratelimit/index.ts';
import { CountingCounterStore } from '../support/counting-counter-store.ts';
import { MemoryCounterStore } from '../support/memory-counter-store.ts';

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
    expect(store.sumOf(`rl:src:${run.target.id}:a:`)).toBe(admitted);
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
    const slow = await operations(100);
    const fast = await operations(1);
    expect(fast.requests).toBe(100 * slow.requests);
    expect(fast.calls).toBeLessThanOrEqual(2 * 11 + 2);
    expect(Math.abs(fast.calls - slow.calls)).toBeLessThanOrEqual(2);
  });
});
