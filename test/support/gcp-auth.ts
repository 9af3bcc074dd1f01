/**
 * What tests of Kindling's GCP auth need, without Google: Firebase Auth emulator ID tokens
 * (unsigned, as the emulator issues them) and a small fake of the emulator's user lookup, which
 * firebase-admin consults in emulator mode; Google-style OIDC tokens signed with a locally
 * generated RSA key, and that key as the certificate set; and an app context on the local
 * adapters with the GCP verifiers plugged in.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../shared/config.ts';
import { openPorts } from '../../shared/composition.ts';
import { createAppContext, type AppContext, type Verifiers } from '../../shared/context.ts';
import { FakeRejection, HttpFake, apiError, parseJson } from './fakes/http-fake.ts';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

/** An ID token as the Firebase Auth emulator issues it: `alg: none`, empty signature. */
export function emulatorIdToken(projectId: string, uid: string, claims: Record<string, unknown> = {}): string {
  const iat = nowS() - 10;
  const payload = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: iat,
    user_id: uid,
    sub: uid,
    iat,
    exp: iat + 3600,
    email: `${uid}@example.com`,
    email_verified: true,
    firebase: { identities: { email: [`${uid}@example.com`] }, sign_in_provider: 'password' },
    ...claims,
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

export interface EmulatedUser {
  uid: string;
  disabled?: boolean;
  /** Seconds since the epoch before which the user's tokens are revoked. */
  validSince?: number;
}

/**
 * The Auth emulator's `accounts:lookup`, which firebase-admin calls (with the emulator's `owner`
 * token) to check that the user of an emulator token exists and is neither disabled nor revoked.
 */
export function fakeAuthEmulator(projectId: string, users: EmulatedUser[]): HttpFake {
  return new HttpFake(
    [
      {
        name: 'accounts.lookup',
        method: 'POST',
        pattern: new RegExp(`^/identitytoolkit\\.googleapis\\.com/v1/projects/${projectId}/accounts:lookup$`),
        handle(request) {
          const body = parseJson(request) as { localId?: unknown };
          if (!Array.isArray(body.localId)) throw new FakeRejection(apiError(400, 'MISSING_LOCAL_ID'));
          const found = users.filter((user) => (body.localId as unknown[]).includes(user.uid));
          return {
            status: 200,
            body: {
              kind: 'identitytoolkit#GetAccountInfoResponse',
              ...(found.length === 0
                ? {}
                : {
                    users: found.map((user) => ({
                      localId: user.uid,
                      email: `${user.uid}@example.com`,
                      emailVerified: true,
                      disabled: user.disabled ?? false,
                      ...(user.validSince === undefined ? {} : { validSince: String(user.validSince) }),
                      createdAt: '1764000000000',
                      lastLoginAt: '1764000000000',
                    })),
                  }),
            },
          };
        },
      },
    ],
    'owner',
  );
}

export interface GoogleSigner {
  /** The certificate set a verifier checks against (this key's public half, by key id). */
  certificates(): Promise<Record<string, string>>;
  /** An RS256 token with Google's OIDC claims for `audience` and `email`, overridable. */
  token(audience: string, email: string, claims?: Record<string, unknown>, kid?: string): string;
}

/** Signs like Google's OIDC issuer, with a key generated here; `kid` names it in certificates. */
export function googleSigner(kid = 'local-test-key'): GoogleSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    certificates: async () => ({ [kid]: pem }),
    token(audience, email, claims = {}, keyId = kid) {
      const iat = nowS() - 5;
      const payload = {
        iss: 'https://accounts.google.com',
        aud: audience,
        azp: '100000000000000000000',
        sub: '100000000000000000000',
        email,
        email_verified: true,
        iat,
        exp: iat + 3600,
        ...claims,
      };
      const signed = `${base64url({ alg: 'RS256', kid: keyId, typ: 'JWT' })}.${base64url(payload)}`;
      const signature = createSign('RSA-SHA256').update(signed).sign(privateKey).toString('base64url');
      return `${signed}.${signature}`;
    },
  };
}

/** A token as Cloud Run's invoker check hands it on: the signature replaced by Google's marker. */
export function signatureRemoved(token: string): string {
  return `${token.split('.').slice(0, 2).join('.')}.SIGNATURE_REMOVED_BY_GOOGLE`;
}

export const OPERATOR_TOKEN = 'test-operator-token';

/**
 * An app context on the local adapters (in a fresh data directory) configured as the GCP
 * functions are, with the given verifiers; `close` also removes the directory.
 */
export async function gcpAuthContext(env: Record<string, string>, verifiers: Verifiers): Promise<AppContext> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kindling-gcp-auth-'));
  const config = loadConfig({ DATA_DIR: dataDir, KINDLING_ADMIN_TOKEN: OPERATOR_TOKEN, ...env });
  const ctx = createAppContext(config, { ...(await openPorts(config)), verifiers });
  const close = ctx.close.bind(ctx);
  return {
    ...ctx,
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
