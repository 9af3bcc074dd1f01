/**
 * The limiter's arithmetic: the windowed token bucket (burst, refill, debt), the projection of
 * cluster counts, the traffic share, the admit/refuse decision, and when a key is hot.
 */
import { describe, expect, it } from 'vitest';
import {
  BURST_SECONDS,
  MIN_SHARE,
  decide,
  demandShare,
  evenShare,
  isHot,
  movingRate,
  nextTokens,
  projectedCount,
  rateLimit,
  remainingAfter,
  tokensAt,
  type BucketView,
} from '../../shared/ratelimit/bucket.ts';

const limit = rateLimit(20);

/** One instance alone, offering `perStep` events every `stepMs` for `seconds`; returns admissions per step. */
function drive(seconds: number, perStep: number, stepMs = 50): number[] {
  let tokens = limit.burst;
  let admittedInWindow = 0;
  let window = 0;
  const admitted: number[] = [];
  for (let ms = 0; ms < seconds * 1000; ms += stepMs) {
    const w = Math.floor(ms / 1000);
    if (w !== window) {
      tokens = nextTokens(limit, tokens, admittedInWindow);
      admittedInWindow = 0;
      window = w;
    }
    const view = { tokens: tokensAt(limit, tokens, (ms % 1000) / 1000, admittedInWindow), share: 1, unsynced: 0 };
    const ok = decide(limit, view, perStep).admitted;
    if (ok) admittedInWindow += perStep;
    admitted.push(ok ? perStep : 0);
  }
  return admitted;
}

const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('the windowed token bucket', () => {
  it('holds a burst of ten seconds of the sustained rate', () => {
    expect(BURST_SECONDS).toBe(10);
    expect(limit).toEqual({ perSecond: 20, burst: 200 });
  });

  it('admits a full burst at once, then the sustained rate: about 200 + 20·t in t seconds', () => {
    const admitted = drive(10, 20);
    expect(total(admitted.slice(0, 10))).toBe(200);
    for (const seconds of [1, 3, 5, 10]) {
      const admittedBy = total(admitted.slice(0, seconds * 20));
      expect(Math.abs(admittedBy - (200 + 20 * seconds)), `after ${seconds} s`).toBeLessThanOrEqual(20);
    }
  });

  it('refills while idle, but never beyond the burst', () => {
    let tokens = 0;
    for (let second = 0; second < 30; second++) tokens = nextTokens(limit, tokens, 0);
    expect(tokens).toBe(200);
    expect(tokensAt(limit, 200, 0.9, 0)).toBe(200);
    expect(tokensAt(limit, 50, 0.5, 0)).toBe(60);
  });

  it('keeps an overshoot as a debt that later windows repay', () => {
    let tokens = nextTokens(limit, 0, 80);
    expect(tokens).toBe(-60);
    tokens = nextTokens(limit, tokens, 0);
    tokens = nextTokens(limit, tokens, 0);
    expect(tokens).toBe(-20);
    expect(decide(limit, { tokens, share: 1, unsynced: 0 }, 1).admitted).toBe(false);
    tokens = nextTokens(limit, tokens, 0);
    expect(tokensAt(limit, tokens, 0.5, 0)).toBe(10);
  });
});

describe('projection and share', () => {
  it('adds this instance’s unsynced count, scaled up to the cluster by its share', () => {
    expect(projectedCount(100, 10, 1)).toBe(110);
    expect(projectedCount(100, 10, 0.25)).toBe(140);
  });

  it('takes the share from own over cluster offered events of the same read', () => {
    expect(demandShare(25, 100)).toBe(0.25);
    expect(demandShare(100, 100)).toBe(1);
    expect(demandShare(120, 100)).toBe(1);
    expect(demandShare(1, 1_000_000)).toBe(MIN_SHARE);
  });

  it('has no share without data, and then splits evenly over live instances', () => {
    expect(demandShare(0, 100)).toBeNull();
    expect(demandShare(5, 0)).toBeNull();
    expect(evenShare(4)).toBe(0.25);
    expect(evenShare(0)).toBe(1);
  });
});

describe('decide', () => {
  const view = (tokens: number, share = 1, unsynced = 0): BucketView => ({ tokens, share, unsynced });

  it('admits what fits this instance’s part of the tokens and refuses the rest', () => {
    expect(decide(limit, view(100, 0.5, 10), 50).admitted).toBe(true);
    expect(decide(limit, view(100, 0.5, 10), 51).admitted).toBe(false);
  });

  it('always admits an empty request', () => {
    expect(decide(limit, view(-500), 0)).toEqual({ admitted: true, retryAfterSeconds: 0 });
  });

  it('says when to retry: the time the missing tokens take to refill, at least a second', () => {
    expect(decide(limit, view(0), 50).retryAfterSeconds).toBe(3);
    expect(decide(limit, view(-100), 10).retryAfterSeconds).toBe(6);
    expect(decide(limit, view(45, 0.5, 5), 30).retryAfterSeconds).toBe(1);
  });

  it('lets the first request since a sync use the cluster’s tokens beyond this instance’s share', () => {
    expect(decide(limit, view(100, 0.25, 0), 80).admitted).toBe(true);
    expect(decide(limit, view(100, 0.25, 1), 80).admitted).toBe(false);
    expect(decide(limit, view(100, 0.25, 0), 101).admitted).toBe(false);
  });

  it('admits a request larger than the burst only on a full bucket', () => {
    expect(decide(limit, view(200), 500).admitted).toBe(true);
    expect(decide(limit, view(199), 500).admitted).toBe(false);
  });

  it('reports what this instance could still admit, never below zero', () => {
    expect(remainingAfter(view(100, 0.5), 20)).toBe(30);
    expect(remainingAfter(view(10.7), 0)).toBe(10);
    expect(remainingAfter(view(-40), 0)).toBe(0);
  });
});

describe('hot keys', () => {
  it('are used at half their sustained rate or more, or have less than half a bucket', () => {
    expect(isHot(limit, 9.9, 200)).toBe(false);
    expect(isHot(limit, 10, 200)).toBe(true);
    expect(isHot(limit, 0, 100)).toBe(false);
    expect(isHot(limit, 0, 99.9)).toBe(true);
  });

  it('measure an instance\'s own rate over a few seconds: steady, a busy second, time passing', () => {
    let rate = 0;
    for (let second = 0; second < 60; second++) rate = movingRate(rate, 1, 8);
    // 8 events a second, just after the 60th: a little above 8/s, settled.
    expect(rate).toBeCloseTo(8 / 3 / (1 - Math.exp(-1 / 3)), 3);
    // One second at twice the rate moves the average by about a third of the step.
    const busy = movingRate(rate, 1, 16);
    expect(busy / rate).toBeGreaterThan(1.2);
    expect(busy / rate).toBeLessThan(1.4);
    // Time only lowers it, and a clock going back does not raise it.
    expect(movingRate(rate, 3)).toBeCloseTo(rate / Math.E, 5);
    expect(movingRate(rate, -5)).toBe(rate);
  });
});
