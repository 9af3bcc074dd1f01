/**
 * Usage metering on the rate limiter's counters: per account and UTC day, the events and bytes
 * ingest accepted and the bytes queries scanned. Counts collect in memory and ride the
 * instance's CounterSync, written at most every WRITE_INTERVAL_MS (and when the instance
 * closes), so metering costs no store operation per request and a handful of writes a minute
 * per instance; reading usage sums the counters.
 */
import type { Clock, CounterDelta, CounterStore } from '../ports.ts';
import type { CounterParticipant, CounterSync } from '../ratelimit/index.ts';
import { USAGE_METRICS, type DailyUsage, type UsageMetric } from './model.ts';
import { utcDay } from './days.ts';

export const usageCounter = (accountId: string, metric: UsageMetric, day: string) => `use:${accountId}:${metric}:${day}`;

/**
 * Billing reads whole-day totals (reports, the usage page), so counts ten seconds late change
 * nothing it computes, while writing them every second would cost a write per metric and
 * instance each second. A read of usage on this instance flushes its own counts first.
 */
const WRITE_INTERVAL_MS = 10_000;

export class UsageMeter implements CounterParticipant {
  private pending = new Map<string, number>();
  private writing = new Map<string, number>();
  /** When the last successful write was collected; a failed one is retried at the next tick. */
  private lastWritten = -Infinity;
  private writingSince = -Infinity;
  /** A read of usage wants this instance's counts written at the next tick, whenever due. */
  private flushWanted = false;

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

  /**
   * The account's usage on each of `days`: this instance's counts are written first, the other
   * instances' are as written so far (up to about WRITE_INTERVAL_MS behind).
   */
  async daily(accountId: string, days: string[], metrics: readonly UsageMetric[] = USAGE_METRICS): Promise<DailyUsage[]> {
    const keys = days.flatMap((day) => metrics.map((metric) => usageCounter(accountId, metric, day)));
    if (keys.some((key) => this.pending.has(key) || this.writing.has(key))) {
      this.flushWanted = true;
      await this.sync.sync();
    }
    const totals = await this.counters.totals(keys);
    const total = (metric: UsageMetric, day: string) => totals.get(usageCounter(accountId, metric, day)) ?? 0;
    return days.map((date) => ({
      date,
      events: total('events', date),
      bytes: total('bytes', date),
      query_bytes: total('query_bytes', date),
    }));
  }

  collect(closing: boolean): CounterDelta[] {
    const now = this.clock.now();
    const due = closing || this.flushWanted || now - this.lastWritten >= WRITE_INTERVAL_MS;
    this.flushWanted = false;
    if (this.pending.size === 0 || !due) return [];
    this.writing = this.pending;
    this.writingSince = now;
    this.pending = new Map();
    return [...this.writing].map(([key, amount]) => ({ key, amount }));
  }

  written(ok: boolean): void {
    if (ok && this.writing.size > 0) this.lastWritten = this.writingSince;
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
