/** The CounterStore contract against the Firestore adapter, on the emulator the global setup started. */
import { describe, inject } from 'vitest';
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
});
