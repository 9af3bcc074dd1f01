/**
 * One limited key (a source or an account) as one instance sees it: the bucket's tokens at the
 * start of the oldest window still open, and for each open one-second window what this instance
 * counted (admitted and offered events), how much of that it has written to the CounterStore,
 * and the cluster totals it last read. No I/O and no clock: the limiter feeds it window numbers.
 *
 * A window is open while late flushes from other instances may still change its total; after
 * SETTLE_LAG windows it is folded into the tokens and forgotten (its counts are kept until
 * written). A key starts as if its bucket were full LOOKBACK windows ago and reads back that
 * far, which is enough for an emptied bucket to be seen refilling.
 */
import type { CounterDelta } from '../ports.ts';
import {
  demandShare,
  evenShare,
  nextTokens,
  projectedCount,
  tokensAt,
  type BucketView,
  type RateLimit,
} from './bucket.ts';

/** Windows this far behind the current one have every instance's flush in them. */
const SETTLE_LAG = 3;
/** How far back a key seen for the first time reads the cluster's counts. */
const LOOKBACK = 10;
/** With the CounterStore unreachable, windows older than this are settled from what is known. */
const MAX_OPEN = 30;

/** A one-second window's counters are read for seconds; an hour later they may go. */
export const windowExpiry = (window: number): number => (window + 3600) * 1000;
const admittedCounter = (key: string, window: number) => `rl:${key}:a:${window}`;
const offeredCounter = (key: string, window: number) => `rl:${key}:d:${window}`;

interface WindowCounts {
  /** This instance's own counts (all of them). */
  admitted: number;
  offered: number;
  /** Of those, written to the store; and being written by the running flush. */
  admittedWritten: number;
  offeredWritten: number;
  admittedWriting: number;
  offeredWriting: number;
  /** Of those, included in the last read (everything written before it). */
  admittedInRead: number;
  offeredInRead: number;
  /** Cluster totals at the last read. */
  clusterAdmitted: number;
  clusterOffered: number;
}

const emptyWindow = (): WindowCounts => ({
  admitted: 0,
  offered: 0,
  admittedWritten: 0,
  offeredWritten: 0,
  admittedWriting: 0,
  offeredWriting: 0,
  admittedInRead: 0,
  offeredInRead: 0,
  clusterAdmitted: 0,
  clusterOffered: 0,
});

export class KeyWindows {
  /** The oldest open window; `tokens` is the bucket at its start. */
  private firstOpen: number;
  private tokens: number;
  private readonly open = new Map<number, WindowCounts>();
  /** Settled windows whose own counts are not all written yet. */
  private readonly unwritten = new Map<number, WindowCounts>();
  /** This instance's share of the key's traffic, from the last read; null: not known. */
  private share: number | null = null;
  /** The last window in which this instance offered events on the key. */
  lastActive: number;

  constructor(
    readonly key: string,
    private limit: RateLimit,
    currentWindow: number,
  ) {
    this.firstOpen = currentWindow - LOOKBACK;
    this.tokens = limit.burst;
    this.lastActive = currentWindow;
  }

  get rateLimit(): RateLimit {
    return this.limit;
  }

  /** A changed limit takes effect at once; a smaller bucket drops what no longer fits. */
  setLimit(limit: RateLimit): void {
    if (limit.perSecond === this.limit.perSecond && limit.burst === this.limit.burst) return;
    this.limit = limit;
    this.tokens = Math.min(this.tokens, limit.burst);
  }

  /** The bucket now, as this instance projects it; `liveInstances` splits it while the share is unknown. */
  view(window: number, fraction: number, liveInstances: number): BucketView {
    this.settleBefore(window - MAX_OPEN);
    const share = this.share ?? evenShare(liveInstances);
    let tokens = this.tokens;
    for (let w = this.firstOpen; w < window; w++) {
      tokens = nextTokens(this.limit, tokens, this.projected(this.open.get(w), share));
    }
    const current = this.open.get(window);
    const unsynced = current ? current.admitted - current.admittedInRead : 0;
    return { tokens: tokensAt(this.limit, tokens, fraction, this.projected(current, share)), share, unsynced };
  }

  record(window: number, offered: number, admitted: number): void {
    const counts = this.counts(window);
    counts.offered += offered;
    counts.admitted += admitted;
    this.lastActive = Math.max(this.lastActive, window);
  }

  /** What to write now: every count not yet written, marked as being written. */
  collect(): CounterDelta[] {
    const deltas: CounterDelta[] = [];
    for (const [window, counts] of this.allCounts()) {
      counts.admittedWriting = counts.admitted - counts.admittedWritten;
      counts.offeredWriting = counts.offered - counts.offeredWritten;
      const expiresAt = windowExpiry(window);
      if (counts.admittedWriting > 0) deltas.push({ key: admittedCounter(this.key, window), amount: counts.admittedWriting, expiresAt });
      if (counts.offeredWriting > 0) deltas.push({ key: offeredCounter(this.key, window), amount: counts.offeredWriting, expiresAt });
    }
    return deltas;
  }

  /** The write of the last collect() succeeded, or failed (its counts are collected again). */
  written(ok: boolean): void {
    for (const [window, counts] of this.allCounts()) {
      if (ok) {
        counts.admittedWritten += counts.admittedWriting;
        counts.offeredWritten += counts.offeredWriting;
      }
      counts.admittedWriting = 0;
      counts.offeredWriting = 0;
      if (this.unwritten.has(window) && counts.admittedWritten === counts.admitted && counts.offeredWritten === counts.offered) {
        this.unwritten.delete(window);
      }
    }
  }

  /** Counters to read at `window`: admitted in every open window, offered where the share comes from. */
  keysToRead(window: number): string[] {
    const keys: string[] = [];
    for (let w = this.firstOpen; w <= window; w++) keys.push(admittedCounter(this.key, w));
    keys.push(offeredCounter(this.key, window - 2));
    return keys;
  }

  /**
   * Takes in a read made at `window` (after this instance's own write). The share comes from
   * window − 2, the newest one every instance has flushed completely by now.
   */
  read(window: number, totals: Map<string, number>): void {
    // A key tracked after the read was planned is not in it: its history must not be settled blind.
    if (!totals.has(admittedCounter(this.key, window))) return;
    for (let w = this.firstOpen; w <= window; w++) {
      const total = totals.get(admittedCounter(this.key, w));
      if (total === undefined) continue;
      const counts = this.counts(w);
      counts.clusterAdmitted = total;
      counts.admittedInRead = counts.admittedWritten;
    }
    const shareWindow = window - 2;
    const offered = totals.get(offeredCounter(this.key, shareWindow));
    if (offered !== undefined) {
      const counts = this.counts(shareWindow);
      counts.clusterOffered = offered;
      counts.offeredInRead = counts.offeredWritten;
      this.share = demandShare(counts.offeredInRead, counts.clusterOffered);
    }
    this.settleBefore(window - SETTLE_LAG + 1);
  }

  /** Whether some of this instance's counts still wait to be written. */
  hasUnwritten(): boolean {
    for (const [, counts] of this.allCounts()) {
      if (counts.admitted > counts.admittedWritten || counts.offered > counts.offeredWritten) return true;
    }
    return false;
  }

  /** Folds every open window before `window` into the tokens. */
  private settleBefore(window: number): void {
    for (; this.firstOpen < window; this.firstOpen++) {
      const counts = this.open.get(this.firstOpen);
      // A settled window has every instance's flush in its total; only our own unread counts add.
      const admitted = counts ? counts.clusterAdmitted + counts.admitted - counts.admittedInRead : 0;
      this.tokens = nextTokens(this.limit, this.tokens, admitted);
      if (!counts) continue;
      this.open.delete(this.firstOpen);
      if (counts.admitted > counts.admittedWritten || counts.offered > counts.offeredWritten) {
        this.unwritten.set(this.firstOpen, counts);
      }
    }
  }

  private projected(counts: WindowCounts | undefined, share: number): number {
    if (!counts) return 0;
    return projectedCount(counts.clusterAdmitted, counts.admitted - counts.admittedInRead, share);
  }

  private counts(window: number): WindowCounts {
    if (window < this.firstOpen) {
      // A count for a settled window (the clock went back): it still has to reach the store.
      const settled = this.unwritten.get(window) ?? emptyWindow();
      this.unwritten.set(window, settled);
      return settled;
    }
    let counts = this.open.get(window);
    if (!counts) {
      counts = emptyWindow();
      this.open.set(window, counts);
    }
    return counts;
  }

  private *allCounts(): Iterable<[number, WindowCounts]> {
    yield* this.unwritten;
    yield* this.open;
  }
}
