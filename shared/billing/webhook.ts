/**
 * Delivering final reports to the operator's billing system (BILLING_WEBHOOK_URL): one JSON POST
 * per report, retried with backoff on network errors, 408, 429 and 5xx. The `Idempotency-Key`
 * header (account and period) lets the receiver drop a report it has already taken, should a
 * delivery be repeated after a crash.
 */
import type { UsageReport } from './model.ts';
import { CURRENCY } from './model.ts';
import { presentReport } from './report.ts';

export interface ReportDelivery {
  /** True once the receiver took the report; false when every attempt failed. */
  deliver(report: UsageReport): Promise<boolean>;
}

export interface WebhookOptions {
  attempts?: number;
  /** Wait before the second attempt; doubles for each later one. */
  backoffMs?: number;
  timeoutMs?: number;
  log?: (message: string) => void;
}

export const idempotencyKey = (report: UsageReport) => `${report.account_id}:${report.period}`;

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export class WebhookDelivery implements ReportDelivery {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly log: (message: string) => void;

  constructor(
    private readonly url: string,
    options: WebhookOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.log = options.log ?? ((message) => console.error(`[kindling] ${message}`));
  }

  async deliver(report: UsageReport): Promise<boolean> {
    const body = JSON.stringify({ ...presentReport(report), currency: CURRENCY });
    const key = idempotencyKey(report);
    let problem = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs * 2 ** (attempt - 2));
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return true;
        problem = `HTTP ${response.status}`;
        if (!retryable(response.status)) break;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
    }
    this.log(`billing webhook did not take report ${key} (${problem}); the next report run tries again`);
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
