/**
 * What both CounterStore adapters do to deltas before writing: check them and fold them into
 * one amount per key. Amounts are whole numbers and may be negative (a correction, such as
 * giving back what a refused request counted); keys whose amounts sum to zero are not written.
 */
import type { CounterDelta } from '../ports.ts';

export interface MergedDelta {
  amount: number;
  /** The latest expiry given for the key, if any. */
  expiresAt: number | undefined;
}

export function mergeDeltas(deltas: CounterDelta[]): Map<string, MergedDelta> {
  const merged = new Map<string, MergedDelta>();
  for (const { key, amount, expiresAt } of deltas) {
    if (!Number.isSafeInteger(amount)) {
      throw new RangeError(`Counter amount must be a safe integer, got ${amount}.`);
    }
    const known = merged.get(key);
    merged.set(key, {
      amount: (known?.amount ?? 0) + amount,
      expiresAt: laterOf(known?.expiresAt, expiresAt),
    });
  }
  for (const [key, { amount }] of merged) if (amount === 0) merged.delete(key);
  return merged;
}

function laterOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
