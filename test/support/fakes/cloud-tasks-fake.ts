/**
 * An in-test fake of Cloud Tasks v2 REST `tasks.create` for HTTP tasks in one queue: checks the
 * request as the API documents it (task name inside the queue, httpRequest url/method/body,
 * OIDC service account), answers 409 ALREADY_EXISTS for a name already used (also after the
 * task ran: Cloud Tasks blocks a name for about an hour), and hands stored tasks to a callback
 * the way Cloud Tasks would POST them to the sink.
 *
 * It counts billable operations as Cloud Tasks bills them: every API call, and every delivery
 * attempt, is one operation per started 32 KiB of the task's size (its body, URL and headers).
 */
import { randomUUID } from 'node:crypto';
import { apiError, HttpFake, parseJson, type FakeRequest, type FakeResponse } from './http-fake.ts';

export interface FakeTask {
  name: string;
  url: string;
  httpMethod: string;
  headers: Record<string, string>;
  body: Buffer;
  oidcToken?: { serviceAccountEmail: string; audience?: string };
  dispatchCount: number;
}

/** Cloud Tasks bills each started 32 KiB of a task as one operation. */
export const TASK_CHUNK_BYTES = 32 * 1024;

/** Billable operations so far: API calls and delivery attempts, in 32 KiB chunks. */
export interface TasksUsage {
  creates: number;
  createOperations: number;
  dispatches: number;
  dispatchOperations: number;
}

/** google.cloud.tasks.v2.HttpMethod, as the REST API encodes it with `enum-encoding=int`. */
const HTTP_METHODS = ['HTTP_METHOD_UNSPECIFIED', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;
const MAX_TASK_BYTES = 1_000_000;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export class CloudTasksFake extends HttpFake {
  /** Queued tasks, oldest first. */
  readonly tasks = new Map<string, FakeTask>();
  /** Every name ever used in the queue. */
  private readonly usedNames = new Set<string>();
  readonly usage: TasksUsage = { creates: 0, createOperations: 0, dispatches: 0, dispatchOperations: 0 };
  /** Each task's size for billing: its body, URL and headers. */
  private readonly billedBytes = new Map<string, number>();

  private constructor(
    readonly queuePath: string,
    token: string,
  ) {
    super([{ name: 'tasks.create', method: 'POST', pattern: /^\/v2\/(.+)\/tasks$/, handle: (r, p) => this.create(r, p) }], token);
  }

  static async start(
    options: { projectId?: string; location?: string; queue?: string; token?: string } = {},
  ): Promise<CloudTasksFake> {
    const { projectId = 'kindling-test', location = 'us-central1', queue = 'kindling-ingest', token = 'test' } = options;
    const fake = new CloudTasksFake(`projects/${projectId}/locations/${location}/queues/${queue}`, token);
    await fake.listen();
    return fake;
  }

  /**
   * Delivers every queued task to `handler` once, oldest first, as Cloud Tasks POSTs it to the
   * sink; a task whose handler succeeds is done, one whose handler throws stays queued.
   */
  async deliverAll(handler: (body: Buffer, task: FakeTask) => Promise<void>): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (const task of [...this.tasks.values()]) {
      if (await this.deliver(task, handler)) delivered++;
      else failed++;
    }
    return { delivered, failed };
  }

  /** One delivery attempt of a queued task (billed); true when the handler took it. */
  async deliver(task: FakeTask, handler: (body: Buffer, task: FakeTask) => Promise<void>): Promise<boolean> {
    task.dispatchCount++;
    this.usage.dispatches++;
    this.usage.dispatchOperations += chunks(this.billedBytes.get(task.name) ?? 0);
    try {
      await handler(task.body, task);
      this.tasks.delete(task.name);
      return true;
    } catch {
      return false;
    }
  }

  private create(request: FakeRequest, params: string[]): FakeResponse {
    this.usage.creates++;
    const response = this.createTask(request, params);
    // A refused call is still one operation; a created task one per 32 KiB chunk.
    const created = response.status === 200 ? this.billedBytes.get((response.body as { name: string }).name) : undefined;
    this.usage.createOperations += chunks(created ?? 0);
    return response;
  }

  private createTask(request: FakeRequest, params: string[]): FakeResponse {
    const parent = params[0]!;
    if (parent !== this.queuePath) return apiError(404, `Queue does not exist. (${parent})`);
    const ints = (request.query.get('$alt') ?? '').split(';').includes('enum-encoding=int');
    const body = parseJson(request) as { task?: Record<string, unknown> };
    const task = body?.task;
    if (!task || typeof task !== 'object') return apiError(400, 'Request must contain a task.');
    const http = task.httpRequest as Record<string, unknown> | undefined;
    if (!http || typeof http !== 'object') return apiError(400, 'The fake only implements HTTP tasks: httpRequest is required.');

    let id = randomUUID().replaceAll('-', '');
    if (task.name !== undefined) {
      const prefix = `${this.queuePath}/tasks/`;
      id = typeof task.name === 'string' && task.name.startsWith(prefix) ? task.name.slice(prefix.length) : '';
      if (!TASK_ID.test(id)) return apiError(400, `Invalid resource field value in the request: task.name ${String(task.name)}`);
    }
    const name = `${this.queuePath}/tasks/${id}`;

    const url = typeof http.url === 'string' ? safeUrl(http.url) : null;
    if (!url || !['http:', 'https:'].includes(url.protocol) || String(http.url).length > 2083) {
      return apiError(400, 'HttpRequest.url must be an absolute http or https URL.');
    }
    const given = http.httpMethod;
    const method = given === undefined ? 'POST' : ints ? HTTP_METHODS[given as number] : (given as string);
    if (method === undefined || method === 'HTTP_METHOD_UNSPECIFIED' || !HTTP_METHODS.includes(method)) {
      return apiError(400, `Invalid value for HttpRequest.http_method: ${String(http.httpMethod)}`);
    }
    const headers = (http.headers ?? {}) as Record<string, unknown>;
    if (typeof headers !== 'object' || Object.values(headers).some((value) => typeof value !== 'string')) {
      return apiError(400, 'HttpRequest.headers must map header names to strings.');
    }
    if (http.body !== undefined && (typeof http.body !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(http.body))) {
      return apiError(400, 'HttpRequest.body must be base64-encoded bytes.');
    }
    const payload = Buffer.from((http.body as string | undefined) ?? '', 'base64');
    if (payload.length > 0 && !['POST', 'PUT', 'PATCH'].includes(method)) {
      return apiError(400, 'A body is only allowed with POST, PUT or PATCH.');
    }
    const oidc = http.oidcToken as FakeTask['oidcToken'] | undefined;
    if (oidc !== undefined && (typeof oidc?.serviceAccountEmail !== 'string' || !EMAIL.test(oidc.serviceAccountEmail))) {
      return apiError(400, 'OidcToken.service_account_email must be a service account email.');
    }
    if (request.body.length > MAX_TASK_BYTES) return apiError(400, `Task size too large: ${request.body.length} bytes.`);
    if (this.usedNames.has(name)) return apiError(409, 'Requested entity already exists');

    this.usedNames.add(name);
    this.tasks.set(name, {
      name,
      url: http.url as string,
      httpMethod: method,
      headers: headers as Record<string, string>,
      body: payload,
      oidcToken: oidc,
      dispatchCount: 0,
    });
    const headerBytes = Object.entries(headers).reduce((sum, [header, value]) => sum + header.length + String(value).length, 0);
    this.billedBytes.set(name, payload.length + String(http.url).length + headerBytes);
    // The BASIC view Cloud Tasks answers with leaves the body out.
    const now = new Date().toISOString();
    const { body: _body, ...shown } = http;
    const view = ints ? 1 : 'BASIC';
    return { status: 200, body: { name, httpRequest: shown, createTime: now, scheduleTime: now, dispatchCount: 0, view } };
  }
}

function chunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / TASK_CHUNK_BYTES));
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
