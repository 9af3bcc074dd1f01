/**
 * Who is calling: the account and key a presented secret resolves to. Keys are cached for a few
 * seconds so the ingest hot path does not read the MetaStore per request; a revoked key stops
 * working within that time.
 */
import type { ApiKey, Account, Scope } from './model.ts';
import type { Clock, MetaStore } from '../ports.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { hashSecret } from './keys.ts';

export interface Principal {
  account: Account;
  key: ApiKey;
}

interface CachedPrincipal {
  principal: Principal | null;
  expiresAt: number;
}

const CACHE_MS = 5_000;
const MAX_CACHED = 10_000;

export class KeyResolver {
  private readonly cache = new Map<string, CachedPrincipal>();

  constructor(
    private readonly meta: MetaStore,
    private readonly clock: Clock,
  ) {}

  /** The principal for a presented secret; throws 401 when it is unknown. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (!secret) throw unauthorized();
    const hash = hashSecret(secret);
    const now = this.clock.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) {
      if (!cached.principal) throw unauthorized();
      return cached.principal;
    }
    const principal = await this.lookup(hash);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(hash, { principal, expiresAt: now + CACHE_MS });
    if (!principal) throw unauthorized();
    return principal;
  }

  /** Forgets cached keys at once (after a revoke on this instance). */
  forget(): void {
    this.cache.clear();
  }

  private async lookup(hash: string): Promise<Principal | null> {
    const key = await this.meta.findApiKeyByHash(hash);
    if (!key) return null;
    const account = await this.meta.getAccount(key.account_id);
    return account ? { account, key } : null;
  }
}

/** Throws 403 unless the key carries `scope`; a source-bound key acts on its source only. */
export function requireScope(principal: Principal, scope: Scope, sourceId?: string): void {
  const { key } = principal;
  if (!key.scopes.includes(scope)) {
    throw forbidden(`This key lacks the "${scope}" scope.`);
  }
  if (sourceId !== undefined && key.source_id !== null && key.source_id !== sourceId) {
    throw forbidden('This key is limited to another source.');
  }
}
