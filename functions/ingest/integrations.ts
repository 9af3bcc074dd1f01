/**
 * The platform integrations of the ingest function: `/json`, `/cloudflare` and `/vercel` under
 * each ingest path, and OTLP/HTTP logs at `POST /v1/logs`. Thin like the plain routes: each reads
 * the request, lets a translator of shared/ingest/formats turn the body into raw events, and
 * hands them to acceptEvents; keys and sources are resolved as for `/logs`.
 *
 * Decisions beyond CONTRACT.md:
 * - `/cloudflare` also takes the key from the destination URL the way Logpush carries headers
 *   (`?header_X_API_KEY=<key>` or `?header_Authorization=Bearer%20<key>`, any case) and from an
 *   `X_API_KEY` header, after the contract's places. A Worker app body's `source` names the
 *   source when the URL does not. Lines (text/plain, NDJSON) are Logpush; JSON is the Worker app.
 * - `/vercel` answers Vercel's endpoint verification: every successful answer, to `GET` too,
 *   carries `x-vercel-verify` with the code given as `?vercel_verify=<code>` in the drain URL (or
 *   sent in an `x-vercel-verify` request header); a `POST` with an empty body (the verification
 *   ping) is answered 200 and stores nothing. `GET` checks the key and source, so a drain with a
 *   wrong URL fails verification instead of failing later.
 * - `/v1/logs` answers every failure as an OTLP Status in the request's encoding, keeping the
 *   status and headers (Retry-After, rate-limit headers) the failure had.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppContext } from '../../shared/context.ts';
import type { Source } from '../../shared/accounts/model.ts';
import { requireScope } from '../../shared/accounts/principal.ts';
import { MAX_BODY_BYTES, decodeBodyText, parseIngestBody, type IngestBodyInput } from '../../shared/ingest/body.ts';
import { unsupportedMediaType } from '../../shared/errors.ts';
import { jsonEvents } from '../../shared/ingest/formats/json.ts';
import { logpushEvents, workerBody } from '../../shared/ingest/formats/cloudflare.ts';
import { vercelEvents } from '../../shared/ingest/formats/vercel.ts';
import { otlpEncoding, otlpLogEvents } from '../../shared/ingest/formats/otlp.ts';
import { exportAnswer, failureAnswer, type OtlpAnswer } from '../../shared/ingest/formats/otlp-response.ts';
import { mediaFamily, mediaType, quoted } from '../../shared/ingest/formats/media-type.ts';
import { authenticated, type KindlingApp, type KindlingEnv } from '../http/app.ts';
import { presentedSecret, readBody } from '../http/request.ts';
import { INGEST_PATHS, acceptEvents, ingestSource, logflareResponse } from './routes.ts';

type IngestContext = Context<KindlingEnv>;

export function integrationRoutes(app: KindlingApp, ctx: AppContext): void {
  for (const path of INGEST_PATHS) {
    app.post(`${path}/json`, authenticated(ctx), async (c) => {
      const source = await ingestSource(c, ctx);
      const documents = parseIngestBody(await requestBody(c));
      return logflareResponse(c, await acceptEvents(c, ctx, source, jsonEvents(documents)));
    });
    app.post(`${path}/cloudflare`, logpushAuthenticated(ctx), (c) => cloudflare(c, ctx));
    app.get(`${path}/vercel`, authenticated(ctx), async (c) => {
      await ingestSource(c, ctx);
      answerVercelVerification(c);
      return c.json({ message: 'Ready' }, 200);
    });
    app.post(`${path}/vercel`, authenticated(ctx), (c) => vercel(c, ctx));
  }
  app.post('/v1/logs', otlpFailures(), authenticated(ctx), (c) => otlp(c, ctx));
}

async function requestBody(c: IngestContext): Promise<IngestBodyInput> {
  return {
    body: await readBody(c.req.raw, MAX_BODY_BYTES),
    contentType: c.req.header('content-type'),
    contentEncoding: c.req.header('content-encoding'),
  };
}

async function cloudflare(c: IngestContext, ctx: AppContext): Promise<Response> {
  const input = await requestBody(c);
  const family = mediaFamily(input.contentType);
  if (family === 'lines') {
    const source = await ingestSource(c, ctx);
    const events = logpushEvents(decodeBodyText(input.body, input.contentEncoding));
    return logflareResponse(c, await acceptEvents(c, ctx, source, events));
  }
  if (family !== 'json' && family !== '') {
    const type = quoted(mediaType(input.contentType));
    throw unsupportedMediaType(
      `Content type ${type} is not supported here; send Logpush lines as text/plain (or NDJSON), ` +
        'or a Worker batch as application/json.',
    );
  }
  const body = workerBody(decodeBodyText(input.body, input.contentEncoding));
  const source =
    body.source && !namesSource(c) ? await sourceById(c, ctx, body.source) : await ingestSource(c, ctx);
  return logflareResponse(c, await acceptEvents(c, ctx, source, body.events));
}

/** Whether the request itself names a source (the places ingestSource reads). */
function namesSource(c: IngestContext): boolean {
  const named = ['source', 'collection', 'source_name', 'collection_name'].some((name) => c.req.query(name));
  return named || Boolean(c.req.header('x-source'));
}

/** A source named by id in the body, checked against the key as ingestSource checks. */
async function sourceById(c: IngestContext, ctx: AppContext, id: string): Promise<Source> {
  const principal = c.get('principal');
  const source = await ctx.sources.byId(principal.account.id, id);
  requireScope(principal, 'ingest', source.id);
  return source;
}

/** `authenticated`, falling back to the places a Logpush destination URL can carry the key. */
function logpushAuthenticated(ctx: AppContext): MiddlewareHandler<KindlingEnv> {
  return async (c, next) => {
    c.set('principal', await ctx.keys.authenticate(presentedSecret(c) ?? logpushSecret(c)));
    await next();
  };
}

function logpushSecret(c: IngestContext): string | undefined {
  const params = new URL(c.req.url).searchParams;
  let bearer: string | undefined;
  for (const [name, value] of params) {
    const header = name.toLowerCase();
    if ((header === 'header_x_api_key' || header === 'header_x-api-key') && value) return value;
    if (header === 'header_authorization') bearer ??= /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
  }
  return bearer ?? (c.req.header('x_api_key') || undefined);
}

async function vercel(c: IngestContext, ctx: AppContext): Promise<Response> {
  const source = await ingestSource(c, ctx);
  const input = await requestBody(c);
  answerVercelVerification(c);
  if (input.body.length === 0) return c.json({ message: 'Logged!' }, 200);
  const events = vercelEvents(parseIngestBody(input));
  return logflareResponse(c, await acceptEvents(c, ctx, source, events));
}

/** Vercel's codes are hex strings; anything else is not echoed into a response header. */
const VERIFY_CODE = /^[A-Za-z0-9_-]{1,128}$/;

function answerVercelVerification(c: IngestContext): void {
  const code = c.req.query('vercel_verify') ?? c.req.header('x-vercel-verify');
  if (code && VERIFY_CODE.test(code)) c.header('x-vercel-verify', code);
}

async function otlp(c: IngestContext, ctx: AppContext): Promise<Response> {
  const encoding = otlpEncoding(c.req.header('content-type'));
  const source = await ingestSource(c, ctx);
  const body = await readBody(c.req.raw, MAX_BODY_BYTES);
  const events = otlpLogEvents(body, encoding, c.req.header('content-encoding'));
  const outcome = await acceptEvents(c, ctx, source, events);
  return send(c, exportAnswer(encoding, outcome.rejected, events.length));
}

function send(c: IngestContext, answer: OtlpAnswer): Response {
  return c.body(answer.body, answer.status as ContentfulStatusCode, { 'content-type': answer.contentType });
}

/**
 * Rewrites any failure of the OTLP route (thrown by authentication, the handler or the pipeline,
 * and already answered by the app's error handler) as an OTLP Status, keeping its status code
 * and headers. Unknown content types are answered in JSON.
 */
function otlpFailures(): MiddlewareHandler<KindlingEnv> {
  return async (c, next) => {
    await next();
    const failed = c.res;
    if (failed.status < 400) return;
    const family = mediaFamily(c.req.header('content-type'));
    const encoding = family === 'protobuf' || family === '' ? 'protobuf' : 'json';
    const answer = failureAnswer(encoding, failed.status, await failureMessage(failed));
    // Hono copies the failed answer's headers onto the new one; its length is not the new one's.
    failed.headers.delete('content-length');
    c.res = new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
  };
}

async function failureMessage(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: the status line says enough.
  }
  return `HTTP ${response.status}`;
}
