/**
 * The Sources page: every source with live counters (events/s now, events today, last event),
 * and creating, renaming and deleting sources, each with its ingest snippet.
 */
import { useState } from 'preact/hooks';
import { api, listOf } from '../api.ts';
import type { Source } from '../api-types.ts';
import { useLoad } from '../hooks.ts';
import { href } from '../router.ts';
import { formatCount, formatRate, formatUtc, timeAgo } from '../format.ts';
import { ErrorNotice } from '../components/notice.tsx';
import { IngestSnippet } from '../components/ingest-snippet.tsx';
import { useSourceCounters } from './source-counters.ts';

function CreateSource({ onCreated }: { onCreated: (source: Source) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const source = await api<Source>('/api/sources', { method: 'POST', body: { name: name.trim() } });
      setName('');
      onCreated(source);
    } catch (problem) {
      setError(problem);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Create a source">
      <label for="new-source">Source name</label>
      <input
        id="new-source"
        value={name}
        onInput={(event) => setName(event.currentTarget.value)}
        placeholder="my-app"
        required
        maxLength={200}
      />
      <button type="submit" class="button-primary">
        Create source
      </button>
      <ErrorNotice error={error} />
    </form>
  );
}

function RenameForm({ source, onDone }: { source: Source; onDone: (renamed: boolean) => void }) {
  const [name, setName] = useState(source.name);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api(`/api/sources/${source.id}`, { method: 'PATCH', body: { name: name.trim() } });
      onDone(true);
    } catch (problem) {
      setError(problem);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <label for={`rename-${source.id}`} class="visually-hidden">
        New name for {source.name}
      </label>
      <input
        id={`rename-${source.id}`}
        value={name}
        onInput={(event) => setName(event.currentTarget.value)}
        required
        autoFocus
        onKeyDown={(event) => event.key === 'Escape' && onDone(false)}
      />
      <button type="submit" class="button-small">
        Save
      </button>
      <button type="button" class="button-small button-quiet" onClick={() => onDone(false)}>
        Cancel
      </button>
      <ErrorNotice error={error} />
    </form>
  );
}

function SourceItem(props: { source: Source; showSnippet: boolean; onToggleSnippet(): void; onChanged(): void }) {
  const { source } = props;
  const { counters, error, now } = useSourceCounters(source.id);
  const [renaming, setRenaming] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);

  const finishRename = (renamed: boolean) => {
    setRenaming(false);
    if (renamed) props.onChanged();
  };

  const remove = async () => {
    if (!confirm(`Delete the source "${source.name}" and all its events?`)) return;
    try {
      await api(`/api/sources/${source.id}`, { method: 'DELETE' });
      props.onChanged();
    } catch (problem) {
      setDeleteError(problem);
    }
  };

  return (
    <li class="source-item">
      <div class="source-name">
        {renaming ? (
          <RenameForm source={source} onDone={finishRename} />
        ) : (
          <a href={href(['sources', source.id])}>{source.name}</a>
        )}
      </div>
      <dl class="source-stats">
        <div>
          <dt>Events/s</dt>
          <dd>{counters ? formatRate(counters.perSecond) : '…'}</dd>
        </div>
        <div>
          <dt>Today</dt>
          <dd>{counters ? formatCount(counters.today) : '…'}</dd>
        </div>
        <div>
          <dt>Last event</dt>
          <dd title={counters?.lastEvent ? `${formatUtc(counters.lastEvent)} UTC` : undefined}>
            {counters ? (counters.lastEvent ? timeAgo(counters.lastEvent, now) : 'none yet') : '…'}
          </dd>
        </div>
      </dl>
      <div class="source-actions">
        <button type="button" class="button-small" aria-expanded={props.showSnippet} onClick={props.onToggleSnippet}>
          Ingest snippet
        </button>
        <button type="button" class="button-small" onClick={() => setRenaming(true)} disabled={renaming}>
          Rename<span class="visually-hidden"> {source.name}</span>
        </button>
        <button type="button" class="button-small button-danger" onClick={remove}>
          Delete<span class="visually-hidden"> {source.name}</span>
        </button>
      </div>
      <ErrorNotice error={error ?? deleteError} />
      {props.showSnippet ? <IngestSnippet source={source} /> : null}
    </li>
  );
}

export function SourcesPage() {
  const sources = useLoad((signal) => api<Source[] | { result: Source[] }>('/api/sources', { signal }).then(listOf), []);
  const [snippetFor, setSnippetFor] = useState<string | null>(null);
  const list = sources.data ?? [];

  return (
    <section aria-labelledby="sources-title">
      <div class="page-head">
        <h1 id="sources-title">Sources</h1>
        <CreateSource
          onCreated={(source) => {
            setSnippetFor(source.id);
            void sources.reload();
          }}
        />
      </div>
      <ErrorNotice error={sources.error} />
      {sources.data && list.length === 0 ? (
        <p class="empty">No sources yet. Create one above, then send it events with the snippet it shows.</p>
      ) : null}
      <ul class="source-list">
        {list.map((source) => (
          <SourceItem
            key={source.id}
            source={source}
            showSnippet={snippetFor === source.id}
            onToggleSnippet={() => setSnippetFor(snippetFor === source.id ? null : source.id)}
            onChanged={() => void sources.reload()}
          />
        ))}
      </ul>
    </section>
  );
}
