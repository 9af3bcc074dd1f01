/** The source part of the MetaStore contract: naming, tenancy, updates and deletion. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KindlingError } from '../../shared/errors.ts';
import type { MetaStore } from '../../shared/ports.ts';
import { account, accountWithSources, kindlingError, nestedSchema, source } from './meta-store.fixtures.ts';

/** `store` answers the store of the running test. */
export function describeSourceContract(store: () => MetaStore): void {
  describe('sources', () => {
    it('round-trips a source with limits and a nested schema', async () => {
      const owner = account();
      await store().createAccount(owner);
      const created = source(owner.id, { rate_limit_per_second: 250, retention_days: 7, schema: nestedSchema });
      await store().createSource(created);
      expect(await store().getSource(owner.id, created.id)).toEqual(created);
    });

    it('answers null for a missing source and for a source of another account', async () => {
      const [, logs] = await accountWithSources(store(), 'logs');
      expect(await store().getSource(logs!.account_id, randomUUID())).toBeNull();
      expect(await store().getSource(randomUUID(), logs!.id)).toBeNull();
    });

    it('finds a source by name within its account only', async () => {
      const [owner, logs] = await accountWithSources(store(), 'logs', 'metrics');
      expect(await store().findSourceByName(owner.id, 'logs')).toEqual(logs);
      expect(await store().findSourceByName(owner.id, 'traces')).toBeNull();
      expect(await store().findSourceByName(randomUUID(), 'logs')).toBeNull();
    });

    it("lists an account's sources ordered by name", async () => {
      await accountWithSources(store(), 'alpha');
      const [owner, ...sources] = await accountWithSources(store(), 'web', 'api', 'jobs.cron', 'api-v2');
      const names = (await store().listSources(owner.id)).map((listed) => listed.name);
      expect(names).toEqual(['api', 'api-v2', 'jobs.cron', 'web']);
      expect(await store().listSources(owner.id)).toEqual(expect.arrayContaining(sources));
      expect(await store().listSources(randomUUID())).toEqual([]);
    });

    it('refuses (409) a second source of the same name in one account', async () => {
      const [owner, logs] = await accountWithSources(store(), 'logs');
      const error = await kindlingError(store().createSource(source(owner.id, { name: 'logs' })));
      expect(error.status).toBe(409);
      expect(error.message).toContain('"logs"');
      expect(await store().listSources(owner.id)).toEqual([logs]);
    });

    it('allows the same name in another account', async () => {
      const [, first] = await accountWithSources(store(), 'logs');
      const [other, second] = await accountWithSources(store(), 'logs');
      expect(second!.id).not.toBe(first!.id);
      expect(await store().findSourceByName(other.id, 'logs')).toEqual(second);
    });

    it('lets exactly one of several concurrent creators of a name win', async () => {
      const owner = account();
      await store().createAccount(owner);
      const attempts = Array.from({ length: 5 }, () => source(owner.id, { name: 'contended' }));
      const results = await Promise.allSettled(attempts.map((attempt) => store().createSource(attempt)));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect((result.reason as KindlingError).status).toBe(409);
      }
      expect(await store().listSources(owner.id)).toHaveLength(1);
    });

    it('updates limits, keeping the other fields', async () => {
      const owner = account();
      await store().createAccount(owner);
      const created = source(owner.id, { schema: nestedSchema, retention_days: 30 });
      await store().createSource(created);
      const updated = await store().updateSource(owner.id, created.id, { rate_limit_per_second: 10 });
      const expected = { ...created, rate_limit_per_second: 10 };
      expect(updated).toEqual(expected);
      expect(await store().getSource(owner.id, created.id)).toEqual(expected);
      const cleared = await store().updateSource(owner.id, created.id, { retention_days: null });
      expect(cleared).toEqual({ ...expected, retention_days: null });
    });

    it('renames a source and frees its old name', async () => {
      const [owner, logs] = await accountWithSources(store(), 'logs');
      const renamed = await store().updateSource(owner.id, logs!.id, { name: 'app' });
      expect(renamed).toEqual({ ...logs, name: 'app' });
      expect(await store().findSourceByName(owner.id, 'app')).toEqual(renamed);
      expect(await store().findSourceByName(owner.id, 'logs')).toBeNull();
      await store().createSource(source(owner.id, { name: 'logs' }));
      expect((await store().listSources(owner.id)).map((listed) => listed.name)).toEqual(['app', 'logs']);
    });

    it('accepts a rename to the current name', async () => {
      const [owner, logs] = await accountWithSources(store(), 'logs');
      expect(await store().updateSource(owner.id, logs!.id, { name: 'logs', retention_days: 3 })).toEqual({
        ...logs,
        retention_days: 3,
      });
    });

    it("refuses (409) a rename onto another source's name and changes nothing", async () => {
      const [owner, logs, metrics] = await accountWithSources(store(), 'logs', 'metrics');
      const renaming = store().updateSource(owner.id, logs!.id, { name: 'metrics', retention_days: 1 });
      const error = await kindlingError(renaming);
      expect(error.status).toBe(409);
      expect(await store().getSource(owner.id, logs!.id)).toEqual(logs);
      expect(await store().findSourceByName(owner.id, 'metrics')).toEqual(metrics);
    });

    it('answers null when updating a missing source or one of another account', async () => {
      const [, logs] = await accountWithSources(store(), 'logs');
      expect(await store().updateSource(logs!.account_id, randomUUID(), { name: 'x' })).toBeNull();
      expect(await store().updateSource(randomUUID(), logs!.id, { name: 'x' })).toBeNull();
      expect(await store().getSource(logs!.account_id, logs!.id)).toEqual(logs);
    });

    it('deletes a source once and frees its name', async () => {
      const [owner, logs] = await accountWithSources(store(), 'logs');
      expect(await store().deleteSource(owner.id, logs!.id)).toBe(true);
      expect(await store().getSource(owner.id, logs!.id)).toBeNull();
      expect(await store().findSourceByName(owner.id, 'logs')).toBeNull();
      expect(await store().deleteSource(owner.id, logs!.id)).toBe(false);
      await store().createSource(source(owner.id, { name: 'logs' }));
    });

    it("does not delete another account's source", async () => {
      const [owner, logs] = await accountWithSources(store(), 'logs');
      expect(await store().deleteSource(randomUUID(), logs!.id)).toBe(false);
      expect(await store().listSources(owner.id)).toEqual([logs]);
    });
  });

}
