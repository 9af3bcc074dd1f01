/**
 * The MetaStore contract: what every adapter (DuckDB, Firestore) must do, as one suite that
 * each adapter's test file runs against a fresh, empty store per test.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceSchema } from '../../shared/events/model.ts';
import type { MetaStore } from '../../shared/ports.ts';
import { describeSourceContract } from './meta-store-sources.contract.ts';
import { describeQueryObjectsContract } from './meta-store-queries.contract.ts';
import { describeBillingContract } from './meta-store-billing.contract.ts';
import { describeFirebaseUserContract } from './meta-store-firebase-users.contract.ts';
import {
  account,
  accountWithSources,
  apiKey,
  kindlingError,
  nestedSchema,
  rejected,
  source,
} from './meta-store.fixtures.ts';

export type MakeMetaStore = () => Promise<{ store: MetaStore; cleanup(): Promise<void> }>;

export function describeMetaStoreContract(name: string, makeStore: MakeMetaStore): void {
  describe(`MetaStore contract: ${name}`, () => {
    let store: MetaStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    describeSourceContract(() => store);
    describeQueryObjectsContract(() => store);
    describeBillingContract(() => store);
    describeFirebaseUserContract(() => store);

    describe('accounts', () => {
      it('round-trips an account', async () => {
        const created = account({ name: 'Ünïcode Ltd', plan: 'metered' });
        await store.createAccount(created);
        expect(await store.getAccount(created.id)).toEqual(created);
      });

      it('answers null for an unknown account', async () => {
        expect(await store.getAccount(randomUUID())).toBeNull();
      });

      it('refuses a second account with the same id (409) and keeps the first', async () => {
        const first = account({ name: 'First' });
        await store.createAccount(first);
        const error = await kindlingError(store.createAccount({ ...first, name: 'Second' }));
        expect(error.status).toBe(409);
        expect(await store.getAccount(first.id)).toEqual(first);
      });
    });

    describe('API keys', () => {
      it('finds a stored key by its hash', async () => {
        const key = apiKey(randomUUID(), { scopes: ['private'], source_id: randomUUID(), description: 'CI' });
        await store.putApiKey(key);
        expect(await store.findApiKeyByHash(key.hash)).toEqual(key);
        expect(await store.findApiKeyByHash('0'.repeat(64))).toBeNull();
      });

      it("lists one account's keys, oldest first", async () => {
        const owner = randomUUID();
        const newer = apiKey(owner, { created_at: '2026-02-01T00:00:00.000Z' });
        const older = apiKey(owner, { created_at: '2026-01-01T00:00:00.000Z' });
        await store.putApiKey(newer);
        await store.putApiKey(older);
        await store.putApiKey(apiKey(randomUUID()));
        expect(await store.listApiKeys(owner)).toEqual([older, newer]);
        expect(await store.listApiKeys(randomUUID())).toEqual([]);
      });

      it('replaces a key put again under the same id', async () => {
        const key = apiKey(randomUUID());
        await store.putApiKey(key);
        const changed = { ...key, description: 'renamed', scopes: ['ingest' as const] };
        await store.putApiKey(changed);
        expect(await store.listApiKeys(key.account_id)).toEqual([changed]);
        expect(await store.findApiKeyByHash(key.hash)).toEqual(changed);
      });

      it('moves a key to its new hash when the same id is put with another hash', async () => {
        const key = apiKey(randomUUID());
        await store.putApiKey(key);
        const rotated = { ...key, hash: createHash('sha256').update('rotated').digest('hex') };
        await store.putApiKey(rotated);
        expect(await store.findApiKeyByHash(key.hash)).toBeNull();
        expect(await store.findApiKeyByHash(rotated.hash)).toEqual(rotated);
        expect(await store.listApiKeys(key.account_id)).toEqual([rotated]);
      });

      it('refuses (409) a different key with a hash already stored', async () => {
        const key = apiKey(randomUUID());
        await store.putApiKey(key);
        const error = await kindlingError(store.putApiKey(apiKey(randomUUID(), { hash: key.hash })));
        expect(error.status).toBe(409);
        expect(await store.findApiKeyByHash(key.hash)).toEqual(key);
      });

      it('deletes a key of its own account, once', async () => {
        const key = apiKey(randomUUID());
        await store.putApiKey(key);
        expect(await store.deleteApiKey(key.account_id, key.id)).toBe(true);
        expect(await store.findApiKeyByHash(key.hash)).toBeNull();
        expect(await store.listApiKeys(key.account_id)).toEqual([]);
        expect(await store.deleteApiKey(key.account_id, key.id)).toBe(false);
      });

      it("does not delete another account's key", async () => {
        const key = apiKey(randomUUID());
        await store.putApiKey(key);
        expect(await store.deleteApiKey(randomUUID(), key.id)).toBe(false);
        expect(await store.findApiKeyByHash(key.hash)).toEqual(key);
      });

      it('answers false when deleting an unknown key', async () => {
        expect(await store.deleteApiKey(randomUUID(), randomUUID())).toBe(false);
      });
    });

    describe('source schemas', () => {
      it('replaces the schema with the update of the current one and returns it', async () => {
        const owner = account();
        await store.createAccount(owner);
        const created = source(owner.id, { schema: [{ name: 'level', type: 'STRING', mode: 'NULLABLE' }] });
        await store.createSource(created);
        const seen: SourceSchema[] = [];
        const stored = await store.updateSourceSchema(owner.id, created.id, (current) => {
          seen.push(current);
          return [...current, ...nestedSchema.slice(1)];
        });
        expect(seen.at(-1)).toEqual(created.schema);
        expect(stored).toEqual([created.schema[0], ...nestedSchema.slice(1)]);
        expect(await store.getSource(owner.id, created.id)).toEqual({ ...created, schema: stored });
      });

      it('answers null for a missing source or another account, without calling update', async () => {
        const [, logs] = await accountWithSources(store, 'logs');
        let calls = 0;
        const update = (current: SourceSchema) => (calls++, current);
        expect(await store.updateSourceSchema(logs!.account_id, randomUUID(), update)).toBeNull();
        expect(await store.updateSourceSchema(randomUUID(), logs!.id, update)).toBeNull();
        expect(calls).toBe(0);
      });

      it('keeps the schema when the update throws', async () => {
        const owner = account();
        await store.createAccount(owner);
        const created = source(owner.id, { schema: nestedSchema });
        await store.createSource(created);
        const failing = store.updateSourceSchema(owner.id, created.id, () => {
          throw new Error('conflicting type');
        });
        await expect(failing).rejects.toThrow('conflicting type');
        expect(await store.getSource(owner.id, created.id)).toEqual(created);
      });

      it('loses no update when 20 updaters race on one source', { timeout: 90_000 }, async () => {
        const [owner, logs] = await accountWithSources(store, 'logs');
        const fields = Array.from({ length: 20 }, (_, i) => `field_${i}`);
        await Promise.all(
          fields.map((field) =>
            store.updateSourceSchema(owner.id, logs!.id, (current) => [
              ...current,
              { name: field, type: 'STRING', mode: 'NULLABLE' },
            ]),
          ),
        );
        const stored = await store.getSource(owner.id, logs!.id);
        expect(stored!.schema.map((field) => field.name).sort()).toEqual([...fields].sort());
        expect(stored!.name).toBe('logs');
      });
    });

    describe('rejected events', () => {
      it('lists rejected events newest first, up to the limit', async () => {
        const [owner, logs] = await accountWithSources(store, 'logs');
        await store.addRejected(owner.id, [rejected(logs!.id, 10), rejected(logs!.id, 30, 'too big')]);
        await store.addRejected(owner.id, [rejected(logs!.id, 20)]);
        expect(await store.listRejected(owner.id, logs!.id, 10)).toEqual([
          rejected(logs!.id, 30, 'too big'),
          rejected(logs!.id, 20),
          rejected(logs!.id, 10),
        ]);
        expect(await store.listRejected(owner.id, logs!.id, 2)).toEqual([
          rejected(logs!.id, 30, 'too big'),
          rejected(logs!.id, 20),
        ]);
      });

      it('keeps rejected events apart per account and per source', async () => {
        const [owner, logs, metrics] = await accountWithSources(store, 'logs', 'metrics');
        await store.addRejected(owner.id, [rejected(logs!.id, 1), rejected(metrics!.id, 2)]);
        expect(await store.listRejected(owner.id, logs!.id, 10)).toEqual([rejected(logs!.id, 1)]);
        expect(await store.listRejected(owner.id, metrics!.id, 10)).toEqual([rejected(metrics!.id, 2)]);
        expect(await store.listRejected(randomUUID(), logs!.id, 10)).toEqual([]);
      });

      it("forgets a source's rejected events when the source is deleted", async () => {
        const [owner, logs] = await accountWithSources(store, 'logs');
        await store.addRejected(owner.id, [rejected(logs!.id, 1), rejected(logs!.id, 2)]);
        await store.deleteSource(owner.id, logs!.id);
        expect(await store.listRejected(owner.id, logs!.id, 10)).toEqual([]);
      });

      it('accepts an empty batch and lists nothing for an unknown source', async () => {
        const owner = account();
        await store.createAccount(owner);
        await store.addRejected(owner.id, []);
        expect(await store.listRejected(owner.id, randomUUID(), 10)).toEqual([]);
      });
    });
  });
}
