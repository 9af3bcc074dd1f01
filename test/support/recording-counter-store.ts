/**
 * A MemoryCounterStore that remembers every call it was made, when (by the test's clock) and for
 * which keys: what the cadence tests of the counter sync look at.
 */
import type { Clock, CounterDelta } from '../../shared/ports.ts';
import { MemoryCounterStore } from './memory-counter-store.ts';

export interface StoreCall {
  at: number;
  op: 'add' | 'totals';
  keys: string[];
  /** The store was failing: the call threw. */
  failed: boolean;
}

export class RecordingCounterStore extends MemoryCounterStore {
  readonly calls: StoreCall[] = [];

  constructor(private readonly clock: Clock) {
    super();
  }

  override async add(shard: string, deltas: CounterDelta[]): Promise<void> {
    this.calls.push({ at: this.clock.now(), op: 'add', keys: deltas.map((delta) => delta.key), failed: this.failing });
    await super.add(shard, deltas);
  }

  override async totals(keys: string[]): Promise<Map<string, number>> {
    this.calls.push({ at: this.clock.now(), op: 'totals', keys, failed: this.failing });
    return super.totals(keys);
  }

  /** The calls of `op` that named a key containing `part`. */
  touching(op: StoreCall['op'], part: string): StoreCall[] {
    return this.calls.filter((call) => call.op === op && call.keys.some((key) => key.includes(part)));
  }
}
