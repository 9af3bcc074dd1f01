/** The Endpoints page: the account's saved queries, each opening in the editor. */
import { api, isMissingRoute, listOf } from '../api.ts';
import type { Endpoint } from '../api-types.ts';
import { useLoad } from '../hooks.ts';
import { href } from '../router.ts';
import { ErrorNotice, Hint } from '../components/notice.tsx';

export function EndpointsPage() {
  const endpoints = useLoad(
    (signal) => api<Endpoint[] | { result: Endpoint[] }>('/api/endpoints', { signal }).then(listOf),
    [],
  );
  const missing = isMissingRoute(endpoints.error);
  return (
    <section aria-labelledby="endpoints-title">
      <div class="page-head">
        <h1 id="endpoints-title">Endpoints</h1>
        {missing ? null : (
          <a class="button button-primary" href={href(['endpoints', 'new'])}>
            New endpoint
          </a>
        )}
      </div>
      <p class="muted">
        Saved SQL or LQL queries with <code>@param</code> placeholders, answered at{' '}
        <code>/api/endpoints/query/&lt;name&gt;</code>.
      </p>
      {missing ? <Hint>This server does not offer endpoints yet (/api/endpoints).</Hint> : <ErrorNotice error={endpoints.error} />}
      {endpoints.data && endpoints.data.length === 0 ? <p class="empty">No endpoints yet.</p> : null}
      {endpoints.data && endpoints.data.length > 0 ? (
        <div class="table-scroll">
          <table class="stack-on-phone" role="table">
            <caption class="visually-hidden">Endpoints</caption>
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" role="columnheader">Name</th>
                <th scope="col" role="columnheader">Language</th>
                <th scope="col" role="columnheader">Cache</th>
                <th scope="col" role="columnheader">Query</th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {endpoints.data.map((endpoint) => (
                <tr role="row" key={endpoint.id}>
                  <td role="cell" data-label="Name">
                    <a href={href(['endpoints', endpoint.id])}>{endpoint.name}</a>
                  </td>
                  <td role="cell" data-label="Language">{endpoint.language.toUpperCase()}</td>
                  <td role="cell" data-label="Cache">{endpoint.cache_duration_seconds ?? '—'} s</td>
                  <td role="cell" data-label="Query" class="truncate">
                    <code>{endpoint.query}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
