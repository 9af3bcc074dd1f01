/**
 * The caller's usage and bills: `GET /api/usage` (metered usage per UTC day), `GET /api/billing`
 * (plan, the month so far and its estimated charge) and `GET /api/billing/reports` (the daily
 * reports billing has computed). Always the caller's own account; management scope.
 */
import type { Context } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { addDays, daysFrom, parseDay, presentReport, utcDay } from '../../shared/billing/index.ts';
import { badRequest } from '../../shared/errors.ts';
import { authenticated, type KindlingApp, type KindlingEnv } from '../http/app.ts';

/** The longest range `/api/usage` answers in one request. */
const MAX_USAGE_DAYS = 366;
/** Without `from`, usage covers this many days up to `to`. */
const DEFAULT_USAGE_DAYS = 30;

function dayParam(c: Context<KindlingEnv>, name: string): string | undefined {
  const text = c.req.query(name);
  if (text === undefined || text === '') return undefined;
  const day = parseDay(text);
  if (day === null) throw badRequest(`${name} must be a UTC day as YYYY-MM-DD.`);
  return day;
}

export function billingApiRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);

  app.get('/api/usage', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const to = dayParam(c, 'to') ?? utcDay(ctx.clock.now());
    const from = dayParam(c, 'from') ?? addDays(to, 1 - DEFAULT_USAGE_DAYS);
    if (from > to) throw badRequest('from must not be after to.');
    if (addDays(from, MAX_USAGE_DAYS) <= to) throw badRequest(`Ask for at most ${MAX_USAGE_DAYS} days at a time.`);
    return c.json({ result: await ctx.meter.daily(principal.account.id, daysFrom(from, to)) });
  });

  app.get('/api/billing', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    return c.json(await ctx.billing.summary(principal.account));
  });

  app.get('/api/billing/reports', auth, async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'private');
    const range = { from: dayParam(c, 'from'), to: dayParam(c, 'to') };
    const reports = await ctx.billing.listReports(principal.account.id, range);
    return c.json({ result: reports.map(presentReport) });
  });
}
