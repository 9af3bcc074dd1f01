/**
 * The TaskQueue on Cloud Tasks: each task becomes an HTTP task that Cloud Tasks POSTs to the
 * sink function with an OIDC token, retrying per the queue's retry configuration. Task names are
 * given, so a retried enqueue finds ALREADY_EXISTS and counts as done.
 */
import { CloudTasksClient } from '@google-cloud/tasks';
import { TransientError } from '../../errors.ts';
import type { QueuedTask, TaskFormat, TaskHandler, TaskQueue } from '../../ports.ts';
import { assertTaskName } from '../names.ts';
import { staticTokenAuth } from './static-token.ts';

export interface CloudTasksQueueOptions {
  projectId: string;
  location: string;
  queue: string;
  /** The sink function's URL; also the OIDC token's audience. */
  sinkUrl: string;
  /** The service account whose OIDC token Cloud Tasks attaches to each delivery. */
  serviceAccountEmail: string;
  /** Largest task body accepted; Cloud Tasks documents 100 KB in one place. */
  maxTaskBytes?: number;
  /** Tests only: a fake's base URL (`http://127.0.0.1:<port>`), reached over the REST fallback. */
  apiEndpoint?: string;
  /** Tests only: the bearer token sent to `apiEndpoint`. */
  accessToken?: string;
}

/** gRPC status codes, which the client reports for both its gRPC and its REST transport. */
const ALREADY_EXISTS = 6;
const TRANSIENT_CODES = new Set([
  4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 10 /* ABORTED */, 13 /* INTERNAL */, 14 /* UNAVAILABLE */,
]);
const TRANSIENT_HTTP = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export class CloudTasksQueue implements TaskQueue {
  private tasksClient: CloudTasksClient | undefined;
  private readonly maxTaskBytes: number;
  /** Compressed, and split to Cloud Tasks' documented cap. */
  readonly taskFormat: TaskFormat;

  constructor(private readonly options: CloudTasksQueueOptions) {
    this.maxTaskBytes = options.maxTaskBytes ?? 100_000;
    this.taskFormat = { maxBytes: this.maxTaskBytes, compression: 'gzip' };
  }

  async enqueue(tasks: QueuedTask[]): Promise<void> {
    for (const task of tasks) {
      assertTaskName(task.name);
      if (task.body.length > this.maxTaskBytes) {
        throw new Error(
          `Task ${task.name} has a ${task.body.length}-byte body; Cloud Tasks bodies are capped at ` +
            `${this.maxTaskBytes} bytes, so the batch must be split before it is enqueued.`,
        );
      }
    }
    const outcomes = await Promise.allSettled(tasks.map((task) => this.create(task)));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** Cloud Tasks delivers by calling the sink's URL itself. */
  startDelivery(_handler: TaskHandler): void {}

  async close(): Promise<void> {
    await this.tasksClient?.close();
    this.tasksClient = undefined;
  }

  private async create(task: QueuedTask): Promise<void> {
    const client = this.client();
    const parent = client.queuePath(this.options.projectId, this.options.location, this.options.queue);
    const { sinkUrl, serviceAccountEmail } = this.options;
    try {
      await client.createTask({
        parent,
        task: {
          name: `${parent}/tasks/${task.name}`,
          httpRequest: {
            url: sinkUrl,
            httpMethod: 'POST',
            headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
            body: task.body,
            oidcToken: { serviceAccountEmail, audience: sinkUrl },
          },
        },
      });
    } catch (error) {
      if (grpcCode(error) === ALREADY_EXISTS || httpStatus(error) === 409) return;
      if (isTransient(error)) throw new TransientError(`Cloud Tasks did not queue task ${task.name}.`, { cause: error });
      throw error;
    }
  }

  /** Created on first use and kept: one client per process. */
  private client(): CloudTasksClient {
    const endpoint = this.options.apiEndpoint;
    if (this.tasksClient) return this.tasksClient;
    if (endpoint === undefined) {
      this.tasksClient = new CloudTasksClient();
    } else {
      const url = new URL(endpoint);
      this.tasksClient = new CloudTasksClient({
        fallback: true,
        apiEndpoint: url.hostname,
        port: Number(url.port),
        protocol: url.protocol.replace(':', ''),
        authClient: staticTokenAuth(this.options.accessToken ?? 'test'),
      });
    }
    return this.tasksClient;
  }
}

/** The gRPC status code, or a Node network error code such as ECONNRESET. */
function grpcCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** Set by the REST transport, alongside the gRPC code it maps the status to. */
function httpStatus(error: unknown): unknown {
  return (error as { httpStatusCode?: unknown } | null)?.httpStatusCode;
}

function isTransient(error: unknown): boolean {
  const code = grpcCode(error);
  const http = httpStatus(error);
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return (
    (typeof code === 'number' && TRANSIENT_CODES.has(code)) ||
    (typeof http === 'number' && TRANSIENT_HTTP.has(http)) ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (typeof cause === 'string' && NETWORK_CODES.has(cause))
  );
}
