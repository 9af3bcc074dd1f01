/**
 * Sign-in. With an API key (every deployment accepts one; the local twin prints its key on first
 * start), checked against `GET /api/account` before it is kept. On Firebase deployments, Google
 * sign-in first, the key form as the alternative.
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Account } from '../api-types.ts';
import { signOutReason, startSession } from '../auth/session.ts';
import { ErrorNotice } from '../components/notice.tsx';
import { Logo } from '../components/logo.tsx';
import { webConfig } from '../runtime.ts';

function KeyForm() {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError(new Error('Paste your API key first.'));
    setBusy(true);
    setError(null);
    try {
      await api<Account>('/api/account', { token: trimmed, keepSessionOn401: true });
      startSession({ kind: 'api_key', key: trimmed }, remember);
    } catch (problem) {
      setError(problem instanceof ApiError && problem.status === 401 ? new Error('That key was not accepted.') : problem);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="stack">
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        spellcheck={false}
        value={key}
        onInput={(event) => setKey(event.currentTarget.value)}
        aria-describedby="api-key-help"
        required
      />
      <p id="api-key-help" class="muted">
        The local twin prints its key when it first starts (<code>API key: …</code>); keys can also be made on the Keys
        page.
      </p>
      <label class="checkbox">
        <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.currentTarget.checked)} />
        Remember me on this device
      </label>
      <ErrorNotice error={error} />
      <button type="submit" class="button-primary" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
    </form>
  );
}

function FirebaseSignIn() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      const firebase = await import('../auth/firebase.ts');
      const email = await firebase.signInWithGoogle(webConfig().firebase);
      startSession({ kind: 'firebase', email }, true);
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  return (
    <div class="stack">
      <button type="button" class="button-primary" onClick={signIn} disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in with Google'}
      </button>
      <ErrorNotice error={error} />
    </div>
  );
}

export function SignInPage() {
  const firebase = webConfig().auth === 'firebase';
  const reason = signOutReason();
  return (
    <main class="signin" id="main">
      <section class="card signin-card" aria-labelledby="signin-title">
        <p class="brand brand-large">
          <Logo size={24} /> Kindling
        </p>
        <h1 id="signin-title">Sign in</h1>
        {reason ? (
          <p class="notice notice-hint" role="status">
            {reason}
          </p>
        ) : null}
        {firebase ? (
          <>
            <FirebaseSignIn />
            <details class="signin-alt">
              <summary>Use an API key instead</summary>
              <KeyForm />
            </details>
          </>
        ) : (
          <KeyForm />
        )}
      </section>
    </main>
  );
}
