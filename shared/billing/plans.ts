/**
 * Plans: what an account may do and what it pays. Plans are configuration, not data: changing
 * a price here changes every report computed afterwards (final reports keep their amounts).
 */
export interface PlanLimits {
  /** Sustained events/s for the whole account (burst: 10× for one second's worth). */
  events_per_second: number;
  /** Default sustained events/s of a source without its own rate_limit_per_second. */
  source_events_per_second: number;
  max_sources: number;
  max_retention_days: number;
  /** Events a month included in the base price. */
  included_events_per_month: number;
}

export interface Plan {
  name: string;
  limits: PlanLimits;
  /** USD per million events beyond the included ones. */
  price_per_million_events: number;
}

export const PLANS: Readonly<Record<string, Plan>> = {
  free: {
    name: 'free',
    limits: {
      events_per_second: 100,
      source_events_per_second: 50,
      max_sources: 10,
      max_retention_days: 3,
      included_events_per_month: 12_960_000,
    },
    price_per_million_events: 0,
  },
  metered: {
    name: 'metered',
    limits: {
      events_per_second: 5_000,
      source_events_per_second: 1_000,
      max_sources: 1_000,
      max_retention_days: 90,
      included_events_per_month: 0,
    },
    price_per_million_events: 0.5,
  },
  /** The local twin's default account: one machine's worth, effectively unlimited. */
  local: {
    name: 'local',
    limits: {
      events_per_second: 1_000_000,
      source_events_per_second: 1_000_000,
      max_sources: 10_000,
      max_retention_days: 3_650,
      included_events_per_month: Number.MAX_SAFE_INTEGER,
    },
    price_per_million_events: 0,
  },
};

export const DEFAULT_PLAN = 'free';

export function planOf(name: string): Plan {
  return PLANS[name] ?? PLANS[DEFAULT_PLAN]!;
}

/**
 * A source's sustained events/s: its own `rate_limit_per_second` or the plan's default for
 * sources, and never more than the whole account may send.
 */
export function sourceEventsPerSecond(plan: Plan, rateLimitPerSecond: number | null): number {
  return Math.min(rateLimitPerSecond ?? plan.limits.source_events_per_second, plan.limits.events_per_second);
}
