/**
 * The Usage page: events per UTC day for the last 30 days (chart and table), the plan with the
 * month so far and its estimated charge, and the daily usage reports billing has computed.
 */
import { api, isMissingRoute } from '../api.ts';
import type { BillingSummary, ChartPoint, UsageDay, UsageReport } from '../api-types.ts';
import { useLoad } from '../hooks.ts';
import { formatBytes, formatCount, formatMoney } from '../format.ts';
import { BarChart } from '../components/chart.tsx';
import { ErrorNotice, Hint } from '../components/notice.tsx';

function Unavailable({ error, what }: { error: unknown; what: string }) {
  return isMissingRoute(error) ? <Hint>This server does not report {what} yet.</Hint> : <ErrorNotice error={error} />;
}

function Plan({ billing }: { billing: BillingSummary }) {
  const unlimited = billing.included_events >= Number.MAX_SAFE_INTEGER;
  return (
    <dl class="facts">
      <div>
        <dt>Plan</dt>
        <dd id="plan-name">{billing.plan}</dd>
      </div>
      <div>
        <dt>Period</dt>
        <dd>
          <span class="nowrap">{billing.period.from}</span> – <span class="nowrap">{billing.period.to}</span>
        </dd>
      </div>
      <div>
        <dt>Events this period</dt>
        <dd>{formatCount(billing.usage.events)}</dd>
      </div>
      <div>
        <dt>Included events</dt>
        <dd>{unlimited ? 'unlimited' : formatCount(billing.included_events)}</dd>
      </div>
      <div>
        <dt>Price per million beyond</dt>
        <dd>{formatMoney(billing.price_per_million_events, billing.currency)}</dd>
      </div>
      <div>
        <dt>Estimated charge</dt>
        <dd id="estimated-charge">{formatMoney(billing.estimated_charge, billing.currency)}</dd>
      </div>
    </dl>
  );
}

export function UsagePage() {
  const usage = useLoad((signal) => api<{ result: UsageDay[] }>('/api/usage', { signal }), []);
  const billing = useLoad((signal) => api<BillingSummary>('/api/billing', { signal }), []);
  const reports = useLoad((signal) => api<{ result: UsageReport[] }>('/api/billing/reports', { signal }), []);
  const days = usage.data?.result ?? [];
  const points: ChartPoint[] = days.map((day) => ({ timestamp: `${day.date}T00:00:00Z`, value: day.events }));

  return (
    <section aria-labelledby="usage-title" class="stack">
      <h1 id="usage-title">Usage</h1>
      <section class="card" aria-labelledby="plan-title">
        <h2 id="plan-title">Plan and charges</h2>
        {billing.data ? <Plan billing={billing.data} /> : <Unavailable error={billing.error} what="billing" />}
      </section>

      <section class="card" aria-labelledby="daily-title">
        <h2 id="daily-title">Events per day, last 30 days (UTC)</h2>
        <Unavailable error={usage.error} what="usage" />
        <BarChart points={points} label="Events per day" height={200} />
        {days.length > 0 ? (
          <details>
            <summary>Daily figures</summary>
            <div class="table-scroll">
              <table>
                <caption class="visually-hidden">Usage per day</caption>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col" class="number">Events</th>
                    <th scope="col" class="number">Ingested</th>
                    <th scope="col" class="number">Queried</th>
                  </tr>
                </thead>
                <tbody>
                  {[...days].reverse().map((day) => (
                    <tr key={day.date}>
                      <td>{day.date}</td>
                      <td class="number">{formatCount(day.events)}</td>
                      <td class="number">{formatBytes(day.bytes)}</td>
                      <td class="number">{formatBytes(day.query_bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        ) : null}
      </section>

      <section class="card" aria-labelledby="reports-title">
        <h2 id="reports-title">Usage reports</h2>
        <Unavailable error={reports.error} what="usage reports" />
        {reports.data && reports.data.result.length === 0 ? (
          <p class="muted">No reports yet: billing computes one per account each day, for the day before.</p>
        ) : null}
        {reports.data && reports.data.result.length > 0 ? (
          <div class="table-scroll">
            <table class="stack-on-phone" role="table">
              <caption class="visually-hidden">Usage reports</caption>
              <thead role="rowgroup">
                <tr role="row">
                  <th scope="col" role="columnheader">Day</th>
                  <th scope="col" role="columnheader" class="number">Events</th>
                  <th scope="col" role="columnheader" class="number">Ingested</th>
                  <th scope="col" role="columnheader" class="number">Amount</th>
                  <th scope="col" role="columnheader">Status</th>
                </tr>
              </thead>
              <tbody role="rowgroup">
                {reports.data.result.map((report) => (
                  <tr role="row" key={report.period}>
                    <td role="cell" data-label="Day">{report.period}</td>
                    <td role="cell" data-label="Events" class="number">{formatCount(report.events)}</td>
                    <td role="cell" data-label="Ingested" class="number">{formatBytes(report.bytes)}</td>
                    <td role="cell" data-label="Amount" class="number">{formatMoney(report.amount)}</td>
                    <td role="cell" data-label="Status">{report.final ? 'Final' : 'Provisional'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </section>
  );
}
