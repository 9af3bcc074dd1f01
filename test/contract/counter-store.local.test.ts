/** The CounterStore contract against the DuckDB adapter, and its expiry sweep. */
import { describe, expect, it } from 'vitest';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalCounterStore } from '../../shared/adapters/local/counter-store.ts';
import { describeCounterStoreContract } from './counter-store.contract.ts';

describeCounterStoreContract('DuckDB', async () => {
  const db = await LocalDatabase.open(':memory:');
  return { store: await LocalCounterStore.create(db), cleanup: () => db.close() };
});

describe('LocalCounterStore expiry', () => {
  it('sweeps counters past their expiry about once a minute, keeping the others', async () => {
    let now = 1_700_000_000_000;
    const db = await LocalDatabase.open(':memory:');
    const store = await LocalCounterStore.create(db, { now: () => now });
    await store.add('s1', [
      { key: 'window', amount: 5, expiresAt: now + 1_000 },
      { key: 'usage', amount: 7 },
      { key: 'later', amount: 1, expiresAt: now + 3_600_000 },
    ]);
    now += 30_000;
    await store.add('s1', [{ key: 'other', amount: 1 }]);
    expect((await store.totals(['window'])).get('window')).toBe(5);
    now += 31_000;
    await store.add('s1', [{ key: 'other', amount: 1 }]);
    expect(await store.totals(['window', 'usage', 'later', 'other'])).toEqual(
      new Map([
        ['window', 0],
        ['usage', 7],
        ['later', 1],
        ['other', 2],
      ]),
    );
    await db.close();
  });

  it('keeps the latest expiry given for a key', async () => {
    let now = 1_700_000_000_000;
    const db = await LocalDatabase.open(':memory:');
    const store = await LocalCounterStore.create(db, { now: () => now });
    await store.add('s1', [{ key: 'k', amount: 1, expiresAt: now + 1_000 }]);
    await store.add('s1', [{ key: 'k', amount: 1, expiresAt: now + 600_000 }]);
    now += 120_000;
    await store.add('s1', [{ key: 'tick', amount: 1 }]);
    expect((await store.totals(['k'])).get('k')).toBe(2);
    await db.close();
  });
});
