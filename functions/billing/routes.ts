/**
 * The billing function: `POST /billing/report`, called daily by Cloud Scheduler (with its OIDC
 * token, on GCP) and by the operator (operator token; the local twin runs its own timer).
 * Computes every account's usage report for one UTC day, yesterday unless the body names another.
 */
import { z } from 'zod';
import type { AppContext } from '../../shared/context.ts';
import { parseDay, presentReport } from '../../shared/billing/index.ts';
import { schedulerOrOperator } from '../http/callers.ts';
import type { KindlingApp } from '../http/app.ts';
import { readJson } from '../http/request.ts';

const ReportBody = z.object({
  period: z
    .string()
    .refine((text) => parseDay(text) !== null, { message: 'must be a UTC day as YYYY-MM-DD' })
    .optional(),
});

export function billingRoutes(app: KindlingApp, ctx: AppContext): void {
  app.post('/billing/report', schedulerOrOperator(ctx), async (c) => {
    const { period } = await readJson(c, ReportBody);
    const reports = await ctx.billing.runReports(period ?? ctx.billing.yesterday());
    return c.json({ result: reports.map(presentReport) });
  });
}
