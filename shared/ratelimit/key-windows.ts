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
 *
 * A hot key (see isHot) is written and read every tick through its one-second counters. A cool
 * one waits for its period (key-periods.ts): its counts go out once the period is over, and its
 * totals are read once a period; meanwhile its open windows project the other instances from
 * this one's counts and share, and what they really admitted arrives with the period read.
 */
import type { CounterDelta } from '../ports.ts';
import {
  demandShare,
  evenShare,
  isHot,
  movingRate,
  nextTokens,
  projectedCount,
  tokensAt,
  type BucketView,
  type RateLimit,
} from './bucket.ts';
import { coolAdmittedCounter, KeyPeriods, periodExpiry, periodOf, periodOfferedCounter } from './key-periods.ts';
import { admittedCounter, allWritten, emptyWindow, offeredCounter, windowExpiry, type WindowCounts } from './window-counts.ts';

/** Windows this far behind the current one have every instance's flush in them. */
export const SETTLE_LAG = 3;
/** How far back a key seen for the first time reads the cluster's counts. */
const LOOKBACK = 10;
/** With the CounterStore unreachable, windows older than this are settled from what is known. */
const MAX_OPEN = 30;

export class KeyWindows {
  /** The oldest open window; `tokens` is the bucket at its start. */
  private firstOpen: number;
  private tokens: number;
  private readonly open = new Map<number, WindowCounts>();
  /** Settled windows whose own counts are not all written yet. */
  private readonly unwritten = new Map<number, WindowCounts>();
  /** This instance's share of the key's traffic, from the last read; null: not known. */
  private share: number | null = null;
  private readonly periods = new KeyPeriods();
  /** What the running write will have written once it succeeds. */
  private inFlight: (() => void)[] = [];
  /** Whether some read has taken the key's history in yet (the first one reads LOOKBACK windows). */
  hasBeenRead = false;
  /** Whether the last read had the window counters (else its open windows were not read). */
  private windowsRead = false;
  /** From the last period read: this instance's share of the key's demand, and the cluster's demand (events/s). */
  private periodShare: number | null = null;
  private periodDemand = 0;
  /** This instance's offered events/s on the key (movingRate), as of `rateAt` (in windows). */
  private ownRate = 0;
  private rateAt = -Infinity;
  /** Synced every tick (see isHot); a new key starts cool, after its first read decides. */
  hot = false;
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
    const share = this.share ?? evenShare(liveInstances);
    this.settleBefore(window - MAX_OPEN, this.periodShare ?? share);
    let tokens = this.tokens;
    for (let w = this.firstOpen; w < window; w++) {
      tokens = nextTokens(this.limit, tokens, this.projected(this.open.get(w), share));
    }
    const current = this.open.get(window);
    const unsynced = current ? current.admitted - current.admittedInRead : 0;
    return { tokens: tokensAt(this.limit, tokens, fraction, this.projected(current, share)), share, unsynced };
  }

  /** Counts a decision; traffic that this instance alone projects high enough makes the key hot at once. */
  record(window: number, fraction: number, offered: number, admitted: number, liveInstances: number): void {
    const counts = this.counts(window);
    counts.offered += offered;
    counts.admitted += admitted;
    this.lastActive = Math.max(this.lastActive, window);
    this.ownRate = movingRate(this.ownRate, window + fraction - this.rateAt, offered);
    this.rateAt = Math.max(this.rateAt, window + fraction);
    if (!this.hot) this.hot = this.needsEveryTick(window, fraction, liveInstances);
  }

  /**
   * What to write now, remembered as in flight: while hot, the counts of the windows that the
   * instances still read to their windows' counters; and once a period is over (or the instance
   * closes), what is left of it to the period's counters: the admissions not written yet (older
   * windows', which window reads would miss, go there too) and every offered event.
   */
  collect(window: number, closing: boolean): CounterDelta[] {
    const deltas: CounterDelta[] = [];
    const periods = new Map<number, { admitted: number; offered: number }>();
    this.inFlight = [];
    for (const [w, counts] of this.allCounts()) {
      const toWindow = this.hot && w >= Math.max(this.firstOpen, window - SETTLE_LAG);
      const toPeriod = closing || periodOf(w) < periodOf(window);
      const admitted = counts.admitted - counts.admittedWritten;
      const windowAdmitted = toWindow ? admitted : 0;
      const windowOffered = toWindow ? counts.offered - counts.offeredToWindow : 0;
      const periodAdmitted = toPeriod && !toWindow ? admitted : 0;
      const periodOffered = toPeriod ? counts.offered - counts.offeredToPeriod : 0;
      const expiresAt = windowExpiry(w);
      if (windowAdmitted > 0) deltas.push({ key: admittedCounter(this.key, w), amount: windowAdmitted, expiresAt });
      if (windowOffered > 0) deltas.push({ key: offeredCounter(this.key, w), amount: windowOffered, expiresAt });
      if (periodAdmitted > 0 || periodOffered > 0) {
        const sums = periods.get(periodOf(w)) ?? { admitted: 0, offered: 0 };
        sums.admitted += periodAdmitted;
        sums.offered += periodOffered;
        periods.set(periodOf(w), sums);
      }
      if (windowAdmitted + windowOffered + periodAdmitted + periodOffered === 0) continue;
      this.inFlight.push(() => {
        counts.admittedWritten += windowAdmitted + periodAdmitted;
        counts.admittedToWindow += windowAdmitted;
        counts.offeredToWindow += windowOffered;
        counts.offeredToPeriod += periodOffered;
      });
    }
    for (const [period, { admitted, offered }] of periods) {
      const expiresAt = periodExpiry(period);
      if (admitted > 0) deltas.push({ key: coolAdmittedCounter(this.key, period), amount: admitted, expiresAt });
      if (offered > 0) deltas.push({ key: periodOfferedCounter(this.key, period), amount: offered, expiresAt });
      this.inFlight.push(() => this.periods.wrote(period, admitted, offered));
    }
    return deltas;
  }

  /** The write of the last collect() succeeded, or failed (its counts are collected again). */
  written(ok: boolean): void {
    if (ok) for (const apply of this.inFlight) apply();
    this.inFlight = [];
    for (const [window, counts] of this.unwritten) if (allWritten(counts)) this.unwritten.delete(window);
  }

  /**
   * Counters to read at `window`. Hot (or never read): the admissions of the open windows, and
   * the offered events of the window the share comes from; after a cool spell, of the last
   * SETTLE_LAG windows only, as the older ones went out by period. At a period read (and the
   * first read): the last period's counters.
   */
  keysToRead(window: number, periodRead: boolean): string[] {
    const keys: string[] = [];
    if (this.hot || !this.hasBeenRead) {
      const from = this.windowsRead || !this.hasBeenRead ? this.firstOpen : Math.max(this.firstOpen, window - SETTLE_LAG);
      for (let w = from; w <= window; w++) keys.push(admittedCounter(this.key, w));
      keys.push(offeredCounter(this.key, window - 2));
    }
    if (periodRead || !this.hasBeenRead) {
      const period = periodOf(window) - 1;
      keys.push(coolAdmittedCounter(this.key, period), periodOfferedCounter(this.key, period));
    }
    return keys;
  }

  /**
   * Takes in a read made at `window` (after this instance's own write), then decides whether
   * the key is hot. The share comes from window − 2, the newest one every instance has flushed
   * completely by now; for a key read by period only, from the last period.
   */
  read(window: number, totals: Map<string, number>, liveInstances: number): void {
    const windows = totals.has(admittedCounter(this.key, window));
    const period = periodOf(window) - 1;
    const coolAdmitted = totals.get(coolAdmittedCounter(this.key, period));
    // A key tracked after the read was planned is not in it: its history must not be settled blind.
    if (!windows && coolAdmitted === undefined) return;
    if (windows) this.readWindows(window, totals);
    // Settled first: what the period's windows assumed of the other instances is then known.
    this.settleBefore(window - SETTLE_LAG + 1, this.periodShare ?? this.share ?? evenShare(liveInstances));
    if (coolAdmitted !== undefined) {
      const offered = totals.get(periodOfferedCounter(this.key, period)) ?? 0;
      const { arrived, share, demand } = this.periods.read(period, coolAdmitted, offered);
      this.counts(window).arrived += arrived;
      this.periodShare = share;
      this.periodDemand = demand;
      if (!windows) this.share = share;
    }
    this.hasBeenRead = true;
    this.windowsRead = windows;
    this.hot = this.needsEveryTick(window, 0, liveInstances);
  }

  /** Whether some of this instance's counts still wait to be written. */
  hasUnwritten(): boolean {
    for (const [, counts] of this.allCounts()) if (!allWritten(counts)) return true;
    return false;
  }

  private readWindows(window: number, totals: Map<string, number>): void {
    for (let w = this.firstOpen; w <= window; w++) {
      const total = totals.get(admittedCounter(this.key, w));
      if (total === undefined) continue;
      const counts = this.counts(w);
      counts.clusterAdmitted = total;
      counts.admittedInRead = counts.admittedToWindow;
      counts.windowRead = true;
    }
    const shareWindow = window - 2;
    const offered = totals.get(offeredCounter(this.key, shareWindow));
    if (offered !== undefined) {
      const counts = this.counts(shareWindow);
      counts.clusterOffered = offered;
      counts.offeredInRead = counts.offeredToWindow;
      this.share = demandShare(counts.offeredInRead, counts.clusterOffered);
    }
  }

  /**
   * Checks the key with isHot. Its use is the cluster's demand (offered events/s, at least what
   * was admitted): this instance's own, scaled up by its share of the last period's demand, the
   * one share that counts every instance, hot or cool (a hot key's window share counts only the
   * hot ones); and at least that period's demand itself, which shows what another instance's
   * climb did to the cluster.
   */
  private needsEveryTick(window: number, fraction: number, liveInstances: number): boolean {
    const view = this.view(window, fraction, liveInstances);
    const own = movingRate(this.ownRate, window + fraction - this.rateAt);
    const usage = Math.max(own / (this.periodShare ?? view.share), this.periodDemand);
    return isHot(this.limit, usage, view.tokens);
  }

  /**
   * Folds every open window before `window` into the tokens. A window read has every instance's
   * window flush in its total: only our own unread counts add. One never read (the key was cool,
   * or the store failing) counts the other instances as projected from our counts and `share`
   * (the period's, which counts every instance), and the period read corrects that with what
   * they wrote.
   */
  private settleBefore(window: number, share: number): void {
    for (; this.firstOpen < window; this.firstOpen++) {
      const counts = this.open.get(this.firstOpen);
      if (!counts) {
        this.tokens = nextTokens(this.limit, this.tokens, 0);
        continue;
      }
      const known = counts.clusterAdmitted + counts.arrived + counts.admitted - counts.admittedInRead;
      const admitted = counts.windowRead ? known : this.projected(counts, share);
      this.periods.assume(periodOf(this.firstOpen), admitted - known);
      this.tokens = nextTokens(this.limit, this.tokens, admitted);
      this.open.delete(this.firstOpen);
      if (!allWritten(counts)) this.unwritten.set(this.firstOpen, counts);
    }
  }

  private projected(counts: WindowCounts | undefined, share: number): number {
    if (!counts) return 0;
    return projectedCount(counts.clusterAdmitted + counts.arrived, counts.admitted - counts.admittedInRead, share);
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
