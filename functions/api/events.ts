/**
 * Reading a source's events with LQL: `GET /api/sources/{id or name}/events` (newest first,
 * paginated by an opaque cursor) and `/chart` (the query's `c:` clauses per bucket, oldest
 * first).
 */
import type { Context } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import type { Source } from '../../shared/accounts/model.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { decodeCursor, encodeCursor, isoFromMicros, presentEvent } from '../../shared/events/present.ts';
import { bindQuery, chartWindow, parseLql, timeBounds, type BoundQuery } from '../../shared/lql/index.ts';
import { badRequest } from '../../shared/errors.ts';
import { authenticated, type KindlingApp, type KindlingEnv } from '../http/app.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Without a `t:` clause, /events covers the last 7 days. */
const DEFAULT_RANGE_MICROS = 7 * 24 * 3600 * 1_000_000;

export function parseLimit(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}.`);
  }
  return limit;
}

/** The source named in the path, readable by the caller, with its query bound to its schema. */
async function queriedSource(c: Context<KindlingEnv>, ctx: AppContext): Promise<{ source: Source; query: BoundQuery }> {
  const principal = c.get('principal');
  const source = await ctx.sources.resolve(principal.account.id, c.req.param('source')!);
  requireScope(principal, 'query', source.id);
  const query = bindQuery(parseLql(c.req.query('q') ?? '', { now: ctx.clock.now() }), source.schema);
  return { source, query };
}

export function eventRoutes(app: KindlingApp, ctx: AppContext): void {
  const auth = authenticated(ctx);

  app.get('/api/sources/:source/events', auth, async (c) => {
    const limit = parseLimit(c.req.query('limit'));
    const cursorText = c.req.query('cursor');
    const after = cursorText ? decodeCursor(cursorText) : undefined;
    const { source, query } = await queriedSource(c, ctx);
    const bounds = timeBounds(query);
    const events = await ctx.events.listEvents({ accountId: source.account_id, sourceId: source.id }, source.schema, {
      limit: limit + 1,
      after,
      from: bounds.from ?? bounds.to - DEFAULT_RANGE_MICROS,
      to: bounds.to,
      filter: query,
    });
    const page = events.slice(0, limit);
    const last = page.at(-1);
    const next_cursor = events.length > limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null;
    return c.json({ result: page.map(presentEvent), next_cursor });
  });

  app.get('/api/sources/:source/chart', auth, async (c) => {
    const { source, query } = await queriedSource(c, ctx);
    const points = await ctx.events.chart({ accountId: source.account_id, sourceId: source.id }, query, chartWindow(query));
    return c.json({ result: points.map((p) => ({ timestamp: isoFromMicros(p.timestamp), value: p.value })) });
  });
}
