/**
 * Source rules: `POST|GET /api/rules` and `DELETE /api/rules/{id}`. A rule
 * `{"source", "lql_string", "sink"}` copies the events of `source` that match its LQL filters
 * into `sink` as they are ingested. `GET /api/rules?source=…` lists one source's rules.
 */
import type { AppContext } from '../../shared/context.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { NewRuleBody, type SourceRule } from '../../shared/rules/index.ts';
import { authenticated, type KindlingApp } from '../http/app.ts';
import { readJson } from '../http/request.ts';

export function presentRule(rule: SourceRule) {
  const { id, source_id, sink_id, lql_string, created_at } = rule;
  return { id, source: source_id, sink: sink_id, lql_string, created_at };
}

export function ruleRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);

  app.get('/api/rules', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const accountId = principal.account.id;
    const named = c.req.query('source');
    const only = named ? (await ctx.sources.resolve(accountId, named)).id : null;
    const rules = await ctx.rules.list(accountId);
    return c.json(rules.filter((rule) => only === null || rule.source_id === only).map(presentRule));
  });

  app.post('/api/rules', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const rule = await ctx.rules.create(principal.account.id, await readJson(c, NewRuleBody));
    return c.json(presentRule(rule), 201);
  });

  app.delete('/api/rules/:id', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    await ctx.rules.delete(principal.account.id, c.req.param('id'));
    return c.body(null, 204);
  });
}
