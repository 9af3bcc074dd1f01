/**
 * The billing service: computes each account's usage report for a UTC day from the metered
 * counters and the plan's pricing, stores it (a final report is computed once and then only
 * read back), delivers final reports to the webhook, and summarises the running month.
 *
 * Idempotent by construction: a final report already stored is returned as is, a provisional
 * one is recomputed from the same counters, and a day's amount depends only on the events billed
 * before it in its month, so no run charges an event twice.
 */
import type { Account } from '../accounts/model.ts';
import type { Clock, MetaStore, PeriodRange } from '../ports.ts';
import { badRequest } from '../errors.ts';
import { planOf } from './plans.ts';
import { CURRENCY, type DailyUsage, type UsageReport } from './model.ts';
import { addDays, dayStart, daysFrom, monthEnd, monthStart, utcDay } from './days.ts';
import { buildReport, monthAmount } from './report.ts';
import type { UsageMeter } from './metering.ts';
import type { ReportDelivery } from './webhook.ts';

const ACCOUNTS_PER_PAGE = 100;
/** Accounts reported at once within a page. */
const PARALLEL_ACCOUNTS = 8;

export interface BillingDeps {
  meta: MetaStore;
  meter: UsageMeter;
  clock: Clock;
  /** Where final reports go; null without BILLING_WEBHOOK_URL. */
  delivery: ReportDelivery | null;
}

export interface BillingSummary {
  plan: string;
  period: { from: string; to: string };
  usage: Omit<DailyUsage, 'date'>;
  included_events: number;
  price_per_million_events: number;
  estimated_charge: number;
  currency: string;
}

export class Billing {
  /** Report runs of this instance take turns, so one never sees another's half-done work. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: BillingDeps) {}

  /** The default period of a report run: yesterday, UTC. */
  yesterday(): string {
    return addDays(utcDay(this.deps.clock.now()), -1);
  }

  /** Every account's report for `period`; final once the day is over, provisional before. */
  runReports(period: string): Promise<UsageReport[]> {
    if (dayStart(period) > this.deps.clock.now()) throw badRequest(`The period ${period} has not begun yet.`);
    const run = this.turn.then(() => this.reportAll(period));
    this.turn = run.catch(() => undefined);
    return run;
  }

  listReports(accountId: string, range?: PeriodRange): Promise<UsageReport[]> {
    return this.deps.meta.usageReports.list(accountId, range);
  }

  /** The calendar month so far: usage, what the plan includes and the charge to date. */
  async summary(account: Account): Promise<BillingSummary> {
    const plan = planOf(account.plan);
    const today = utcDay(this.deps.clock.now());
    const from = monthStart(today);
    const days = await this.deps.meter.daily(account.id, daysFrom(from, today));
    const usage = {
      events: sum(days.map((day) => day.events)),
      bytes: sum(days.map((day) => day.bytes)),
      query_bytes: sum(days.map((day) => day.query_bytes)),
    };
    return {
      plan: plan.name,
      period: { from, to: monthEnd(today) },
      usage,
      included_events: plan.limits.included_events_per_month,
      price_per_million_events: plan.price_per_million_events,
      estimated_charge: monthAmount(plan, usage.events),
      currency: CURRENCY,
    };
  }

  private async reportAll(period: string): Promise<UsageReport[]> {
    const reports: UsageReport[] = [];
    let after: string | undefined;
    for (;;) {
      const accounts = await this.deps.meta.listAccounts({ after, limit: ACCOUNTS_PER_PAGE });
      for (let i = 0; i < accounts.length; i += PARALLEL_ACCOUNTS) {
        const group = accounts.slice(i, i + PARALLEL_ACCOUNTS);
        reports.push(...(await Promise.all(group.map((account) => this.report(account, period)))));
      }
      if (accounts.length < ACCOUNTS_PER_PAGE) break;
      after = accounts.at(-1)!.id;
    }
    const { delivery } = this.deps;
    if (delivery) await this.deliver(delivery, reports);
    return reports;
  }

  private async report(account: Account, period: string): Promise<UsageReport> {
    const { meta, meter, clock } = this.deps;
    const month = await meta.usageReports.list(account.id, { from: monthStart(period), to: period });
    const stored = month.find((report) => report.period === period);
    if (stored?.final) return stored;
    // Earlier days count with what their final report billed; the others as metered.
    const billed = new Map(month.filter((report) => report.final).map((report) => [report.period, report.events]));
    const unbilled = daysFrom(monthStart(period), addDays(period, -1)).filter((day) => !billed.has(day));
    const [usage, earlier] = await Promise.all([
      meter.daily(account.id, [period]),
      unbilled.length > 0 ? meter.daily(account.id, unbilled, ['events']) : Promise.resolve([]),
    ]);
    const eventsBefore = sum([...billed.values()]) + sum(earlier.map((day) => day.events));
    const report = buildReport({ account, plan: planOf(account.plan), usage: usage[0]!, eventsBefore, now: clock.now() });
    return meta.usageReports.put(report);
  }

  /** Sends each final report not yet delivered; one that fails waits for the next run. */
  private async deliver(delivery: ReportDelivery, reports: UsageReport[]): Promise<void> {
    const due = reports.filter((report) => report.final && report.delivered_at === null);
    for (let i = 0; i < due.length; i += PARALLEL_ACCOUNTS) {
      await Promise.all(
        due.slice(i, i + PARALLEL_ACCOUNTS).map(async (report) => {
          if (!(await delivery.deliver(report))) return;
          const at = new Date(this.deps.clock.now()).toISOString();
          await this.deps.meta.usageReports.markDelivered(report.account_id, report.period, at);
        }),
      );
    }
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
