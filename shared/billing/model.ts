/**
 * What billing computes and keeps: an account's usage of one UTC day, priced by its plan. A
 * final report (the day has ended) never changes once stored; a provisional one (the day is
 * still running) is replaced by every later computation.
 */

export const USAGE_METRICS = ['events', 'bytes', 'query_bytes'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

/** One account's metered usage of one UTC day. */
export interface DailyUsage {
  /** `YYYY-MM-DD`, UTC. */
  date: string;
  /** Events accepted by ingest. */
  events: number;
  /** UTF-8 JSON bytes of those events as received. */
  bytes: number;
  /** Bytes scanned by the account's queries. */
  query_bytes: number;
}

export interface UsageReport {
  account_id: string;
  /** The UTC day reported, `YYYY-MM-DD`. */
  period: string;
  /** The plan the amount was computed with. */
  plan: string;
  events: number;
  bytes: number;
  query_bytes: number;
  /** USD owed for the day, to the micro-dollar. */
  amount: number;
  final: boolean;
  /** ISO 8601 UTC. */
  computed_at: string;
  /** When the final report reached the billing webhook; null until then (or without one). */
  delivered_at: string | null;
}

export const CURRENCY = 'USD';
