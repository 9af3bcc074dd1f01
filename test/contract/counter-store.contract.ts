/**
 * The CounterStore contract: what every adapter (DuckDB, Firestore) must do, run against a
 * fresh, empty store per test. Amounts are whole numbers and may be negative (a correction);
 * a fractional or unsafe amount is a programming error and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CounterStore } from '../../shared/ports.ts';

export type MakeCounterStore = () => Promise<{ store: CounterStore; cleanup(): Promise<void> }>;

/** A window counter key as the rate limiter names them, unique per call. */
const counterKey = (window = 1_764_240_000) => `src:${randomUUID()}:s:${window}`;

export function describeCounterStoreContract(name: string, makeStore: MakeCounterStore): void {
  describe(`CounterStore contract: ${name}`, () => {
    let store: CounterStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('reads back what was added', async () => {
      const [events, bytes] = [counterKey(), counterKey()];
      await store.add('instance-a', [
        { key: events, amount: 3 },
        { key: bytes, amount: 2048 },
      ]);
      expect(await store.totals([events, bytes])).toEqual(
        new Map([
          [events, 3],
          [bytes, 2048],
        ]),
      );
    });

    it('answers 0 for keys never written, and one entry per requested key', async () => {
      const written = counterKey();
      const unknown = counterKey();
      await store.add('instance-a', [{ key: written, amount: 1 }]);
      const totals = await store.totals([unknown, written, unknown]);
      expect(totals).toEqual(
        new Map([
          [unknown, 0],
          [written, 1],
        ]),
      );
      expect(await store.totals([])).toEqual(new Map());
    });

    it('accumulates repeated adds to one shard', async () => {
      const key = counterKey();
      await store.add('instance-a', [{ key, amount: 5 }]);
      await store.add('instance-a', [{ key, amount: 7 }]);
      expect((await store.totals([key])).get(key)).toBe(12);
    });

    it('sums one key over several shards', async () => {
      const key = counterKey();
      await store.add('instance-a', [{ key, amount: 1 }]);
      await store.add('instance-b', [{ key, amount: 10 }]);
      await store.add('instance-c', [{ key, amount: 100 }]);
      expect((await store.totals([key])).get(key)).toBe(111);
    });

    it('adds up the same key given twice in one call', async () => {
      const key = counterKey();
      await store.add('instance-a', [
        { key, amount: 2 },
        { key, amount: 3 },
      ]);
      expect((await store.totals([key])).get(key)).toBe(5);
    });

    it('keeps windows of one source apart', async () => {
      const id = randomUUID();
      const [first, second] = [`src:${id}:s:1764240000`, `src:${id}:s:1764240001`];
      await store.add('instance-a', [{ key: first, amount: 4 }]);
      await store.add('instance-a', [{ key: second, amount: 6 }]);
      const totals = await store.totals([first, second]);
      expect([totals.get(first), totals.get(second)]).toEqual([4, 6]);
    });

    it('writes and reads many keys at once (more than one Firestore batch)', async () => {
      const keys = Array.from({ length: 601 }, (_, i) => counterKey(i));
      await store.add('instance-a', keys.map((key, i) => ({ key, amount: i + 1 })));
      const totals = await store.totals(keys);
      expect(totals.size).toBe(keys.length);
      expect(keys.every((key, i) => totals.get(key) === i + 1)).toBe(true);
    });

    it('sums concurrent adds from several instances exactly', async () => {
      const key = counterKey();
      const shards = Array.from({ length: 8 }, (_, i) => `instance-${i}`);
      const rounds = 10;
      await Promise.all(
        shards.flatMap((shard, i) =>
          Array.from({ length: rounds }, () => store.add(shard, [{ key, amount: i + 1 }])),
        ),
      );
      // Each shard i added (i + 1) in each round: rounds × (1 + 2 + … + 8).
      expect((await store.totals([key])).get(key)).toBe(rounds * 36);
    });

    it('accepts negative amounts, which lower the total', async () => {
      const key = counterKey();
      await store.add('instance-a', [{ key, amount: 10 }]);
      await store.add('instance-b', [{ key, amount: -4 }]);
      expect((await store.totals([key])).get(key)).toBe(6);
      await store.add('instance-b', [{ key, amount: -20 }]);
      expect((await store.totals([key])).get(key)).toBe(-14);
    });

    it('refuses a fractional amount and writes nothing of that call', async () => {
      const [whole, fractional] = [counterKey(), counterKey()];
      await expect(
        store.add('instance-a', [
          { key: whole, amount: 1 },
          { key: fractional, amount: 0.5 },
        ]),
      ).rejects.toThrow(RangeError);
      expect(await store.totals([whole, fractional])).toEqual(
        new Map([
          [whole, 0],
          [fractional, 0],
        ]),
      );
    });

    it('keeps keys and shards with unusual characters apart', async () => {
      const keys = ['a/b', 'a%2Fb', 'a_b', '.', '..', '__name__', 'ünï/cødé', 'a:b', 'a%3Ab', ''];
      await store.add('shard/with/slashes', keys.map((key, i) => ({ key, amount: i + 1 })));
      await store.add('shard%2Fwith%2Fslashes', [{ key: 'a/b', amount: 100 }]);
      const totals = await store.totals(keys);
      expect(keys.map((key) => totals.get(key))).toEqual([101, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });
}
