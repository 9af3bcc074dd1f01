/**
 * A limited key's traffic by ten-second period: the cadence at which a cool key (one far from
 * its limit) is written and read, so that it costs two counter documents a period instead of
 * a few every second. No I/O and no clock: the key's KeyWindows feeds it period numbers.
 *
 * A period's cool-admitted counter (`ca`) holds the admissions written while the key was cool on
 * the writing instance; a hot instance writes its admissions to the one-second counters instead,
 * never to both. Its demand counter (`pd`) holds every offered event of the period, from every
 * instance, hot or cool, so that it always gives the cluster's demand and this instance's share
 * of it.
 */
import { demandShare } from './bucket.ts';
import { windowExpiry } from './window-counts.ts';

/** Windows (seconds) in a period. */
export const PERIOD_WINDOWS = 10;

export const periodOf = (window: number): number => Math.floor(window / PERIOD_WINDOWS);
/** Read for seconds after their period, like the one-second counters: kept as long after it. */
export const periodExpiry = (period: number): number => windowExpiry((period + 1) * PERIOD_WINDOWS);
export const coolAdmittedCounter = (key: string, period: number) => `rl:${key}:ca:${period}`;
export const periodOfferedCounter = (key: string, period: number) => `rl:${key}:pd:${period}`;

export interface PeriodRead {
  /**
   * Other instances' cool admissions that this instance had not accounted for before (negative
   * when it assumed more than they did).
   */
  arrived: number;
  /** This instance's part of the period's demand; null when the read says nothing. */
  share: number | null;
  /** The cluster's offered events per second over the period. */
  demand: number;
}

export class KeyPeriods {
  /** What this instance wrote to each period's counters (its own part of their totals). */
  private readonly own = new Map<number, { admitted: number; offered: number }>();
  /**
   * Per period, the other instances' cool admissions accounted for: as projected when a window
   * not read settled, then as read.
   */
  private readonly accounted = new Map<number, number>();

  /** A write to `period`'s counters succeeded. */
  wrote(period: number, admitted: number, offered: number): void {
    const own = this.own.get(period) ?? { admitted: 0, offered: 0 };
    own.admitted += admitted;
    own.offered += offered;
    this.own.set(period, own);
  }

  /** A window of `period` settled counting `others` admissions of the other instances it did not read. */
  assume(period: number, others: number): void {
    this.accounted.set(period, (this.accounted.get(period) ?? 0) + others);
  }

  /** Takes in `period`'s totals, read after this instance's own write of it. */
  read(period: number, admittedTotal: number, offeredTotal: number): PeriodRead {
    const own = this.own.get(period) ?? { admitted: 0, offered: 0 };
    const others = Math.max(0, admittedTotal - own.admitted);
    const accounted = this.accounted.get(period) ?? 0;
    this.accounted.set(period, others);
    // Older periods are not read again: a later read is of this period or a newer one.
    for (const map of [this.own, this.accounted]) for (const old of map.keys()) if (old < period) map.delete(old);
    return {
      arrived: others - accounted,
      share: demandShare(own.offered, offeredTotal),
      demand: offeredTotal / PERIOD_WINDOWS,
    };
  }
}
