/**
 * Billing, the public face: usage metering, daily usage reports with their delivery, and the
 * helpers the HTTP edge needs to name days and show reports. Plans live in plans.ts.
 */
export { type DailyUsage, type UsageReport } from './model.ts';
export { UsageMeter } from './metering.ts';
export { Billing, type BillingSummary } from './service.ts';
export { WebhookDelivery, type ReportDelivery } from './webhook.ts';
export { startReportTimer, type ReportTimer } from './schedule.ts';
export { presentReport } from './report.ts';
export { addDays, daysFrom, parseDay, utcDay } from './days.ts';
