/**
 * A CounterStore in memory for limiter tests: sums per key over shards like the real adapters,
 * and can be switched to fail like an unreachable store.
 */
import type { CounterDelta, CounterStore } from '../../shared/ports.ts';

export class MemoryCounterStore implements CounterStore {
  private readonly shards = new Map<string, Map<string, number>>();
  failing = false;

  async add(shard: string, deltas: CounterDelta[]): Promise<void> {
    if (this.failing) throw new Error('counter store unreachable');
    for (const { key, amount } of deltas) {
      const byShard = this.shards.get(key) ?? new Map<string, number>();
      byShard.set(shard, (byShard.get(shard) ?? 0) + amount);
      this.shards.set(key, byShard);
    }
  }

  async totals(keys: string[]): Promise<Map<string, number>> {
    if (this.failing) throw new Error('counter store unreachable');
    return new Map(keys.map((key) => [key, this.total(key)]));
  }

  /** The summed total of a key. */
  total(key: string): number {
    let sum = 0;
    for (const amount of this.shards.get(key)?.values() ?? []) sum += amount;
    return sum;
  }

  /** The sum of every key starting with `prefix`. */
  sumOf(prefix: string): number {
    let sum = 0;
    for (const key of this.shards.keys()) if (key.startsWith(prefix)) sum += this.total(key);
    return sum;
  }

  async close(): Promise<void> {}
}
