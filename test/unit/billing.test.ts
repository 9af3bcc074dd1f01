/**
 * Billing arithmetic and metering: what a day costs under a plan (the days of a month add up
 * to the month's charge, never charging an event twice), when a report is final, UTC day
 * helpers, a source's limit under its plan, and usage counted per UTC day.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLANS, sourceEventsPerSecond, type Plan } from '../../shared/billing/plans.ts';
import { FINAL_AFTER_MS, dayAmount, isFinal, monthAmount, presentReport } from '../../shared/billing/report.ts';
import { addDays, daysFrom, monthEnd, monthStart, parseDay } from '../../shared/billing/days.ts';
import { UsageMeter, usageCounter } from '../../shared/billing/metering.ts';
import { CounterSync } from '../../shared/ratelimit/index.ts';
import { MemoryCounterStore } from '../support/memory-counter-store.ts';

const plan: Plan = {
  name: 'test',
  limits: { ...PLANS.metered!.limits, included_events_per_month: 1_000_000 },
  price_per_million_events: 2,
};

describe('a day’s amount', () => {
  it('is free within the month’s included events', () => {
    expect(dayAmount(plan, 0, 400_000)).toBe(0);
    expect(dayAmount(plan, 600_000, 400_000)).toBe(0);
  });

  it('charges only the part of a day beyond the allowance', () => {
    expect(dayAmount(plan, 900_000, 600_000)).toBe(1);
    expect(dayAmount(plan, 2_000_000, 250_000)).toBe(0.5);
  });

  it('prices the metered plan at 0.50 USD per million events, to the micro-dollar', () => {
    expect(dayAmount(PLANS.metered!, 0, 1_000_000)).toBe(0.5);
    expect(dayAmount(PLANS.metered!, 0, 300)).toBe(0.00015);
    expect(dayAmount(PLANS.free!, 0, 50_000_000)).toBe(0);
    expect(dayAmount(PLANS.local!, 10 ** 12, 10 ** 9)).toBe(0);
  });

  it('adds up over the days of a month to exactly the month’s charge', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 31 }), (days) => {
        let before = 0;
        let micros = 0;
        for (const events of days) {
          micros += Math.round(dayAmount(plan, before, events) * 1e6);
          before += events;
        }
        expect(micros).toBe(Math.round(monthAmount(plan, before) * 1e6));
      }),
    );
  });
});

describe('finality', () => {
  const start = Date.UTC(2026, 4, 10);
  it('is provisional while the day runs and just after, final once its counts have settled', () => {
    expect(isFinal('2026-05-10', start + 3_600_000)).toBe(false);
    expect(isFinal('2026-05-10', start + 86_400_000 + FINAL_AFTER_MS - 1)).toBe(false);
    expect(isFinal('2026-05-10', start + 86_400_000 + FINAL_AFTER_MS)).toBe(true);
    expect(isFinal('2026-05-01', start)).toBe(true);
  });

  it('presents a report with the contract’s fields only', () => {
    const report = {
      account_id: 'a',
      period: '2026-05-10',
      plan: 'metered',
      events: 1,
      bytes: 2,
      query_bytes: 3,
      amount: 0.5,
      final: true,
      computed_at: 'x',
      delivered_at: null,
    };
    expect(presentReport(report)).toEqual({ account: 'a', period: '2026-05-10', events: 1, bytes: 2, query_bytes: 3, amount: 0.5, final: true });
  });
});

describe('UTC days', () => {
  it('accepts only real calendar dates as YYYY-MM-DD', () => {
    expect(parseDay('2028-02-29')).toBe('2028-02-29');
    for (const text of ['2026-02-29', '2026-2-1', '2026-13-01', 'today', '2026-01-01T00:00:00Z']) expect(parseDay(text)).toBeNull();
  });

  it('steps across months and years and knows month ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysFrom('2026-01-30', '2026-02-02')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(daysFrom('2026-01-02', '2026-01-01')).toEqual([]);
    expect([monthStart('2028-02-17'), monthEnd('2028-02-17'), monthEnd('2026-12-05')]).toEqual(['2028-02-01', '2028-02-29', '2026-12-31']);
  });
});

describe('a source’s limit under its plan', () => {
  it('is its own setting or the plan’s default, never above the account’s', () => {
    const free = PLANS.free!;
    expect(sourceEventsPerSecond(free, null)).toBe(50);
    expect(sourceEventsPerSecond(free, 20)).toBe(20);
    expect(sourceEventsPerSecond(free, 80)).toBe(80);
    expect(sourceEventsPerSecond(free, 5_000)).toBe(100);
  });
});

describe('usage metering', () => {
  it('counts per account and UTC day, and keeps counts a failed write did not store', async () => {
    const store = new MemoryCounterStore();
    let now = Date.UTC(2026, 4, 10, 23, 59, 59, 500);
    const clock = { now: () => now };
    const sync = new CounterSync(store, 'instance-a', { clock, background: false, log: () => {} });
    const meter = new UsageMeter(sync, store, clock);
    meter.recordIngest('acct', 10, 1_000);
    meter.meterQueryBytes('acct', 4_096);
    now += 1_000;
    meter.recordIngest('acct', 5, 500);
    meter.recordIngest('other', 1, 1);
    store.failing = true;
    await sync.sync();
    expect(store.total(usageCounter('acct', 'events', '2026-05-10'))).toBe(0);
    store.failing = false;
    await sync.sync();
    expect(await meter.daily('acct', ['2026-05-10', '2026-05-11'])).toEqual([
      { date: '2026-05-10', events: 10, bytes: 1_000, query_bytes: 4_096 },
      { date: '2026-05-11', events: 5, bytes: 500, query_bytes: 0 },
    ]);
    await sync.sync();
    expect(store.total(usageCounter('acct', 'events', '2026-05-10'))).toBe(10);
    expect(store.total(usageCounter('other', 'events', '2026-05-11'))).toBe(1);
  });
});
