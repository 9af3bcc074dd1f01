/**
 * Starts the local twin from its source (`tsx functions/local.ts`; `npm start` runs the same
 * files as tsc compiles them, types stripped, so no build is needed first), as a child process
 * on a free port with its own DATA_DIR, and offers what e2e tests need: its URL and key,
 * requests, waiting for events to become readable, and stopping it gently or with kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export const ADMIN_TOKEN = 'test-operator-token';

export interface Twin {
  url: string;
  key: string;
  dataDir: string;
  output(): string;
  /** fetch relative to the twin, with the default key unless headers say otherwise. */
  request(pathAndQuery: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Starts again on the same DATA_DIR and port. */
  restart(): Promise<void>;
  /** Stops and deletes the data directory. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startTwin(options: { env?: Record<string, string>; dataDir?: string } = {}): Promise<Twin> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'kindling-e2e-'));
  const port = await freePort();
  const key = `test-key-${Math.random().toString(36).slice(2)}`;
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let log = '';

  const launch = async () => {
    log = '';
    // One process (no tsx wrapper), so a kill -9 hits the server itself.
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'functions/local.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        BOOTSTRAP_API_KEY: key,
        KINDLING_ADMIN_TOKEN: ADMIN_TOKEN,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`twin exited during start:\n${log}`);
      const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (healthy) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`twin did not become healthy:\n${log}`);
  };

  const exited = () =>
    new Promise<number | null>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve(child?.exitCode ?? null);
      child.once('exit', (code) => resolve(code));
    });

  await launch();
  const twin: Twin = {
    url,
    key,
    dataDir,
    output: () => log,
    request(pathAndQuery, init = {}) {
      const { key: givenKey, ...rest } = init;
      const headers = new Headers(rest.headers);
      const useKey = givenKey === undefined ? key : givenKey;
      if (useKey !== null && !headers.has('authorization') && !headers.has('x-api-key')) {
        headers.set('authorization', `Bearer ${useKey}`);
      }
      return fetch(`${url}${pathAndQuery}`, { ...rest, headers });
    },
    async stop() {
      child?.kill('SIGTERM');
      return exited();
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited();
    },
    async restart() {
      await launch();
    },
    async destroy() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return twin;
}

/** Creates a source and returns its id. */
export async function createSource(twin: Twin, name: string, key?: string): Promise<string> {
  const response = await twin.request('/api/sources', {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export type ApiEvent = Record<string, unknown> & { id: string; timestamp: string; event_message: string };

/** Every readable event of a source (all pages), newest first. */
export async function readAll(twin: Twin, source: string, key?: string): Promise<ApiEvent[]> {
  const events: ApiEvent[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await twin.request(`/api/sources/${source}/events?${query}`, { key });
    if (response.status !== 200) throw new Error(`events: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { result: ApiEvent[]; next_cursor: string | null };
    events.push(...page.result);
    cursor = page.next_cursor;
  } while (cursor);
  return events;
}

/** Polls until the source has at least `count` events (the sink is asynchronous). */
export async function waitForEvents(
  twin: Twin,
  source: string,
  count: number,
  timeoutMs = 20_000,
  key?: string,
): Promise<ApiEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await readAll(twin, source, key);
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function ingest(
  twin: Twin,
  source: string,
  body: unknown,
  init: { headers?: Record<string, string>; key?: string | null; path?: string } = {},
): Promise<Response> {
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return twin.request(`${init.path ?? '/logs'}?source=${source}`, {
    method: 'POST',
    key: init.key,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: payload as BodyInit,
  });
}
