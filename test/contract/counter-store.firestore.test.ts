/** The CounterStore contract against the Firestore adapter, on the emulator the global setup started. */
import { describe, expect, inject, it } from 'vitest';
import { FirestoreCounterStore } from '../../shared/adapters/gcp/firestore-counter-store.ts';
import { FirestoreDatabase } from '../../shared/adapters/gcp/firestore.ts';
import { testProjectId } from '../support/firestore-emulator.ts';
import { describeCounterStoreContract } from './counter-store.contract.ts';

const emulatorHost = inject('firestoreEmulatorHost');

describe.skipIf(emulatorHost === undefined)('Firestore emulator', () => {
  describeCounterStoreContract('Firestore', async () => {
    const database = new FirestoreDatabase({ projectId: testProjectId(), databaseId: '(default)', emulatorHost });
    return { store: new FirestoreCounterStore(database), cleanup: () => database.close() };
  });

  it('stores expire_at on a shard for the TTL policy, and none on counters without expiry', async () => {
    const database = new FirestoreDatabase({ projectId: testProjectId(), databaseId: '(default)', emulatorHost });
    const store = new FirestoreCounterStore(database);
    const expiresAt = Date.UTC(2026, 10, 27, 12);
    await store.add('shard-1', [
      { key: 'rl:window', amount: 3, expiresAt },
      { key: 'usage:day', amount: 4 },
    ]);
    const shard = (key: string) => database.firestore.collection('counters').doc(key).collection('shards').doc('shard-1').get();
    const windowDoc = (await shard('rl:window')).data()!;
    expect(windowDoc.n).toBe(3);
    expect(windowDoc.expire_at.toMillis()).toBe(expiresAt);
    expect((await shard('usage:day')).data()).toEqual({ n: 4 });
    await database.close();
  });
});
