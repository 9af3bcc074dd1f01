/**
 * The shared machinery of the in-test Google API fakes: a node:http server on 127.0.0.1 that
 * routes requests, checks the bearer token, counts calls and bytes per route, injects faults,
 * and answers errors in Google's JSON error shape.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
}

export interface FakeRoute {
  /** The API method's name, e.g. `tabledata.insertAll`: what counters and faults are keyed by. */
  name: string;
  method: string;
  pattern: RegExp;
  handle(request: FakeRequest, params: string[]): FakeResponse | Promise<FakeResponse>;
}

export interface FakeCall {
  route: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
}

const STATUS_NAMES: Record<number, [status: string, reason: string]> = {
  400: ['INVALID_ARGUMENT', 'invalid'],
  401: ['UNAUTHENTICATED', 'unauthorized'],
  403: ['PERMISSION_DENIED', 'accessDenied'],
  404: ['NOT_FOUND', 'notFound'],
  409: ['ALREADY_EXISTS', 'duplicate'],
  429: ['RESOURCE_EXHAUSTED', 'rateLimitExceeded'],
  500: ['INTERNAL', 'backendError'],
  503: ['UNAVAILABLE', 'backendError'],
};

/** A Google API error body: `{error: {code, message, status, errors: [{reason, message}]}}`. */
export function apiError(code: number, message: string, reason?: string): FakeResponse {
  const [status, defaultReason] = STATUS_NAMES[code] ?? ['UNKNOWN', 'unknown'];
  return {
    status: code,
    body: { error: { code, message, status, errors: [{ message, domain: 'global', reason: reason ?? defaultReason }] } },
  };
}

/** Reads a JSON request body, or answers 400 the way the APIs do for a malformed one. */
export function parseJson(request: FakeRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new FakeRejection(apiError(400, 'Invalid JSON payload received.'));
  }
}

/** Thrown by a handler to answer with an error response. */
export class FakeRejection extends Error {
  constructor(readonly response: FakeResponse) {
    super(JSON.stringify(response.body));
  }
}

export class HttpFake {
  readonly calls: FakeCall[] = [];
  /** Errors thrown by the fake's own handlers (a bug in the fake, answered as a 500). */
  readonly crashes: unknown[] = [];
  private readonly faults = new Map<string, FakeResponse[]>();
  /** Added before each answer, so that concurrent requests overlap as they would over a network. */
  latencyMs = 0;
  /** The most requests the fake was serving at one time. */
  peakInFlight = 0;
  private inFlight = 0;
  private server: http.Server | undefined;
  private port = 0;

  constructor(
    private readonly routes: FakeRoute[],
    private readonly token: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    // Google's front ends keep idle connections open for minutes. Node's default of 5 s would
    // close pooled sockets under the clients' feet, and the resets (ECONNRESET on reuse) would be
    // the fake's doing, not the adapter's.
    server.keepAliveTimeout = 10 * 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` calls of `route` answer `status` (e.g. 429, 503) instead of being served. */
  failNext(route: string, status: number, times = 1, reason?: string): void {
    const queued = this.faults.get(route) ?? [];
    for (let i = 0; i < times; i++) queued.push(apiError(status, `Injected ${status} for ${route}.`, reason));
    this.faults.set(route, queued);
  }

  count(route: string): number {
    return this.calls.filter((call) => call.route === route).length;
  }

  requestBytes(route: string): number {
    return this.calls.filter((call) => call.route === route).reduce((sum, call) => sum + call.requestBytes, 0);
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      await this.respond(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async respond(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const { route, response } = await this.dispatch(request);
    const payload = response.body === undefined ? '' : JSON.stringify(response.body);
    this.calls.push({ route, status: response.status, requestBytes: request.body.length, responseBytes: Buffer.byteLength(payload) });
    res.writeHead(response.status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(payload);
  }

  private async dispatch(request: FakeRequest): Promise<{ route: string; response: FakeResponse }> {
    for (const route of this.routes) {
      const match = route.method === request.method ? route.pattern.exec(request.path) : null;
      if (!match) continue;
      if (request.headers.authorization !== `Bearer ${this.token}`) {
        return { route: route.name, response: apiError(401, 'Request had invalid authentication credentials.') };
      }
      const fault = this.faults.get(route.name)?.shift();
      if (fault) return { route: route.name, response: fault };
      try {
        return { route: route.name, response: await route.handle(request, match.slice(1)) };
      } catch (error) {
        if (error instanceof FakeRejection) return { route: route.name, response: error.response };
        this.crashes.push(error);
        return { route: route.name, response: apiError(500, `The fake crashed: ${String(error)}`) };
      }
    }
    return { route: 'unknown', response: apiError(404, `The fake does not implement ${request.method} ${request.path}.`) };
  }
}
