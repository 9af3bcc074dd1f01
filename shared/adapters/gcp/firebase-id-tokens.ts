/**
 * The IdTokenVerifier on Firebase Auth: `verifyIdToken` from firebase-admin checks the token's
 * signature against Google's published keys (fetched and cached by the SDK), its expiry, and
 * that it was issued for this project. One firebase-admin app per verifier, created on first use.
 *
 * With FIREBASE_AUTH_EMULATOR_HOST set, firebase-admin accepts the emulator's unsigned tokens
 * (and asks the emulator whether the user is disabled); config refuses that on Cloud Run.
 */
import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth, type Auth } from 'firebase-admin/auth';
import type { IdTokenVerifier, VerifiedUser } from '../../ports.ts';

/** Codes firebase-admin reports for a token that is not (or no longer) good: the caller's problem. */
const REFUSED = new Set([
  'auth/argument-error',
  'auth/id-token-expired',
  'auth/id-token-revoked',
  'auth/user-disabled',
  'auth/user-not-found',
]);

export class FirebaseIdTokens implements IdTokenVerifier {
  private app: App | null = null;
  private auth: Auth | null = null;

  constructor(private readonly projectId: string) {}

  async verify(idToken: string): Promise<VerifiedUser | null> {
    try {
      const decoded = await this.client().verifyIdToken(idToken);
      return { uid: decoded.uid, email: decoded.email ?? null };
    } catch (error) {
      if (REFUSED.has((error as { code?: unknown } | null)?.code as string)) return null;
      throw error;
    }
  }

  async close(): Promise<void> {
    const app = this.app;
    this.app = null;
    this.auth = null;
    if (app) await deleteApp(app);
  }

  private client(): Auth {
    if (this.auth) return this.auth;
    // Named per verifier: two verifiers (tests, several projects) never share or clash on an app.
    this.app = initializeApp({ projectId: this.projectId }, `kindling-id-tokens-${randomUUID()}`);
    this.auth = getAuth(this.app);
    return this.auth;
  }
}
