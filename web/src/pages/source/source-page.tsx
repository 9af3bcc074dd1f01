/**
 * A source's search page: the LQL box (with help, and schema fields that add filters), a chart
 * of the query's `c:` clauses (events per minute by default), the matching events newest first
 * with "load more", and live tail, which polls about every second while on and the tab visible.
 * The applied query lives in the URL (`#/sources/<id>?q=…`) so a reload or a shared link keeps it.
 */
import { useRef, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import type { ChartPoint, SchemaPath, Source } from '../../api-types.ts';
import { useLoad, usePageVisible, usePolling } from '../../hooks.ts';
import { href, parseHash, replaceParams } from '../../router.ts';
import { formatCount } from '../../format.ts';
import { BarChart } from '../../components/chart.tsx';
import { CopyButton } from '../../components/copy-button.tsx';
import { IngestSnippet } from '../../components/ingest-snippet.tsx';
import { ErrorNotice } from '../../components/notice.tsx';
import { EventTable } from './event-table.tsx';
import { LqlHelp } from './lql-help.tsx';
import { SchemaFields } from './schema-fields.tsx';
import { useEventSearch } from './use-event-search.ts';

const TAIL_MS = 1000;
const TAIL_CHART_MS = 5000;

/** The query's own chart clauses, for the chart's caption. */
function chartCaption(query: string): string {
  const clauses = query.split(/\s+/).filter((clause) => /^(c|chart):/.test(clause));
  return clauses.length ? `Chart: ${clauses.join(' ')}` : 'Matching events per minute, last hour';
}

function resultCount(count: number, more: boolean, trimmed: boolean): string {
  const shown = `${formatCount(count)} ${count === 1 ? 'event' : 'events'}`;
  if (trimmed) return `${shown} (older ones dropped while tailing)`;
  return more ? `${shown}, more available` : shown;
}

export function SourcePage({ sourceId }: { sourceId: string }) {
  const initial = parseHash(location.hash).params.get('q') ?? '';
  const [draft, setDraft] = useState(initial);
  const [query, setQuery] = useState(initial);
  const [tailing, setTailing] = useState(false);
  const visible = usePageVisible();
  const input = useRef<HTMLInputElement>(null);
  const path = `/api/sources/${encodeURIComponent(sourceId)}`;

  const source = useLoad((signal) => api<Source>(path, { signal }), [path]);
  const schema = useLoad((signal) => api<{ paths: SchemaPath[] }>(`${path}/schema`, { signal }), [path]);
  const chart = useLoad(
    (signal) => api<{ result: ChartPoint[] }>(`${path}/chart`, { query: { q: query }, signal }),
    [path, query],
  );
  const { state, search, loadMore, poll } = useEventSearch(sourceId, query);

  usePolling(poll, TAIL_MS, tailing);
  usePolling(() => Promise.all([chart.reload(), schema.reload()]), TAIL_CHART_MS, tailing);

  const run = (event: Event) => {
    event.preventDefault();
    const next = draft.trim();
    replaceParams(next ? { q: next } : {});
    // Fields seen since the page opened become pickable.
    void schema.reload();
    if (next === query) {
      void search();
      void chart.reload();
    } else {
      setQuery(next);
    }
  };

  const addClause = (clause: string) => {
    const next = `${draft.trim() ? `${draft.trim()} ` : ''}${clause}`;
    setDraft(next);
    const field = input.current;
    if (field) {
      field.value = next;
      field.focus();
      field.setSelectionRange(next.length, next.length);
    }
  };

  const name = source.data?.name ?? sourceId;
  const tailStatus = !tailing
    ? 'Live tail is off'
    : visible
      ? 'Live: checking every second'
      : 'Paused while this tab is hidden';

  return (
    <section class="source-page" aria-labelledby="source-title">
      <div class="page-head">
        <div>
          <a href={href(['sources'])} class="back">
            ← Sources
          </a>
          <h1 id="source-title">{name}</h1>
          <p class="muted source-id">
            Source id <code>{sourceId}</code> <CopyButton text={sourceId} label="Copy id" />
          </p>
        </div>
        <details class="send-events">
          <summary>Send events</summary>
          <IngestSnippet source={{ id: sourceId, name }} />
        </details>
      </div>
      <ErrorNotice error={source.error} />

      <form class="search" role="search" onSubmit={run}>
        <label for="lql">LQL query</label>
        <div class="search-row">
          <input
            id="lql"
            ref={input}
            type="search"
            value={draft}
            onInput={(event) => setDraft(event.currentTarget.value)}
            placeholder="error m.status:>=500 t:last@1h"
            spellcheck={false}
            autocomplete="off"
            aria-describedby="lql-status"
          />
          <button type="submit" class="button-primary">
            Search
          </button>
          <button
            type="button"
            class={`button-tail${tailing ? ' is-on' : ''}`}
            aria-pressed={tailing}
            onClick={() => setTailing(!tailing)}
          >
            Live tail
          </button>
        </div>
        <p id="lql-status" class="muted tail-status">
          {tailStatus}
        </p>
        <LqlHelp onUse={addClause} />
      </form>
      <ErrorNotice error={state.error} title="Query error" />

      <div class="source-body">
        <SchemaFields paths={schema.data?.paths ?? []} onPick={addClause} />
        <div class="results">
          <figure class="chart-box">
            <figcaption>{chartCaption(query)}</figcaption>
            {chart.error && !state.error ? <ErrorNotice error={chart.error} title="Chart" /> : null}
            <BarChart points={chart.data?.result ?? []} label={chartCaption(query)} />
          </figure>
          <p id="result-count" role="status">
            {state.loading && state.updatedAt === null
              ? 'Searching…'
              : resultCount(state.events.length, state.nextCursor !== null, state.trimmed)}
          </p>
          {state.events.length > 0 ? <EventTable events={state.events} fresh={state.fresh} /> : null}
          {!state.loading && state.events.length === 0 && !state.error ? (
            <p class="empty">No events match. Try a wider time range (t:last@30d) or turn on live tail.</p>
          ) : null}
          {state.nextCursor ? (
            <button type="button" class="load-more" onClick={loadMore} disabled={state.loading}>
              {state.loading ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </div>
      </div>
    </section>
  );
}
