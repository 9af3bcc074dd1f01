/**
 * The local twin: every function in one HTTP server on one machine, with the local adapters
 * (DuckDB for events, metadata and the durable outbox) and the sink fed in-process.
 * `npm start` runs this file, compiled, with `--single-threaded-gc`: the twin's own threads (the
 * event loop, the ingest worker, DuckDB's) keep a small machine's cores busy under load, and V8's
 * parallel GC helpers only competed with them. Interleaved pairs under the bench load: 16 of 20
 * faster, ~71k → ~77k events/s, ~24.5 → ~22.5 µs CPU per event (docs/performance.md).
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { loadConfig } from '../shared/config.ts';
import { openPorts } from '../shared/composition.ts';
import { createAppContext, type AppContext } from '../shared/context.ts';
import { PrepPool } from '../shared/ingest/prep-pool.ts';
import { ensureDefaultAccount } from '../shared/accounts/provision.ts';
import { KindlingError } from '../shared/errors.ts';
import { startReportTimer } from '../shared/billing/index.ts';
import { buildApp } from './http/app.ts';
import { LOCAL_TWIN_ROUTES } from './routes.ts';

/** Delivers one outbox task to the sink; a task that can never be written is logged and dropped. */
function localDelivery(ctx: AppContext) {
  return async (body: Buffer): Promise<void> => {
    try {
      await ctx.sink.deliver(body);
    } catch (error) {
      if (error instanceof KindlingError && error.status < 500) {
        console.error(`[kindling] dropping an undeliverable task: ${error.message}`);
        return;
      }
      throw error;
    }
  };
}

const DRAIN_LIMIT_MS = 30_000;

/** Stops accepting, lets in-flight requests finish (up to 10 s), then cuts what is left. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const ctx = createAppContext(config, await openPorts(config));
  // Cloud Run functions get one request's worth of CPU each; one machine has cores to spare.
  ctx.prep = new PrepPool();
  const { account, secret } = await ensureDefaultAccount(ctx, config.BOOTSTRAP_API_KEY);
  ctx.queue.startDelivery(localDelivery(ctx));
  const app = buildApp(ctx, LOCAL_TWIN_ROUTES);

  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    const url = `http://localhost:${info.port}`;
    console.log(`Kindling local twin (${config.KINDLING_BACKEND}) listening on ${url}`);
    console.log(`Dashboard: ${url}/`);
    console.log(`Account: ${account.id}`);
    if (secret) console.log(`API key: ${secret}`);
    else console.log('API key: printed on first start (set BOOTSTRAP_API_KEY to choose one)');
  });
  // Cloud Scheduler's part on GCP: the daily usage reports.
  const reports = startReportTimer(ctx.billing);

  let stopping = false;
  // While draining, ask keep-alive clients to reconnect elsewhere after their current request.
  (server as Server).on('request', (_request, response) => {
    if (stopping) response.setHeader('connection', 'close');
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[kindling] ${signal}: draining`);
    // Whatever was acknowledged is already stored or in the outbox: a drain that hangs may be cut short.
    setTimeout(() => {
      console.error(`[kindling] drain did not finish in ${DRAIN_LIMIT_MS / 1000} s; exiting`);
      process.exit(1);
    }, DRAIN_LIMIT_MS).unref();
    closeServer(server as Server)
      .then(() => reports.stop())
      .then(() => ctx.prep?.close())
      .then(() => ctx.close())
      .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[kindling] error while draining:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('[kindling] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
