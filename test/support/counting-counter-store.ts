/**
 * Wraps a CounterStore and counts what Firestore would bill for the calls: a document write per
 * distinct key in an add, an aggregation read per distinct key in a totals call.
 */
import type { CounterDelta, CounterStore } from '../../shared/ports.ts';

export class CountingCounterStore implements CounterStore {
  addCalls = 0;
  totalsCalls = 0;
  writes = 0;
  reads = 0;

  constructor(private readonly inner: CounterStore) {}

  async add(shard: string, deltas: CounterDelta[]): Promise<void> {
    this.addCalls++;
    this.writes += new Set(deltas.map((delta) => delta.key)).size;
    await this.inner.add(shard, deltas);
  }

  async totals(keys: string[]): Promise<Map<string, number>> {
    this.totalsCalls++;
    this.reads += new Set(keys).size;
    return this.inner.totals(keys);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
