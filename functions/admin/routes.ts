/**
 * Operator routes (`/admin/*`): guarded by the operator token, never by an account's key.
 * Besides making accounts, the operator links dashboard users (Firebase Auth uids) to them.
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import { createAccount } from '../../shared/accounts/provision.ts';
import { PLANS, DEFAULT_PLAN } from '../../shared/billing/plans.ts';
import { notFound, unauthorized } from '../../shared/errors.ts';
import type { KindlingApp, KindlingEnv } from '../http/app.ts';
import { presentedSecret, readJson } from '../http/request.ts';

const NewAccountBody = z.object({
  name: z.string().trim().min(1).max(200),
  plan: z
    .string()
    .refine((plan) => plan in PLANS, { message: `must be one of ${Object.keys(PLANS).join(', ')}` })
    .default(DEFAULT_PLAN),
});

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only the bearer of KINDLING_ADMIN_TOKEN passes; with no token configured, nobody does. */
export function operatorOnly(ctx: AppContext): MiddlewareHandler<KindlingEnv> {
  return async (c, next) => {
    const expected = ctx.config.KINDLING_ADMIN_TOKEN;
    const given = presentedSecret(c);
    if (!expected || !given || !sameSecret(given, expected)) {
      throw unauthorized('This route needs the operator token.');
    }
    await next();
  };
}

export function adminRoutes(app: KindlingApp, ctx: AppContext): void {
  app.post('/admin/accounts', operatorOnly(ctx), async (c) => {
    const input = await readJson(c, NewAccountBody);
    const { account, secret } = await createAccount(ctx, { name: input.name, plan: input.plan });
    return c.json({ id: account.id, name: account.name, plan: account.plan, api_key: secret }, 201);
  });

  app.put('/admin/accounts/:id/firebase-users/:uid', operatorOnly(ctx), async (c) => {
    const accountId = c.req.param('id');
    if (!(await ctx.meta.getAccount(accountId))) throw notFound('Account');
    await ctx.meta.firebaseUsers.link(c.req.param('uid'), accountId);
    ctx.keys.forget();
    return c.body(null, 204);
  });
}
