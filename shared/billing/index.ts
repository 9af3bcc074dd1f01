/**
 * Billing, the public face: plans, usage metering, daily usage reports and their delivery.
 */
export { PLANS, DEFAULT_PLAN, planOf, sourceEventsPerSecond, type Plan, type PlanLimits } from './plans.ts';
export { USAGE_METRICS, CURRENCY, type DailyUsage, type UsageMetric, type UsageReport } from './model.ts';
export { UsageMeter, usageCounter } from './metering.ts';
export { Billing, type BillingSummary } from './service.ts';
export { WebhookDelivery, idempotencyKey, type ReportDelivery } from './webhook.ts';
export { startReportTimer, type ReportTimer } from './schedule.ts';
export { presentReport, dayAmount, monthAmount, isFinal, FINAL_AFTER_MS } from './report.ts';
export { parseDay, utcDay, addDays, daysFrom, dayStart } from './days.ts';
