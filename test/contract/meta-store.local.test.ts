/** The MetaStore contract against the DuckDB adapter, plus what only the local twin promises. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalMetaStore, REJECTED_KEPT_PER_SOURCE } from '../../shared/adapters/local/meta-store.ts';
import type { RejectedEvent } from '../../shared/events/model.ts';
import { describeMetaStoreContract } from './meta-store.contract.ts';

async function makeStore() {
  const db = await LocalDatabase.open(':memory:');
  return { store: await LocalMetaStore.create(db), cleanup: () => db.close() };
}

describeMetaStoreContract('DuckDB', makeStore);

it('keeps only the newest rejected events of each source', async () => {
  const { store, cleanup } = await makeStore();
  try {
    const [accountId, sourceId] = [randomUUID(), randomUUID()];
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    const event = (ms: number): RejectedEvent => ({
      source_id: sourceId,
      reason: 'bad',
      event: ms,
      rejected_at: at(ms),
    });
    const total = REJECTED_KEPT_PER_SOURCE + 50;
    const all = Array.from({ length: total }, (_, ms) => event(ms));
    await store.addRejected(accountId, all.slice(0, 600));
    await store.addRejected(accountId, all.slice(600));
    const kept = await store.listRejected(accountId, sourceId, total);
    expect(kept).toHaveLength(REJECTED_KEPT_PER_SOURCE);
    expect(kept[0]).toEqual(event(total - 1));
    expect(kept.at(-1)).toEqual(event(total - REJECTED_KEPT_PER_SOURCE));
  } finally {
    await cleanup();
  }
});

it('keeps its data in the database file across reopening', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kindling-meta-'));
  const file = path.join(dir, 'kindling.duckdb');
  try {
    const account = { id: randomUUID(), name: 'Acme', plan: 'free', created_at: '2026-01-01T00:00:00.000Z' };
    const first = await LocalDatabase.open(file);
    await (await LocalMetaStore.create(first)).createAccount(account);
    await first.close();
    const second = await LocalDatabase.open(file);
    expect(await (await LocalMetaStore.create(second)).getAccount(account.id)).toEqual(account);
    await second.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
