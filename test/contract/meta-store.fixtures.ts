/** Records for the MetaStore contract: fresh ids each call, fixed dates so results compare exactly. */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Account, ApiKey, Source } from '../../shared/accounts/model.ts';
import { KindlingError } from '../../shared/errors.ts';
import type { RejectedEvent, SourceSchema } from '../../shared/events/model.ts';
import type { MetaStore } from '../../shared/ports.ts';

export const account = (overrides: Partial<Account> = {}): Account => ({
  id: randomUUID(),
  name: 'Acme',
  plan: 'free',
  created_at: '2026-01-02T03:04:05.678Z',
  ...overrides,
});

export const apiKey = (accountId: string, overrides: Partial<ApiKey> = {}): ApiKey => ({
  id: randomUUID(),
  account_id: accountId,
  hash: createHash('sha256').update(randomUUID()).digest('hex'),
  scopes: ['ingest', 'query'],
  source_id: null,
  description: null,
  created_at: '2026-01-02T03:04:05.678Z',
  ...overrides,
});

export const nestedSchema: SourceSchema = [
  { name: 'level', type: 'STRING', mode: 'NULLABLE' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  {
    name: 'metadata',
    type: 'RECORD',
    mode: 'NULLABLE',
    fields: [
      { name: 'status', type: 'INTEGER', mode: 'NULLABLE' },
      {
        name: 'request',
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [{ name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' }],
      },
    ],
  },
];

export const source = (accountId: string, overrides: Partial<Source> = {}): Source => ({
  id: randomUUID(),
  account_id: accountId,
  name: 'app-logs',
  rate_limit_per_second: null,
  retention_days: null,
  schema: [],
  created_at: '2026-01-02T03:04:05.678Z',
  ...overrides,
});

export const rejected = (sourceId: string, second: number, reason = 'type mismatch'): RejectedEvent => ({
  source_id: sourceId,
  reason,
  event: { message: `event ${second}`, metadata: { list: [[1, 2], null, { deep: true }] } },
  rejected_at: `2026-01-02T03:04:${String(second).padStart(2, '0')}.000Z`,
});

/** Resolves to the KindlingError the promise rejected with (fails if it resolved). */
export async function kindlingError(promise: Promise<unknown>): Promise<KindlingError> {
  const error = await promise.then(
    () => expect.unreachable('expected a KindlingError'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KindlingError);
  return error as KindlingError;
}

/** A new account with one source per name, created through the store. */
export async function accountWithSources(store: MetaStore, ...names: string[]): Promise<[Account, ...Source[]]> {
  const owner = account();
  await store.createAccount(owner);
  const sources = names.map((sourceName) => source(owner.id, { name: sourceName }));
  for (const created of sources) await store.createSource(created);
  return [owner, ...sources];
}
