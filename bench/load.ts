/**
 * The load of bench:cost: a steady rate of events, in batches of `batch` events per POST /logs,
 * spread round-robin over the instances (as Cloud Run's load balancer would), paced on the wall
 * clock so that a slow answer never slows the offered rate. Records what was accepted, request
 * by request, for the naive design's figures.
 */
import type { LoadRecord } from './cost-model.ts';

export interface LoadOptions {
  targets: string[];
  sourceId: string;
  apiKey: string;
  eventsPerSecond: number;
  batch: number;
  seconds: number;
}

export interface LoadResult extends LoadRecord {
  statuses: Record<string, number>;
  latenciesMs: number[];
  wallSeconds: number;
}

const TICK_MS = 2;
/** An insertAll row's id and timestamp, as the naive design would send them. */
const ROW_ID = '00000000-0000-4000-8000-000000000000';
const ROW_TIMESTAMP = '2026-01-01T00:00:00.000000Z';

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, events: 0, bodyBytes: [], rowBytes: [], statuses: {}, latenciesMs: [], wallSeconds: 0 };
  const requestsPerSecond = options.eventsPerSecond / options.batch;
  const total = Math.round(requestsPerSecond * options.seconds);
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * requestsPerSecond));
    for (; sent < due; sent++) {
      const request = send(options, sent, result);
      pending.add(request);
      void request.finally(() => pending.delete(request));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  result.wallSeconds = (performance.now() - started) / 1000;
  return result;
}

async function send(options: LoadOptions, n: number, result: LoadResult): Promise<void> {
  const events = Array.from({ length: options.batch }, (_, i) => logEvent(n * options.batch + i));
  const body = JSON.stringify({ batch: events });
  const target = options.targets[n % options.targets.length]!;
  const started = performance.now();
  let status = 'error';
  try {
    const response = await fetch(`${target}/logs?source=${options.sourceId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    status = String(response.status);
  } catch (error) {
    status = (error as { cause?: { code?: string } }).cause?.code ?? 'error';
  } finally {
    result.latenciesMs.push(performance.now() - started);
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  }
  if (status !== '200') return;
  result.requests++;
  result.events += events.length;
  result.bodyBytes.push(Buffer.byteLength(body));
  for (const event of events) {
    const row = { id: ROW_ID, timestamp: ROW_TIMESTAMP, event_message: event.message, metadata: event.metadata };
    result.rowBytes.push(Buffer.byteLength(JSON.stringify(row)));
  }
}

/** A typical structured access-log line: the same fields every time, so the schema settles. */
export function logEvent(n: number) {
  const status = n % 20 === 0 ? 500 : 200;
  return {
    message: `GET /api/users/${n % 1000} ${status} in ${n % 97}ms`,
    metadata: {
      level: status === 500 ? 'error' : 'info',
      request: { method: 'GET', path: `/api/users/${n % 1000}`, host: 'api.example.com', user_agent: 'bench/1.0' },
      response: { status, duration_ms: n % 97, bytes: 512 + (n % 2048) },
      user_id: n % 5000,
    },
  };
}
