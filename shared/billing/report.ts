/**
 * Report arithmetic, pure: what a day costs under a plan, when a day's report is final, and
 * how a report reads over HTTP.
 *
 * A plan includes some events a month and prices the rest per million. A day pays for the
 * part of its events that falls beyond the month's allowance, given the events billed on the
 * earlier days of the month: the amount is charge(before + day) − charge(before), each
 * rounded to the micro-dollar, so the days of a month add up exactly to the month's charge.
 */
import type { Account } from '../accounts/model.ts';
import type { Plan } from './plans.ts';
import type { DailyUsage, UsageReport } from './model.ts';
import { DAY_MS, dayStart } from './days.ts';

/**
 * A day's report becomes final this long after the day ends, so that the counts instances
 * made in its last seconds (written about a second later, or later after a store outage) are in.
 */
export const FINAL_AFTER_MS = 5 * 60_000;

/** Micro-dollars for `events` in one month (the price per million events is µUSD per event). */
function monthCharge(plan: Plan, events: number): number {
  const billable = Math.max(0, events - plan.limits.included_events_per_month);
  return Math.round(billable * plan.price_per_million_events);
}

/** USD owed for a day of `events`, after `eventsBefore` on the earlier days of its month. */
export function dayAmount(plan: Plan, eventsBefore: number, events: number): number {
  return (monthCharge(plan, eventsBefore + events) - monthCharge(plan, eventsBefore)) / 1e6;
}

/** USD owed for a month so far. */
export function monthAmount(plan: Plan, events: number): number {
  return monthCharge(plan, events) / 1e6;
}

export function isFinal(period: string, now: number): boolean {
  return now >= dayStart(period) + DAY_MS + FINAL_AFTER_MS;
}

export function buildReport(input: {
  account: Account;
  plan: Plan;
  usage: DailyUsage;
  eventsBefore: number;
  now: number;
}): UsageReport {
  const { account, plan, usage, eventsBefore, now } = input;
  return {
    account_id: account.id,
    period: usage.date,
    plan: plan.name,
    events: usage.events,
    bytes: usage.bytes,
    query_bytes: usage.query_bytes,
    amount: dayAmount(plan, eventsBefore, usage.events),
    final: isFinal(usage.date, now),
    computed_at: new Date(now).toISOString(),
    delivered_at: null,
  };
}

/** A report as the HTTP contract shows it. */
export function presentReport(report: UsageReport) {
  const { account_id, period, events, bytes, query_bytes, amount, final } = report;
  return { account: account_id, period, events, bytes, query_bytes, amount, final };
}
