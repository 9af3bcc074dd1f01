/**
 * Calls from Google services rather than from people: Cloud Tasks delivering batches to the sink,
 * Cloud Scheduler starting the daily billing report. Each presents a Google-signed OIDC token
 * minted for the called function's URL and for one service account; anything else is refused.
 */
import type { ServiceCallerVerifier } from '../ports.ts';
import { forbidden, unauthorized } from '../errors.ts';

/** Who may call: the token's audience (the function's URL) and the service account's email. */
export interface ExpectedCaller {
  audience: string;
  email: string;
}

/** Null when the token is no valid OIDC token for the audience; else whether it is the expected account's. */
async function callerMatches(
  verifier: ServiceCallerVerifier,
  token: string,
  expected: ExpectedCaller,
): Promise<boolean | null> {
  const email = await verifier.verify(token, expected.audience);
  return email === null ? null : email.toLowerCase() === expected.email.toLowerCase();
}

/** Whether `token` proves the expected caller; false for anything else, including no verifier. */
export async function isServiceCaller(
  verifier: ServiceCallerVerifier | null,
  token: string | undefined,
  expected: ExpectedCaller | null,
): Promise<boolean> {
  if (!verifier || !token || !expected) return false;
  return (await callerMatches(verifier, token, expected)) === true;
}

/** Throws 401 unless `token` proves a Google service account, 403 unless it is the expected one. */
export async function requireServiceCaller(
  verifier: ServiceCallerVerifier | null,
  token: string | undefined,
  expected: ExpectedCaller | null,
): Promise<void> {
  const refusal = 'Only the Google service that drives this function may call it.';
  if (!verifier || !token || !expected) throw unauthorized(refusal);
  const matches = await callerMatches(verifier, token, expected);
  if (matches === null) throw unauthorized(refusal);
  if (!matches) throw forbidden(refusal);
}
