/**
 * The ServiceCallerVerifier for Google-signed OIDC tokens (what Cloud Tasks and Cloud Scheduler
 * attach): google-auth-library checks the RS256 signature against Google's certificates, the
 * issuer, the audience and the token's times; we then require a verified email.
 *
 * Cloud Run's invoker check (a function deployed without public access) verifies such a token
 * before the request reaches us, and replaces its signature with SIGNATURE_REMOVED_BY_GOOGLE so
 * that it cannot be replayed. Behind that check (and only there: anyone can write such a token)
 * we accept a removed signature and check every claim ourselves.
 */
import { OAuth2Client, type Certificates } from 'google-auth-library';
import type { ServiceCallerVerifier } from '../../ports.ts';

const ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];
export const SIGNATURE_REMOVED = 'SIGNATURE_REMOVED_BY_GOOGLE';
/** google-auth-library's tolerance for clocks that disagree, used for both paths alike. */
const CLOCK_SKEW_S = 300;
/** Google's OIDC tokens live an hour; refuse any claiming to live longer than a day. */
const MAX_LIFETIME_S = 86_400;

export interface GoogleServiceCallersOptions {
  /**
   * Google's signing certificates (PEM by key id). Default: fetched from Google and cached by
   * google-auth-library. Tests pass their own, so no Google endpoint is contacted.
   */
  certificates?: () => Promise<Certificates>;
  /** True only for functions deployed behind Cloud Run's invoker check (see above). */
  trustCloudRunIam?: boolean;
}

interface Claims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  iat?: unknown;
  email?: unknown;
  email_verified?: unknown;
}

export class GoogleServiceCallers implements ServiceCallerVerifier {
  private oauthClient: OAuth2Client | null = null;

  constructor(private readonly options: GoogleServiceCallersOptions = {}) {}

  async verify(token: string, audience: string): Promise<string | null> {
    const segments = token.split('.');
    if (segments.length !== 3) return null;
    const claims =
      segments[2] === SIGNATURE_REMOVED
        ? this.options.trustCloudRunIam
          ? checkedByUs(segments[1]!, audience)
          : null
        : await this.checkedByLibrary(token, audience);
    if (claims === null || claims.email_verified !== true || typeof claims.email !== 'string') return null;
    return claims.email;
  }

  private async checkedByLibrary(token: string, audience: string): Promise<Claims | null> {
    // Fetched outside the try: Google being unreachable is our failure (a 5xx), not the caller's.
    const certificates = await this.certificates();
    try {
      const ticket = await this.client().verifySignedJwtWithCertsAsync(token, certificates, audience, ISSUERS, MAX_LIFETIME_S);
      return (ticket.getPayload() as Claims | undefined) ?? null;
    } catch {
      return null;
    }
  }

  private async certificates(): Promise<Certificates> {
    if (this.options.certificates) return this.options.certificates();
    return (await this.client().getFederatedSignonCertsAsync()).certs;
  }

  private client(): OAuth2Client {
    this.oauthClient ??= new OAuth2Client();
    return this.oauthClient;
  }
}

/** The claims of a token whose signature Cloud Run verified, if they fit `audience` and now. */
function checkedByUs(encodedPayload: string, audience: string): Claims | null {
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8')) as Claims;
  } catch {
    return null;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const now = Date.now() / 1000;
  const { iss, aud, exp, iat } = claims;
  if (typeof iss !== 'string' || !ISSUERS.includes(iss)) return null;
  if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience))) return null;
  if (typeof exp !== 'number' || typeof iat !== 'number') return null;
  if (now > exp + CLOCK_SKEW_S || now < iat - CLOCK_SKEW_S || exp >= now + MAX_LIFETIME_S) return null;
  return claims;
}
