/**
 * The GCP entry point: registers every function with functions-framework, one target each
 * (`--target=ingest`, `sink`, `api`, `admin`, `billing`, `web`). The app context is built on the
 * first request and reused by every later one, as Google's samples do with clients.
 *
 * The framework's body parsers are turned off (`raw-bodies.ts`): the handler rebuilds a fetch
 * Request around the untouched request stream, so every function reads, limits and decodes its
 * body itself, as on the local twin.
 */
import './raw-bodies.ts';
import { Readable } from 'node:stream';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { http } from '@google-cloud/functions-framework';
import { loadConfig } from '../shared/config.ts';
import { openPorts } from '../shared/composition.ts';
import { createAppContext, type AppContext } from '../shared/context.ts';
import { buildApp, type KindlingApp } from './http/app.ts';
import { FUNCTIONS, type FunctionName } from './routes.ts';

let context: Promise<AppContext> | null = null;

function appContext(): Promise<AppContext> {
  context ??= (async () => {
    const config = loadConfig();
    return createAppContext(config, await openPorts(config));
  })();
  return context;
}

function toFetchRequest(req: ExpressRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    // A streamed request body must say so (fetch's rule for bodies that are streams).
    duplex: 'half',
  } as RequestInit);
}

async function send(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(Buffer.from(await response.arrayBuffer()));
}

function register(name: FunctionName): void {
  let app: KindlingApp | null = null;
  http(name, async (req: ExpressRequest, res: ExpressResponse) => {
    const ctx = await appContext();
    app ??= buildApp(ctx, FUNCTIONS[name]);
    await send(res, await app.fetch(toFetchRequest(req)));
  });
}

for (const name of Object.keys(FUNCTIONS) as FunctionName[]) register(name);
