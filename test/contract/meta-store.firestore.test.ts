/** The MetaStore contract against the Firestore adapter, on the emulator the global setup started. */
import { describe, inject } from 'vitest';
import { FirestoreMetaStore } from '../../shared/adapters/gcp/firestore-meta-store.ts';
import { FirestoreDatabase } from '../../shared/adapters/gcp/firestore.ts';
import { testProjectId } from '../support/firestore-emulator.ts';
import { describeMetaStoreContract } from './meta-store.contract.ts';

const emulatorHost = inject('firestoreEmulatorHost');

describe.skipIf(emulatorHost === undefined)('Firestore emulator', () => {
  describeMetaStoreContract('Firestore', async () => {
    const database = new FirestoreDatabase({ projectId: testProjectId(), databaseId: '(default)', emulatorHost });
    return { store: new FirestoreMetaStore(database), cleanup: () => database.close() };
  });
});
