/**
 * The ingest function: Logflare-compatible `POST /logs` (and its aliases). Thin: it reads the
 * request, names the source, and lets shared/ingest do the work. Every body format (the plain
 * routes here, the platform integrations beside them) ends in `acceptEvents`.
 */
import type { Context } from 'hono';
import type { AppContext } from '../../shared/context.ts';
import type { Source } from '../../shared/accounts/model.ts';
import type { Principal } from '../../shared/accounts/principal.ts';
import type { JsonValue } from '../../shared/events/model.ts';
import type { IngestOutcome } from '../../shared/ingest/pipeline.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { MAX_BODY_BYTES, parseIngestBody } from '../../shared/ingest/body.ts';
import { badRequest } from '../../shared/errors.ts';
import { rateLimitHeaders, rateLimited } from '../../shared/ratelimit/index.ts';
import { authenticated, type KindlingApp, type KindlingEnv } from '../http/app.ts';
import { readBody } from '../http/request.ts';

export const INGEST_PATHS = ['/logs', '/api/logs', '/api/events'] as const;

export function ingestRoutes(app: KindlingApp, ctx: AppContext): void {
  for (const path of INGEST_PATHS) {
    app.post(path, authenticated(ctx), async (c) => {
      const source = await ingestSource(c, ctx);
      const body = await readBody(c.req.raw, MAX_BODY_BYTES);
      const contentType = c.req.header('content-type');
      const contentEncoding = c.req.header('content-encoding');
      // Where a worker pool runs (the local twin), the common request is prepared off the event
      // loop; anything else, and every request without a pool, takes the full path here.
      const prepared = await ctx.prep?.prepare({
        body,
        contentType,
        contentEncoding,
        schema: source.schema,
        now: ctx.clock.now(),
        maxTaskBytes: ctx.config.TASK_MAX_BYTES,
      });
      if (prepared?.taken) {
        await admit(c, ctx, source, prepared.events.ends.length);
        const outcome = await ctx.ingestor.ingestPrepared(source, prepared.events);
        return logflareResponse(c, metered(c, ctx, outcome));
      }
      const raws = parseIngestBody({ body, contentType, contentEncoding });
      return logflareResponse(c, await acceptEvents(c, ctx, source, raws));
    });
  }
}

/** The source a request names, checked against the caller's key (404 if not theirs). */
export async function ingestSource(c: Context<KindlingEnv>, ctx: AppContext): Promise<Source> {
  const principal = c.get('principal');
  const source = await namedSource(c, ctx, principal);
  requireScope(principal, 'ingest', source.id);
  return source;
}

/** `?source=<id>` (alias `collection`, header `x-source`) or `?source_name=` (alias `collection_name`). */
async function namedSource(c: Context<KindlingEnv>, ctx: AppContext, principal: Principal): Promise<Source> {
  const accountId = principal.account.id;
  const id = c.req.query('source') ?? c.req.query('collection') ?? c.req.header('x-source');
  if (id) return ctx.sources.byId(accountId, id);
  const name = c.req.query('source_name') ?? c.req.query('collection_name');
  if (name) return ctx.sources.byName(accountId, name);
  throw badRequest('Name the source with ?source=<id> or ?source_name=<name>.');
}

/**
 * Runs raw events of any format through the rate limits (source and account; a refused request
 * is a 429 and stores nothing) and the pipeline, then meters what was accepted. Resolves once
 * the accepted events are durable. Every checked request carries the x-rate-limit-* headers.
 */
export async function acceptEvents(
  c: Context<KindlingEnv>,
  ctx: AppContext,
  source: Source,
  raws: JsonValue[],
): Promise<IngestOutcome> {
  await admit(c, ctx, source, raws.length);
  return metered(c, ctx, await ctx.ingestor.ingest(source, raws));
}

/** The rate limits for `count` events: sets the x-rate-limit-* headers; a refusal is a 429. */
async function admit(c: Context<KindlingEnv>, ctx: AppContext, source: Source, count: number): Promise<void> {
  const { account } = c.get('principal');
  const decision = await ctx.limiter.check(account, source, count);
  for (const [name, value] of Object.entries(rateLimitHeaders(decision))) c.header(name, value);
  if (!decision.admitted) {
    c.header('retry-after', String(decision.retryAfterSeconds));
    throw rateLimited(decision, source);
  }
}

function metered(c: Context<KindlingEnv>, ctx: AppContext, outcome: IngestOutcome): IngestOutcome {
  ctx.meter.recordIngest(c.get('principal').account.id, outcome.accepted, outcome.acceptedBytes);
  return outcome;
}

/** 200 `{"message":"Logged!"}`, or 406 with the reasons when some events were rejected. */
export function logflareResponse(c: Context<KindlingEnv>, outcome: IngestOutcome): Response {
  if (outcome.rejected.length === 0) return c.json({ message: 'Logged!' }, 200);
  return c.json(
    {
      message: outcome.rejected.map((r) => r.reason),
      accepted: outcome.accepted,
      rejected: outcome.rejected,
    },
    406,
  );
}
