/**
 * Endpoints: `POST|GET /api/endpoints`, `GET|PATCH|DELETE /api/endpoints/{id or name}`, and
 * running one: `GET|POST /api/endpoints/query/{id or name}?param=…` → `{"result": [rows]}`.
 * Parameters come from the query string (and, for POST, a flat JSON object in the body).
 */
import type { Context } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { EndpointPatchBody, NewEndpointBody, ParamsBody, type Endpoint } from '../../shared/endpoints/index.ts';
import { authenticated, type KindlingApp, type KindlingEnv } from '../http/app.ts';
import { readJson } from '../http/request.ts';

export function presentEndpoint(endpoint: Endpoint) {
  const { id, name, query, language, source_id, cache_duration_seconds, created_at, updated_at } = endpoint;
  return { id, token: id, name, query, language, source: source_id, cache_duration_seconds, created_at, updated_at };
}

/** The query string's parameters; `api_key` is a credential, never a parameter. */
function queryParams(c: Context<KindlingEnv>): Record<string, string> {
  const { api_key: _key, ...params } = c.req.query();
  return params;
}

export function endpointRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);
  const manager = (c: Context<KindlingEnv>) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    return principal.account.id;
  };

  const run = async (c: Context<KindlingEnv>, body: Record<string, string>) => {
    const principal = c.get('principal');
    requireScope(principal, 'query');
    const params = { ...queryParams(c), ...body };
    const result = await ctx.endpoints.run(principal.account.id, c.req.param('endpoint')!, params, principal.key.source_id);
    return c.json({ result });
  };
  app.get('/api/endpoints/query/:endpoint', auth, (c) => run(c, {}));
  app.post('/api/endpoints/query/:endpoint', auth, async (c) => run(c, await readJson(c, ParamsBody)));

  app.get('/api/endpoints', auth, async (c) => c.json((await ctx.endpoints.list(manager(c))).map(presentEndpoint)));

  app.post('/api/endpoints', auth, async (c) => {
    const accountId = manager(c);
    const endpoint = await ctx.endpoints.create(accountId, await readJson(c, NewEndpointBody));
    return c.json(presentEndpoint(endpoint), 201);
  });

  app.get('/api/endpoints/:endpoint', auth, async (c) =>
    c.json(presentEndpoint(await ctx.endpoints.get(manager(c), c.req.param('endpoint')))),
  );

  app.patch('/api/endpoints/:endpoint', auth, async (c) => {
    const accountId = manager(c);
    const changes = await readJson(c, EndpointPatchBody);
    return c.json(presentEndpoint(await ctx.endpoints.update(accountId, c.req.param('endpoint'), changes)));
  });

  app.delete('/api/endpoints/:endpoint', auth, async (c) => {
    await ctx.endpoints.delete(manager(c), c.req.param('endpoint'));
    return c.body(null, 204);
  });
}
