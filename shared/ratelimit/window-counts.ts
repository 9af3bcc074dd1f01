/**
 * What one instance knows of one limited key in one one-second window: its own counts, how much
 * of them went to which counter, and the cluster totals it read. KeyWindows keeps one per open
 * window (and per settled one still owing a write).
 */

/** A one-second window's counters are read for seconds; an hour later they may go. */
export const windowExpiry = (window: number): number => (window + 3600) * 1000;
export const admittedCounter = (key: string, window: number) => `rl:${key}:a:${window}`;
export const offeredCounter = (key: string, window: number) => `rl:${key}:d:${window}`;

export interface WindowCounts {
  /** This instance's own counts (all of them). */
  admitted: number;
  offered: number;
  /** Admitted and written: to the window's counter while hot, else to the period's; never both. */
  admittedWritten: number;
  /** Of those, to the window's counter: the part of its total that is ours. */
  admittedToWindow: number;
  /** Offered and written to the window's counter (while hot, for the share). */
  offeredToWindow: number;
  /** Offered and written to the period's counter (every count, hot or cool). */
  offeredToPeriod: number;
  /** Of our window counts, included in the last read (everything written there before it). */
  admittedInRead: number;
  offeredInRead: number;
  /** The window counters' cluster totals at the last read; whether one read them at all. */
  clusterAdmitted: number;
  clusterOffered: number;
  windowRead: boolean;
  /** Other instances' cool admissions of earlier windows, taken in while this one was current. */
  arrived: number;
}

export const emptyWindow = (): WindowCounts => ({
  admitted: 0,
  offered: 0,
  admittedWritten: 0,
  admittedToWindow: 0,
  offeredToWindow: 0,
  offeredToPeriod: 0,
  admittedInRead: 0,
  offeredInRead: 0,
  clusterAdmitted: 0,
  clusterOffered: 0,
  windowRead: false,
  arrived: 0,
});

/** Nothing of the window is left to write: every admission once, every offered event to its period. */
export const allWritten = (counts: WindowCounts): boolean =>
  counts.admittedWritten === counts.admitted && counts.offeredToPeriod === counts.offered;
