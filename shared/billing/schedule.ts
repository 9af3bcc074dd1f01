/**
 * The local twin's stand-in for Cloud Scheduler: runs yesterday's report at startup and then
 * every hour (the run is idempotent, so running it more often than daily costs only reads and
 * finalises a day soon after it settles).
 */
import type { Billing } from './service.ts';

export const REPORT_EVERY_MS = 3_600_000;

export interface ReportTimer {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startReportTimer(
  billing: Billing,
  options: { intervalMs?: number; log?: (message: string) => void } = {},
): ReportTimer {
  const log = options.log ?? ((message) => console.error(`[kindling] ${message}`));
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    const period = billing.yesterday();
    running = billing
      .runReports(period)
      .then(
        () => undefined,
        (error: unknown) => log(`usage report for ${period} failed: ${error instanceof Error ? error.message : error}`),
      )
      .finally(() => {
        running = null;
      });
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? REPORT_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
