/**
 * The local twin's CounterStore: one row per (counter key, writer shard) in DuckDB, added to
 * with an upsert increment and summed over shards on read. There is one process locally, so
 * shards matter little here; they are kept so that the twin behaves like the Firestore store.
 * Expired counters (rate-limit windows) are swept about once a minute, as Firestore's TTL
 * policy deletes them there.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { listValue, LIST, VARCHAR } from '@duckdb/node-api';
import type { Clock, CounterDelta, CounterStore } from '../../ports.ts';
import { mergeDeltas } from '../counter-deltas.ts';
import type { LocalDatabase } from './database.ts';

/** Rows per INSERT statement, keeping the bound parameter count modest. */
const ROWS_PER_STATEMENT = 500;
const SWEEP_EVERY_MS = 60_000;

export class LocalCounterStore implements CounterStore {
  private lastSweep: number;

  private constructor(
    private readonly db: LocalDatabase,
    private readonly clock: Clock,
  ) {
    this.lastSweep = clock.now();
  }

  static async create(db: LocalDatabase, clock: Clock = { now: () => Date.now() }): Promise<LocalCounterStore> {
    await db.alterCatalog(async (connection) => {
      await connection.run(
        `CREATE TABLE IF NOT EXISTS counters (
           key VARCHAR NOT NULL, shard VARCHAR NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (key, shard))`,
      );
      await connection.run('ALTER TABLE counters ADD COLUMN IF NOT EXISTS expires_at TIMESTAMP');
    });
    return new LocalCounterStore(db, clock);
  }

  async add(shard: string, deltas: CounterDelta[]): Promise<void> {
    // One statement must not upsert the same row twice, hence one row per key.
    const merged = [...mergeDeltas(deltas)];
    if (merged.length === 0) return;
    await this.db.transaction(async (connection) => {
      for (let start = 0; start < merged.length; start += ROWS_PER_STATEMENT) {
        const chunk = merged.slice(start, start + ROWS_PER_STATEMENT);
        const params: DuckDBValue[] = chunk.flatMap(([key, { amount, expiresAt }]) => [
          key,
          shard,
          BigInt(amount),
          expiresAt === undefined ? null : BigInt(Math.round(expiresAt * 1000)),
        ]);
        const values = chunk.map(() => '(?, ?, ?, make_timestamp(?::BIGINT))').join(', ');
        await connection.run(
          `INSERT INTO counters (key, shard, n, expires_at) VALUES ${values}
           ON CONFLICT (key, shard) DO UPDATE SET n = n + excluded.n,
             expires_at = greatest(counters.expires_at, excluded.expires_at)`,
          params,
        );
      }
      const now = this.clock.now();
      if (now - this.lastSweep >= SWEEP_EVERY_MS) {
        this.lastSweep = now;
        await connection.run('DELETE FROM counters WHERE expires_at < make_timestamp(?::BIGINT)', [BigInt(now * 1000)]);
      }
    });
  }

  async totals(keys: string[]): Promise<Map<string, number>> {
    const totals = new Map(keys.map((key) => [key, 0]));
    if (keys.length === 0) return totals;
    const reader = await this.db.read((connection) =>
      connection.runAndReadAll(
        'SELECT key, SUM(n) AS total FROM counters WHERE key IN (SELECT unnest($keys)) GROUP BY key',
        { keys: listValue([...totals.keys()]) },
        { keys: LIST(VARCHAR) },
      ),
    );
    for (const [key, total] of reader.getRows()) totals.set(String(key), Number(total));
    return totals;
  }

  /** The database belongs to the composition root, which closes it after every store. */
  async close(): Promise<void> {}
}
