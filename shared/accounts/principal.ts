/**
 * Who is calling: the account a presented credential resolves to, and what it may do there.
 * A credential is an API key, or (on GCP) a dashboard user's Firebase ID token, which is checked
 * through the IdTokenVerifier port and mapped to the account the user is linked to. Resolutions
 * are cached for a few seconds so the ingest hot path does not read the MetaStore per request;
 * a revoked key or unlinked user stops working within that time.
 */
import type { ApiKey, Account, Scope } from './model.ts';
import { SCOPES } from './model.ts';
import type { Clock, IdTokenVerifier, MetaStore } from '../ports.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { hashSecret } from './keys.ts';
import { ShortCache } from '../short-cache.ts';

/** What a principal may do: an API key's scopes and source, or a signed-in user's (everything). */
export type Grant = Pick<ApiKey, 'id' | 'scopes' | 'source_id'>;

export interface Principal {
  account: Account;
  key: Grant;
}

const CACHE_MS = 5_000;
/** Hashes of recently presented secrets kept; the map is emptied when it reaches this size. */
const HASHES_KEPT = 1024;

/** Three base64url segments: the shape of a JWT, which our API keys (base64url, no dots) never have. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export class KeyResolver {
  private readonly keys: ShortCache<Principal | null>;
  private readonly users: ShortCache<Account | null>;
  /** SHA-256 per request was 1% of the ingest event loop's time under load. */
  private readonly hashes = new Map<string, string>();

  /** `idTokens` is given where dashboard users sign in with Firebase Auth (GCP). */
  constructor(
    private readonly meta: MetaStore,
    clock: Clock,
    private readonly idTokens: IdTokenVerifier | null = null,
  ) {
    this.keys = new ShortCache(clock, () => CACHE_MS);
    this.users = new ShortCache(clock, () => CACHE_MS);
  }

  /**
   * The principal for a presented credential; throws 401 when it is unknown, 403 for a signed-in
   * user no account is linked to. A JWT-shaped credential that is not a valid ID token is still
   * tried as an API key: an operator may have chosen any text as BOOTSTRAP_API_KEY.
   */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (!secret) throw unauthorized();
    if (this.idTokens && JWT_SHAPE.test(secret)) {
      const user = await this.idTokens.verify(secret);
      if (user) return this.signedIn(user.uid);
    }
    const hash = this.hashOf(secret);
    const principal = await this.keys.get(hash, () => this.lookupKey(hash));
    if (!principal) throw unauthorized();
    return principal;
  }

  private hashOf(secret: string): string {
    let hash = this.hashes.get(secret);
    if (hash === undefined) {
      if (this.hashes.size >= HASHES_KEPT) this.hashes.clear();
      hash = hashSecret(secret);
      this.hashes.set(secret, hash);
    }
    return hash;
  }

  /** Forgets cached keys and users at once (after a revoke on this instance). */
  forget(): void {
    this.keys.clear();
    this.users.clear();
  }

  private async signedIn(uid: string): Promise<Principal> {
    const account = await this.users.get(uid, () => this.meta.firebaseUsers.findAccount(uid));
    if (!account) throw forbidden('You are signed in, but no Kindling account is linked to your user.');
    return { account, key: { id: `firebase:${uid}`, scopes: [...SCOPES], source_id: null } };
  }

  private async lookupKey(hash: string): Promise<Principal | null> {
    const key = await this.meta.findApiKeyByHash(hash);
    if (!key) return null;
    const account = await this.meta.getAccount(key.account_id);
    return account ? { account, key } : null;
  }
}

/** Throws 403 unless the grant carries `scope`; a source-bound key acts on its source only. */
export function requireScope(principal: Principal, scope: Scope, sourceId?: string): void {
  const { key } = principal;
  if (!key.scopes.includes(scope)) {
    throw forbidden(`This key lacks the "${scope}" scope.`);
  }
  if (sourceId !== undefined && key.source_id !== null && key.source_id !== sourceId) {
    throw forbidden('This key is limited to another source.');
  }
}
