/**
 * What both CounterStore adapters do to deltas before writing: check them and fold them into
 * one amount per key. Amounts are whole numbers and may be negative (a correction, such as
 * giving back what a refused request counted); keys whose amounts sum to zero are not written.
 */
import type { CounterDelta } from '../ports.ts';

export function mergeDeltas(deltas: CounterDelta[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const { key, amount } of deltas) {
    if (!Number.isSafeInteger(amount)) {
      throw new RangeError(`Counter amount must be a safe integer, got ${amount}.`);
    }
    merged.set(key, (merged.get(key) ?? 0) + amount);
  }
  for (const [key, amount] of merged) if (amount === 0) merged.delete(key);
  return merged;
}
