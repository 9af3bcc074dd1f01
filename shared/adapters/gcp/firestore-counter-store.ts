/**
 * The CounterStore on Firestore as distributed counters: `counters/{key}/shards/{shard}` holds
 * one writer's running sum in `n`. Each instance writes only its own shard, with
 * `FieldValue.increment`, so no document sees more than about one write per flush interval
 * (Firestore sustains ~1 write/s per document); a total is an aggregation query summing a key's
 * shards, which costs one read per 1,000 shards rather than one per shard.
 */
import { AggregateField, FieldValue, Timestamp } from '@google-cloud/firestore';
import type { CounterDelta, CounterStore } from '../../ports.ts';
import { mergeDeltas } from '../counter-deltas.ts';
import { batches, encodeDocId, type FirestoreDatabase } from './firestore.ts';

export class FirestoreCounterStore implements CounterStore {
  constructor(private readonly database: FirestoreDatabase) {}

  private shards(key: string) {
    return this.database.firestore.collection('counters').doc(encodeDocId(key)).collection('shards');
  }

  /** Each batch commits atomically; a call larger than one batch is not atomic as a whole. */
  async add(shard: string, deltas: CounterDelta[]): Promise<void> {
    const shardId = encodeDocId(shard);
    const groups = batches([...mergeDeltas(deltas)], () => 1);
    await Promise.all(
      groups.map((group) => {
        const batch = this.database.firestore.batch();
        for (const [key, { amount, expiresAt }] of group) {
          // expire_at feeds a Firestore TTL policy on the shards collection group.
          const expiry = expiresAt === undefined ? {} : { expire_at: Timestamp.fromMillis(expiresAt) };
          batch.set(this.shards(key).doc(shardId), { n: FieldValue.increment(amount), ...expiry }, { merge: true });
        }
        return batch.commit();
      }),
    );
  }

  async totals(keys: string[]): Promise<Map<string, number>> {
    const unique = [...new Set(keys)];
    const sums = await Promise.all(
      unique.map(async (key) => {
        const snapshot = await this.shards(key).aggregate({ total: AggregateField.sum('n') }).get();
        return [key, snapshot.data().total] as const;
      }),
    );
    return new Map(sums);
  }

  /** The client belongs to the composition root, which closes it after every store. */
  async close(): Promise<void> {}
}
