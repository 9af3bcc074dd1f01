/**
 * Creating and editing one endpoint (`#/endpoints/new`, `#/endpoints/<id>`): name, language, the
 * source an LQL endpoint searches, the query and its cache time; saving, deleting, and running it
 * with values for its `@param` placeholders.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, isMissingRoute, listOf } from '../api.ts';
import type { Endpoint, Row, Source } from '../api-types.ts';
import { useLoad } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import { CodeBlock } from '../components/copy-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorNotice, Hint } from '../components/notice.tsx';

type Draft = Pick<Endpoint, 'name' | 'query' | 'language'> & { source: string; cache_duration_seconds: number };

const NOT_OFFERED = 'This server does not offer endpoints yet (/api/endpoints).';

const BLANK: Draft = { name: '', query: '', language: 'sql', source: '', cache_duration_seconds: 3600 };

/** The `@name` placeholders of a query, in order of first use. */
export function placeholders(query: string): string[] {
  return [...new Set([...query.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!))];
}

function RunPanel({ endpoint }: { endpoint: Endpoint }) {
  const names = placeholders(endpoint.query);
  const [values, setValues] = useState<Record<string, string>>({});
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const params = new URLSearchParams(names.map((name) => [name, values[name] ?? ''])).toString();
  const url = `${location.origin}/api/endpoints/query/${encodeURIComponent(endpoint.name)}${params ? `?${params}` : ''}`;

  const run = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api<{ result: Row[] }>(`/api/endpoints/query/${encodeURIComponent(endpoint.id)}`, {
        query: Object.fromEntries(names.map((name) => [name, values[name] ?? ''])),
      });
      setRows(answer.result);
    } catch (problem) {
      setRows(null);
      setError(problem);
    }
  };

  return (
    <section class="card" aria-labelledby="run-title">
      <h2 id="run-title">Run</h2>
      <form class="stack" onSubmit={run}>
        {names.map((name) => (
          <div key={name} class="field-row">
            <label for={`param-${name}`}>@{name}</label>
            <input
              id={`param-${name}`}
              value={values[name] ?? ''}
              onInput={(event) => setValues({ ...values, [name]: event.currentTarget.value })}
            />
          </div>
        ))}
        <div>
          <button type="submit" class="button-primary">
            Run endpoint
          </button>
        </div>
      </form>
      <CodeBlock label="URL" code={`curl "${url}" -H "x-api-key: $KINDLING_API_KEY"`} />
      <ErrorNotice error={error} />
      {rows ? <DataTable rows={rows} caption="Endpoint result" /> : null}
    </section>
  );
}

export function EndpointEditorPage({ endpointId }: { endpointId: string }) {
  const creating = endpointId === 'new';
  const existing = useLoad(
    (signal) =>
      creating ? Promise.resolve(null) : api<Endpoint>(`/api/endpoints/${encodeURIComponent(endpointId)}`, { signal }),
    [endpointId],
  );
  const sources = useLoad((signal) => api<Source[] | { result: Source[] }>('/api/sources', { signal }).then(listOf), []);
  const [draft, setDraft] = useState<Draft>(BLANK);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const endpoint = existing.data;
    if (endpoint) {
      setDraft({
        name: endpoint.name,
        query: endpoint.query,
        language: endpoint.language,
        source: endpoint.source ?? '',
        cache_duration_seconds: endpoint.cache_duration_seconds ?? BLANK.cache_duration_seconds,
      });
    }
  }, [existing.data]);

  const set = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const body = {
      name: draft.name.trim(),
      query: draft.query,
      language: draft.language,
      cache_duration_seconds: draft.cache_duration_seconds,
      source: draft.language === 'lql' ? draft.source : null,
    };
    try {
      if (creating) {
        const created = await api<Endpoint>('/api/endpoints', { method: 'POST', body });
        navigate(['endpoints', created.id]);
      } else {
        await api(`/api/endpoints/${encodeURIComponent(endpointId)}`, { method: 'PATCH', body });
        await existing.reload();
        setSaved(true);
      }
    } catch (problem) {
      setError(problem);
    }
  };

  const remove = async () => {
    if (!confirm(`Delete the endpoint "${draft.name}"?`)) return;
    try {
      await api(`/api/endpoints/${encodeURIComponent(endpointId)}`, { method: 'DELETE' });
      navigate(['endpoints']);
    } catch (problem) {
      setError(problem);
    }
  };

  if (isMissingRoute(existing.error)) return <Hint>{NOT_OFFERED}</Hint>;
  return (
    <section aria-labelledby="endpoint-title" class="stack editor">
      <a href={href(['endpoints'])} class="back">
        ← Endpoints
      </a>
      <h1 id="endpoint-title">{creating ? 'New endpoint' : existing.data?.name ?? 'Endpoint'}</h1>
      <ErrorNotice error={existing.error} />
      <form class="card stack" onSubmit={save}>
        <label for="endpoint-name">Name</label>
        <input id="endpoint-name" value={draft.name} required onInput={(e) => set({ name: e.currentTarget.value })} />
        <label for="endpoint-language">Language</label>
        <select
          id="endpoint-language"
          value={draft.language}
          onChange={(e) => set({ language: e.currentTarget.value as Draft['language'] })}
        >
          <option value="sql">SQL</option>
          <option value="lql">LQL</option>
        </select>
        {draft.language === 'lql' ? (
          <>
            <label for="endpoint-source">Source</label>
            <select id="endpoint-source" value={draft.source} required onChange={(e) => set({ source: e.currentTarget.value })}>
              <option value="">Choose a source</option>
              {(sources.data ?? []).map((source) => (
                <option key={source.id} value={source.id}>
                  {source.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <label for="endpoint-query">Query</label>
        <textarea
          id="endpoint-query"
          rows={6}
          spellcheck={false}
          required
          value={draft.query}
          onInput={(e) => set({ query: e.currentTarget.value })}
          placeholder={draft.language === 'sql' ? 'SELECT count(*) AS n FROM my_app WHERE metadata.level = @level' : 'm.level:@level'}
        />
        <label for="endpoint-cache">Cache results for (seconds)</label>
        <input
          id="endpoint-cache"
          type="number"
          min={0}
          max={86400}
          value={draft.cache_duration_seconds}
          onInput={(e) => set({ cache_duration_seconds: Number(e.currentTarget.value) })}
        />
        {isMissingRoute(error) ? <Hint>{NOT_OFFERED}</Hint> : <ErrorNotice error={error} />}
        {saved ? <p role="status">Saved.</p> : null}
        <div class="actions">
          <button type="submit" class="button-primary">
            {creating ? 'Create endpoint' : 'Save'}
          </button>
          {creating ? null : (
            <button type="button" class="button-danger" onClick={remove}>
              Delete
            </button>
          )}
        </div>
      </form>
      {existing.data ? <RunPanel endpoint={existing.data} /> : null}
    </section>
  );
}
