/**
 * The Keys page: the account's access tokens (scopes, source, description), creating one — its
 * secret is shown once, right after — and revoking one.
 */
import { useState } from 'preact/hooks';
import { api, listOf } from '../api.ts';
import type { AccessToken, Source } from '../api-types.ts';
import { useLoad } from '../hooks.ts';
import { formatUtc } from '../format.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { ErrorNotice } from '../components/notice.tsx';

const SCOPES = [
  { scope: 'ingest', meaning: 'send events' },
  { scope: 'query', meaning: 'search and chart' },
  { scope: 'private', meaning: 'manage sources, keys and billing' },
] as const;

function CreateKey({ sources, onCreated }: { sources: Source[]; onCreated: (secret: string) => void }) {
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState<string[]>(['ingest']);
  const [source, setSource] = useState('');
  const [error, setError] = useState<unknown>(null);

  const toggle = (scope: string, on: boolean) => setScopes(on ? [...scopes, scope] : scopes.filter((s) => s !== scope));
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api<AccessToken & { token: string }>('/api/access-tokens', {
        method: 'POST',
        body: { scopes, description: description.trim() || undefined, source: source || undefined },
      });
      setDescription('');
      onCreated(created.token);
    } catch (problem) {
      setError(problem);
    }
  };

  return (
    <form class="card stack" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <label for="key-description">Description</label>
      <input
        id="key-description"
        value={description}
        maxLength={500}
        placeholder="e.g. production web servers"
        onInput={(event) => setDescription(event.currentTarget.value)}
      />
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map(({ scope, meaning }) => (
          <label class="checkbox" key={scope}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.currentTarget.checked)} />
            <code>{scope}</code> <span class="muted">{meaning}</span>
          </label>
        ))}
      </fieldset>
      <label for="key-source">Limited to source</label>
      <select id="key-source" value={source} onChange={(event) => setSource(event.currentTarget.value)}>
        <option value="">All sources</option>
        {sources.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
      <ErrorNotice error={error} />
      <div>
        <button type="submit" class="button-primary" disabled={scopes.length === 0}>
          Create key
        </button>
      </div>
    </form>
  );
}

function NewSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <section class="card secret" role="alert" aria-labelledby="secret-title">
      <h2 id="secret-title">Your new key</h2>
      <p>Copy it now: it is shown only this once.</p>
      <p class="secret-value">
        <code id="new-secret">{secret}</code> <CopyButton text={secret} label="Copy key" />
      </p>
      <button type="button" class="button-small" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}

export function KeysPage() {
  const keys = useLoad((signal) => api<{ result: AccessToken[] }>('/api/access-tokens', { signal }).then(listOf), []);
  const sources = useLoad((signal) => api<Source[] | { result: Source[] }>('/api/sources', { signal }).then(listOf), []);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const sourceName = (id: string | null) =>
    id === null ? 'all' : (sources.data?.find((source) => source.id === id)?.name ?? id);

  const revoke = async (key: AccessToken) => {
    const label = key.description ?? key.id;
    if (!confirm(`Revoke the key "${label}"? Anything using it stops working at once.`)) return;
    setError(null);
    try {
      await api(`/api/access-tokens/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
      await keys.reload();
    } catch (problem) {
      setError(problem);
    }
  };

  return (
    <section aria-labelledby="keys-title" class="stack">
      <h1 id="keys-title">Keys</h1>
      {secret ? <NewSecret secret={secret} onDone={() => setSecret(null)} /> : null}
      <div class="two-columns">
        <CreateKey
          sources={sources.data ?? []}
          onCreated={(created) => {
            setSecret(created);
            void keys.reload();
          }}
        />
        <div class="table-scroll">
          <table class="stack-on-phone" role="table">
            <caption>Access tokens</caption>
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" role="columnheader">Description</th>
                <th scope="col" role="columnheader">Scopes</th>
                <th scope="col" role="columnheader">Source</th>
                <th scope="col" role="columnheader">Created (UTC)</th>
                <th scope="col" role="columnheader">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {(keys.data ?? []).map((key) => (
                <tr role="row" key={key.id}>
                  <td role="cell" data-label="Description">{key.description ?? <span class="muted">—</span>}</td>
                  <td role="cell" data-label="Scopes">{key.scopes.join(', ')}</td>
                  <td role="cell" data-label="Source">{sourceName(key.source_id)}</td>
                  <td role="cell" data-label="Created">{formatUtc(key.created_at)}</td>
                  <td role="cell">
                    <button type="button" class="button-small button-danger" onClick={() => revoke(key)}>
                      Revoke<span class="visually-hidden"> {key.description ?? key.id}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <ErrorNotice error={keys.error ?? error} />
    </section>
  );
}
