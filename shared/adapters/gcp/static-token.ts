/**
 * An auth client holding one fixed access token, for pointing the real Google clients at an
 * in-test fake: with it the clients send `Authorization: Bearer <token>` and never look for
 * credentials (no metadata-server probe, no token exchange).
 */
import { OAuth2Client } from 'google-auth-library';

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

export function staticTokenAuth(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + TEN_YEARS_MS });
  return client;
}
