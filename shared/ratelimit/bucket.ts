/**
 * The limiter's arithmetic, free of I/O and clocks: a token bucket (sustained R events/s, room
 * for a burst of 10R) kept per one-second window, so that it can be rebuilt from counters that
 * only add up. Time enters as window numbers and a fraction of the current window.
 *
 * Tokens at the start of window i+1 are `min(burst, T_i + R − C_i)`, where C_i is what the whole
 * cluster admitted in window i; within a window, `min(burst, T_i + R·f − C_i)` are available at
 * fraction f. An overshoot (C_i above what was there) leaves the bucket negative: a debt that
 * later windows repay, so the long-run rate stays R whatever the cluster's lag.
 */

/** How many seconds of the sustained rate a full bucket holds. */
export const BURST_SECONDS = 10;

export interface RateLimit {
  /** Sustained events per second. */
  perSecond: number;
  /** Bucket size: the most events admitted at once after a quiet spell. */
  burst: number;
}

export function rateLimit(perSecond: number): RateLimit {
  return { perSecond, burst: perSecond * BURST_SECONDS };
}

/** Tokens at the start of the next window, after `admitted` events in this one. */
export function nextTokens(limit: RateLimit, tokens: number, admitted: number): number {
  return Math.min(limit.burst, tokens + limit.perSecond - admitted);
}

/** Tokens available at `fraction` (0..1) of a window that began with `tokens` and has seen `admitted`. */
export function tokensAt(limit: RateLimit, tokens: number, fraction: number, admitted: number): number {
  return Math.min(limit.burst, tokens + limit.perSecond * fraction - admitted);
}

/**
 * What the cluster admitted in a window, as this instance best knows it: the total it last read
 * (which includes what it had flushed before that read) plus what it counted since, scaled up
 * by its share of the cluster's traffic (the other instances are presumed to have been as busy,
 * in proportion, since their own last flush).
 */
export function projectedCount(known: number, unsynced: number, share: number): number {
  return known + unsynced / share;
}

/**
 * This instance's part of the cluster's traffic on a key: its own offered events over the
 * cluster's, both as counted in the same read (like with like). Null when that read says
 * nothing: the caller then falls back to an even split over the live instances.
 */
export function demandShare(ownInRead: number, clusterInRead: number): number | null {
  if (ownInRead <= 0 || clusterInRead <= 0) return null;
  return Math.min(1, Math.max(MIN_SHARE, ownInRead / clusterInRead));
}

/** No instance's share drops below this: a quiet instance must still get some traffic through. */
export const MIN_SHARE = 0.01;

export function evenShare(liveInstances: number): number {
  return 1 / Math.max(1, liveInstances);
}

/** From this part of its sustained rate (and below this part of a full bucket) a key is hot. */
export const HOT_USAGE = 0.5;

/**
 * Whether a key needs the cluster's totals every second rather than every ten: when the cluster
 * uses it at half its sustained rate or more (`usage`, events/s), or its bucket is less than
 * half full. Below both the bucket only fills, whatever the other instances did since the last
 * read, unless the rate climbs; a climb shows in this instance's own counts (scaled by its share)
 * within a second or two, and makes the key hot then.
 */
export function isHot(limit: RateLimit, usage: number, tokens: number): boolean {
  return usage >= HOT_USAGE * limit.perSecond || tokens < HOT_USAGE * limit.burst;
}

/**
 * Seconds over which an instance's own rate on a key is averaged for isHot: long enough that a
 * busy second of a key used at 40 % does not read as 50 %, short enough that a real climb shows
 * within a second or two (a burst shows in the bucket at once).
 */
export const RATE_SECONDS = 3;

/** An exponentially weighted events/s: `rate` as it was `elapsed` seconds ago, plus `events` now. */
export function movingRate(rate: number, elapsed: number, events = 0): number {
  return rate * Math.exp(-Math.max(0, elapsed) / RATE_SECONDS) + events / RATE_SECONDS;
}

export interface BucketView {
  /** Cluster tokens available now (may be negative: a debt). */
  tokens: number;
  /** This instance's part of them, 0 < share ≤ 1. */
  share: number;
  /** Events this instance admitted in the current window that its last read did not include. */
  unsynced: number;
}

export interface BucketDecision {
  admitted: boolean;
  /** When refused: whole seconds until the request could pass (≥ 1); 0 when admitted. */
  retryAfterSeconds: number;
}

/**
 * Admits `events` when they fit this instance's share of the available tokens. A request needs
 * at most a full bucket: one larger than the burst passes when the bucket is full and leaves a
 * debt. The first request since the last sync may use the cluster's tokens beyond this
 * instance's share, so that a batch larger than the share is never refused for good.
 */
export function decide(limit: RateLimit, view: BucketView, events: number): BucketDecision {
  const need = Math.min(events, limit.burst);
  const quota = view.tokens * view.share;
  const admitted = events === 0 || need <= quota || (view.unsynced === 0 && need <= view.tokens);
  if (admitted) return { admitted, retryAfterSeconds: 0 };
  const deficit = need - view.tokens;
  return { admitted, retryAfterSeconds: Math.max(1, Math.ceil(deficit / limit.perSecond)) };
}

/** Events this instance could still admit after using `used` of its share (whole, ≥ 0). */
export function remainingAfter(view: BucketView, used: number): number {
  return Math.max(0, Math.floor(view.tokens * view.share - used));
}
