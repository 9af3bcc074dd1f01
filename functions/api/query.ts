/**
 * User SQL over the caller's sources: `GET /api/query?sql=…` and `POST /api/query {"sql"}` →
 * `{"result": [rows]}`. The sandbox (shared/sql) refuses anything but one SELECT/WITH over the
 * account's own sources, with a 400 naming what it refused.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../../shared/context.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { badRequest } from '../../shared/errors.ts';
import { authenticated, type KindlingApp, type KindlingEnv } from '../http/app.ts';
import { readJson } from '../http/request.ts';

const QueryBody = z.object({ sql: z.string() });

export function queryRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);

  const answer = async (c: Context<KindlingEnv>, sql: string | undefined) => {
    const principal = c.get('principal');
    requireScope(principal, 'query');
    if (sql === undefined || sql.trim() === '') throw badRequest('Give the query as `sql`.');
    const result = await ctx.sql.run(principal.account.id, sql, { onlySourceId: principal.key.source_id });
    return c.json({ result });
  };

  app.get('/api/query', auth, (c) => answer(c, c.req.query('sql')));
  app.post('/api/query', auth, async (c) => answer(c, (await readJson(c, QueryBody)).sql));
}
