/**
 * Who is signed in, and the bearer token the API client sends for them: a pasted API key (kept
 * in localStorage when the user asks to be remembered, in sessionStorage otherwise) or a Firebase
 * user, whose short-lived ID token the Firebase SDK refreshes. The Firebase code is loaded only
 * when a Firebase session exists, so API-key deployments never download it.
 */
import { webConfig } from '../runtime.ts';

export type Session = { kind: 'api_key'; key: string } | { kind: 'firebase'; email: string | null };

const STORAGE_KEY = 'kindling.session';

function restore(): Session | null {
  for (const storage of [sessionStorage, localStorage]) {
    try {
      const text = storage.getItem(STORAGE_KEY);
      if (text) return JSON.parse(text) as Session;
    } catch {
      storage.removeItem(STORAGE_KEY);
    }
  }
  return null;
}

let current: Session | null = restore();
let signedOutBecause: string | null = null;
const listeners = new Set<() => void>();

function change(next: Session | null, remember: boolean): void {
  localStorage.removeItem(STORAGE_KEY);
  sessionStorage.removeItem(STORAGE_KEY);
  if (next) (remember ? localStorage : sessionStorage).setItem(STORAGE_KEY, JSON.stringify(next));
  current = next;
  for (const listener of listeners) listener();
}

export const session = (): Session | null => current;

/** Why the last session ended, when it was not the user's choice (a revoked key, say). */
export const signOutReason = (): string | null => signedOutBecause;

export function startSession(next: Session, remember: boolean): void {
  signedOutBecause = null;
  change(next, remember);
}

export function endSession(reason: string | null = null): void {
  if (current?.kind === 'firebase') {
    void import('./firebase.ts').then((firebase) => firebase.signOutOfFirebase(webConfig().firebase));
  }
  signedOutBecause = reason;
  change(null, false);
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The `Authorization: Bearer` value for the signed-in user, or null when nobody is. */
export async function bearerToken(): Promise<string | null> {
  if (!current) return null;
  if (current.kind === 'api_key') return current.key;
  const firebase = await import('./firebase.ts');
  return firebase.currentIdToken(webConfig().firebase);
}
