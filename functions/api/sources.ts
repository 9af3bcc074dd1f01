/**
 * Management of sources: `/api/sources` CRUD, their inferred schema and their rejected events.
 */
import type { AppContext } from '../../shared/context.ts';
import type { Source } from '../../shared/accounts/model.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { NewSourceBody, SourcePatchBody } from '../../shared/accounts/sources.ts';
import { BASE_COLUMNS } from '../../shared/events/model.ts';
import { flattenSchema } from '../../shared/events/index.ts';
import { authenticated, type KindlingApp } from '../http/app.ts';
import { readJson } from '../http/request.ts';

export function presentSource(source: Source) {
  return {
    id: source.id,
    token: source.id,
    name: source.name,
    rate_limit_per_second: source.rate_limit_per_second,
    retention_days: source.retention_days,
    created_at: source.created_at,
  };
}

export function sourceRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);

  app.get('/api/sources', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const sources = await ctx.meta.listSources(principal.account.id);
    return c.json(sources.map(presentSource));
  });

  app.post('/api/sources', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const input = await readJson(c, NewSourceBody);
    const source = await ctx.sources.create(principal.account, input);
    return c.json(presentSource(source), 201);
  });

  app.get('/api/sources/:source', auth, async (c) => {
    const principal = c.get('principal');
    const source = await ctx.sources.resolve(principal.account.id, c.req.param('source'));
    requireScope(principal, 'private', source.id);
    return c.json(presentSource(source));
  });

  app.patch('/api/sources/:source', auth, async (c) => {
    const principal = c.get('principal');
    const source = await ctx.sources.resolve(principal.account.id, c.req.param('source'));
    requireScope(principal, 'private', source.id);
    const patch = await readJson(c, SourcePatchBody);
    return c.json(presentSource(await ctx.sources.update(principal.account, source.id, patch)));
  });

  app.delete('/api/sources/:source', auth, async (c) => {
    const principal = c.get('principal');
    const source = await ctx.sources.resolve(principal.account.id, c.req.param('source'));
    requireScope(principal, 'private', source.id);
    await ctx.sources.delete(principal.account.id, source.id);
    return c.body(null, 204);
  });

  app.get('/api/sources/:source/schema', auth, async (c) => {
    const principal = c.get('principal');
    const source = await ctx.sources.resolve(principal.account.id, c.req.param('source'));
    requireScope(principal, 'query', source.id);
    const fresh = (await ctx.meta.getSource(principal.account.id, source.id)) ?? source;
    const schema = [...BASE_COLUMNS, ...fresh.schema];
    return c.json({ schema, paths: flattenSchema(schema) });
  });

  app.get('/api/sources/:source/rejected', auth, async (c) => {
    const principal = c.get('principal');
    const source = await ctx.sources.resolve(principal.account.id, c.req.param('source'));
    requireScope(principal, 'query', source.id);
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 100) || 100, 1), 1000);
    const rejected = await ctx.meta.listRejected(principal.account.id, source.id, limit);
    return c.json({ result: rejected.map(({ reason, event, rejected_at }) => ({ reason, event, rejected_at })) });
  });
}
