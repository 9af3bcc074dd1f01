/**
 * API key secrets: how they are made, hashed and recognised. A secret is shown once, at
 * creation; only its SHA-256 is stored, and a presented secret is looked up by that hash.
 */
import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 256 bits, safe in headers and query strings. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
