/**
 * Making accounts: an operator's new account with its first key, and the local twin's default
 * account on first start (with BOOTSTRAP_API_KEY as its key when given).
 */
import type { Account, ApiKey } from './model.ts';
import { SCOPES } from './model.ts';
import type { Clock, Ids, MetaStore } from '../ports.ts';
import { generateSecret, hashSecret } from './keys.ts';

/** The local twin's own account has a fixed id, so a restart finds it again. */
export const DEFAULT_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';

export interface NewAccount {
  account: Account;
  /** The first key's secret: shown once, never stored. */
  secret: string;
}

interface ProvisionDeps {
  meta: MetaStore;
  clock: Clock;
  ids: Ids;
}

function fullKey(deps: ProvisionDeps, accountId: string, secret: string, description: string): ApiKey {
  return {
    id: deps.ids.uuid(),
    account_id: accountId,
    hash: hashSecret(secret),
    scopes: [...SCOPES],
    source_id: null,
    description,
    created_at: new Date(deps.clock.now()).toISOString(),
  };
}

export async function createAccount(
  deps: ProvisionDeps,
  input: { name: string; plan: string; id?: string; secret?: string },
): Promise<NewAccount> {
  const account: Account = {
    id: input.id ?? deps.ids.uuid(),
    name: input.name,
    plan: input.plan,
    created_at: new Date(deps.clock.now()).toISOString(),
  };
  await deps.meta.createAccount(account);
  const secret = input.secret ?? generateSecret();
  await deps.meta.putApiKey(fullKey(deps, account.id, secret, 'first key'));
  return { account, secret };
}

export interface Bootstrap {
  account: Account;
  /** The key to print: new on first start, or BOOTSTRAP_API_KEY; null when nothing new to show. */
  secret: string | null;
}

export async function ensureDefaultAccount(deps: ProvisionDeps, bootstrapKey?: string): Promise<Bootstrap> {
  const existing = await deps.meta.getAccount(DEFAULT_ACCOUNT_ID);
  if (!existing) {
    const created = await createAccount(deps, { id: DEFAULT_ACCOUNT_ID, name: 'default', plan: 'local', secret: bootstrapKey });
    return created;
  }
  if (!bootstrapKey) return { account: existing, secret: null };
  const known = await deps.meta.findApiKeyByHash(hashSecret(bootstrapKey));
  if (!known) await deps.meta.putApiKey(fullKey(deps, existing.id, bootstrapKey, 'BOOTSTRAP_API_KEY'));
  return { account: existing, secret: bootstrapKey };
}
