/**
 * Firebase Auth for deployments on GCP (loaded on demand, never on API-key deployments): Google
 * sign-in in a popup, and the user's ID token, which the SDK refreshes before it expires.
 */
import { initializeApp } from 'firebase/app';
import { getAuth, GoogleAuthProvider, signInWithPopup, signOut, type Auth } from 'firebase/auth';
// A type only: importing the module itself would split it into a chunk of its own.
import type { FirebaseWebConfig } from '../runtime.ts';

let auth: Auth | null = null;

function firebaseAuth(config: FirebaseWebConfig | null): Auth {
  if (!auth) {
    if (!config) throw new Error('This server does not use Firebase sign-in.');
    auth = getAuth(initializeApp(config));
  }
  return auth;
}

/** Signs in with Google; returns the user's email. */
export async function signInWithGoogle(config: FirebaseWebConfig | null): Promise<string | null> {
  const credential = await signInWithPopup(firebaseAuth(config), new GoogleAuthProvider());
  return credential.user.email;
}

/** The current user's ID token (refreshed by the SDK when close to expiry), or null when signed out. */
export async function currentIdToken(config: FirebaseWebConfig | null): Promise<string | null> {
  const firebase = firebaseAuth(config);
  await firebase.authStateReady();
  return firebase.currentUser ? firebase.currentUser.getIdToken() : null;
}

export async function signOutOfFirebase(config: FirebaseWebConfig | null): Promise<void> {
  await signOut(firebaseAuth(config));
}
