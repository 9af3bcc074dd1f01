/**
 * The SQL page: a SELECT over the account's sources (tables are source names) through
 * `POST /api/query`, results as a table. Ctrl/⌘+Enter runs the query.
 */
import { useState } from 'preact/hooks';
import { api, isMissingRoute, listOf } from '../api.ts';
import type { Row, Source } from '../api-types.ts';
import { useLoad } from '../hooks.ts';
import { DataTable } from '../components/data-table.tsx';
import { ErrorNotice, Hint } from '../components/notice.tsx';

const DRAFT_KEY = 'kindling.sql';

export function SqlPage() {
  const [sql, setSql] = useState(() => sessionStorage.getItem(DRAFT_KEY) ?? '');
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [tookMs, setTookMs] = useState(0);
  const sources = useLoad((signal) => api<Source[] | { result: Source[] }>('/api/sources', { signal }).then(listOf), []);

  const run = async (event?: Event) => {
    event?.preventDefault();
    sessionStorage.setItem(DRAFT_KEY, sql);
    setBusy(true);
    setError(null);
    const started = performance.now();
    try {
      const answer = await api<{ result: Row[] }>('/api/query', { method: 'POST', body: { sql } });
      setRows(answer.result);
      setTookMs(Math.round(performance.now() - started));
    } catch (problem) {
      setRows(null);
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  const insert = (name: string) => setSql((text) => `${text}${text && !/\s$/.test(text) ? ' ' : ''}${name}`);

  return (
    <section aria-labelledby="sql-title">
      <h1 id="sql-title">SQL</h1>
      <form class="stack" onSubmit={run}>
        <label for="sql-query">SQL query</label>
        <textarea
          id="sql-query"
          rows={6}
          spellcheck={false}
          value={sql}
          placeholder="SELECT timestamp, event_message FROM my_app ORDER BY timestamp DESC LIMIT 20"
          onInput={(event) => setSql(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void run(event);
          }}
          aria-describedby="sql-help"
        />
        <p id="sql-help" class="muted">
          SELECT or WITH only; tables are your sources by name. Ctrl+Enter runs the query.
        </p>
        {sources.data && sources.data.length > 0 ? (
          <div class="chips" role="group" aria-label="Insert a source name">
            {sources.data.map((source) => (
              <button type="button" class="chip" key={source.id} onClick={() => insert(source.name)}>
                {source.name}
              </button>
            ))}
          </div>
        ) : null}
        <div>
          <button type="submit" class="button-primary" disabled={busy || !sql.trim()}>
            {busy ? 'Running…' : 'Run query'}
          </button>
        </div>
      </form>
      {isMissingRoute(error) ? (
        <Hint>This server does not offer SQL queries yet (POST /api/query).</Hint>
      ) : (
        <ErrorNotice error={error} title="Query error" />
      )}
      {rows ? <DataTable rows={rows} caption={`Result in ${tookMs} ms`} /> : null}
    </section>
  );
}
