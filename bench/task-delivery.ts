/**
 * Cloud Tasks' part in bench:cost: delivers the tasks queued in the Cloud Tasks fake to the sink
 * over HTTP, as Cloud Tasks pushes HTTP tasks: a POST of the task's body and headers with an OIDC
 * token for the sink's URL, spread over the instances (Cloud Run's load balancer), at most
 * `maxInFlight` at once, a task that failed delivered again after a backoff.
 *
 * The token is what the sink sees behind Cloud Run's invoker check: Google's signature replaced
 * by SIGNATURE_REMOVED_BY_GOOGLE, claims checked by the sink (TRUST_CLOUD_RUN_IAM=true).
 */
import type { CloudTasksFake, FakeTask } from '../test/support/fakes/cloud-tasks-fake.ts';

const POLL_MS = 5;
const RETRY_MS = 1_000;

export class TaskDelivery {
  private readonly inFlight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  failures = 0;

  constructor(
    private readonly queue: CloudTasksFake,
    /** The instances' base URLs; the sink answers at `/sink`. */
    private readonly targets: string[],
    private readonly token: string,
    private readonly maxInFlight = 64,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.pump(), POLL_MS);
  }

  /** Nothing queued and nothing being delivered. */
  get idle(): boolean {
    return this.queue.tasks.size === 0 && this.inFlight.size === 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private pump(): void {
    const now = Date.now();
    for (const task of this.queue.tasks.values()) {
      if (this.inFlight.size >= this.maxInFlight) return;
      if (this.inFlight.has(task.name) || (this.retryAt.get(task.name) ?? 0) > now) continue;
      this.inFlight.add(task.name);
      const target = this.targets[this.next++ % this.targets.length]!;
      void this.queue.deliver(task, (body) => this.post(target, body, task)).then((delivered) => {
        this.inFlight.delete(task.name);
        if (delivered) {
          this.retryAt.delete(task.name);
        } else {
          this.failures++;
          this.retryAt.set(task.name, Date.now() + RETRY_MS);
        }
      });
    }
  }

  private async post(target: string, body: Buffer, task: FakeTask): Promise<void> {
    const response = await fetch(`${target}/sink`, {
      method: 'POST',
      headers: { ...task.headers, authorization: `Bearer ${this.token}` },
      body: new Uint8Array(body),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`sink answered ${response.status}`);
  }
}

/** An OIDC token for `audience` as Cloud Run hands it on after checking Google's signature. */
export function cloudRunCheckedToken(audience: string, email: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: 'https://accounts.google.com', aud: audience, email, email_verified: true, iat, exp: iat + 3600 };
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.SIGNATURE_REMOVED_BY_GOOGLE`;
}
