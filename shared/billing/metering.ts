/**
 * Usage metering on the rate limiter's counters: per account and UTC day, the events and bytes
 * ingest accepted and the bytes queries scanned. Counts collect in memory and ride the
 * instance's CounterSync (one write about a second for all of them), so metering costs no
 * store operation per request; reading usage sums the counters.
 */
import type { Clock, CounterDelta, CounterStore } from '../ports.ts';
import type { CounterParticipant, CounterSync } from '../ratelimit/index.ts';
import { USAGE_METRICS, type DailyUsage, type UsageMetric } from './model.ts';
import { utcDay } from './days.ts';

export const usageCounter = (accountId: string, metric: UsageMetric, day: string) => `use:${accountId}:${metric}:${day}`;

export class UsageMeter implements CounterParticipant {
  private pending = new Map<string, number>();
  private writing = new Map<string, number>();

  constructor(
    private readonly sync: CounterSync,
    private readonly counters: CounterStore,
    private readonly clock: Clock,
  ) {
    sync.join(this);
  }

  /** Events accepted by ingest and their size. */
  recordIngest(accountId: string, events: number, bytes: number): void {
    this.add(accountId, 'events', events);
    this.add(accountId, 'bytes', bytes);
  }

  /** Bytes a query of the account scanned (called by the query code). */
  meterQueryBytes(accountId: string, bytes: number): void {
    this.add(accountId, 'query_bytes', bytes);
  }

  /** The account's usage on each of `days` (as written so far: up to about a second behind). */
  async daily(accountId: string, days: string[], metrics: readonly UsageMetric[] = USAGE_METRICS): Promise<DailyUsage[]> {
    const keys = days.flatMap((day) => metrics.map((metric) => usageCounter(accountId, metric, day)));
    const totals = await this.counters.totals(keys);
    const total = (metric: UsageMetric, day: string) => totals.get(usageCounter(accountId, metric, day)) ?? 0;
    return days.map((date) => ({
      date,
      events: total('events', date),
      bytes: total('bytes', date),
      query_bytes: total('query_bytes', date),
    }));
  }

  collect(): CounterDelta[] {
    this.writing = this.pending;
    this.pending = new Map();
    return [...this.writing].map(([key, amount]) => ({ key, amount }));
  }

  written(ok: boolean): void {
    if (!ok) for (const [key, amount] of this.writing) this.pending.set(key, (this.pending.get(key) ?? 0) + amount);
    this.writing = new Map();
  }

  private add(accountId: string, metric: UsageMetric, amount: number): void {
    if (amount <= 0) return;
    const key = usageCounter(accountId, metric, utcDay(this.clock.now()));
    this.pending.set(key, (this.pending.get(key) ?? 0) + Math.round(amount));
    this.sync.start();
  }
}
