/**
 * The MetaStore contract for endpoints (names unique per account, patches, tenancy) and source
 * rules, run by meta-store.contract.ts against every adapter.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../shared/endpoints/model.ts';
import type { MetaStore } from '../../shared/ports.ts';
import type { SourceRule } from '../../shared/rules/model.ts';
import { kindlingError } from './meta-store.fixtures.ts';

const endpoint = (accountId: string, overrides: Partial<Endpoint> = {}): Endpoint => ({
  id: randomUUID(),
  account_id: accountId,
  name: `endpoint-${randomUUID().slice(0, 8)}`,
  query: "SELECT count(*) FROM logs WHERE id = @id AND event_message <> 'it''s'",
  language: 'sql',
  source_id: null,
  cache_duration_seconds: 3600,
  created_at: '2026-01-02T03:04:05.678Z',
  updated_at: '2026-01-02T03:04:05.678Z',
  ...overrides,
});

const rule = (accountId: string, overrides: Partial<SourceRule> = {}): SourceRule => ({
  id: randomUUID(),
  account_id: accountId,
  source_id: randomUUID(),
  sink_id: randomUUID(),
  lql_string: 'm.status:>=500 "quoted phrase"',
  created_at: '2026-01-02T03:04:05.678Z',
  ...overrides,
});

export function describeQueryObjectsContract(store: () => MetaStore): void {
  describe('endpoints', () => {
    it('round-trips an endpoint, found by id and by name', async () => {
      const accountId = randomUUID();
      const created = endpoint(accountId, { name: 'Ünïcode / errors', language: 'lql', source_id: randomUUID(), cache_duration_seconds: 0 });
      await store().endpoints.create(created);
      expect(await store().endpoints.get(accountId, created.id)).toEqual(created);
      expect(await store().endpoints.findByName(accountId, 'Ünïcode / errors')).toEqual(created);
    });

    it('keeps each account to its own endpoints', async () => {
      const [mine, theirs] = [randomUUID(), randomUUID()];
      const created = endpoint(mine, { name: 'shared-name' });
      await store().endpoints.create(created);
      await store().endpoints.create(endpoint(theirs, { name: 'shared-name' }));
      expect(await store().endpoints.get(theirs, created.id)).toBeNull();
      expect(await store().endpoints.findByName(theirs, 'shared-name')).not.toEqual(created);
      expect(await store().endpoints.update(theirs, created.id, { query: 'SELECT 2' })).toBeNull();
      expect(await store().endpoints.delete(theirs, created.id)).toBe(false);
      expect((await store().endpoints.list(mine)).map((e) => e.id)).toEqual([created.id]);
    });

    it('refuses a second endpoint of the same name in one account (409)', async () => {
      const accountId = randomUUID();
      await store().endpoints.create(endpoint(accountId, { name: 'dup' }));
      expect((await kindlingError(store().endpoints.create(endpoint(accountId, { name: 'dup' })))).status).toBe(409);
      expect(await store().endpoints.list(accountId)).toHaveLength(1);
    });

    it('lists by name', async () => {
      const accountId = randomUUID();
      for (const name of ['b', 'c', 'a']) await store().endpoints.create(endpoint(accountId, { name }));
      expect((await store().endpoints.list(accountId)).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    });

    it('patches only the given fields, and a rename frees the old name', async () => {
      const accountId = randomUUID();
      const created = endpoint(accountId, { name: 'old', language: 'lql', source_id: randomUUID() });
      await store().endpoints.create(created);
      const patched = await store().endpoints.update(accountId, created.id, {
        name: 'new', language: 'sql', source_id: null, updated_at: '2026-02-01T00:00:00.000Z',
      });
      const expected = { ...created, name: 'new', language: 'sql', source_id: null, updated_at: '2026-02-01T00:00:00.000Z' };
      expect(patched).toEqual(expected);
      expect(await store().endpoints.get(accountId, created.id)).toEqual(expected);
      expect(await store().endpoints.findByName(accountId, 'old')).toBeNull();
      await store().endpoints.create(endpoint(accountId, { name: 'old' }));
    });

    it('refuses a rename onto another endpoint\'s name (409) and keeps both', async () => {
      const accountId = randomUUID();
      const first = endpoint(accountId, { name: 'first' });
      const second = endpoint(accountId, { name: 'second' });
      await store().endpoints.create(first);
      await store().endpoints.create(second);
      expect((await kindlingError(store().endpoints.update(accountId, second.id, { name: 'first' }))).status).toBe(409);
      expect(await store().endpoints.get(accountId, second.id)).toEqual(second);
      expect(await store().endpoints.findByName(accountId, 'first')).toEqual(first);
    });

    it('deletes an endpoint and frees its name', async () => {
      const accountId = randomUUID();
      const created = endpoint(accountId, { name: 'gone' });
      await store().endpoints.create(created);
      expect(await store().endpoints.delete(accountId, created.id)).toBe(true);
      expect(await store().endpoints.delete(accountId, created.id)).toBe(false);
      expect(await store().endpoints.get(accountId, created.id)).toBeNull();
      expect(await store().endpoints.findByName(accountId, 'gone')).toBeNull();
      await store().endpoints.create(endpoint(accountId, { name: 'gone' }));
    });
  });

  describe('source rules', () => {
    it('stores rules and lists an account\'s rules oldest first', async () => {
      const accountId = randomUUID();
      const later = rule(accountId, { created_at: '2026-03-01T00:00:00.000Z' });
      const earlier = rule(accountId, { created_at: '2026-02-01T00:00:00.000Z' });
      await store().rules.create(later);
      await store().rules.create(earlier);
      await store().rules.create(rule(randomUUID()));
      expect(await store().rules.list(accountId)).toEqual([earlier, later]);
    });

    it('deletes a rule within its account only', async () => {
      const accountId = randomUUID();
      const created = rule(accountId);
      await store().rules.create(created);
      expect(await store().rules.delete(randomUUID(), created.id)).toBe(false);
      expect(await store().rules.delete(accountId, created.id)).toBe(true);
      expect(await store().rules.delete(accountId, created.id)).toBe(false);
      expect(await store().rules.list(accountId)).toEqual([]);
    });

    it('refuses a second rule with the same id (409)', async () => {
      const accountId = randomUUID();
      const created = rule(accountId);
      await store().rules.create(created);
      expect((await kindlingError(store().rules.create({ ...created, lql_string: 'other' }))).status).toBe(409);
      expect(await store().rules.list(accountId)).toEqual([created]);
    });
  });
}
