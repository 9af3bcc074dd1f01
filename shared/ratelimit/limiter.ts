/**
 * The instance's rate limiter: per source and per account, decided locally from the last
 * cluster totals read plus this instance's own counts since, and kept in step with the cluster
 * through the CounterSync (never a store operation per request). A key near its limit (hot) is
 * written and read every tick, about once a second; one far from it (cool) once a ten-second
 * period, which is what most keys are most of the time (see KeyWindows).
 *
 * A key seen for the first time waits for one sync that reads its recent history, so a fresh
 * instance does not hand out a bucket the cluster has already spent. While the instance's share
 * of a key's traffic is not yet known, it takes an even split over the live instances, which
 * each announce themselves with a heartbeat counter.
 */
import type { Account, Source } from '../accounts/model.ts';
import type { Clock, CounterDelta } from '../ports.ts';
import { planOf, sourceEventsPerSecond } from '../billing/plans.ts';
import { decide, rateLimit, remainingAfter, type RateLimit } from './bucket.ts';
import type { CounterParticipant, CounterSync } from './counter-sync.ts';
import { PERIOD_WINDOWS, periodExpiry, periodOf } from './key-periods.ts';
import { KeyWindows, SETTLE_LAG } from './key-windows.ts';
import { windowExpiry } from './window-counts.ts';

/** A key without traffic for this many windows (and nothing left to write) is forgotten. */
const IDLE_WINDOWS = 30;

const liveCounter = (window: number) => `rl:live:${window}`;
const livePeriodCounter = (period: number) => `rl:live:p:${period}`;

export interface LimitStatus {
  /** Sustained events/s. */
  limit: number;
  /** Events this instance could admit right now (up to a burst's worth). */
  remaining: number;
  /** Bucket size. */
  burst: number;
}

export interface RateDecision {
  admitted: boolean;
  source: LimitStatus;
  account: LimitStatus;
  /** Which limit refused the request (the source's when both did). */
  refusedBy: 'source' | 'account' | null;
  /** Whole seconds to wait before retrying; 0 when admitted. */
  retryAfterSeconds: number;
}

interface Subject {
  key: string;
  limit: RateLimit;
}

/** A window and a period this instance counted itself in as live. */
interface Heartbeat {
  window: number | null;
  period: number | null;
}

export class RateLimiter implements CounterParticipant {
  private readonly keys = new Map<string, KeyWindows>();
  private readonly warming = new Map<string, Promise<void>>();
  /** Live instances as counted by the last read of the window heartbeats (0: not read) and of the period ones. */
  private windowLive = 0;
  private periodLive = 0;
  private lastWindow = -Infinity;
  /** The heartbeats last written, and those the running write holds. */
  private heartbeat: Heartbeat = { window: null, period: null };
  private heartbeatWriting: Heartbeat = { window: null, period: null };
  private readWindow = 0;
  /** The period in which the planned read takes the last period's totals in (null: it does not), and the latest that did. */
  private periodReading: number | null = null;
  private periodRead = -Infinity;

  constructor(
    private readonly sync: CounterSync,
    private readonly clock: Clock,
  ) {
    sync.join(this);
  }

  /** Decides whether `events` more events of `source` may pass now, and counts them if so. */
  async check(account: Account, source: Source, events: number): Promise<RateDecision> {
    this.sync.start();
    const plan = planOf(account.plan);
    const subjects: [Subject, Subject] = [
      { key: `src:${source.id}`, limit: rateLimit(sourceEventsPerSecond(plan, source.rate_limit_per_second)) },
      { key: `acct:${account.id}`, limit: rateLimit(plan.limits.events_per_second) },
    ];
    const warming = subjects.map((subject) => this.ready(subject)).filter((promise) => promise !== undefined);
    if (warming.length > 0) await Promise.all(warming);

    const { window, fraction } = this.now();
    const states = subjects.map((subject) => this.keys.get(subject.key) ?? this.track(subject, window));
    const views = states.map((state) => state.view(window, fraction, this.liveInstances));
    const decisions = states.map((state, i) => decide(state.rateLimit, views[i]!, events));
    const admitted = decisions.every((decision) => decision.admitted);
    for (const state of states) state.record(window, fraction, events, admitted ? events : 0, this.liveInstances);
    this.sync.syncIfDue();

    const status = (i: number): LimitStatus => ({
      limit: subjects[i]!.limit.perSecond,
      burst: subjects[i]!.limit.burst,
      remaining: remainingAfter(views[i]!, admitted ? events : 0),
    });
    const refused = decisions.findIndex((decision) => !decision.admitted);
    return {
      admitted,
      source: status(0),
      account: status(1),
      refusedBy: refused === -1 ? null : refused === 0 ? 'source' : 'account',
      retryAfterSeconds: Math.max(...decisions.map((decision) => decision.retryAfterSeconds)),
    };
  }

  /** Runs one sync now (tests, and a key's first use). */
  syncNow(): Promise<void> {
    return this.sync.sync();
  }

  collect(closing: boolean): CounterDelta[] {
    const { window } = this.now();
    for (const [key, state] of this.keys) {
      if (state.lastActive < window - IDLE_WINDOWS && !state.hasUnwritten()) this.keys.delete(key);
    }
    const deltas = [...this.keys.values()].flatMap((state) => state.collect(window, closing));
    if (this.keys.size > 0 && !closing) deltas.push(...this.heartbeats(window));
    return deltas;
  }

  written(ok: boolean): void {
    for (const state of this.keys.values()) state.written(ok);
    if (ok) {
      this.heartbeat.window = this.heartbeatWriting.window ?? this.heartbeat.window;
      this.heartbeat.period = this.heartbeatWriting.period ?? this.heartbeat.period;
    }
    this.heartbeatWriting = { window: null, period: null };
  }

  keysToRead(): string[] {
    if (this.keys.size === 0) return [];
    const window = this.now().window;
    const period = periodOf(window);
    this.readWindow = window;
    // Once a period, when every instance has written the last one: SETTLE_LAG windows into it.
    const periodDue = window - period * PERIOD_WINDOWS >= SETTLE_LAG && this.periodRead < period;
    this.periodReading = periodDue ? period : null;
    const states = [...this.keys.values()];
    const keys: string[] = [];
    if (states.some((state) => state.hot)) keys.push(liveCounter(window - 2), liveCounter(window - 1), liveCounter(window));
    if (periodDue || states.some((state) => !state.hasBeenRead)) keys.push(livePeriodCounter(period - 1), livePeriodCounter(period));
    for (const state of states) keys.push(...state.keysToRead(window, periodDue));
    return keys;
  }

  read(totals: Map<string, number>): void {
    const window = this.readWindow;
    const period = periodOf(window);
    // Without a hot key no instance counts itself by window: the period heartbeats say it all.
    const byWindow = [window - 2, window - 1, window].map((w) => totals.get(liveCounter(w)) ?? 0);
    this.windowLive = Math.max(...byWindow);
    if (totals.has(livePeriodCounter(period))) {
      this.periodLive = Math.max(...[period - 1, period].map((p) => totals.get(livePeriodCounter(p)) ?? 0));
    }
    if (this.periodReading !== null) this.periodRead = this.periodReading;
    for (const state of this.keys.values()) state.read(window, totals, this.liveInstances);
  }

  /**
   * Each instance with keys counts itself in every period's heartbeat, and while some key is hot
   * in every window's as well: a hot key's even split must see an instance come or go within
   * seconds, a cool key's can wait for the period (it is far from its limit either way), and
   * one write a period instead of one a second is most of what an idle-ish instance costs.
   */
  private heartbeats(window: number): CounterDelta[] {
    const deltas: CounterDelta[] = [];
    const period = periodOf(window);
    if (this.heartbeat.period !== period) {
      deltas.push({ key: livePeriodCounter(period), amount: 1, expiresAt: periodExpiry(period) });
      this.heartbeatWriting.period = period;
    }
    const hot = [...this.keys.values()].some((state) => state.hot);
    if (hot && this.heartbeat.window !== window) {
      deltas.push({ key: liveCounter(window), amount: 1, expiresAt: windowExpiry(window) });
      this.heartbeatWriting.window = window;
    }
    return deltas;
  }

  private get liveInstances(): number {
    return Math.max(1, this.windowLive, this.periodLive);
  }

  /** Tracks a new key; its first decision waits for a sync that reads the key's history. */
  private ready(subject: Subject): Promise<void> | undefined {
    const state = this.keys.get(subject.key);
    if (state) {
      state.setLimit(subject.limit);
      return this.warming.get(subject.key);
    }
    this.track(subject, this.now().window);
    const warm = this.sync.sync().finally(() => this.warming.delete(subject.key));
    this.warming.set(subject.key, warm);
    return warm;
  }

  private track(subject: Subject, window: number): KeyWindows {
    const state = new KeyWindows(subject.key, subject.limit, window);
    this.keys.set(subject.key, state);
    return state;
  }

  /** The current window and how far into it we are; never earlier than a window already used. */
  private now(): { window: number; fraction: number } {
    const ms = this.clock.now();
    const window = Math.floor(ms / 1000);
    if (window < this.lastWindow) return { window: this.lastWindow, fraction: 0 };
    this.lastWindow = window;
    return { window, fraction: (ms - window * 1000) / 1000 };
  }
}
