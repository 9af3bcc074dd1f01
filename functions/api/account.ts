/**
 * The caller's account and its access tokens: `GET /api/account`, `/api/access-tokens`.
 */
import { z } from 'zod';
import type { AppContext } from '../../shared/context.ts';
import type { ApiKey } from '../../shared/accounts/model.ts';
import { SCOPES } from '../../shared/accounts/model.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { generateSecret, hashSecret } from '../../shared/accounts/keys.ts';
import { planOf } from '../../shared/billing/plans.ts';
import { notFound } from '../../shared/errors.ts';
import { authenticated, type KindlingApp } from '../http/app.ts';
import { readJson } from '../http/request.ts';

const NewAccessToken = z.object({
  scopes: z.array(z.enum(SCOPES)).min(1).default(['ingest']),
  source: z.string().optional(),
  description: z.string().max(500).optional(),
});

function presentKey(key: ApiKey) {
  const { id, scopes, source_id, description, created_at } = key;
  return { id, scopes, source_id, description, created_at };
}

export function accountRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);

  app.get('/api/account', auth, (c) => {
    const { account } = c.get('principal');
    const plan = planOf(account.plan);
    return c.json({ id: account.id, name: account.name, plan: plan.name, limits: plan.limits });
  });

  app.get('/api/access-tokens', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const keys = await ctx.meta.listApiKeys(principal.account.id);
    return c.json({ result: keys.map(presentKey) });
  });

  app.post('/api/access-tokens', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const input = await readJson(c, NewAccessToken);
    const source = input.source ? await ctx.sources.resolve(principal.account.id, input.source) : null;
    const secret = generateSecret();
    const key: ApiKey = {
      id: ctx.ids.uuid(),
      account_id: principal.account.id,
      hash: hashSecret(secret),
      scopes: [...new Set(input.scopes)],
      source_id: source?.id ?? null,
      description: input.description ?? null,
      created_at: new Date(ctx.clock.now()).toISOString(),
    };
    await ctx.meta.putApiKey(key);
    return c.json({ ...presentKey(key), token: secret }, 201);
  });

  app.delete('/api/access-tokens/:id', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    if (!(await ctx.meta.deleteApiKey(principal.account.id, c.req.param('id')))) throw notFound('Access token');
    ctx.keys.forget();
    return c.body(null, 204);
  });
}
