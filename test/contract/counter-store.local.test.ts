/** The CounterStore contract against the DuckDB adapter. */
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalCounterStore } from '../../shared/adapters/local/counter-store.ts';
import { describeCounterStoreContract } from './counter-store.contract.ts';

describeCounterStoreContract('DuckDB', async () => {
  const db = await LocalDatabase.open(':memory:');
  return { store: await LocalCounterStore.create(db), cleanup: () => db.close() };
});
